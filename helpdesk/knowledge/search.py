"""Article search text and its index: the tickets' Japanese search, applied to articles.

Registering :data:`ARTICLES` keeps SQLite's FTS5 copy (``article_search``) in step; the
migration made the table, or the pg_trgm index on PostgreSQL.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from helpdesk.knowledge.models import Article
from helpdesk.tickets.search import TrigramSearch, normalise

ARTICLES = TrigramSearch(Article, "article_search")


def article_search_text(title: str, body: str, tags: Iterable[str]) -> str:
    """What an article is searched by: its title, tags and body, normalised like tickets."""
    return normalise(title, " ".join(tags), body)


def tag_key(label: str) -> str:
    """The form two spellings of one tag share (ＶＰＮ / vpn): what tags are stored and filtered by."""
    return " ".join(unicodedata.normalize("NFKC", label).lower().split())
