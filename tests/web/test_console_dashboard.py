"""The supervisor's dashboard on screen: charts with captions and tables, the refreshable body,
who may see it, and what it leaves out for readers who are not security-cleared."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.time import utcnow
from helpdesk.sla import services as sla
from helpdesk.tickets.states import Impact, TicketType, Urgency
from tests.conftest import LoginAs, MakeTicket, MakeUser

CHARTS = ("intake", "compliance", "age", "service", "site")


def test_supervisors_see_every_chart_named_by_its_caption_with_its_table(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    make_ticket(subject="VPNに接続できない")
    client = login_as(app.test_client(), make_user(Role.SUPERVISOR))
    html = client.get("/console/dashboard").get_data(as_text=True)
    for key in CHARTS:
        assert re.search(rf'<svg class="chart" id="chart-{key}" role="img" aria-labelledby="{key}-caption"',
                         html), key
        assert f'<figcaption id="{key}-caption">' in html
    assert html.count('<table class="figures">') == 4 + len(CHARTS)
    assert "受付件数の推移（過去30日・日別）" in html
    assert 'viewBox="0 0 640 ' in html
    assert 'data-dashboard-url="/console/dashboard/panel"' in html
    assert 'src="/static/js/dashboard.js"' in html
    assert 'href="/console/dashboard" data-dashboard-reload' in html  # works without JavaScript


def test_the_panel_is_the_dashboard_body_alone(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    make_ticket()
    client = login_as(app.test_client(), make_user(Role.SUPERVISOR))
    response = client.get("/console/dashboard/panel")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<html" not in html and "<header" not in html
    assert 'id="chart-intake"' in html and "状態別の未完了" in html
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", [Role.AGENT, Role.SECURITY])
def test_only_supervisors_get_the_dashboard_and_its_link(
    role: Role, app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    client = login_as(app.test_client(), make_user(role))
    assert client.get("/console/dashboard").status_code == 403
    assert client.get("/console/dashboard/panel").status_code == 403
    assert "/console/dashboard" not in client.get("/console/").get_data(as_text=True)
    supervisor = login_as(app.test_client(), make_user(Role.SUPERVISOR))
    assert 'href="/console/dashboard"' in supervisor.get("/console/").get_data(as_text=True)


def test_figures_and_breaching_list_leave_out_confidential_tickets(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    sla.install_defaults(actor=SYSTEM, now=utcnow() - timedelta(days=1))
    opened = utcnow() - timedelta(minutes=30)
    late = make_ticket(impact=Impact.MINISTRY, urgency=Urgency.HIGH, subject="全館でメール停止", now=opened)
    make_ticket(type=TicketType.SECURITY, subject="不審メールの添付を開いた", now=opened)
    client = login_as(app.test_client(), make_user(Role.SUPERVISOR))
    html = client.get("/console/dashboard/panel").get_data(as_text=True)
    assert late.number in html and "全館でメール停止" in html
    assert "不審メール" not in html
    assert "機密チケットは含みません" in html
    tiles = re.findall(r"<li><strong>([\d,]+)</strong>", html)
    assert tiles[:2] == ["1", "1"]  # open, breached
