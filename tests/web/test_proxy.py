"""Behind the reverse proxy the client's own address is recorded; without one, a forged header is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk import create_app
from helpdesk.audit.models import AuditEvent
from helpdesk.core.db import db
from tests.conftest import csrf_token


def _recorded_address(app: Flask, *, forwarded_for: str) -> str:
    """Fail one sign-in through ``app`` with ``X-Forwarded-For`` and read the address the audit kept."""
    client = app.test_client()
    token = csrf_token(client, "/login")
    client.post("/login", headers={"X-Forwarded-For": forwarded_for},
                environ_base={"REMOTE_ADDR": "10.0.0.5"},
                data={"email": "nobody@example.go.jp", "password": "wrong", "csrf_token": token})
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
                               .order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    return str(event.data["remote_addr"])


@pytest.mark.parametrize(("proxies", "expected"), [(0, "10.0.0.5"), (1, "203.0.113.7")])
def test_the_client_address_comes_from_the_proxy_only_when_one_is_configured(
    app: Flask, db: Any, tmp_path: Path, proxies: int, expected: str
) -> None:
    served = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                        BROKER_URL=app.config["BROKER_URL"], ATTACHMENT_ROOT=str(tmp_path),
                        TRUSTED_PROXIES=proxies)
    try:
        # A client may send the header itself: with two values, only the hop the proxy added counts.
        assert _recorded_address(served, forwarded_for="198.51.100.9, 203.0.113.7") == expected
    finally:
        with served.app_context():
            db.engine.dispose()  # its own pool: closed here, not left to the garbage collector
