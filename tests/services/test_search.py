"""Japanese search: 1-, 2- and 3+-character terms, width folding, visibility — on both engines.

The main database (PostgreSQL in CI) and a freshly migrated SQLite database run the
same cases, so pg_trgm and FTS5 trigram are held to one behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask

from helpdesk import create_app
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Party, PartyKind, Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db as db_ext
from helpdesk.core.db import unit_of_work
from helpdesk.tickets import search
from helpdesk.tickets import services as tickets
from helpdesk.tickets.search import search_tickets, terms_of
from helpdesk.tickets.states import MessageKind, TicketType
from tests.conftest import PASSWORD, T0

CASES = [
    ("ネットワーク障害でVPNに接続できません", "在宅勤務中、証明書エラーが出ます。"),
    ("3階の複合機で印刷できない", "トナー交換後から白紙が出ます。"),
    ("メールが送信できない", "Outlookで「0x800CCC0F」と表示されます。"),
    ("ﾊﾟｽﾜｰﾄﾞの再設定", "ロックされました"),
]


@pytest.fixture(params=["main", "sqlite"])
def engine_app(request: pytest.FixtureRequest, app: Flask, db: Any, tmp_path: Path) -> Iterator[Flask]:
    """The suite's database, or a new SQLite database migrated from scratch."""
    if request.param == "main":
        yield app
        return
    other = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'search.sqlite'}",
        BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
        ATTACHMENT_ROOT=str(tmp_path / "files"),
    )
    other.extensions["outbox_publisher"] = lambda task, oid, attempt: None
    with other.app_context():
        flask_migrate.upgrade()
        yield other
        db_ext.session.remove()
        db_ext.engine.dispose()


@pytest.fixture
def people(engine_app: Flask) -> dict[str, Any]:
    with unit_of_work() as session:
        session.add(
            Party(
                code="helpdesk",
                kind=PartyKind.HELPDESK,
                name_ja="ヘルプデスク",
                name_en="Help desk",
                is_active=True,
                created_at=T0,
            )
        )
    found = {}
    for role in (Role.REQUESTER, Role.AGENT):
        fields = accounts.UserFields(email=f"{role.value}@example.go.jp", family_name="検索", role=role)
        found[role.value] = accounts.create_user(fields, actor=SYSTEM, now=T0, password=PASSWORD)
    for subject, description in CASES:
        tickets.open_ticket(
            tickets.NewTicket(type=TicketType.FAULT, subject=subject, description=description),
            actor=accounts.actor_for(found["requester"]),
            now=T0,
        )
    return found


def _subjects(actor: Any, query: str) -> set[str]:
    return {t.subject for t in search_tickets(actor, query).items}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("障害", {CASES[0][0]}),  # two characters: below the trigram size
        ("印", {CASES[1][0]}),  # one character
        ("証明書", {CASES[0][0]}),  # three characters, in the description
        ("ｖｐｎ", {CASES[0][0]}),  # full-width latin folds to vpn
        ("パスワード", {CASES[3][0]}),  # half-width kana in the text folds to full-width
        ("0x800ccc0f", {CASES[2][0]}),
        ("できない 印刷", {CASES[1][0]}),  # every term must match
        ("100%", set()),  # LIKE wildcards are literal
        ("存在しない語", set()),
    ],
)
def test_search_finds_what_contains_every_term(
    query: str, expected: set[str], people: dict[str, Any]
) -> None:
    assert _subjects(accounts.actor_for(people["agent"]), query) == expected


def test_replies_are_searchable_and_requesters_search_only_their_own(people: dict[str, Any]) -> None:
    agent = accounts.actor_for(people["agent"])
    first = search_tickets(agent, "複合機").items[0]
    tickets.add_message(
        first.id, MessageKind.PUBLIC_REPLY, "ドラムユニットを交換しました", actor=agent, now=T0
    )
    assert _subjects(agent, "ドラムユニット") == {CASES[1][0]}
    other = accounts.create_user(
        accounts.UserFields(email="other@example.go.jp", family_name="他人"),
        actor=SYSTEM,
        now=T0,
        password=PASSWORD,
    )
    assert _subjects(accounts.actor_for(other), "複合機") == set()


def test_confidential_tickets_are_found_only_by_the_cleared(people: dict[str, Any]) -> None:
    tickets.open_ticket(
        tickets.NewTicket(type=TicketType.SECURITY, subject="不審メールの添付を開いた", description=""),
        actor=accounts.actor_for(people["requester"]),
        now=T0,
    )
    assert _subjects(accounts.actor_for(people["agent"]), "不審") == set()
    security = accounts.create_user(
        accounts.UserFields(email="sec@example.go.jp", family_name="保安", role=Role.SECURITY),
        actor=SYSTEM,
        now=T0,
        password=PASSWORD,
    )
    assert _subjects(accounts.actor_for(security), "不審") == {"不審メールの添付を開いた"}


def test_terms_are_normalised_and_deduplicated() -> None:
    assert terms_of("  ＶＰＮ　接続 vpn ") == ["vpn", "接続"]


def test_widening_from_the_newest_tickets_changes_no_page_and_no_count(
    people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    requester = accounts.actor_for(people["requester"])
    # One is opened late with an earlier time: ids do not follow creation times.
    for subject, hours in [*((f"共通語の件 {h}", h) for h in (0, 1, 2, 3, 4, 5, -30, 6)),
                           *((f"別件 {h}", h) for h in (7, 8, 9))]:
        tickets.open_ticket(tickets.NewTicket(type=TicketType.INQUIRY, subject=subject, description=""),
                            actor=requester, now=T0 + timedelta(hours=hours))
    agent = accounts.actor_for(people["agent"])
    monkeypatch.setattr(search, "COUNT_CAP", 5)

    def pages() -> list[tuple[list[str], bool, int, bool]]:
        found = [search_tickets(agent, "共通語", page=p, per_page=3) for p in (1, 2, 3, 4)]
        return [([t.subject for t in r.items], r.has_next, r.total, r.total_is_capped) for r in found]

    monkeypatch.setattr(search, "WINDOWS", ())
    everything_at_once = pages()
    monkeypatch.setattr(search, "WINDOWS", (2, 5))
    assert pages() == everything_at_once
    assert everything_at_once[0] == (["共通語の件 6", "共通語の件 5", "共通語の件 4"], True, 5, True)
    assert everything_at_once[2] == (["共通語の件 0", "共通語の件 -30"], False, 5, True)
