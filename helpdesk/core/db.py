"""Database plumbing: the declarative base, UTC timestamps, and the unit of work.

Only domain services open a unit of work; queries only read; views never touch the
session. The outermost :func:`unit_of_work` commits once, then runs the callbacks
registered with :func:`after_commit` (the outbox relay uses this to publish).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData, String, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; SQLite stores naive UTC text. Naive input is
    refused, so a local time can never be written by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention Alembic batch mode needs."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class BilingualName:
    """Japanese and English names of reference data, and the one to show a reader."""

    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")

    def display_name(self, locale: str) -> str:
        """The English name for English readers when there is one, else the Japanese name."""
        return self.name_en if locale == "en" and self.name_en else self.name_ja


def str_enum(enum_cls: type[StrEnum], length: int = 32) -> Enum:
    """Store a ``StrEnum`` as its value in a VARCHAR, so new values need no ALTER TYPE."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


db = SQLAlchemy(model_class=Base, disable_autonaming=True)

# Flask-SQLAlchemy builds ``db.Model`` at run time; type checkers see it as ``Base``.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, WAL and a busy timeout so a worker and the web can share the file."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


AfterCommit = Callable[[], None]


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Run the block as one transaction; only the outermost block commits.

    Nested blocks join the outer one, so services may call services. Callbacks
    registered with :func:`after_commit` run after a successful commit and are
    dropped on rollback. Any exception rolls the whole transaction back.
    """
    session = db.session()
    depth: int = session.info.get("uow_depth", 0)
    session.info["uow_depth"] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
            session.info.pop("uow_state", None)
        raise
    finally:
        session.info["uow_depth"] = depth
    if depth == 0:
        state = session.info.pop("uow_state", {})
        for callback in state.get("after_commit", []):
            callback()


def transaction_state() -> dict[str, Any]:
    """Scratch space of the current unit of work, dropped at its commit or rollback.

    :raises RuntimeError: when called outside :func:`unit_of_work`.
    """
    session = db.session()
    if not session.info.get("uow_depth"):
        raise RuntimeError("must run inside unit_of_work()")
    state: dict[str, Any] = session.info.setdefault("uow_state", {})
    return state


def after_commit(callback: AfterCommit) -> None:
    """Run ``callback`` once the current unit of work has committed (never after a rollback).

    :raises RuntimeError: when called outside :func:`unit_of_work`.
    """
    transaction_state().setdefault("after_commit", []).append(callback)


def is_postgresql() -> bool:
    """True when the bound engine is PostgreSQL (locks and partial features differ)."""
    return bool(db.engine.dialect.name == "postgresql")


#: Objects the migrations create by hand (search indexes) that the models cannot express,
#: and Celery's embedded-broker tables; autogenerate and drift checks leave them alone.
HAND_MADE_PREFIXES = ("kombu_", "ticket_search", "ix_tickets_search_trgm", "article_search",
                      "ix_articles_search_trgm")


def include_in_migrations(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic ``include_object`` hook: skip the hand-made and foreign objects."""
    return name is None or not name.startswith(HAND_MADE_PREFIXES)
