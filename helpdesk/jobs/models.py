"""A background job's row: what was asked, by whom, and how far the worker has got."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.core.db import Model, str_enum


class JobState(StrEnum):
    """``queued`` until a worker picks it up; ``done`` and ``failed`` are final."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(Model):
    """Long work requested by a person and run by a worker (a monthly report, a data export)."""

    __tablename__ = "background_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: What to run, ``"<domain>.<what>"`` (``reports.monthly``); the domain that runs it owns the meaning.
    kind: Mapped[str] = mapped_column(String(60))
    #: Small values only (a month, a directory name; once done, a size or a checksum of the result):
    #: the domain re-reads everything else.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[JobState] = mapped_column(str_enum(JobState))
    #: Progress: steps done of ``total`` (0 of 0 until the worker knows how many there are).
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: The step in progress, or why it failed.
    message: Mapped[str] = mapped_column(Text, default="")
    #: What the job produced, ``"<type>:<id>"`` (``report_snapshot:12``); empty until done.
    result_ref: Mapped[str] = mapped_column(String(100), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_background_jobs_kind_created", "kind", "created_at"),)

    @property
    def is_finished(self) -> bool:
        """True once done or failed: nothing will change any more."""
        return self.state in (JobState.DONE, JobState.FAILED)
