"""Reading accounts."""

from __future__ import annotations

import unicodedata

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from helpdesk.accounts.models import Party, Role, Site, User
from helpdesk.core.db import db


def find_user_by_email(email: str) -> User | None:
    """The user with this e-mail (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def find_active_user(user_id: int) -> User | None:
    """An active user by id, or None."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def find_party_by_code(code: str) -> Party | None:
    """The party with this code, or None."""
    return db.session.scalar(select(Party).where(Party.code == code))


def list_active_parties() -> list[Party]:
    """Active parties by code."""
    return list(db.session.scalars(select(Party).where(Party.is_active.is_(True)).order_by(Party.code)))


def find_site_by_code(code: str) -> Site | None:
    """The active site with this code, or None."""
    return db.session.scalar(select(Site).where(Site.code == code, Site.is_active.is_(True)))


def list_users(*, role: Role | None = None, offset: int = 0, limit: int = 50) -> list[User]:
    """A page of users ordered by kana reading."""
    stmt = select(User).order_by(User.family_kana, User.given_kana, User.id)
    if role is not None:
        stmt = stmt.where(User.role == role)
    return list(db.session.scalars(stmt.offset(offset).limit(limit)))


def count_users(*, role: Role | None = None) -> int:
    """How many users (of a role)."""
    stmt = select(func.count()).select_from(User)
    if role is not None:
        stmt = stmt.where(User.role == role)
    return int(db.session.scalar(stmt) or 0)


def _katakana(text: str) -> str:
    """Hiragana to katakana, so やまだ finds the reading ヤマダ."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def search_people(query: str, *, limit: int = 10) -> list[User]:
    """Active people matching a caller search, best match first.

    Matches extension, e-mail, name and kana (hiragana input finds katakana readings;
    full-width digits and letters are folded). Exact extension first, then prefixes of
    extension, kana, name and e-mail, then anything containing the text.
    """
    text = unicodedata.normalize("NFKC", query).strip().lower().replace(" ", "").replace("\u3000", "")
    if not text:
        return []
    kana = _katakana(text)
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    kana_pattern = kana.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    full_name = User.family_name + User.given_name
    full_kana = User.family_kana + User.given_kana
    rank = case(
        (User.extension == text, 0),
        (User.extension.like(f"{pattern}%", escape="\\"), 1),
        (full_kana.like(f"{kana_pattern}%", escape="\\"), 2),
        (full_name.like(f"{pattern}%", escape="\\"), 3),
        (func.lower(User.email).like(f"{pattern}%", escape="\\"), 4),
        else_=5,
    )
    contains = or_(
        User.extension.like(f"%{pattern}%", escape="\\"),
        full_kana.like(f"%{kana_pattern}%", escape="\\"),
        full_name.like(f"%{pattern}%", escape="\\"),
        func.lower(User.email).like(f"%{pattern}%", escape="\\"),
    )
    stmt = (
        select(User).where(User.is_active.is_(True), contains)
        .order_by(rank, User.family_kana, User.given_kana, User.id).limit(limit)
        .options(joinedload(User.site), joinedload(User.department))
    )
    return list(db.session.scalars(stmt).unique())
