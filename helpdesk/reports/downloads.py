"""A stored monthly report as files: XLSX (a sheet per section) and CSV (one file, a block per section).

Both carry the snapshot's month, generation time and SHA-256 (a cover sheet / the first rows), so a
copy can be checked against the stored snapshot.

CSV: one file with a title row above each section's block, UTF-8 with a BOM and CRLF line ends.
A ministry clerk double-clicks a CSV and Excel opens it; a zip of a dozen CSVs would have to be
extracted and opened file by file, and the workbook already gives a sheet per section for those who
want them apart. The BOM makes Excel read UTF-8 (without it Excel in Japan assumes Shift_JIS).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import xlsxwriter
from flask_babel import lazy_gettext as _l

from helpdesk.core.time import TOKYO
from helpdesk.reports.exports import safe_cell
from helpdesk.reports.tables import Cell, Table, build_tables

BOM = "\ufeff"
#: Excel's limit on sheet names.
SHEET_NAME_MAX = 31


@dataclass(frozen=True)
class Stamp:
    """What identifies the snapshot a file was made from."""

    month: str
    generated_at: datetime
    sha256: str
    code_version: str

    def rows(self) -> list[list[str]]:
        return [
            [str(_l("月次サービスレベル報告")), self.month],
            [str(_l("作成日時")), f"{self.generated_at.astimezone(TOKYO):%Y-%m-%d %H:%M:%S}"],
            ["SHA-256", self.sha256],
            [str(_l("集計方式")), self.code_version],
        ]


def file_name(month: str, extension: str) -> str:
    """``service-level-2026-10.xlsx``."""
    return f"service-level-{month}.{extension}"


def _cell(value: Cell) -> Cell:
    return safe_cell(value) if isinstance(value, str) else value


def to_csv(content: Mapping[str, Any], stamp: Stamp, *, locale: str) -> bytes:
    """The report as one CSV: the stamp rows, then each section's title row, header row and rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(stamp.rows())
    for table in build_tables(content, locale=locale):
        writer.writerow([])
        writer.writerow([f"■{table.title}"])
        writer.writerow(table.headers)
        writer.writerows([[("" if v is None else _cell(v)) for v in row] for row in table.rows])
    return (BOM + buffer.getvalue()).encode("utf-8")


def to_xlsx(content: Mapping[str, Any], stamp: Stamp, *, locale: str) -> bytes:
    """The report as a workbook: a cover sheet with the stamp, then one sheet per section."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    workbook.set_properties({"title": f"{stamp.rows()[0][0]} {stamp.month}",
                             "comments": f"SHA-256 {stamp.sha256}"})
    bold = workbook.add_format({"bold": True, "bg_color": "#e8eef5", "border": 1, "text_wrap": True})
    cover = workbook.add_worksheet(str(_l("表紙")))
    _write_rows(cover, stamp.rows(), bold)
    cover.set_column(0, 0, 24)
    cover.set_column(1, 1, 70)
    used: set[str] = {cover.get_name()}
    for table in build_tables(content, locale=locale):
        sheet = workbook.add_worksheet(_sheet_name(table, used))
        sheet.write_row(0, 0, table.headers, bold)
        for r, row in enumerate(table.rows, start=1):
            sheet.write_row(r, 0, [_cell(v) for v in row])
        # The stamp under every sheet too: a sheet printed alone still says where it came from.
        footer = len(table.rows) + 2
        sheet.write_row(footer, 0, [f"{stamp.month} · {stamp.rows()[1][1]} · SHA-256 {stamp.sha256}"])
        sheet.set_column(0, max(len(table.headers) - 1, 0), 16)
        sheet.freeze_panes(1, 0)
    workbook.close()
    return output.getvalue()


def _write_rows(sheet: Any, rows: Sequence[Sequence[Cell]], header: Any) -> None:
    for r, row in enumerate(rows):
        sheet.write(r, 0, row[0], header)
        sheet.write_row(r, 1, list(row[1:]))


def _sheet_name(table: Table, used: set[str]) -> str:
    """The section's title as a sheet name: Excel's forbidden characters out, short and unique."""
    name = "".join(" " if ch in "[]:*?/\\" else ch for ch in table.title)[:SHEET_NAME_MAX].strip()
    candidate, n = name, 2
    while candidate in used:
        suffix = f" ({n})"
        candidate, n = name[:SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate
