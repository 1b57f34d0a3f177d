"""Accounts: the staff directory import, API keys, and the CLI around them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import ApiKey, Role, User
from helpdesk.core.actor import SYSTEM
from helpdesk.core.errors import PermissionDenied, Unauthenticated
from tests.conftest import T0, MakeUser, actor_of

HEADER = [
    "email",
    "family_name",
    "given_name",
    "family_kana",
    "given_kana",
    "site",
    "department",
    "extension",
]


def _rows(n: int, *, start: int = 0, department: str = "総務課") -> list[dict[str, str]]:
    return [
        {
            "email": f"staff{i:05d}@example.go.jp",
            "family_name": "髙橋",
            "given_name": f"花子{i}",
            "family_kana": "タカハシ",
            "given_kana": "ハナコ",
            "site": "hq",
            "department": department,
            "extension": f"{2000 + i % 8000}",
        }
        for i in range(start, start + n)
    ]


def _count_users(db: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


def test_directory_import_creates_then_changes_nothing_on_a_second_run(db: Any, base_data: Any) -> None:
    first = accounts.import_directory(_rows(50), actor=SYSTEM, now=T0)
    second = accounts.import_directory(_rows(50), actor=SYSTEM, now=T0)
    assert (first.created, first.updated, first.unchanged) == (50, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 50)
    user = db.session.scalar(select(User).where(User.email == "staff00007@example.go.jp"))
    assert user.display_name == "髙橋 花子7"
    assert user.role is Role.REQUESTER
    assert user.password_hash is None


def test_directory_import_updates_changed_rows_and_keeps_roles(db: Any, base_data: Any) -> None:
    accounts.import_directory(_rows(3), actor=SYSTEM, now=T0)
    moved = _rows(3, department="会計課")
    report = accounts.import_directory(moved, actor=SYSTEM, now=T0)
    assert (report.updated, report.unchanged) == (3, 0)
    user = db.session.scalar(select(User).where(User.email == "staff00001@example.go.jp"))
    assert user.department.name_ja == "会計課"


def test_one_bad_row_imports_nothing_and_names_every_problem(db: Any, base_data: Any) -> None:
    rows = _rows(4)
    rows[1]["email"] = "not-an-address"
    rows[2]["site"] = "moon-base"
    rows[3]["email"] = rows[0]["email"]
    report = accounts.import_directory(rows, actor=SYSTEM, now=T0)
    assert not report.ok
    assert [(line, column) for line, column, _ in report.errors] == [(3, "email"), (4, "site"), (5, "email")]
    assert _count_users(db) == 0


def test_requester_cannot_import(db: Any, make_user: MakeUser) -> None:
    with pytest.raises(PermissionDenied):
        accounts.import_directory(_rows(1), actor=actor_of(make_user()), now=T0)


def test_cli_imports_a_shift_jis_csv_of_5000_rows(
    app: Flask, db: Any, base_data: Any, tmp_path: Path
) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(_rows(5000))
    path = tmp_path / "staff.csv"
    path.write_bytes(buffer.getvalue().encode("cp932"))
    result = app.test_cli_runner().invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 5000, updated 0, unchanged 0" in result.output
    assert _count_users(db) == 5000


def test_cli_reports_bad_rows_with_line_numbers(app: Flask, db: Any, base_data: Any, tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text(",".join(HEADER) + "\nok@example.go.jp,山田,,,,hq,,\n,名無し,,,,hq,,\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "line 3: email" in result.output
    assert "nothing was imported" in result.output
    assert _count_users(db) == 0


def test_cli_creates_a_user(app: Flask, db: Any, base_data: Any) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "Agent@Example.co.jp",
            "--family-name",
            "石川",
            "--role",
            "agent",
            "--party",
            "helpdesk",
            "--password",
            "a-long-enough-password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "agent@example.co.jp"))
    assert user.role is Role.AGENT
    assert [m.party.code for m in user.memberships] == ["helpdesk"]


def test_apikey_is_printed_once_and_stored_only_as_a_hash(
    app: Flask, db: Any, client: FlaskClient, base_data: Any
) -> None:
    result = app.test_cli_runner().invoke(
        args=["apikey", "create", "--party", "operations", "--name", "監視連携"]
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[0]
    row = db.session.scalars(select(ApiKey)).one()
    assert key not in (row.key_hash, row.prefix)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json["role"] == "vendor"
    assert response.json["party_ids"] == [base_data["parties"]["operations"].id]


def test_api_refuses_a_wrong_key_with_problem_details(client: FlaskClient, db: Any) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer hdk_deadbeef_nope"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401


def test_deactivating_a_user_revokes_their_api_keys(db: Any, make_user: MakeUser) -> None:
    user, admin = make_user(Role.VENDOR), make_user(Role.ADMIN)
    _row, key = accounts.create_api_key(actor=actor_of(admin), now=T0, name="", user_id=user.id)
    assert accounts.authenticate_api_key(key, now=T0).user_id == user.id
    accounts.deactivate_user(user.id, actor=actor_of(admin), now=T0)
    with pytest.raises(Unauthenticated):
        accounts.authenticate_api_key(key, now=T0)


def test_keyboard_shortcuts_are_on_by_default_and_turning_them_off_is_audited(
    make_user: MakeUser, db: Any
) -> None:
    from helpdesk.audit.models import AuditEvent

    agent = make_user(Role.AGENT)
    assert agent.keyboard_shortcuts_enabled
    accounts.set_keyboard_shortcuts(agent.id, False, actor=actor_of(agent), now=T0)
    accounts.set_keyboard_shortcuts(agent.id, False, actor=actor_of(agent), now=T0)  # no change, no event
    assert db.session.get(User, agent.id).keyboard_shortcuts_enabled is False
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.shortcuts_changed")).all()
    assert [(e.actor_user_id, e.data) for e in events] == [(agent.id, {"enabled": False})]


def test_nobody_but_an_administrator_changes_someone_elses_shortcuts(make_user: MakeUser) -> None:
    agent, colleague = make_user(Role.AGENT), make_user(Role.AGENT)
    with pytest.raises(PermissionDenied):
        accounts.set_keyboard_shortcuts(agent.id, False, actor=actor_of(colleague), now=T0)
