"""Property-based fuzzing of the REST API against its own OpenAPI document (issue #9, S10).

schemathesis reads ``/api/v1/openapi.json`` and, for every operation, generates requests, valid
and deliberately invalid, and sends each as three callers: a member of staff, a desk agent and
a vendor user. All of schemathesis' default checks apply: no server error; status code, content
type, headers and body as documented; invalid data refused and valid data accepted; the key
really required; an undeclared method answered 405 with ``Allow``.

Values that name stored rows are swapped for real ones (often in the path, always in a valid
body), so the fuzzing gets past "not found" into the answers each role really gets: ticket
numbers and ids, catalogue and party codes, the e-mail of a registered user, the desk agent's
id. A random code names nothing, which the document cannot say in advance; tests/web covers
those refusals. Uploaded files are real files of accepted types for the same reason.

``HELPDESK_FUZZ_EXAMPLES`` (default 30) sets the examples per operation for a longer run; each
goes out as every role. The generation is derandomized, so a failure in CI reproduces locally.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.errors import FailureGroup
from schemathesis.transport.serialization import Binary

from helpdesk import create_app
from helpdesk.accounts import queries as accounts_queries
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role
from helpdesk.core.storage import FileStore
from helpdesk.extensions import limiter
from helpdesk.handoff import services as handoffs
from helpdesk.tickets import services as tickets
from helpdesk.tickets.attachments import AttachmentLimits, Upload
from helpdesk.tickets.states import MessageKind
from tests import files
from tests.conftest import T0, MakeTicket, MakeUser, actor_of

#: Generated requests per operation, each sent as every role: about two minutes for the module on two cores.
EXAMPLES = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "30"))
ROLES = ("requester", "agent", "vendor")

#: The document as the app serves it. Building it needs no database, so an app of its own
#: answers at collection; the requests go to the suite's app and database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app("testing"))

#: Files of types the document accepts for upload (told apart by their content), for every
#: ``format: binary`` value: random bytes are of no type, refused for what they are.
SAMPLE_FILES = (files.PDF, files.PNG, files.ooxml("docx"), files.CSV_SJIS, "エラーログ\n".encode())
schemathesis.openapi.format("binary", st.sampled_from(SAMPLE_FILES).map(Binary))


@dataclass
class Known:
    """What exists in the current test's database, for the hook below to draw from."""

    #: path parameter → real values
    path: dict[str, list[Any]] = field(default_factory=dict)
    #: body field → a real value that any valid request may name in place of a generated one
    body: dict[str, Any] = field(default_factory=dict)

    def point_body(self, body: dict[str, Any]) -> None:
        """Name real rows in a valid body; ``null`` (none, unassign) stays."""
        for name, value in self.body.items():
            if body.get(name) is not None:
                body[name] = value


KNOWN = Known()


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: Case) -> st.SearchStrategy[Case]:
    """Point a case at real rows: often in the path, always in a valid body.

    A location generated to be invalid is left alone, so it stays invalid.
    """
    meta = case.meta
    if isinstance(case.body, dict) and (meta is None or meta.generation.mode is GenerationMode.POSITIVE):
        KNOWN.point_body(case.body)
    if not case.path_parameters or (meta is not None and meta.is_negative_at(ParameterLocation.PATH)):
        return st.just(case)
    names = list(case.path_parameters)
    choices = [st.sampled_from([value, *KNOWN.path.get(name, [])])
               for name, value in case.path_parameters.items()]

    def pointed(values: tuple[Any, ...]) -> Case:
        case.path_parameters = dict(zip(names, values, strict=True))
        return case

    return st.tuples(*choices).map(pointed)


@pytest.fixture
def fuzz_world(app: Flask, make_user: MakeUser, make_ticket: MakeTicket) -> Iterator[dict[str, str]]:
    """Staff, an agent and a vendor user with keys, and tickets in every position the API tells apart.

    ``own`` is the staff member's, with a public reply, an internal note and files of both kinds;
    ``waiting`` has a handoff to operations not yet answered; ``held`` was handed to operations,
    which accepted it; ``stranger`` belongs to someone else.
    """
    staff, other = make_user(Role.REQUESTER), make_user(Role.REQUESTER)
    agent, vendor = make_user(Role.AGENT), make_user(Role.VENDOR, party="operations")
    desk, ops = actor_of(agent), actor_of(vendor)
    limits = AttachmentLimits(FileStore(app.config["ATTACHMENT_ROOT"]), 1024 * 1024, 5)
    operations = accounts_queries.find_party_by_code("operations")
    assert operations is not None

    def attach(ticket_id: int, kind: MessageKind, body: str, name: str, content: bytes) -> list[int]:
        message = tickets.add_message(ticket_id, kind, body, actor=desk, now=T0, limits=limits,
                                      uploads=[Upload(name, io.BytesIO(content))])
        return [message.id, *(a.id for a in message.attachments)]

    def escalate(ticket_id: int, key: str, shared: tuple[list[int], list[int]] = ([], [])) -> int:
        request = handoffs.HandoffRequest(to_party_id=operations.id, idempotency_key=key, symptom="VPN",
                                          shared_message_ids=shared[0], shared_attachment_ids=shared[1])
        return handoffs.request_handoff(ticket_id, request, actor=desk, now=T0).id

    own = make_ticket(requester=staff, subject="共有フォルダに接続できない")
    reply = attach(own.id, MessageKind.PUBLIC_REPLY, "確認します", "手順.pdf", files.PDF)
    note = attach(own.id, MessageKind.INTERNAL_NOTE, "内部: 先週も同じ", "内部.png", files.PNG)
    waiting = make_ticket(requester=staff, subject="VPN が 809 エラー")
    waiting_handoff = escalate(waiting.id, "fuzz-waiting")
    held = make_ticket(requester=other, subject="サーバー室の空調停止")
    shared = attach(held.id, MessageKind.INTERNAL_NOTE, "ログを添付", "ログ.pdf", files.PDF)
    held_handoff = escalate(held.id, "fuzz-held", (shared[:1], shared[1:]))
    handoffs.accept_handoff(held_handoff, actor=ops, now=T0)
    stranger = make_ticket(requester=other, subject="他の人のチケット")

    issuer = actor_of(make_user(Role.ADMIN))
    keys = {role: accounts.create_api_key(actor=issuer, now=T0, name=f"fuzz {role}", user_id=user.id)[1]
            for role, user in zip(ROLES, (staff, agent, vendor), strict=True)}
    KNOWN.path = {
        "number": [t.number for t in (own, waiting, held, stranger)],
        "handoff_id": [waiting_handoff, held_handoff],
        "attachment_id": [reply[1], note[1], shared[1]],
    }
    # The desk and operations hold tickets here, so a handoff goes to security and a refused one
    # suggests the desk: a request naming the party that holds the ticket is refused (422). What
    # a handoff shares must be of its ticket, and a restoration cannot lie in the future.
    KNOWN.body = {"service": "mail", "site": "hq", "requester": staff.email, "assignee": agent.id,
                  "to_party": "security", "suggested_party": "helpdesk",
                  "shared_message_ids": [], "shared_attachment_ids": [], "restored_at": T0.isoformat()}
    yield keys
    KNOWN.path, KNOWN.body = {}, {}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_answer_is_documented(case: Case, app: Flask, client: FlaskClient,
                                    fuzz_world: dict[str, str]) -> None:
    """Each generated request goes out as each role (one world per operation, not per role).

    The generated key is swapped for the role's; a case generated without one (a negative case
    leaving the required header out) goes without.
    """
    meta = case.meta
    if meta is not None and any(part.mode.is_negative for part in meta.components.values()):
        # schemathesis 4.32's coverage phase can label a case positive while a part of it is
        # invalid (a header scenario carrying a body of 0): the request is judged as what it is.
        meta.generation.mode = GenerationMode.NEGATIVE
    has_key = any(name.lower() == "authorization" for name in case.headers or {})
    for role, key in fuzz_world.items():
        limiter.reset()  # hundreds of requests a minute from one address: the throttle is not under test
        headers = {"Authorization": f"Bearer {key}"} if has_key else {}
        try:
            # The suite's client gives every request its own app context, as a server does.
            case.call_and_validate(app=app, session=client, headers=headers)
        except FailureGroup as failure:  # the report should say whose request it was
            raise FailureGroup(list(failure.exceptions), f"As the {role}: {failure.message}") from None
