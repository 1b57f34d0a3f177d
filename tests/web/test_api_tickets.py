"""The tickets API end to end through HTTP: keys, visibility, idempotency, errors, the document."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role, User
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.idempotency import IdempotencyRecord
from helpdesk.handoff import services as handoffs
from helpdesk.sla import services as sla
from helpdesk.sla.models import Metric, PartyTarget
from helpdesk.tickets import policy
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Attachment, Ticket
from helpdesk.tickets.states import Impact, MessageKind, Priority, TicketStatus, TicketType, Urgency
from tests.conftest import T0, MakeTicket, MakeUser, actor_of
from tests.files import EXE, ooxml

DOCX_NAME = "障害報告①.docx"


class Api:
    """A client that presents one user's API key."""

    def __init__(self, client: FlaskClient, key: str) -> None:
        self.client, self.key = client, key

    def call(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.open(f"/api/v1{path}", method=method,
                                headers={"Authorization": f"Bearer {self.key}", **(headers or {})}, **kwargs)


@pytest.fixture
def api_for(client: FlaskClient, make_user: MakeUser) -> Any:
    admin = make_user(Role.ADMIN)

    def _for(user: User) -> Api:
        _row, key = accounts.create_api_key(actor=actor_of(admin), now=T0, name="test", user_id=user.id)
        return Api(client, key)

    return _for


NEW = {"type": "fault", "subject": "プリンタで印刷できません", "description": "3階の複合機でエラー E-102",
       "impact": "division", "urgency": "high", "service": "mail", "site": "hq"}


def test_staff_create_a_ticket_and_find_it(api_for: Any, make_user: MakeUser) -> None:
    staff = make_user(Role.REQUESTER)
    api = api_for(staff)

    created = api.call("POST", "/tickets", json=NEW)

    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["number"].startswith("HD-")
    assert (body["channel"], body["priority"], body["requester"]["id"]) == ("api", "P2", staff.id)
    assert body["service"] == {"code": "mail", "name": "メール"} and body["site"]["code"] == "hq"
    assert body["holder"]["code"] == "helpdesk"
    assert created.headers["Location"].endswith(f"/api/v1/tickets/{body['number']}")
    listed = api.call("GET", "/tickets").get_json()
    assert [t["number"] for t in listed["items"]] == [body["number"]]


def test_a_retried_create_with_the_same_key_is_one_ticket(api_for: Any, make_user: MakeUser) -> None:
    api = api_for(make_user(Role.REQUESTER))
    headers = {"Idempotency-Key": "b8a1c2d4-retry"}

    first = api.call("POST", "/tickets", json=NEW, headers=headers)
    again = api.call("POST", "/tickets", json=NEW, headers=headers)
    other_body = api.call("POST", "/tickets", json={**NEW, "subject": "別件"}, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json()["number"] == first.get_json()["number"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert other_body.status_code == 409
    assert other_body.get_json()["type"].endswith("idempotency_key_reused")
    assert db.session.query(Ticket).count() == 1


def test_keys_are_per_caller_and_a_failed_request_is_not_remembered(
    api_for: Any, make_user: MakeUser
) -> None:
    one, two = api_for(make_user(Role.REQUESTER)), api_for(make_user(Role.REQUESTER))
    headers = {"Idempotency-Key": "same-key"}

    refused = one.call("POST", "/tickets", json={**NEW, "service": "nope"}, headers=headers)
    assert refused.status_code == 422
    assert db.session.query(IdempotencyRecord).count() == 0
    assert one.call("POST", "/tickets", json=NEW, headers=headers).status_code == 201
    assert two.call("POST", "/tickets", json=NEW, headers=headers).status_code == 201
    assert db.session.query(Ticket).count() == 2


@pytest.mark.parametrize(("payload", "field", "message"), [
    ({k: v for k, v in NEW.items() if k != "subject"}, "subject", "必須です。"),
    ({**NEW, "subject": ""}, "subject", "入力してください。"),
    ({**NEW, "subject": "\u3000\x1e"}, "subject", "入力してください。"),  # blank once stripped
    ({**NEW, "type": "outage"}, "type", "次のいずれかを指定してください"),
    ({**NEW, "colour": "red"}, "colour", "不明な項目です。"),
    ({**NEW, "site": "mars"}, "site", "拠点コードが正しくありません。"),
    ({**NEW, "requester": "someone@example.go.jp"}, None, None),
])
def test_bad_input_is_a_problem_with_field_messages_and_writes_nothing(
    api_for: Any, make_user: MakeUser, payload: dict[str, Any], field: str | None, message: str | None
) -> None:
    api = api_for(make_user(Role.REQUESTER))

    response = api.call("POST", "/tickets", json=payload)

    assert response.mimetype == "application/problem+json"
    if field is None:  # a member of staff may not open tickets for others
        assert response.status_code == 403
    else:
        assert response.status_code == 422
        assert message in response.get_json()["errors"][field]
    assert db.session.query(Ticket).count() == 0


def test_errors_speak_english_on_request_and_json_is_required(api_for: Any, make_user: MakeUser) -> None:
    api = api_for(make_user(Role.REQUESTER))

    english = api.call("POST", "/tickets", json={**NEW, "subject": ""}, headers={"Accept-Language": "en"})
    not_json = api.call("POST", "/tickets", data="subject=x")

    assert english.get_json()["errors"]["subject"] == "Please enter a value."
    assert english.get_json()["title"] == "Please check your input"
    assert not_json.status_code == 422 and "JSON" in not_json.get_json()["detail"]


def test_no_key_or_a_wrong_key_is_401(client: FlaskClient) -> None:
    assert client.get("/api/v1/tickets").status_code == 401
    wrong = client.get("/api/v1/tickets", headers={"Authorization": "Bearer hdk_nope"})
    assert wrong.status_code == 401 and wrong.mimetype == "application/problem+json"


def test_agent_opens_for_staff_by_email(api_for: Any, make_user: MakeUser) -> None:
    staff = make_user(Role.REQUESTER, email="hanako.suzuki@example.go.jp")
    api = api_for(make_user(Role.AGENT))

    created = api.call("POST", "/tickets", json={**NEW, "requester": "Hanako.Suzuki@example.go.jp"})

    assert created.status_code == 201
    assert created.get_json()["requester"]["id"] == staff.id


# --- reading and visibility -----------------------------------------------------------------


@pytest.fixture
def world(make_user: MakeUser, make_ticket: MakeTicket) -> dict[str, Any]:
    """Two members of staff, desk people of every kind, and three tickets (one confidential)."""
    people = {
        "staff": make_user(Role.REQUESTER), "other_staff": make_user(Role.REQUESTER),
        "agent": make_user(Role.AGENT), "supervisor": make_user(Role.SUPERVISOR),
        "security": make_user(Role.SECURITY), "admin": make_user(Role.ADMIN),
        "vendor": make_user(Role.VENDOR),
    }
    own = make_ticket(requester=people["staff"], subject="共有フォルダで障害が発生")
    other = make_ticket(requester=people["other_staff"], subject="VPN接続が切れる", type=TicketType.INQUIRY)
    secret = make_ticket(requester=people["other_staff"], type=TicketType.SECURITY, subject="不審なメール")
    agent = actor_of(people["agent"])
    tickets.add_message(own.id, MessageKind.INTERNAL_NOTE, "内部: 先週も同じ症状", actor=agent, now=T0)
    tickets.add_message(own.id, MessageKind.PUBLIC_REPLY, "確認します", actor=agent, now=T0)
    return {"people": people, "tickets": {"own": own, "other": other, "secret": secret}}


#: role → which of own / other / secret it may GET (the staff member is the owner of "own").
VISIBLE = {
    "staff": {"own"}, "other_staff": {"other", "secret"}, "agent": {"own", "other"},
    "supervisor": {"own", "other"}, "security": {"own", "other", "secret"},
    "admin": {"own", "other", "secret"}, "vendor": set(),
}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_each_role_sees_exactly_what_it_may(api_for: Any, world: dict[str, Any], role: str) -> None:
    api = api_for(world["people"][role])
    seen = {name for name, ticket in world["tickets"].items()
            if api.call("GET", f"/tickets/{ticket.number}").status_code == 200}
    refused = {api.call("GET", f"/tickets/{t.number}").status_code
               for name, t in world["tickets"].items() if name not in seen}

    assert seen == VISIBLE[role]
    assert refused <= {404}
    listing = api.call("GET", "/tickets")
    if role == "vendor":
        assert listing.status_code == 403
    else:
        listed = {item["number"] for item in listing.get_json()["items"]}
        assert listed == {world["tickets"][name].number for name in VISIBLE[role]}
        actor = actor_of(world["people"][role])
        assert all(policy.can_view_ticket(actor, t) == (t.number in listed)
                   for t in world["tickets"].values())


def test_staff_never_receive_internal_notes(api_for: Any, world: dict[str, Any]) -> None:
    number = world["tickets"]["own"].number
    as_staff = api_for(world["people"]["staff"]).call("GET", f"/tickets/{number}").get_json()
    as_agent = api_for(world["people"]["agent"]).call("GET", f"/tickets/{number}").get_json()

    assert [m["kind"] for m in as_staff["messages"]] == ["public_reply"]
    assert [m["kind"] for m in as_agent["messages"]] == ["internal_note", "public_reply"]
    assert "内部" not in str(as_staff)


def test_list_filters_search_and_cursor_paging(
    api_for: Any, world: dict[str, Any], make_ticket: MakeTicket
) -> None:
    more = [make_ticket(requester=world["people"]["staff"], subject=f"印刷の障害 {n}") for n in range(3)]
    api = api_for(world["people"]["agent"])

    def numbers(query: str) -> list[str]:
        return [item["number"] for item in api.call("GET", f"/tickets?{query}").get_json()["items"]]

    assert numbers("q=障害") == [t.number for t in reversed(more)] + [world["tickets"]["own"].number]
    assert numbers("q=ＶＰＮ接続") == [world["tickets"]["other"].number]
    assert numbers("type=inquiry") == [world["tickets"]["other"].number]
    assert numbers("open=false") == []
    first = api.call("GET", "/tickets?limit=2")
    page = first.get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    assert 'rel="next"' in first.headers["Link"]
    rest = api.call("GET", f"/tickets?limit=2&cursor={page['next_cursor']}").get_json()
    rest_numbers = [t["number"] for t in rest["items"]]
    assert not {t["number"] for t in page["items"]} & set(rest_numbers)
    bad = api.call("GET", "/tickets?limit=500&status=lost")
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"limit", "status"}


# --- writing --------------------------------------------------------------------------------


def test_messages_by_role(api_for: Any, world: dict[str, Any]) -> None:
    number = world["tickets"]["own"].number
    staff, agent = api_for(world["people"]["staff"]), api_for(world["people"]["agent"])

    path = f"/tickets/{number}/messages"
    reply = staff.call("POST", path, json={"body": "まだ直りません"})
    internal = staff.call("POST", path, json={"body": "x", "kind": "internal_note"})
    note = agent.call("POST", path, json={"body": "再起動を依頼", "kind": "internal_note"})
    stale = agent.call("POST", path, json={"body": "お待ちください", "seen_up_to": 1})

    assert reply.status_code == 201 and reply.get_json()["kind"] == "public_reply"
    assert internal.status_code == 403
    assert note.status_code == 201
    assert stale.status_code == 409


def test_attachments_keep_japanese_names_and_download_safely(api_for: Any, world: dict[str, Any]) -> None:
    number = world["tickets"]["own"].number
    staff, agent = api_for(world["people"]["staff"]), api_for(world["people"]["agent"])

    report = ooxml("docx")  # built once: zip entries carry a timestamp, and a retry sends the same bytes
    added = staff.call("POST", f"/tickets/{number}/attachments",
                       data={"files": [(io.BytesIO(report), DOCX_NAME)]},
                       headers={"Idempotency-Key": "upload-1"})
    again = staff.call("POST", f"/tickets/{number}/attachments",
                       data={"files": [(io.BytesIO(report), DOCX_NAME)]},
                       headers={"Idempotency-Key": "upload-1"})
    internal = agent.call("POST", f"/tickets/{number}/attachments",
                          data={"files": [(io.BytesIO(ooxml("xlsx")), "ログ.xlsx")],
                                "visibility": "internal"})
    disguised = staff.call("POST", f"/tickets/{number}/attachments",
                           data={"files": [(io.BytesIO(ooxml("docx")), "ok.docx"),
                                           (io.BytesIO(EXE), "a.pdf")]})

    assert added.status_code == 201, added.get_json()
    item = added.get_json()["items"][0]
    assert item["filename"] == DOCX_NAME and item["is_public"] is True
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert internal.status_code == 201
    assert disguised.status_code == 422 and "a.pdf" in str(disguised.get_json())
    assert db.session.query(Attachment).count() == 2
    download = staff.call("GET", f"/tickets/{number}/attachments/{item['id']}")
    assert download.status_code == 200
    assert "filename*=UTF-8''%E9%9A%9C%E5%AE%B3%E5%A0%B1%E5%91%8A%E2%91%A0.docx" in download.headers[
        "Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    hidden_id = internal.get_json()["items"][0]["id"]
    assert staff.call("GET", f"/tickets/{number}/attachments/{hidden_id}").status_code == 404
    internal_download = agent.call("GET", f"/tickets/{number}/attachments/{hidden_id}")
    internal_download.close()
    assert internal_download.status_code == 200
    assert {f["filename"] for f in staff.call("GET", f"/tickets/{number}").get_json()["attachments"]} == {
        DOCX_NAME}


def test_patch_changes_all_or_nothing(api_for: Any, world: dict[str, Any]) -> None:
    ticket = world["tickets"]["own"]
    agent = api_for(world["people"]["agent"])
    path = f"/tickets/{ticket.number}"

    overridden = agent.call("PATCH", path, json={"priority": "P1", "assignee": world["people"]["agent"].id})
    assert overridden.status_code == 200, overridden.get_json()
    body = overridden.get_json()
    assert (body["priority"], body["is_priority_overridden"]) == ("P1", True)
    assert body["assignee"]["id"] == world["people"]["agent"].id

    refused = agent.call("PATCH", path, json={"urgency": "low", "status": "closed"})
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).urgency.value == "medium"  # nothing of the PATCH was kept

    back = agent.call("PATCH", path, json={"priority": None, "assignee": None})
    assert (back.get_json()["is_priority_overridden"], back.get_json()["assignee"]) == (False, None)
    resolved = agent.call("PATCH", path, json={"resolution": {"code": "fixed", "summary": "ドライバを更新"}})
    assert resolved.get_json()["status"] == TicketStatus.RESOLVED.value
    assert resolved.get_json()["resolution_summary"] == "ドライバを更新"


def test_patch_is_for_the_desk_only(api_for: Any, world: dict[str, Any]) -> None:
    own, secret = world["tickets"]["own"], world["tickets"]["secret"]
    assert api_for(world["people"]["staff"]).call("PATCH", f"/tickets/{own.number}",
                                                  json={"urgency": "high"}).status_code == 403
    assert api_for(world["people"]["agent"]).call("PATCH", f"/tickets/{secret.number}",
                                                  json={"urgency": "high"}).status_code == 404
    assert api_for(world["people"]["agent"]).call("PATCH", f"/tickets/{own.number}",
                                                  json={"urgency": "urgent"}).status_code == 422


# --- the document ---------------------------------------------------------------------------


def test_openapi_document_is_valid_and_covers_every_operation(app: Flask, client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()

    validate(document)
    assert document["openapi"] == "3.1.0"
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.docs":
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routed |= {(m, path) for m in rule.methods or () if m not in {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_docs_page_lists_operations_in_the_readers_language(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs")
    text = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "チケットを起票する" in text and "PATCH" in text and "TicketCreate" in text
    assert "<script" not in text


def test_text_filter_widens_its_window_without_losing_or_reordering_matches(
    api_for: Any, world: dict[str, Any], make_ticket: MakeTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    import helpdesk.tickets.queries as ticket_queries

    old = [make_ticket(requester=world["people"]["staff"], subject=f"古い印刷の障害 {n}") for n in range(3)]
    for n in range(4):
        make_ticket(requester=world["people"]["staff"], subject=f"無関係 {n}")
    api = api_for(world["people"]["agent"])
    expected = [t.number for t in reversed(old)] + [world["tickets"]["own"].number]

    monkeypatch.setattr(ticket_queries, "WINDOWS", (2, 4))
    first = api.call("GET", "/tickets?q=障害&limit=2").get_json()
    rest = api.call("GET", f"/tickets?q=障害&limit=2&cursor={first['next_cursor']}").get_json()

    assert [t["number"] for t in first["items"] + rest["items"]] == expected


def test_the_desk_reads_every_clock_a_party_its_own_and_the_requester_none(
    api_for: Any, make_user: MakeUser, make_ticket: MakeTicket, base_data: dict[str, Any]
) -> None:
    sla.install_defaults(actor=SYSTEM, now=T0)
    parties = base_data["parties"]
    with unit_of_work() as session:
        session.add_all([PartyTarget(party_id=parties[code].id, priority=Priority.P1, metric=Metric.HOLD,
                                     minutes=30) for code in ("helpdesk", "operations")])
    requester, agent, vendor = make_user(), make_user(Role.AGENT), make_user(Role.VENDOR)
    ticket = make_ticket(requester=requester, type=TicketType.FAULT, impact=Impact.MINISTRY,
                         urgency=Urgency.HIGH)
    handoff = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(
        to_party_id=parties["operations"].id, idempotency_key="api-sla", symptom="全館でメール停止"),
        actor=actor_of(agent), now=T0)
    handoffs.accept_handoff(handoff.id, actor=actor_of(vendor), now=T0)

    def clocks(user: User, path: str = f"/tickets/{ticket.number}") -> list[tuple[str, str | None]]:
        body = api_for(user).call("GET", path).get_json()
        found = body["sla"] if "sla" in body else body["ticket"]["sla"]
        return sorted((c["metric"], c["party"]) for c in found)

    assert clocks(agent) == [("first_response", None), ("hold", "helpdesk"), ("hold", "operations"),
                             ("restoration", None)]
    # The operations vendor reads the ticket through its handoff: its own clock and the ticket's.
    assert clocks(vendor, f"/handoffs/{handoff.id}") == [("first_response", None), ("hold", "operations"),
                                                          ("restoration", None)]
    assert clocks(requester) == []
    restoration = next(c for c in api_for(agent).call("GET", f"/tickets/{ticket.number}").get_json()["sla"]
                       if c["metric"] == "restoration")
    assert restoration["target_minutes"] == 60
    assert restoration["state"] == "breached"  # opened at T0, a day before this test runs
    assert restoration["remaining_seconds"] < 0


# --- found by fuzzing against the document (issue #9, S10) ----------------------------------


def _document(client: FlaskClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return document


def test_a_method_the_address_does_not_take_is_405_naming_those_it_does(client: FlaskClient) -> None:
    refused = client.delete("/api/v1/tickets")

    assert refused.status_code == 405 and refused.mimetype == "application/problem+json"
    assert {m.strip() for m in refused.headers["Allow"].split(",")} >= {"GET", "POST"}


@pytest.mark.parametrize("path", ["/tickets/HD-2026-000001/attachments/99999999999999999999999",
                                  "/tickets/HD-2026-000001/attachments/0"])
def test_an_id_no_row_can_have_is_not_found_without_asking_the_database(
    api_for: Any, world: dict[str, Any], path: str
) -> None:
    response = api_for(world["people"]["agent"]).call("GET", path)

    assert response.status_code == 404 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("query", ["assignee=99999999999999999999999", "assignee=0", "cursor=", "cursor=x1"])
def test_list_parameters_outside_the_documented_range_are_422(
    api_for: Any, world: dict[str, Any], query: str
) -> None:
    response = api_for(world["people"]["agent"]).call("GET", f"/tickets?{query}")

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {query.split("=")[0]}


def test_a_cursor_past_every_id_is_the_first_page(api_for: Any, world: dict[str, Any]) -> None:
    api = api_for(world["people"]["agent"])

    huge = api.call("GET", "/tickets?cursor=99999999999999999999999")

    assert huge.status_code == 200
    assert huge.get_json()["items"] == api.call("GET", "/tickets").get_json()["items"]


@pytest.mark.parametrize("assignee", [True, "AGENT_ID", 2**40])
def test_json_numbers_must_be_numbers_in_range(api_for: Any, world: dict[str, Any], assignee: Any) -> None:
    agent = world["people"]["agent"]
    value = str(agent.id) if assignee == "AGENT_ID" else assignee

    response = api_for(agent).call("PATCH", f"/tickets/{world['tickets']['own'].number}",
                                   json={"assignee": value})

    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"assignee"}


def test_a_whole_number_written_with_a_fraction_is_still_an_integer(
    api_for: Any, world: dict[str, Any]
) -> None:
    agent = world["people"]["agent"]

    response = api_for(agent).call("PATCH", f"/tickets/{world['tickets']['own'].number}",
                                   json={"assignee": float(agent.id)})

    assert response.status_code == 200 and response.get_json()["assignee"]["id"] == agent.id


@pytest.mark.parametrize("since", ["0.5", "1700000000", "2026-11-27T10:00:00", "2026-11-27"])
def test_updated_since_is_an_rfc3339_time_not_a_unix_timestamp(
    api_for: Any, world: dict[str, Any], since: str
) -> None:
    api = api_for(world["people"]["agent"])

    refused = api.call("GET", f"/tickets?updated_since={since}")

    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"updated_since"}
    assert api.call("GET", "/tickets?updated_since=2026-11-27T10:00:00%2B09:00").status_code == 200


def test_times_at_the_ends_of_the_calendar_are_read_not_a_server_error(
    api_for: Any, world: dict[str, Any]
) -> None:
    api = api_for(world["people"]["agent"])

    earliest = api.call("GET", "/tickets?updated_since=0001-01-01T00:00:00%2B05:00")
    latest = api.call("GET", "/tickets?updated_since=9999-12-31T23:59:59-05:00")

    assert (earliest.status_code, latest.status_code) == (200, 200)
    assert (len(earliest.get_json()["items"]), latest.get_json()["items"]) == (2, [])


def test_text_with_nul_is_refused_and_a_number_with_nul_names_no_ticket(
    api_for: Any, world: dict[str, Any], client: FlaskClient
) -> None:
    api = api_for(world["people"]["staff"])

    subject = api.call("POST", "/tickets", json={**NEW, "subject": "印刷\x00できない"})
    search = api.call("GET", "/tickets?q=%00")
    number = api.call("GET", "/tickets/HD-2026-000001%00")
    key = client.get("/api/v1/me", headers={"Authorization": "Bearer hdk_0000\x00_x"})

    assert subject.status_code == 422 and "U+0000" in subject.get_json()["errors"]["subject"]
    assert search.status_code == 422
    assert (number.status_code, key.status_code) == (404, 401)
    assert db.session.query(Ticket).count() == 3


def test_the_idempotency_key_is_checked_as_documented(
    api_for: Any, make_user: MakeUser, client: FlaskClient
) -> None:
    api = api_for(make_user(Role.REQUESTER))
    parameters = _document(client)["paths"]["/tickets"]["post"]["parameters"]
    pattern = next(p["schema"]["pattern"] for p in parameters if p["name"] == "Idempotency-Key")

    control = api.call("POST", "/tickets", json=NEW, headers={"Idempotency-Key": "key\x7f"})
    spaced = api.call("POST", "/tickets", json=NEW, headers={"Idempotency-Key": " "})

    assert re.fullmatch(pattern, "key\x7f") is None and control.status_code == 422
    assert re.fullmatch(pattern, " ") is not None and spaced.status_code == 201


def test_attachment_forms_take_named_files_and_visibility_only(
    api_for: Any, world: dict[str, Any], client: FlaskClient
) -> None:
    staff = api_for(world["people"]["staff"])
    path = f"/tickets/{world['tickets']['own'].number}/attachments"

    field = staff.call("POST", path, data={"files": [(io.BytesIO(ooxml("docx")), "a.docx")], "note": "x"})
    other_file = staff.call("POST", path, data={"files": [(io.BytesIO(ooxml("docx")), "a.docx")],
                                                "extra": [(io.BytesIO(ooxml("docx")), "b.docx")]})
    nameless = staff.call("POST", path, data={"files": "%PDF-1.4"})

    assert (field.status_code, set(field.get_json()["errors"])) == (422, {"note"})
    assert (other_file.status_code, set(other_file.get_json()["errors"])) == (422, {"extra"})
    assert (nameless.status_code, set(nameless.get_json()["errors"])) == (422, {"files"})
    upload = _document(client)["components"]["schemas"]["AttachmentUpload"]
    assert upload["additionalProperties"] is False
    assert (upload["properties"]["files"]["minItems"], upload["properties"]["files"]["maxItems"]) == (1, 10)
    assert upload["properties"]["files"]["items"]["minLength"] == 1
    assert db.session.query(Attachment).count() == 0


def test_a_visibility_the_caller_may_not_use_is_403(api_for: Any, world: dict[str, Any]) -> None:
    staff = api_for(world["people"]["staff"])
    path = f"/tickets/{world['tickets']['own'].number}/attachments"

    party = staff.call("POST", path, data={"files": [(io.BytesIO(ooxml("docx")), "a.docx")],
                                           "visibility": "party"})
    unknown = staff.call("POST", path, data={"files": [(io.BytesIO(ooxml("docx")), "a.docx")],
                                             "visibility": "secret"})

    assert (party.status_code, unknown.status_code) == (403, 422)


def test_a_download_is_documented_as_the_files_own_type(
    api_for: Any, world: dict[str, Any], client: FlaskClient
) -> None:
    staff = api_for(world["people"]["staff"])
    number = world["tickets"]["own"].number
    item = staff.call("POST", f"/tickets/{number}/attachments",
                      data={"files": [(io.BytesIO(ooxml("docx")), "a.docx")]}).get_json()["items"][0]

    download = staff.call("GET", f"/tickets/{number}/attachments/{item['id']}")
    download.close()

    documented = _document(client)["paths"]["/tickets/{number}/attachments/{attachment_id}"]["get"]
    assert list(documented["responses"]["200"]["content"]) == ["*/*"]
    assert download.mimetype == item["content_type"] != "application/octet-stream"
