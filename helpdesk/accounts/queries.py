"""Reading accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from helpdesk.accounts.models import Department, Party, PartyMembership, Role, Site, User
from helpdesk.core.db import db
from helpdesk.core.errors import NotFound


def find_user_by_email(email: str) -> User | None:
    """The user with this e-mail (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user(user_id: int) -> User:
    """:raises NotFound: no such user."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user


def get_party_by_code(code: str) -> Party:
    """:raises NotFound: no such party."""
    party = db.session.scalar(select(Party).where(Party.code == code))
    if party is None:
        raise NotFound("party")
    return party


def find_party_by_code(code: str) -> Party | None:
    """The party with this code, or None."""
    return db.session.scalar(select(Party).where(Party.code == code))


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


def memberships_of(user_id: int) -> list[PartyMembership]:
    """The parties a user works for."""
    stmt = select(PartyMembership).where(PartyMembership.user_id == user_id)
    return list(db.session.scalars(stmt))


def sites_by_code() -> dict[str, Site]:
    """Every site keyed by its code."""
    return {s.code: s for s in db.session.scalars(select(Site))}


def departments_by_code() -> dict[str, Department]:
    """Every department keyed by its code."""
    return {d.code: d for d in db.session.scalars(select(Department))}


def list_parties() -> list[Party]:
    """All parties, by code."""
    return list(db.session.scalars(select(Party).order_by(Party.code)))
