"""Who exists: people, the parties they work for, where they sit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.db import BilingualName, Model, str_enum


class Role(StrEnum):
    """What a person does in the system; one role per account."""

    REQUESTER = "requester"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    VENDOR = "vendor"
    SECURITY = "security"
    ADMIN = "admin"


class SiteKind(StrEnum):
    """The four kinds of place on the ministry's LAN."""

    HQ = "hq"
    EXTERNAL = "external"
    REGIONAL = "regional"
    DR = "dr"


class PartyKind(StrEnum):
    """How a party relates to the ministry; drives defaults, never permissions."""

    HELPDESK = "helpdesk"
    OPERATIONS = "operations"
    SECURITY = "security"
    VENDOR = "vendor"
    CARRIER = "carrier"
    MINISTRY = "ministry"


class Party(BilingualName, Model):
    """An organisation that can hold responsibility for a ticket."""

    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind))
    #: Where handoff notices go when the party wants mail.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: The business calendar its own targets are measured on.
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    memberships: Mapped[list[PartyMembership]] = relationship(back_populates="party")



class Site(BilingualName, Model):
    """A place on the LAN: headquarters, an external site, a regional bureau, the DR centre."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)



class Department(BilingualName, Model):
    """An organisational unit of the ministry, as the staff directory names it."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))



class User(Model):
    """A person who signs in: ministry staff, agents, vendor engineers, administrators."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the login name and the staff directory's key.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100), default="")
    family_kana: Mapped[str] = mapped_column(String(100), default="")
    given_kana: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    extension: Mapped[str] = mapped_column(String(20), default="")
    locale: Mapped[str] = mapped_column(String(8), default="ja")
    #: Single-key shortcuts in the console (``j``/``k``, ``r``, ``?`` …); some people prefer none.
    keyboard_shortcuts_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Notifications also arrive by mail (the in-app list is always kept).
    receives_mail: Mapped[bool] = mapped_column(Boolean, default=True)
    #: argon2id hash; None for accounts that cannot sign in with a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: May read confidential (security) tickets.
    is_security_cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    last_failed_login_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    site: Mapped[Site | None] = relationship()
    department: Mapped[Department | None] = relationship()
    memberships: Mapped[list[PartyMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        """Family name first, as Japanese names are written."""
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def display_kana(self) -> str:
        """Reading of the name in katakana."""
        return f"{self.family_kana} {self.given_kana}".strip()


class PartyMembership(Model):
    """A person working for a party; leads receive the party's alerts."""

    __tablename__ = "party_memberships"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="memberships")
    party: Mapped[Party] = relationship(back_populates="memberships")

    __table_args__ = (UniqueConstraint("user_id", "party_id"),)


class LoginSession(Model):
    """A browser session, held server-side so logout and deactivation end it at once."""

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token in the signed cookie; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    #: ``logout`` | ``deactivated`` | ``password_changed`` | ``expired``
    ended_reason: Mapped[str | None] = mapped_column(String(20))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()


class ApiKey(Model):
    """A machine credential for a person or for a whole party's tooling."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The first characters of the key, shown in lists and used to find the row.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    #: SHA-256 of the whole key (a 256-bit random secret needs no slow hash).
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    party: Mapped[Party | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(user_id IS NULL) <> (party_id IS NULL)", name="exactly_one_owner"
        ),
        Index("ix_api_keys_active", "prefix", "revoked_at"),
    )
