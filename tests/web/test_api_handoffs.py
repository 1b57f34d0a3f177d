"""The vendor API: party keys see and answer the handoffs addressed to them, and nothing else."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Party, PartyKind, Role
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.storage import FileStore
from helpdesk.handoff.models import Handoff, HandoffState
from helpdesk.responsibility.services import find_open_segment
from helpdesk.tickets import services as tickets
from helpdesk.tickets.attachments import AttachmentLimits, Upload
from helpdesk.tickets.states import MessageKind
from tests import files
from tests.conftest import T0, MakeTicket, MakeUser, actor_of


class Key:
    def __init__(self, client: FlaskClient, key: str) -> None:
        self.client, self.key = client, key

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


@pytest.fixture
def world(app: Flask, client: FlaskClient, base_data: dict[str, Any], make_user: MakeUser,
          make_ticket: MakeTicket) -> dict[str, Any]:
    with unit_of_work() as session:
        session.add(Party(code="carrier", kind=PartyKind.CARRIER, name_ja="回線事業者", name_en="Carrier",
                          is_active=True, created_at=T0))
    admin = actor_of(make_user(Role.ADMIN))
    agent = make_user(Role.AGENT)

    def key(**owner: int) -> Key:
        return Key(client, accounts.create_api_key(actor=admin, now=T0, name="k", **owner)[1])

    parties = {p.code: p for p in db.session.query(Party)}
    ticket = make_ticket(subject="VPNに接続できない")
    limits = AttachmentLimits(FileStore(app.config["ATTACHMENT_ROOT"]), 1024 * 1024, 5)
    desk = actor_of(agent)
    shared = tickets.add_message(ticket.id, MessageKind.INTERNAL_NOTE, "ログを添付", actor=desk, now=T0,
                                 uploads=[Upload("vpn.log.pdf", io.BytesIO(files.PDF))], limits=limits)
    kept = tickets.add_message(ticket.id, MessageKind.INTERNAL_NOTE, "社外秘", actor=desk, now=T0,
                               uploads=[Upload("内部.pdf", io.BytesIO(files.PDF))], limits=limits)
    return {"ticket": ticket, "shared": shared, "kept": kept, "parties": parties,
            "desk": key(user_id=agent.id), "ops": key(party_id=parties["operations"].id),
            "carrier": key(party_id=parties["carrier"].id)}


def _escalate(world: dict[str, Any], key: str = "esc-1") -> Any:
    path = f"/tickets/{world['ticket'].number}/handoffs"
    return world["desk"]("POST", path, headers={"Idempotency-Key": key},
                         json={"to_party": "operations", "symptom": "VPN 接続が 809 エラー",
                               "shared_message_ids": [world["shared"].id]})


def test_escalate_once_and_the_vendor_sees_only_what_was_shared(world: dict[str, Any]) -> None:
    first, again = _escalate(world), _escalate(world)

    assert (first.status_code, again.status_code) == (201, 201), first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true" and db.session.query(Handoff).count() == 1
    listed = world["ops"]("GET", "/handoffs").get_json()["items"]
    assert [h["id"] for h in listed] == [first.get_json()["id"]]
    body = world["ops"]("GET", f"/handoffs/{listed[0]['id']}").get_json()
    assert body["summary"]["symptom"] == "VPN 接続が 809 エラー"
    assert [m["body"] for m in body["shared_messages"]] == ["ログを添付"]
    assert [a["filename"] for a in body["shared_attachments"]] == ["vpn.log.pdf"]
    assert "社外秘" not in str(body)
    number = world["ticket"].number
    shared_file = world["ops"]("GET", f"/tickets/{number}/attachments/{body['shared_attachments'][0]['id']}")
    shared_file.close()
    kept_file = world["ops"]("GET", f"/tickets/{number}/attachments/{world['kept'].attachments[0].id}")
    assert (shared_file.status_code, kept_file.status_code) == (200, 404)
    assert world["ops"]("GET", f"/tickets/{number}").status_code == 404  # the ticket itself stays hidden


def test_another_party_sees_nothing(world: dict[str, Any]) -> None:
    handoff_id = _escalate(world).get_json()["id"]

    assert world["carrier"]("GET", "/handoffs").get_json()["items"] == []
    assert world["carrier"]("GET", f"/handoffs/{handoff_id}").status_code == 404
    assert world["carrier"]("POST", f"/handoffs/{handoff_id}/accept", json={}).status_code == 404
    assert world["carrier"]("GET", f"/tickets/{world['ticket'].number}/responsibility").status_code == 404


def test_reject_accept_hand_back_and_the_responsibility_record(world: dict[str, Any]) -> None:
    first = _escalate(world).get_json()["id"]
    refused = world["ops"]("POST", f"/handoffs/{first}/reject", json={"reason_code": "out_of_scope"})
    rejected = world["ops"]("POST", f"/handoffs/{first}/reject",
                            json={"reason_code": "out_of_scope", "reason": "回線",
                                  "suggested_party": "carrier"})
    assert refused.status_code == 422 and "suggested_party" in refused.get_json()["errors"]
    assert rejected.get_json()["state"] == "rejected"
    assert rejected.get_json()["suggested_party"]["code"] == "carrier"

    second = _escalate(world, key="esc-2").get_json()["id"]
    accepted = world["ops"]("POST", f"/handoffs/{second}/accept", json={"external_ref": "OPS-77"})
    assert accepted.get_json()["state"] == "accepted" and accepted.get_json()["external_ref"] == "OPS-77"
    assert world["ops"]("POST", f"/handoffs/{second}/accept", json={}).status_code == 200  # a retry
    assert find_open_segment(world["ticket"].id).party.code == "operations"

    number = world["ticket"].number
    report = {"cause": "証明書期限切れ", "action": "更新"}
    naive = world["ops"]("POST", f"/tickets/{number}/handback",
                         json={**report, "restored_at": "2026-11-27T11:00:00"})
    back = world["ops"]("POST", f"/tickets/{number}/handback", headers={"Idempotency-Key": "hb-1"},
                        json={**report, "restored_at": "2026-11-27T11:00:00+09:00"})
    assert naive.status_code == 422 and back.status_code == 201
    assert back.get_json()["handback"]["restored_at"] == "2026-11-27T02:00:00+00:00"
    taken = world["desk"]("POST", f"/handoffs/{back.get_json()['id']}/accept", json={})
    assert taken.status_code == 200
    record = world["ops"]("GET", f"/tickets/{number}/responsibility").get_json()
    assert [s["party"]["code"] for s in record["segments"]] == ["helpdesk", "operations", "helpdesk"]
    assert set(record["totals"]) == {"helpdesk", "operations"}
    assert db.session.get(Handoff, second).state is HandoffState.ACCEPTED


def test_party_notes_through_the_api(world: dict[str, Any]) -> None:
    handoff_id = _escalate(world).get_json()["id"]
    number = world["ticket"].number
    world["ops"]("POST", f"/handoffs/{handoff_id}/accept", json={})

    path = f"/tickets/{number}/messages"
    note = world["ops"]("POST", path, json={"kind": "party_note", "body": "再起動します"})
    internal = world["ops"]("POST", path, json={"kind": "internal_note", "body": "x"})
    stranger = world["carrier"]("POST", path, json={"kind": "party_note", "body": "x"})
    answer = world["desk"]("POST", path, json={"kind": "party_note", "body": "了解"})

    assert (note.status_code, internal.status_code, stranger.status_code) == (201, 404, 404)
    assert answer.status_code == 201
    notes = world["ops"]("GET", f"/handoffs/{handoff_id}").get_json()["party_notes"]
    assert [n["body"] for n in notes] == ["再起動します", "了解"]


def test_the_vendor_sends_files_to_the_desk(world: dict[str, Any]) -> None:
    handoff_id = _escalate(world).get_json()["id"]
    number = world["ticket"].number
    world["ops"]("POST", f"/handoffs/{handoff_id}/accept", json={})

    sent = world["ops"]("POST", f"/tickets/{number}/attachments",
                        data={"files": [(io.BytesIO(files.PDF), "作業報告①.pdf")]})
    public = world["ops"]("POST", f"/tickets/{number}/attachments",
                          data={"files": [(io.BytesIO(files.PDF), "x.pdf")], "visibility": "public"})
    stranger = world["carrier"]("POST", f"/tickets/{number}/attachments",
                                data={"files": [(io.BytesIO(files.PDF), "x.pdf")]})

    assert sent.status_code == 201, sent.get_json()
    assert [a["filename"] for a in sent.get_json()["items"]] == ["作業報告①.pdf"]
    assert (public.status_code, stranger.status_code) == (403, 404)
    desk_view = world["desk"]("GET", f"/tickets/{number}").get_json()
    assert "作業報告①.pdf" in [a["filename"] for a in desk_view["attachments"]]
    assert [m["kind"] for m in desk_view["messages"]][-1] == "party_note"


# --- found by fuzzing against the document (issue #9, S10) ----------------------------------


def test_a_handoff_id_no_row_can_have_is_not_found(world: dict[str, Any]) -> None:
    response = world["ops"]("POST", "/handoffs/83136405938046150586331561984/accept", json={})

    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_accept_and_withdraw_take_no_body_or_an_object_and_say_so(
    world: dict[str, Any], client: FlaskClient
) -> None:
    handoff_id = _escalate(world).get_json()["id"]

    not_an_object = world["ops"]("POST", f"/handoffs/{handoff_id}/accept", json=[])
    too_long = world["desk"]("POST", f"/handoffs/{handoff_id}/withdraw", json={"reason": "x" * 501})
    bodiless = world["ops"]("POST", f"/handoffs/{handoff_id}/accept")

    assert (not_an_object.status_code, too_long.status_code, bodiless.status_code) == (422, 422, 200)
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for action in ("accept", "withdraw"):
        operation = paths[f"/handoffs/{{handoff_id}}/{action}"]["post"]
        assert operation["requestBody"]["required"] is False and "422" in operation["responses"]


def test_what_each_reject_reason_needs_is_in_the_document(world: dict[str, Any], client: FlaskClient) -> None:
    handoff_id = _escalate(world).get_json()["id"]
    rules = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["HandoffReject"]["allOf"]
    needs_reason = next(r["then"] for r in rules if "reason" in r["then"]["required"])

    blank = world["ops"]("POST", f"/handoffs/{handoff_id}/reject",
                         json={"reason_code": "other", "reason": "\u3000\x1f"})

    assert re.search(needs_reason["properties"]["reason"]["pattern"], "\u3000\x1f") is None
    assert blank.status_code == 422 and set(blank.get_json()["errors"]) == {"reason"}
    assert any(r["then"]["required"] == ["suggested_party"] for r in rules)


def test_required_text_is_documented_as_not_blank_as_the_services_read_it(
    world: dict[str, Any], client: FlaskClient
) -> None:
    path = f"/tickets/{world['ticket'].number}/handoffs"
    pattern = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["HandoffCreate"][
        "properties"]["symptom"]["pattern"]

    blank = world["desk"]("POST", path, json={"to_party": "operations", "symptom": "\x1e\u3000"})

    assert re.search(pattern, "\x1e\u3000") is None and re.search(pattern, " 停止 ") is not None
    assert blank.status_code == 422 and set(blank.get_json()["errors"]) == {"symptom"}


@pytest.mark.parametrize("restored_at", [5, "0.5", "2026-11-27T11:00:00"])
def test_restored_at_is_an_rfc3339_time_with_its_offset(world: dict[str, Any], restored_at: Any) -> None:
    handoff_id = _escalate(world).get_json()["id"]
    world["ops"]("POST", f"/handoffs/{handoff_id}/accept", json={})

    response = world["ops"]("POST", f"/tickets/{world['ticket'].number}/handback",
                            json={"cause": "証明書期限切れ", "action": "更新", "restored_at": restored_at})

    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"restored_at"}
