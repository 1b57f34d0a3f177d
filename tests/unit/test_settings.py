"""Settings: production refuses to start without secrets; URLs are normalised."""

from __future__ import annotations

import pytest

from helpdesk import ConfigurationError, create_app
from helpdesk.core.settings import normalise_database_url
from helpdesk.web.common.navigation import safe_next


def test_production_without_a_secret_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HELPDESK_SECRET_KEY", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="HELPDESK_SECRET_KEY"):
        create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://", BROKER_URL="memory://")


def test_production_refuses_debug() -> None:
    with pytest.raises(ConfigurationError, match="debug"):
        create_app(
            "production",
            SECRET_KEY="x" * 40,
            SQLALCHEMY_DATABASE_URI="sqlite://",
            BROKER_URL="memory://",
            ATTACHMENT_ROOT="/srv/helpdesk/files",
            DEBUG=True,
        )


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        create_app("staging")


def test_database_url_uses_psycopg3() -> None:
    assert normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil", "javascript:x", ""]
)
def test_unsafe_redirect_targets_are_dropped(target: str) -> None:
    assert safe_next(target) is None


def test_local_redirect_target_is_kept() -> None:
    assert safe_next("/console/?page=2") == "/console/?page=2"
