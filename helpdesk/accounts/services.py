"""Changing accounts: sign-in, sessions, users, the staff directory import, API keys.

Every function here is one unit of work and writes its audit event in it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from helpdesk.accounts import passwords
from helpdesk.accounts.models import (
    ApiKey,
    Department,
    LoginSession,
    Party,
    PartyMembership,
    Role,
    Site,
    User,
)
from helpdesk.accounts.policy import require_administer
from helpdesk.audit import services as audit
from helpdesk.core.actor import SYSTEM, Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)

LOCALES = ("ja", "en")


def actor_for(user: User, *, api_key_id: int | None = None) -> Actor:
    """The actor a user acts as: role, parties, leads, clearance."""
    return Actor(
        role=user.role.value,
        user_id=user.id,
        party_ids=frozenset(m.party_id for m in user.memberships),
        lead_party_ids=frozenset(m.party_id for m in user.memberships if m.is_lead),
        is_security_cleared=user.is_security_cleared or user.role in (Role.SECURITY, Role.ADMIN),
        api_key_id=api_key_id,
        label=user.email,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- signing in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginPolicy:
    """Lockout settings, read from the app config by the caller."""

    max_failures: int
    failure_window: timedelta
    lockout: timedelta
    session_lifetime: timedelta


@dataclass
class _Outcome:
    user: User | None = None
    token: str | None = None
    error: object | None = None


#: What a refused sign-in says, whatever the reason (unknown address, wrong password, locked).
_SIGN_IN_REFUSED = _l("メールアドレスまたはパスワードが正しくありません。"
                      "失敗が続くと、しばらくの間ログインできなくなります。")


def log_in(
    email: str,
    password: str,
    *,
    now: datetime,
    policy: LoginPolicy,
    remote_addr: str = "",
    user_agent: str = "",
) -> tuple[User, str]:
    """Check a password and open a new login session; return the user and the session token.

    Failures are committed (counter, lock, audit event) before the error is raised, so
    a locked account stays locked. The same message is used for an unknown e-mail and a
    wrong password. After ``policy.max_failures`` failures inside ``failure_window``
    the account is locked for ``policy.lockout``.

    :raises Unauthenticated: wrong credentials, locked or deactivated account.
    """
    outcome = _Outcome()
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            passwords.verify_password(None, password)
            audit.record(SYSTEM, "auth.login_failed", subject_type="email", subject_id=email[:254],
                         now=now, data={"reason": "unknown", "remote_addr": remote_addr})
            outcome.error = _SIGN_IN_REFUSED
        elif user.locked_until is not None and user.locked_until > now:
            audit.record(SYSTEM, "auth.login_refused", subject_type="user", subject_id=user.id,
                         now=now, data={"reason": "locked", "remote_addr": remote_addr})
            # The same words as a wrong password: "locked" would tell anyone who tried five
            # times that the address has an account (the audit trail keeps the real reason).
            outcome.error = _SIGN_IN_REFUSED
        elif not passwords.verify_password(user.password_hash, password):
            _count_failure(user, now=now, policy=policy)
            audit.record(SYSTEM, "auth.login_failed", subject_type="user", subject_id=user.id,
                         now=now, data={"reason": "password", "failures": user.failed_login_count,
                                        "locked": user.locked_until is not None,
                                        "remote_addr": remote_addr})
            outcome.error = _SIGN_IN_REFUSED
        elif not user.is_active:
            audit.record(SYSTEM, "auth.login_refused", subject_type="user", subject_id=user.id,
                         now=now, data={"reason": "inactive", "remote_addr": remote_addr})
            outcome.error = _l("このアカウントは利用できません。管理者にお問い合わせください。")
        else:
            if user.password_hash and passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hash_password(password)
            user.failed_login_count = 0
            user.locked_until = None
            user.last_login_at = now
            token = secrets.token_urlsafe(32)
            session.add(LoginSession(
                token_hash=_token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                expires_at=now + policy.session_lifetime, remote_addr=remote_addr[:64],
                user_agent=user_agent[:300],
            ))
            audit.record(actor_for(user), "auth.login", subject_type="user", subject_id=user.id,
                         now=now, data={"remote_addr": remote_addr})
            outcome.user, outcome.token = user, token
    if outcome.error is not None or outcome.user is None or outcome.token is None:
        raise Unauthenticated(outcome.error)
    return outcome.user, outcome.token


def _count_failure(user: User, *, now: datetime, policy: LoginPolicy) -> None:
    last = user.last_failed_login_at
    if last is None or now - last > policy.failure_window:
        user.failed_login_count = 0
    user.failed_login_count += 1
    user.last_failed_login_at = now
    if user.failed_login_count >= policy.max_failures:
        user.locked_until = now + policy.lockout


def resolve_session(token: str, *, now: datetime, idle_timeout: timedelta) -> User | None:
    """The user of a live login session, or None when it ended, expired or idled out.

    Refreshes ``last_seen_at`` at most once a minute (a small write, its own commit). Most requests
    only read, and commit nothing: the user row stays loaded for the rest of the request.
    """
    login = db.session.scalar(
        select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
        .options(joinedload(LoginSession.user))
    )
    if login is None or login.ended_at is not None:
        return None
    user = login.user
    expired = login.expires_at <= now or now - login.last_seen_at > idle_timeout
    if expired or not user.is_active:
        with unit_of_work():
            login.ended_at, login.ended_reason = now, "expired" if expired else "deactivated"
        return None
    if now - login.last_seen_at > timedelta(minutes=1):
        with unit_of_work():
            login.last_seen_at = now
    return user


def log_out(token: str, *, now: datetime) -> None:
    """End one login session server-side; the cookie becomes worthless. Idempotent."""
    with unit_of_work() as session:
        login = session.scalar(
            select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
        )
        if login is None or login.ended_at is not None:
            return
        login.ended_at, login.ended_reason = now, "logout"
        audit.record(actor_for(login.user), "auth.logout", subject_type="user",
                     subject_id=login.user_id, now=now)


def _end_all_sessions(user_id: int, *, now: datetime, reason: str, keep_token: str | None = None) -> int:
    stmt = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    if keep_token is not None:
        stmt = stmt.where(LoginSession.token_hash != _token_hash(keep_token))
    result = db.session.execute(stmt.values(ended_at=now, ended_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


# --- managing users -------------------------------------------------------------------------


@dataclass
class UserFields:
    """What an administrator or the directory import may set on a user."""

    email: str
    family_name: str
    given_name: str = ""
    family_kana: str = ""
    given_kana: str = ""
    role: Role = Role.REQUESTER
    site_code: str | None = None
    department_code: str | None = None
    department_name: str | None = None
    extension: str = ""
    locale: str = "ja"
    party_codes: tuple[str, ...] = ()
    lead_party_codes: tuple[str, ...] = ()
    is_security_cleared: bool = False


def create_user(
    fields: UserFields, *, actor: Actor, now: datetime, password: str | None = None
) -> User:
    """Create one account; audited.

    :raises PermissionDenied: the actor is not an administrator.
    :raises Conflict: the e-mail is taken.
    :raises ValidationFailed: a field is invalid (messages per field).
    """
    require_administer(actor)
    with unit_of_work() as session:
        if session.scalar(select(User.id).where(User.email == fields.email.strip().lower())):
            raise Conflict(_l("このメールアドレスは既に登録されています。"),
                           fields={"email": _l("既に登録されています。")})
        user = _upsert_user(fields, now=now, existing=None)
        if password is not None:
            set_password_hash(user, password)
        session.flush()
        audit.record(actor, "user.created", subject_type="user", subject_id=user.id, now=now,
                     data={"email": user.email, "role": user.role.value})
    return user


def set_password_hash(user: User, password: str) -> None:
    """Validate and hash a new password onto ``user`` (caller's unit of work).

    :raises ValidationFailed: shorter than the minimum length.
    """
    if len(password) < passwords.MIN_LENGTH:
        raise ValidationFailed(
            _l("パスワードは%(n)d文字以上にしてください。", n=passwords.MIN_LENGTH),
            fields={"password": _l("%(n)d文字以上必要です。", n=passwords.MIN_LENGTH)},
        )
    user.password_hash = passwords.hash_password(password)


def change_own_password(
    user_id: int, current_password: str, new_password: str, *, actor: Actor, now: datetime,
    keep_token: str | None = None,
) -> int:
    """Change one's own password after proving the current one; end every other session.

    Returns how many other sessions were ended. Audited.

    :raises PermissionDenied: ``user_id`` is not the actor.
    :raises ValidationFailed: wrong current password, or the new one is too short or unchanged.
    """
    if actor.user_id != user_id:
        raise PermissionDenied(_l("この操作はできません。"))
    with unit_of_work():
        user = _get_user(user_id)
        if not passwords.verify_password(user.password_hash, current_password):
            raise ValidationFailed(_l("現在のパスワードが正しくありません。"),
                                   fields={"current": _l("正しくありません。")})
        if current_password == new_password:
            raise ValidationFailed(_l("新しいパスワードは現在のものと違うものにしてください。"),
                                   fields={"password": _l("現在のものと同じです。")})
        set_password_hash(user, new_password)
        user.updated_at = now
        ended = _end_all_sessions(user.id, now=now, reason="password_changed", keep_token=keep_token)
        audit.record(actor, "user.password_changed", subject_type="user", subject_id=user.id,
                     now=now, data={"sessions_ended": ended})
    return ended


def set_locale(user_id: int, locale: str, *, actor: Actor, now: datetime) -> None:
    """Change the language a user reads the system in.

    :raises ValidationFailed: not ``ja`` or ``en``.
    """
    if locale not in LOCALES:
        raise ValidationFailed(_l("対応していない言語です。"), fields={"locale": locale})
    with unit_of_work():
        user = _get_user(user_id)
        if actor.user_id != user_id:
            require_administer(actor)
        user.locale = locale
        user.updated_at = now
        audit.record(actor, "user.locale_changed", subject_type="user", subject_id=user.id,
                     now=now, data={"locale": locale})


def set_keyboard_shortcuts(user_id: int, enabled: bool, *, actor: Actor, now: datetime) -> None:
    """Turn the console's keyboard shortcuts on or off for a user; audited.

    Setting the value a user already has changes nothing and writes no event.

    :raises PermissionDenied: changing someone else's setting without being an administrator.
    :raises NotFound: no such user.
    """
    _set_preference(user_id, "keyboard_shortcuts_enabled", enabled, "user.shortcuts_changed", "enabled",
                    actor=actor, now=now)


def set_mail_preference(user_id: int, receives_mail: bool, *, actor: Actor, now: datetime) -> None:
    """Whether a user's notifications also come by mail; audited. Setting the same value writes nothing.

    :raises PermissionDenied: changing someone else's setting without being an administrator.
    :raises NotFound: no such user.
    """
    _set_preference(user_id, "receives_mail", receives_mail, "user.mail_preference_changed", "receives_mail",
                    actor=actor, now=now)


def _set_preference(user_id: int, attribute: str, value: bool, action: str, data_key: str, *, actor: Actor,
                    now: datetime) -> None:
    """One on/off setting of a user's own, changed by them or an administrator; audited when it changes."""
    with unit_of_work():
        user = _get_user(user_id)
        if actor.user_id != user_id:
            require_administer(actor)
        if getattr(user, attribute) == value:
            return
        setattr(user, attribute, value)
        user.updated_at = now
        audit.record(actor, action, subject_type="user", subject_id=user.id, now=now, data={data_key: value})


def deactivate_user(user_id: int, *, actor: Actor, now: datetime) -> int:
    """Deactivate an account and end all its sessions and API keys at once.

    Returns how many sessions were ended.

    :raises PermissionDenied: not an administrator, or deactivating oneself.
    :raises NotFound: no such user.
    """
    require_administer(actor)
    if actor.user_id == user_id:
        raise PermissionDenied(_l("自分自身のアカウントは無効にできません。"))
    with unit_of_work() as session:
        user = _get_user(user_id)
        user.is_active = False
        user.updated_at = now
        ended = _end_all_sessions(user.id, now=now, reason="deactivated")
        session.execute(
            update(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        audit.record(actor, "user.deactivated", subject_type="user", subject_id=user.id,
                     now=now, data={"sessions_ended": ended})
    return ended


def reactivate_user(user_id: int, *, actor: Actor, now: datetime) -> None:
    """Allow a deactivated account to sign in again; audited."""
    require_administer(actor)
    with unit_of_work():
        user = _get_user(user_id)
        user.is_active = True
        user.locked_until = None
        user.failed_login_count = 0
        user.updated_at = now
        audit.record(actor, "user.reactivated", subject_type="user", subject_id=user.id, now=now)


@dataclass
class _Lookups:
    """Sites and departments seen in this transaction, so a big import asks once per code."""

    sites: dict[str, Site] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user


def _upsert_user(fields: UserFields, *, now: datetime, existing: User | None,
                 lookups: _Lookups | None = None) -> User:
    session = db.session()
    errors = validate_user_fields(fields)
    if errors:
        raise ValidationFailed(_l("入力内容に誤りがあります。"), fields=errors)
    lookups = lookups or _Lookups()
    site = _site(fields.site_code, lookups)
    department = _department(fields.department_code, fields.department_name, site, lookups)
    user = existing or User(email=fields.email.strip().lower(), created_at=now,
                            failed_login_count=0, is_active=True)
    user.family_name = fields.family_name.strip()
    user.given_name = fields.given_name.strip()
    user.family_kana = fields.family_kana.strip()
    user.given_kana = fields.given_kana.strip()
    user.role = fields.role
    user.site_id = site.id if site else None
    user.department_id = department.id if department else None
    user.extension = fields.extension.strip()
    user.locale = fields.locale
    user.is_security_cleared = fields.is_security_cleared
    user.updated_at = now
    if existing is None:
        session.add(user)
    _set_memberships(user, fields)
    return user


def _set_memberships(user: User, fields: UserFields) -> None:
    wanted = set(fields.party_codes) | set(fields.lead_party_codes)
    if not wanted and not user.memberships:
        return
    parties = {p.code: p for p in db.session.scalars(select(Party).where(Party.code.in_(wanted)))}
    if missing := wanted - parties.keys():
        raise ValidationFailed(_l("存在しない事業者コードです。"),
                               fields={"party": ", ".join(sorted(missing))})
    keep = [m for m in user.memberships if m.party.code in wanted]
    for membership in keep:
        membership.is_lead = membership.party.code in fields.lead_party_codes
    have = {m.party.code for m in keep}
    user.memberships = keep + [
        PartyMembership(party=parties[code], is_lead=code in fields.lead_party_codes)
        for code in sorted(wanted - have)
    ]


def _site(code: str | None, lookups: _Lookups) -> Site | None:
    if not code:
        return None
    site = lookups.sites.get(code) or db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise ValidationFailed(_l("存在しない拠点コードです。"), fields={"site": code})
    lookups.sites[code] = site
    return site


def _department(code: str | None, name: str | None, site: Site | None,
                lookups: _Lookups) -> Department | None:
    if not code and not name:
        return None
    key = (code or name or "").strip()
    department = lookups.departments.get(key) or db.session.scalar(
        select(Department).where(Department.code == key)
    )
    if department is None:
        department = Department(code=key, name_ja=(name or key).strip(), name_en="",
                                site_id=site.id if site else None)
        db.session.add(department)
        db.session.flush()
    lookups.departments[key] = department
    return department


def validate_user_fields(fields: UserFields) -> dict[str, object]:
    """Per-field problems with ``fields``; empty when valid."""
    from email_validator import EmailNotValidError, validate_email

    errors: dict[str, object] = {}
    try:
        validate_email(fields.email, check_deliverability=False)
    except EmailNotValidError:
        errors["email"] = _l("メールアドレスの形式が正しくありません。")
    if not fields.family_name.strip():
        errors["family_name"] = _l("氏名（姓）は必須です。")
    if len(fields.family_name) > 100 or len(fields.given_name) > 100:
        errors["family_name"] = _l("氏名が長すぎます。")
    if fields.locale not in LOCALES:
        errors["locale"] = _l("言語は ja または en を指定してください。")
    if len(fields.extension) > 20:
        errors["extension"] = _l("内線番号が長すぎます。")
    return errors


# --- the staff directory --------------------------------------------------------------------

DIRECTORY_COLUMNS = (
    "email", "family_name", "given_name", "family_kana", "given_kana",
    "site", "department", "extension",
)
OPTIONAL_COLUMNS = ("role", "locale")


@dataclass
class ImportReport:
    """The result of a directory import: counts, or the rows that stopped it."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message)

    @property
    def ok(self) -> bool:
        """True when nothing was wrong and the import was committed."""
        return not self.errors


def import_directory(
    rows: Iterable[Mapping[str, str | None]], *, actor: Actor, now: datetime, first_line: int = 2
) -> ImportReport:
    """Upsert staff from the directory, keyed by e-mail; all rows or none.

    Every row is validated first; if any row is wrong nothing is written and the
    report lists each problem with its line number. Re-importing the same file
    changes nothing (rows whose values are equal count as ``unchanged``). New users
    are requesters without a password unless the row names a role. One audit
    event sums up the import.

    :raises PermissionDenied: not an administrator.
    """
    require_administer(actor)
    report = ImportReport()
    parsed: list[tuple[int, UserFields]] = []
    seen: dict[str, int] = {}
    with unit_of_work() as session:
        sites = {s.code: s for s in session.scalars(select(Site))}
        site_names = {s.name_ja: s for s in sites.values()}
        for line, raw in enumerate(rows, start=first_line):
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            missing = [c for c in ("email", "family_name") if not row.get(c)]
            for column in missing:
                report.errors.append((line, column, str(_l("必須項目が空です。"))))
            if missing:
                continue
            email = row["email"].lower()
            if email in seen:
                message = _l("%(line)d行目と重複しています。", line=seen[email])
                report.errors.append((line, "email", str(message)))
                continue
            seen[email] = line
            site_value = row.get("site", "")
            site = sites.get(site_value) or site_names.get(site_value)
            if site_value and site is None:
                message = _l("拠点「%(site)s」が見つかりません。", site=site_value)
                report.errors.append((line, "site", str(message)))
                continue
            role_value = row.get("role") or Role.REQUESTER.value
            if role_value not in {r.value for r in Role}:
                message = _l("ロール「%(role)s」は使えません。", role=role_value)
                report.errors.append((line, "role", str(message)))
                continue
            fields_ = UserFields(
                email=email, family_name=row["family_name"], given_name=row.get("given_name", ""),
                family_kana=row.get("family_kana", ""), given_kana=row.get("given_kana", ""),
                role=Role(role_value), site_code=site.code if site else None,
                department_code=row.get("department") or None,
                department_name=row.get("department") or None,
                extension=row.get("extension", ""), locale=row.get("locale") or "ja",
            )
            for column, message in validate_user_fields(fields_).items():
                report.errors.append((line, column, str(message)))
            parsed.append((line, fields_))
        if report.errors:
            return report
        existing = _users_by_email([f.email for _, f in parsed])
        lookups = _Lookups(sites=dict(sites))
        for _line, fields_ in parsed:
            user = existing.get(fields_.email)
            if user is None:
                _upsert_user(fields_, now=now, existing=None, lookups=lookups)
                report.created += 1
                continue
            # Keep what the directory does not own: role (unless given), parties, clearance.
            fields_.role = fields_.role if _row_has_role(fields_, user) else user.role
            fields_.party_codes = tuple(m.party.code for m in user.memberships)
            fields_.lead_party_codes = tuple(m.party.code for m in user.memberships if m.is_lead)
            fields_.is_security_cleared = user.is_security_cleared
            if _same(user, fields_):
                report.unchanged += 1
                continue
            _upsert_user(fields_, now=now, existing=user, lookups=lookups)
            report.updated += 1
        audit.record(actor, "users.imported", subject_type="directory", subject_id="staff",
                     now=now, data={"created": report.created, "updated": report.updated,
                                    "unchanged": report.unchanged})
    return report


def _users_by_email(emails: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(emails), 500):  # stay far below bind-parameter limits
        chunk = emails[start : start + 500]
        stmt = select(User).where(User.email.in_(chunk)).options(
            selectinload(User.memberships).joinedload(PartyMembership.party),
            joinedload(User.site), joinedload(User.department),
        )
        found.update((u.email, u) for u in db.session.scalars(stmt))
    return found


def _row_has_role(fields_: UserFields, user: User) -> bool:
    return fields_.role is not Role.REQUESTER or user.role is Role.REQUESTER


def _same(user: User, fields_: UserFields) -> bool:
    department = user.department
    return (
        user.family_name == fields_.family_name.strip()
        and user.given_name == fields_.given_name.strip()
        and user.family_kana == fields_.family_kana.strip()
        and user.given_kana == fields_.given_kana.strip()
        and user.role == fields_.role
        and (user.site.code if user.site else None) == fields_.site_code
        and (department.code if department else None) == fields_.department_code
        and user.extension == fields_.extension.strip()
        and user.locale == fields_.locale
    )


# --- API keys -------------------------------------------------------------------------------

API_KEY_PREFIX = "hdk_"


def create_api_key(
    *, actor: Actor, now: datetime, name: str, user_id: int | None = None,
    party_id: int | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key for a user or a party; return the row and the key, shown only once.

    Only a SHA-256 hash of the key is stored.

    :raises PermissionDenied: not an administrator.
    :raises ValidationFailed: neither or both of user and party.
    """
    require_administer(actor)
    if (user_id is None) == (party_id is None):
        raise ValidationFailed(_l("ユーザーか事業者のどちらか一方を指定してください。"))
    secret = secrets.token_urlsafe(32)
    prefix = secrets.token_hex(4)
    key = f"{API_KEY_PREFIX}{prefix}_{secret}"
    with unit_of_work() as session:
        if user_id is not None and session.get(User, user_id) is None:
            raise NotFound("user")
        if party_id is not None and session.get(Party, party_id) is None:
            raise NotFound("party")
        row = ApiKey(prefix=prefix, key_hash=_token_hash(key), name=name[:200], user_id=user_id,
                     party_id=party_id, created_at=now, created_by_id=actor.user_id)
        session.add(row)
        session.flush()
        audit.record(actor, "apikey.created", subject_type="api_key", subject_id=row.id, now=now,
                     data={"prefix": prefix, "user_id": user_id, "party_id": party_id})
    return row, key


def authenticate_api_key(key: str, *, now: datetime) -> Actor:
    """The actor a presented key stands for.

    A party key acts as the party (role ``vendor``, or ``security`` for the security
    party); a user key acts as its user.

    :raises Unauthenticated: unknown, revoked, or its user is deactivated.
    """
    parts = key.split("_")
    if len(parts) < 3 or not key.startswith(API_KEY_PREFIX):
        raise Unauthenticated(_l("APIキーが正しくありません。"))
    prefix = parts[1]
    with unit_of_work() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if row is None or row.revoked_at is not None or not secrets.compare_digest(
            row.key_hash, _token_hash(key)
        ):
            raise Unauthenticated(_l("APIキーが正しくありません。"))
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            row.last_used_at = now
        if row.user is not None:
            if not row.user.is_active:
                raise Unauthenticated(_l("APIキーが正しくありません。"))
            return actor_for(row.user, api_key_id=row.id)
        party = row.party
        assert party is not None  # the check constraint guarantees an owner
        role = "security" if party.kind.value == "security" else "vendor"
        return Actor(role=role, party_ids=frozenset({party.id}), api_key_id=row.id,
                     is_security_cleared=role == "security", label=f"party:{party.code}")
