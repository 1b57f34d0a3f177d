"""The monthly service-level report against a small October 2026 built through the real services.

Every expected figure below is worked out by hand from the scenario in ``october`` (times are
Japan time); the comments show the arithmetic.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import PermissionDenied, ValidationFailed
from helpdesk.core.outbox import OutboxMessage
from helpdesk.handoff import services as handoffs
from helpdesk.handoff.models import RejectReason
from helpdesk.incidents import services as incidents
from helpdesk.jobs import services as jobs
from helpdesk.jobs.models import BackgroundJob, JobState
from helpdesk.reports import monthly
from helpdesk.reports import services as reports
from helpdesk.reports.models import ReportSnapshot
from helpdesk.sla import services as sla
from helpdesk.sla.models import BusinessCalendar, Metric, PartyTarget
from helpdesk.tickets import calls
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import (
    Impact,
    MessageKind,
    Priority,
    ResolutionCode,
    TicketType,
    Urgency,
)
from tests.conftest import MakeTicket, MakeUser, actor_of

JST = ZoneInfo("Asia/Tokyo")
#: Generated well after the month: every figure is as of the month's end.
AFTER = datetime(2026, 11, 20, tzinfo=UTC)


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


@pytest.fixture
def october(base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket) -> dict[str, Any]:
    """Eight tickets and one serious incident around October 2026 (see the comments)."""
    sla.install_defaults(actor=SYSTEM, now=jst(2026, 9, 1, 9, 0))
    parties = base_data["parties"]
    with unit_of_work() as session:
        round_the_clock = session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.code == "24x7"))
        session.add_all(
            [
                PartyTarget(
                    party_id=parties["operations"].id, priority=p, metric=Metric.ACKNOWLEDGE, minutes=30
                )
                for p in Priority
            ]
        )
        # Operations must solve what it holds within 60 minutes, round the clock.
        session.add_all(
            [
                PartyTarget(
                    party_id=parties["operations"].id,
                    priority=p,
                    metric=Metric.HOLD,
                    minutes=60,
                    calendar_id=round_the_clock,
                )
                for p in Priority
            ]
        )
    agent, vendor = make_user(Role.AGENT), make_user(Role.VENDOR)
    supervisor, admin = make_user(Role.SUPERVISOR), make_user(Role.ADMIN)
    requester = make_user(Role.REQUESTER)
    a, v, r = actor_of(agent), actor_of(vendor), actor_of(requester)

    def reply(ticket: Any, at: datetime) -> None:
        tickets.add_message(ticket.id, MessageKind.PUBLIC_REPLY, "確認します。", actor=a, now=at)

    def escalate(ticket: Any, key: str, at: datetime) -> Any:
        request = handoffs.HandoffRequest(
            to_party_id=parties["operations"].id,
            idempotency_key=key,
            symptom="接続できない",
            impact="1名",
            steps_taken="再起動",
            requester_contact="内線 1",
        )
        return handoffs.request_handoff(ticket.id, request, actor=a, now=at)

    # t5: received in September (not counted in October), still open at the month's end: backlog, help desk.
    t5 = make_ticket(requester=requester, type=TicketType.INQUIRY, now=jst(2026, 9, 28, 10, 0))
    # t1: P1 fault, restored after 40 minutes (within the hour), resolved, confirmed and rated 5.
    t1 = make_ticket(
        requester=requester,
        impact=Impact.MINISTRY,
        urgency=Urgency.HIGH,
        now=jst(2026, 10, 5, 10, 0),
        subject="全庁でメールが送れない",
    )
    reply(t1, jst(2026, 10, 5, 10, 5))
    tickets.record_restoration(t1.id, jst(2026, 10, 5, 10, 40), actor=a, now=jst(2026, 10, 5, 10, 41))
    tickets.resolve(
        t1.id, ResolutionCode.FIXED, "メールサーバを再起動", actor=a, now=jst(2026, 10, 5, 10, 45)
    )
    tickets.confirm_resolution(t1.id, actor=r, now=jst(2026, 10, 6, 9, 0))
    tickets.rate(t1.id, 5, "", actor=r, now=jst(2026, 10, 6, 9, 1))
    # t6: an inquiry escalated at 11:00 and rejected as a duplicate at 11:30 (acknowledged in 30 min),
    # then resolved, confirmed and rated 4.
    t6 = make_ticket(requester=requester, type=TicketType.INQUIRY, now=jst(2026, 10, 3, 10, 0))
    h6 = escalate(t6, "h6", jst(2026, 10, 3, 11, 0))
    handoffs.reject_handoff(
        h6.id, RejectReason.DUPLICATE, "HD-1と重複", actor=v, now=jst(2026, 10, 3, 11, 30)
    )
    tickets.resolve(t6.id, ResolutionCode.ANSWERED, "回答済み", actor=a, now=jst(2026, 10, 3, 12, 0))
    tickets.confirm_resolution(t6.id, actor=r, now=jst(2026, 10, 3, 12, 30))
    tickets.rate(t6.id, 4, "", actor=r, now=jst(2026, 10, 4, 9, 0))
    # t2: P1 fault at 09:00, declared a major incident at 09:15 (detected 09:00), restored at 10:30
    # (90 min: outside the hour), resolved at 11:00 with its parent; registered serious by the ministry.
    t2 = make_ticket(
        requester=requester,
        impact=Impact.MINISTRY,
        urgency=Urgency.HIGH,
        now=jst(2026, 10, 12, 9, 0),
        subject="VPN 全断",
    )
    reply(t2, jst(2026, 10, 12, 9, 10))
    boss = actor_of(supervisor)
    incident = incidents.declare(
        incidents.IncidentDraft(title="VPN 全断"),
        actor=boss,
        now=jst(2026, 10, 12, 9, 15),
        from_ticket_id=t2.id,
    )
    incidents.record_restoration(
        incident.id, jst(2026, 10, 12, 10, 30), actor=boss, now=jst(2026, 10, 12, 10, 32)
    )
    incidents.resolve(
        incident.id, ResolutionCode.FIXED, "VPN装置を交換", actor=boss, now=jst(2026, 10, 12, 11, 0)
    )
    incidents.set_serious(
        incident.id, True, "全拠点で3時間接続不可", actor=actor_of(admin), now=jst(2026, 10, 13, 9, 0)
    )
    # t3: a phone inquiry answered during the call (first-contact resolution).
    calls.log_call(
        requester.id,
        calls.Call("inbound", jst(2026, 10, 20, 14, 0), 180, "印刷の向き"),
        actor=a,
        now=jst(2026, 10, 20, 14, 3),
        new_ticket=tickets.NewTicket(type=TicketType.INQUIRY, subject="印刷の向き", description=""),
        resolved_in_call=ResolutionCode.ANSWERED,
        resolution_summary="設定を案内",
    )
    # t4: a phone fault (P3), escalated at 12:00, accepted by operations at 12:20 (20 min), held by it
    # from then to the month's end: backlog, operations.
    t4 = calls.log_call(
        requester.id,
        calls.Call("inbound", jst(2026, 10, 21, 11, 0), 240, "共有フォルダ"),
        actor=a,
        now=jst(2026, 10, 21, 11, 4),
        new_ticket=tickets.NewTicket(
            type=TicketType.FAULT,
            subject="共有フォルダに入れない",
            description="",
            impact=Impact.PERSON,
            urgency=Urgency.HIGH,
        ),
    )
    h4 = escalate(t4, "h4", jst(2026, 10, 21, 12, 0))
    handoffs.accept_handoff(h4.id, actor=v, now=jst(2026, 10, 21, 12, 20))
    # t7: a service request resolved on the 26th, unconfirmed at the month's end: not backlog.
    t7 = make_ticket(requester=requester, type=TicketType.REQUEST, now=jst(2026, 10, 25, 10, 0))
    tickets.resolve(t7.id, ResolutionCode.FULFILLED, "付与しました", actor=a, now=jst(2026, 10, 26, 10, 0))
    # t8: an inquiry escalated at 10:00 whose acknowledgement deadline (10:30) passes unanswered.
    t8 = make_ticket(requester=requester, type=TicketType.INQUIRY, now=jst(2026, 10, 28, 9, 0))
    escalate(t8, "h8", jst(2026, 10, 28, 10, 0))
    handoffs.mark_overdue_acknowledgements(now=jst(2026, 10, 28, 10, 31), actor=SYSTEM)
    # After the month: t5 closes in November; none of this may change October's figures.
    tickets.resolve(t5.id, ResolutionCode.ANSWERED, "回答", actor=a, now=jst(2026, 11, 2, 10, 0))
    sla.sweep(now=AFTER, actor=SYSTEM)
    return {
        "t1": t1,
        "t2": t2,
        "t4": t4,
        "incident": incident,
        "parties": parties,
        "agent": agent,
        "supervisor": supervisor,
    }


def _report() -> dict[str, Any]:
    content: dict[str, Any] = reports.normalised(monthly.build("2026-10", as_of=AFTER).to_content())
    return content


def _ratio(numerator: int, denominator: int, rate: float | None) -> dict[str, Any]:
    return {"numerator": numerator, "denominator": denominator, "rate": rate}


def _counts(items: list[dict[str, Any]]) -> dict[str, int]:
    return {i["key"]: i["count"] for i in items}


def test_intake_counts_the_tickets_received_in_the_japan_month(october: dict[str, Any]) -> None:
    intake = _report()["intake"]
    # t1 t2 t3 t4 t6 t7 t8 and the incident's parent; t5 came in September.
    assert intake["total"] == 8
    assert _counts(intake["by_type"]) == {"fault": 4, "inquiry": 3, "request": 1}  # t1 t2 t4 parent
    assert _counts(intake["by_channel"]) == {"phone": 3, "portal": 5}  # t3 t4 and the declared parent
    assert _counts(intake["by_service"]) == {"mail": 5, "": 3}  # phone intake and the parent name none
    assert _counts(intake["by_site"]) == {"hq": 8}


def test_first_contact_resolution_is_over_phone_tickets(october: dict[str, Any]) -> None:
    fcr = _report()["first_contact"]
    assert fcr["phone"] == _ratio(1, 3, 0.3333)  # t3 of t3, t4 and the parent
    assert fcr["all_channels"] == _ratio(1, 8, 0.125)


def test_compliance_counts_each_clock_once_in_the_month_it_was_met_or_missed(october: dict[str, Any]) -> None:
    by_priority = {c["priority"]: c for c in _report()["compliance"]}
    # P1 response: t1 (5 min) and t2 (10 min) met, the parent never answered (due 09:30) missed.
    assert by_priority["P1"]["response"] == _ratio(2, 3, 0.6667)
    # P1 restoration: t1 at 40 min met; t2 (90) and the parent (75) past the hour.
    assert by_priority["P1"]["resolution"] == _ratio(1, 3, 0.3333)
    assert by_priority["P2"]["response"] == _ratio(0, 0, None)
    # P3 (t4): the logged call is the first response; its restoration fell due on the 23rd.
    assert by_priority["P3"]["response"] == _ratio(1, 1, 1.0)
    assert by_priority["P3"]["resolution"] == _ratio(0, 1, 0.0)
    # P4 response: t3 t6 t7 met, t8 (due on the 29th) missed; t5's breach was in September.
    assert by_priority["P4"]["response"] == _ratio(3, 4, 0.75)
    # P4 resolution: t3 t6 t7 met; t5 (due 5 October) missed; t8 falls due in November.
    assert by_priority["P4"]["resolution"] == _ratio(3, 4, 0.75)


def test_p1_restorations_are_listed_with_their_minutes(october: dict[str, Any]) -> None:
    p1 = _report()["p1_restorations"]
    assert p1["within"] == _ratio(1, 3, 0.3333)
    assert [
        (i["number"], i["minutes"], i["is_within_target"], i["detected_at"], i["restored_at"])
        for i in p1["items"]
    ] == [
        (october["t1"].number, 40, True, "2026-10-05T10:00:00+09:00", "2026-10-05T10:40:00+09:00"),
        (october["t2"].number, 90, False, "2026-10-12T09:00:00+09:00", "2026-10-12T10:30:00+09:00"),
        (
            october["incident"].ticket.number,
            75,
            False,
            "2026-10-12T09:15:00+09:00",
            "2026-10-12T10:30:00+09:00",
        ),
    ]
    assert p1["items"][0]["subject"] == "全庁でメールが送れない"


def test_serious_incidents_of_the_month_are_listed(october: dict[str, Any]) -> None:
    (serious,) = _report()["serious_incidents"]
    assert serious == {
        "number": october["incident"].ticket.number,
        "title": "VPN 全断",
        "detected_at": "2026-10-12T09:00:00+09:00",
        "restored_at": "2026-10-12T10:30:00+09:00",
        "minutes": 90,
        "reason": "全拠点で3時間接続不可",
    }


def test_per_party_figures(october: dict[str, Any]) -> None:
    operations = next(p for p in _report()["parties"] if p["code"] == "operations")
    assert operations["handoffs_received"] == 3  # t6, t4, t8
    assert operations["acks_decided"] == 2
    assert (operations["ack_p50_seconds"], operations["ack_p90_seconds"]) == (20 * 60, 30 * 60)
    assert operations["acks_missed"] == 1  # t8
    # t4 from 21 October 12:20 to 1 November 00:00: 10 days 11 h 40 min.
    assert operations["held_seconds"] == 10 * 86400 + 11 * 3600 + 40 * 60
    assert operations["rejections"] == {"duplicate": 1}
    assert operations["acknowledge_target"] == _ratio(2, 3, 0.6667)  # t4 t6 in time, t8 not
    assert operations["hold_target"] == _ratio(0, 1, 0.0)  # t4 held past 13:20


def test_satisfaction_of_ratings_given_in_the_month(october: dict[str, Any]) -> None:
    assert _report()["satisfaction"] == {
        "count": 2,
        "average": 4.5,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1},
    }


def test_backlog_is_as_of_the_last_instant_of_the_month(october: dict[str, Any]) -> None:
    backlog = _report()["backlog"]
    # t5 (resolved only in November) and t8 with the desk, t4 with operations; t7 was resolved.
    assert backlog["total"] == 3
    assert _counts(backlog["by_party"]) == {"helpdesk": 2, "operations": 1}
    assert _counts(backlog["by_priority"]) == {"P1": 0, "P2": 0, "P3": 1, "P4": 2}
    assert backlog["as_of"] == "2026-11-01T00:00:00+09:00"


def test_a_running_month_is_measured_up_to_now(october: dict[str, Any]) -> None:
    content = monthly.build("2026-10", as_of=jst(2026, 10, 10, 0, 0)).to_content()
    assert content["intake"]["total"] == 2  # t1, t6
    assert content["period"]["as_of"] == "2026-10-10T00:00:00+09:00"


def test_the_same_records_give_the_same_bytes(october: dict[str, Any]) -> None:
    first = monthly.canonical_json(monthly.build("2026-10", as_of=AFTER).to_content())
    assert first == monthly.canonical_json(monthly.build("2026-10", as_of=AFTER).to_content())
    assert b'": ' not in first and b', "' not in first  # no separators' spaces


def test_nearest_rank_percentiles() -> None:
    assert monthly.nearest_rank([], 50) is None
    assert monthly.nearest_rank([5], 90) == 5
    assert monthly.nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5
    assert monthly.nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert monthly.nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90) == 10


def test_month_bounds_are_japan_midnights() -> None:
    start, end = monthly.month_bounds(monthly.parse_month("2026-12"))
    assert (start, end) == (jst(2026, 12, 1), jst(2027, 1, 1))
    with pytest.raises(ValueError, match="YYYY-MM"):
        monthly.parse_month("2026-13")
    assert monthly.previous_month(jst(2027, 1, 1, 0, 0)) == "2026-12"


# --- snapshots, verification, jobs ---------------------------------------------------------------


def test_generate_stores_a_snapshot_whose_hash_is_over_the_canonical_json(october: dict[str, Any]) -> None:
    snapshot = reports.generate("2026-10", actor=SYSTEM, now=AFTER)
    assert (
        snapshot.sha256
        == monthly.sha256_of(snapshot.content)
        == hashlib.sha256(monthly.canonical_json(_report())).hexdigest()
    )
    assert snapshot.code_version == monthly.CODE_VERSION
    assert [v.is_same for v in reports.verify("2026-10")] == [True]


def test_verify_reports_nothing_when_unchanged_and_each_difference_when_tampered(
    october: dict[str, Any], app: Any
) -> None:
    reports.generate("2026-10", actor=SYSTEM, now=AFTER)
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["reports", "verify", "--month", "2026-10"])
    assert clean.exit_code == 0, clean.output
    assert "1 snapshot(s) checked, 0 differ" in clean.output

    content = _report()
    content["intake"]["total"] = 80
    content["satisfaction"]["average"] = 5.0
    with unit_of_work() as session:
        session.execute(update(ReportSnapshot).values(content=content))
    tampered = runner.invoke(args=["reports", "verify"])
    assert tampered.exit_code == 1
    assert "stored content does not match its sha256" in tampered.output
    assert "intake.total: 80 → 8" in tampered.output
    assert "satisfaction.average: 5.0 → 4.5" in tampered.output


def test_verify_sees_raw_data_changed_after_the_fact(october: dict[str, Any], app: Any) -> None:
    reports.generate("2026-10", actor=SYSTEM, now=AFTER)
    with unit_of_work() as session:  # someone rewrites history behind the services' back
        session.execute(update(Ticket).where(Ticket.id == october["t1"].id).values(satisfaction_rating=1))
    result = app.test_cli_runner().invoke(args=["reports", "verify"])
    assert result.exit_code == 1
    assert "satisfaction.average: 4.5 → 2.5" in result.output


def test_generate_command_makes_a_new_snapshot_each_time(october: dict[str, Any], app: Any) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reports", "generate", "2026-10"]).exit_code == 0
    assert runner.invoke(args=["reports", "generate", "2026-10"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(ReportSnapshot)) == 2
    bad = runner.invoke(args=["reports", "generate", "2026-13"])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output


def test_requesting_a_report_writes_the_job_and_its_outbox_row_together(
    october: dict[str, Any], published: list[tuple[str, int, int]]
) -> None:
    job = reports.request_report("2026-10", actor=actor_of(october["supervisor"]), now=AFTER)
    assert job.state is JobState.QUEUED
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.task == reports.TASK_GENERATE_REPORT))
    assert row is not None and row.payload == {"job_id": job.id}
    assert (reports.TASK_GENERATE_REPORT, row.id, 1) in published


def test_only_supervisors_and_the_ministry_request_reports(october: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        reports.request_report("2026-10", actor=actor_of(october["agent"]), now=AFTER)
    with pytest.raises(ValidationFailed):
        reports.request_report("2027-01", actor=actor_of(october["supervisor"]), now=AFTER)


def test_a_job_reports_progress_per_section_and_is_done_once(october: dict[str, Any]) -> None:
    job = reports.request_report("2026-10", actor=actor_of(october["supervisor"]), now=AFTER)
    seen: list[tuple[int, int]] = []
    original = jobs.report_progress

    def spy(job_id: int, done: int, total: int, message: str = "") -> None:
        original(job_id, done, total, message)
        db.session.expire_all()
        stored = db.session.get(BackgroundJob, job_id)
        assert stored is not None
        seen.append((stored.done, stored.total))  # committed: another session would see it

    jobs.report_progress = spy  # type: ignore[assignment]
    try:
        snapshot = reports.run_job(job.id, clock=lambda: AFTER)
    finally:
        jobs.report_progress = original  # type: ignore[assignment]
    total = len(monthly.SECTIONS)
    assert seen == [(i, total) for i in range(total + 1)]
    assert snapshot is not None and snapshot.job_id == job.id
    assert reports.run_job(job.id, clock=lambda: AFTER) is None  # done: not redone
    db.session.expire_all()
    stored = db.session.get(BackgroundJob, job.id)
    assert stored is not None and stored.state is JobState.DONE and stored.done == stored.total == total
    assert stored.result_ref == f"report_snapshot:{snapshot.id}"
    assert db.session.scalar(select(func.count()).select_from(ReportSnapshot)) == 1


def test_a_failing_job_is_marked_failed_with_its_message(october: dict[str, Any]) -> None:
    job = reports.request_report("2026-10", actor=actor_of(october["supervisor"]), now=AFTER)
    with unit_of_work():
        jobs.lock(job.id).params = {"month": "garbage"}
    with pytest.raises(ValueError, match="YYYY-MM"):
        reports.run_job(job.id, clock=lambda: AFTER)
    db.session.expire_all()
    stored = db.session.get(BackgroundJob, job.id)
    assert stored is not None and stored.state is JobState.FAILED and "YYYY-MM" in stored.message
