"""The table reference in ``docs/export-format.md``, generated from the models so it cannot fall behind.

Each exported table gets its summary (the model's docstring), its primary key and load order,
and one line per column: name, JSON type, whether it may be null, and its meaning — the
model's ``#:`` comment where there is one, plus what it references. Rewrite the block with::

    .venv/bin/python -m helpdesk.portability.reference docs/export-format.md
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Enum,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy import inspect as inspect_model

from helpdesk.core.db import Base, UTCDateTime
from helpdesk.portability.format import EXCLUDED_TABLES, exported_tables

BEGIN = "<!-- BEGIN GENERATED TABLE REFERENCE: python -m helpdesk.portability.reference -->"
END = "<!-- END GENERATED TABLE REFERENCE -->"
_ATTRIBUTE = re.compile(r"^(\w+)\s*(?::\s*Mapped|=\s*mapped_column)")


def table_reference() -> str:
    """The generated Markdown between :data:`BEGIN` and :data:`END`."""
    classes = {mapper.persist_selectable.name: mapper.class_ for mapper in Base.registry.mappers
               if isinstance(mapper.persist_selectable, Table)}
    lines: list[str] = []
    for number, table in enumerate(exported_tables(), 1):
        model = classes.get(table.name)
        keys = ", ".join(f"`{c.name}`" for c in table.primary_key.columns)
        lines += [f"### `{table.name}`", "", _summary(model, table), "",
                  f"Load order {number}; primary key (and row order) {keys}.", "",
                  "| column | type | null | meaning |", "|---|---|---|---|"]
        notes = _column_notes(model) if model is not None else {}
        for column in table.columns:
            lines.append(f"| `{column.name}` | {_json_type(column)} | {'yes' if column.nullable else 'no'} "
                         f"| {_meaning(column, notes)} |")
        lines.append("")
    lines += ["### Tables not exported", "", "| table | why |", "|---|---|"]
    lines += [f"| `{name}` | {why} |" for name, why in sorted(EXCLUDED_TABLES.items())]
    return "\n".join(lines) + "\n"


def rewrite(document: Path) -> bool:
    """Replace the generated block of ``document``; True when it changed."""
    text = document.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN + "\n")
    _, _, tail = rest.partition(END)
    updated = f"{head}{BEGIN}\n{table_reference()}{END}{tail}"
    if updated == text:
        return False
    document.write_text(updated, encoding="utf-8")
    return True


def generated_block(document: Path) -> str:
    """What ``document`` holds between the markers ("" without them)."""
    text = document.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return ""
    return text.split(BEGIN + "\n", 1)[1].split(END, 1)[0]


def _summary(model: type[Any] | None, table: Table) -> str:
    if model is None or not model.__doc__:
        referenced = ", ".join(sorted(f"`{fk.column.table.name}`" for fk in table.foreign_keys))
        return f"Links {referenced}." if referenced else ""
    return " ".join(inspect.cleandoc(model.__doc__).split("\n\n", 1)[0].split())


def _column_notes(model: type[Any]) -> dict[str, str]:
    """Column name → the ``#:`` comment above its attribute, through the model's mixins."""
    by_attribute: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        if not klass.__module__.startswith("helpdesk."):
            continue
        try:
            source = inspect.getsource(klass)
        except OSError:
            continue  # Flask-SQLAlchemy's base, made at run time: no source and no columns
        pending: list[str] = []
        for line in source.splitlines():
            stripped = line.strip()
            if stripped.startswith("#:"):
                pending.append(stripped[2:].strip())
                continue
            match = _ATTRIBUTE.match(stripped)
            if match and pending:
                by_attribute[match.group(1)] = " ".join(pending)
            pending = []
    mapper = inspect_model(model)
    return {attr.columns[0].name: by_attribute[attr.key] for attr in mapper.column_attrs
            if attr.key in by_attribute}


def _json_type(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "instant"
    if isinstance(kind, Enum):
        return "string: " + " \\| ".join(f"`{value}`" for value in kind.enums)
    if isinstance(kind, LargeBinary):
        return "base64"
    for sql_type, name in ((Date, "date"), (Time, "time"), (Boolean, "boolean"), (JSON, "JSON"),
                           (BigInteger, "integer (64-bit)"), (Integer, "integer"), (Text, "string")):
        if isinstance(kind, sql_type):
            return name
    if isinstance(kind, String):
        return f"string (≤ {kind.length})" if kind.length else "string"
    raise TypeError(f"no documented type for {column.table.name}.{column.name} ({kind!r})")


def _meaning(column: Column[Any], notes: dict[str, str]) -> str:
    parts = [notes.get(column.name, "")]
    parts += [f"→ `{fk.column.table.name}.{fk.column.name}`" for fk in column.foreign_keys]
    if column.unique:
        parts.append("(unique)")
    return " ".join(p for p in parts if p).replace("|", "\\|")


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/export-format.md")
    print(f"{target}: {'rewritten' if rewrite(target) else 'already up to date'}")
