"""R1: an outage storm — thousands of staff report the same outage within minutes, some twice.

CI sends 1,500 reports in 60 s (25 a second; ``HELPDESK_RESILIENCE_STORM=5000`` and
``HELPDESK_RESILIENCE_STORM_SECONDS=120`` give the issue's figures, as ``make soak`` does), every
twelfth caller sending its report a second time with the same ``Idempotency-Key``. Every report
must be stored once, none lost, none answered with a 5xx, and the outage detector must propose
exactly one major incident for it. (``bench/storm.py`` runs the portal-form storm with its
latency targets on PostgreSQL and SQLite.)
"""

from __future__ import annotations

import os

from sqlalchemy import func, select

from helpdesk.core.db import db
from helpdesk.incidents.models import IncidentProposal
from helpdesk.tickets.models import Ticket
from tests.resilience.conftest import System
from tests.resilience.stack import Intake
from tests.support import wait_for

REPORTS = int(os.environ.get("HELPDESK_RESILIENCE_STORM", "1500"))
SECONDS = float(os.environ.get("HELPDESK_RESILIENCE_STORM_SECONDS", "60"))


def _count(model: type) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_storm_of_reports_is_stored_once_each_and_proposes_one_incident(system: System) -> None:
    intake = Intake(system.base, system.requester_key, system.agent_key, prefix="r1", escalate_every=10**9,
                    again_every=12)

    intake.run(REPORTS / SECONDS, SECONDS)

    print(f"\nR1: {REPORTS} reports in {SECONDS:.0f} s: {intake.summary()}")
    created, again = intake.of("create"), intake.of("again")
    assert len(created) == REPORTS and len(again) == len(range(0, REPORTS, 12))
    assert intake.statuses() == {201: len(intake.answers)}  # nothing lost, no 5xx (and no 429)
    first = {a.key: a.number for a in created}
    assert all(a.number == first[a.key] for a in again)  # the second send answered with the same ticket
    assert len(set(first.values())) == REPORTS == _count(Ticket)  # no duplicates
    wait_for(lambda: _count(IncidentProposal) >= 1, timeout=60, message="the outage to be proposed")
    assert _count(IncidentProposal) == 1
