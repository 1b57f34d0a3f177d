"""Frozen monthly service-level reports: what was computed, when, by whom, and its fingerprint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.core.db import Model


class ReportSnapshot(Model):
    """One generation of one month's report. Never updated: regenerating adds a new row.

    ``sha256`` is over the canonical JSON of ``content`` (sorted keys, no spaces, UTF-8), so a
    printed or downloaded copy that shows it can be checked against the stored row, and
    ``flask reports verify`` can tell a changed row or changed raw data from the original.
    """

    __tablename__ = "report_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The Japan calendar month, ``YYYY-MM``.
    month: Mapped[str] = mapped_column(String(7))
    generated_at: Mapped[datetime]
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Which computation made it (``helpdesk.reports.monthly.CODE_VERSION``).
    code_version: Mapped[str] = mapped_column(String(40))
    #: The job that generated it (none for ``flask reports generate``).
    job_id: Mapped[int | None] = mapped_column(ForeignKey("background_jobs.id"), unique=True)

    __table_args__ = (Index("ix_report_snapshots_month", "month", "generated_at"),)
