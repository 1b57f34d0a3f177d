"""Knowledge-base articles, their versions, categories, tags, ratings and deflections.

Tags are a small table of their own (``kb_tags``, one row per normalised tag) joined to
articles through ``article_tags``, not a JSON or delimited string column: the console
filters articles by tag and offers existing tags, both of which need an index that
works the same on PostgreSQL and SQLite, and one row per tag keeps ``ＶＰＮ`` and ``vpn``
one tag (the key is NFKC-normalised and lower-cased, the label keeps what was first typed).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import User
from helpdesk.core.db import BilingualName, Model, str_enum


class ArticleStatus(StrEnum):
    """Where an article is in its life."""

    DRAFT = "draft"  # 下書き: editors only
    PUBLISHED = "published"  # 公開中
    ARCHIVED = "archived"  # 公開終了: kept with its history, read by editors only


class Audience(StrEnum):
    """Who may read a published article."""

    STAFF = "staff"  # staff in the portal, and the desk
    AGENTS = "agents"  # the desk only (internal procedures)


class DeflectionSource(StrEnum):
    """Where the reader came from when they said the article solved their problem."""

    SUGGESTION = "suggestion"  # suggested while writing a new ticket
    ARTICLE = "article"  # found by browsing or searching the knowledge base


class Category(BilingualName, Model):
    """A heading of the knowledge base (VPN・リモート接続, プリンタ …)."""

    __tablename__ = "kb_categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("name_ja"),)


article_tags = Table(
    "article_tags",
    Model.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("kb_tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Model):
    """A free tag; ``key`` is the normalised form that makes two spellings one tag."""

    __tablename__ = "kb_tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: NFKC-normalised, lower-cased: what tags are matched and filtered by.
    key: Mapped[str] = mapped_column(String(40), unique=True)
    #: As first written (NFKC), what readers see.
    label: Mapped[str] = mapped_column(String(40))


class Article(Model):
    """An article as it stands now; every save also keeps an :class:`ArticleVersion`."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown, shown through the same sanitising renderer as ticket text.
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ArticleStatus] = mapped_column(str_enum(ArticleStatus))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("kb_categories.id"), index=True)
    #: Number of the newest :class:`ArticleVersion` (the content above).
    version: Mapped[int] = mapped_column(default=1)
    #: The resolved ticket this article was drafted from, if any.
    source_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: First publication; kept when an article is unpublished and published again.
    published_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    #: NFKC-normalised, lower-cased title, tags and body: what search matches
    #: (trigram-indexed on PostgreSQL, FTS5 trigram on SQLite), as for tickets.
    search_text: Mapped[str] = mapped_column(Text, default="")
    view_count: Mapped[int] = mapped_column(default=0)
    #: Times a reader said this article solved their problem (see :class:`Deflection`).
    deflection_count: Mapped[int] = mapped_column(default=0)
    #: Ratings aggregate, recomputed from ``article_ratings`` on every rating.
    rating_count: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)

    category: Mapped[Category | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by="Tag.key")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    __table_args__ = (Index("ix_articles_status_updated", "status", "updated_at"),)

    @property
    def rating_average(self) -> float | None:
        """Mean stars, or None before the first rating."""
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def is_published(self) -> bool:
        """Readers (per audience) see it."""
        return self.status is ArticleStatus.PUBLISHED


class ArticleVersion(Model):
    """One saved state of an article's text: numbered from 1, never changed afterwards."""

    __tablename__ = "article_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    author: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("article_id", "number"),)


class ArticleRating(Model):
    """A reader's 1–5 stars for an article; rating again replaces their earlier rating."""

    __tablename__ = "article_ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("article_id", "user_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
    )


class Deflection(Model):
    """A ticket not filed: a reader said this article solved their problem."""

    __tablename__ = "article_deflections"
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[DeflectionSource] = mapped_column(str_enum(DeflectionSource))
    #: The subject the reader had typed into the new-ticket form, when they came from a suggestion.
    draft_subject: Mapped[str] = mapped_column(String(200), default="")
    #: The page's one-time key: the same button pressed twice is one deflection.
    key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_article_deflections_user_article", "user_id", "article_id", "created_at"),
    )
