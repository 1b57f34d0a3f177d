"""Alembic environment: the metadata of every Helpdesk model, batch mode for SQLite."""

from __future__ import annotations

import logging

from alembic import context
from flask import current_app

import helpdesk.models  # noqa: F401 - every table must be in the metadata
from helpdesk.core.db import UTCDateTime, db, include_in_migrations

log = logging.getLogger("alembic.env")
config = context.config


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations must not import application code: UTC columns are plain timestamptz.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options() -> dict[str, object]:
    return {
        "target_metadata": db.metadata,
        "render_as_batch": True,
        "compare_type": True,
        "compare_server_default": False,
        "include_object": include_in_migrations,
        "render_item": _render_item,
    }


def run_migrations_offline() -> None:
    """Emit SQL without a connection (``flask db upgrade --sql``)."""
    url = db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the app's engine; refuse to autogenerate an empty revision."""

    def skip_empty(_context: object, _revision: object, directives: list) -> None:  # type: ignore[type-arg]
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("no changes in schema detected")

    with db.engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        if is_sqlite:
            # Batch mode rebuilds a SQLite table by copy, drop and rename. With foreign keys on,
            # dropping the old table cascades into its children (messages, attachments …) and
            # deletes them. The pragma only takes effect outside a transaction, hence here.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, process_revision_directives=skip_empty,
                          **_options())
        with context.begin_transaction():
            context.run_migrations()
            if is_sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left dangling foreign keys: {broken[:5]}")
        if is_sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if current_app and context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
