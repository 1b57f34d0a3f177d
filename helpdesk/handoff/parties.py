"""Parties as configuration: names, contact, calendar, acknowledgement targets and members.

Administrators keep them here; handoffs read the targets when they set a deadline and the
memberships when they decide who may act for a party and whom to alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from helpdesk.accounts.models import Party, PartyMembership, Role, User
from helpdesk.accounts.policy import require_administer
from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import NotFound, ValidationFailed
from helpdesk.sla.models import BusinessCalendar, Metric, PartyTarget
from helpdesk.tickets.states import Priority

#: Roles that can work for a party (requesters and administrators never hold tickets).
MEMBER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.VENDOR, Role.SECURITY})
#: One week: a longer acknowledgement target is a typing mistake.
TARGET_MAX_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class PartyOverview:
    """A party with what the admin page shows of it."""

    party: Party
    calendar: BusinessCalendar | None
    members: list[PartyMembership]
    ack_minutes: dict[Priority, int]
    hold_minutes: dict[Priority, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PartySettings:
    """What an administrator sets on a party; a target of None removes it.

    ``ack_minutes``: acknowledging a handoff; ``hold_minutes``: resolving while it holds a ticket.
    """

    name_ja: str
    name_en: str
    contact_email: str
    calendar_id: int | None
    is_active: bool
    ack_minutes: Mapping[Priority, int | None] = field(default_factory=dict)
    hold_minutes: Mapping[Priority, int | None] = field(default_factory=dict)

    def targets(self) -> dict[Metric, Mapping[Priority, int | None]]:
        """Both kinds of target by metric."""
        return {Metric.ACKNOWLEDGE: self.ack_minutes, Metric.HOLD: self.hold_minutes}


#: The form field prefix of each party target.
TARGET_FIELDS = {Metric.ACKNOWLEDGE: "ack", Metric.HOLD: "hold"}


def list_overview() -> list[PartyOverview]:
    """Every party, by code, with calendar, members and acknowledgement targets."""
    parties = list(db.session.scalars(select(Party).order_by(Party.code)))
    calendars = {c.id: c for c in db.session.scalars(select(BusinessCalendar))}
    members: dict[int, list[PartyMembership]] = {}
    for membership in db.session.scalars(select(PartyMembership).options(joinedload(PartyMembership.user))):
        members.setdefault(membership.party_id, []).append(membership)
    targets: dict[tuple[int, Metric], dict[Priority, int]] = {}
    for target in db.session.scalars(select(PartyTarget)):
        targets.setdefault((target.party_id, target.metric), {})[target.priority] = target.minutes
    return [
        PartyOverview(party=p, calendar=calendars.get(p.calendar_id or -1),
                      members=sorted(members.get(p.id, []),
                                     key=lambda m: (not m.is_lead, m.user.family_kana)),
                      ack_minutes=targets.get((p.id, Metric.ACKNOWLEDGE), {}),
                      hold_minutes=targets.get((p.id, Metric.HOLD), {}))
        for p in parties
    ]


def list_calendars() -> list[BusinessCalendar]:
    """Business calendars by code."""
    return list(db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.code)))


def update_party(party_id: int, settings: PartySettings, *, actor: Actor, now: datetime) -> None:
    """Change a party's names, contact, calendar, state and targets; audited.

    An acknowledgement target change applies to handoffs requested from now on (open ones keep
    their deadline); a hold target change to segments that start from now on.

    :raises PermissionDenied: not an administrator.
    :raises NotFound: no such party.
    :raises ValidationFailed: an empty Japanese name, an unknown calendar, a target out of range.
    """
    require_administer(actor)
    errors: dict[str, object] = {}
    if not settings.name_ja.strip():
        errors["name_ja"] = _l("名称を入力してください。")
    for metric, minutes_by_priority in settings.targets().items():
        for priority, minutes in minutes_by_priority.items():
            if minutes is not None and not 1 <= minutes <= TARGET_MAX_MINUTES:
                errors[f"{TARGET_FIELDS[metric]}_{priority.value.lower()}"] = _l(
                    "1〜%(n)d分で指定してください。", n=TARGET_MAX_MINUTES)
    if settings.calendar_id is not None and db.session.get(BusinessCalendar, settings.calendar_id) is None:
        errors["calendar"] = _l("一覧から選んでください。")
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)
    with unit_of_work() as session:
        party = session.get(Party, party_id)
        if party is None:
            raise NotFound("party")
        party.name_ja, party.name_en = settings.name_ja.strip(), settings.name_en.strip()
        party.contact_email = settings.contact_email.strip() or None
        party.calendar_id, party.is_active = settings.calendar_id, settings.is_active
        current = {(t.metric, t.priority): t for t in session.scalars(
            select(PartyTarget).where(PartyTarget.party_id == party_id))}
        for metric, minutes_by_priority in settings.targets().items():
            for priority, minutes in minutes_by_priority.items():
                target = current.get((metric, priority))
                if minutes is None and target is not None:
                    session.delete(target)
                elif minutes is not None and target is None:
                    session.add(PartyTarget(party_id=party_id, priority=priority, metric=metric,
                                            minutes=minutes))
                elif minutes is not None and target is not None:
                    target.minutes = minutes
        audit.record(actor, "party.updated", subject_type="party", subject_id=party.code, now=now,
                     data={"is_active": settings.is_active, "calendar_id": settings.calendar_id,
                           "ack_minutes": {p.value: m for p, m in settings.ack_minutes.items()},
                           "hold_minutes": {p.value: m for p, m in settings.hold_minutes.items()}})


def add_member(party_id: int, email: str, *, is_lead: bool, actor: Actor, now: datetime) -> PartyMembership:
    """Make a person a member (or change whether they lead); audited.

    :raises PermissionDenied: not an administrator.
    :raises ValidationFailed: no such active person, or a role that cannot work for a party.
    """
    require_administer(actor)
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or not user.is_active:
            raise ValidationFailed(_l("入力内容を確認してください。"),
                                   fields={"email": _l("登録されているメールアドレスを指定してください。")})
        if user.role not in MEMBER_ROLES:
            raise ValidationFailed(_l("入力内容を確認してください。"),
                                   fields={"email": _l("窓口・事業者・セキュリティ担当の利用者だけが"
                                                       "所属できます。")})
        if session.get(Party, party_id) is None:
            raise NotFound("party")
        membership = session.scalar(select(PartyMembership).where(PartyMembership.party_id == party_id,
                                                                  PartyMembership.user_id == user.id))
        if membership is None:
            membership = PartyMembership(party_id=party_id, user_id=user.id, is_lead=is_lead)
            session.add(membership)
        membership.is_lead = is_lead
        session.flush()
        audit.record(actor, "party.member_set", subject_type="party", subject_id=party_id, now=now,
                     data={"user_id": user.id, "is_lead": is_lead})
    return membership


def remove_member(party_id: int, user_id: int, *, actor: Actor, now: datetime) -> None:
    """End a person's membership; audited (nothing happens if there is none).

    :raises PermissionDenied: not an administrator.
    """
    require_administer(actor)
    with unit_of_work() as session:
        membership = session.scalar(select(PartyMembership).where(PartyMembership.party_id == party_id,
                                                                  PartyMembership.user_id == user_id))
        if membership is None:
            return
        session.delete(membership)
        audit.record(actor, "party.member_removed", subject_type="party", subject_id=party_id, now=now,
                     data={"user_id": user_id})
