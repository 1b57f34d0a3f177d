"""Helpdesk: tickets for a ministry's staff, its call centre and its operations vendor."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from helpdesk.core import settings
from helpdesk.core.celery import init_celery
from helpdesk.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = {
    "development": "config.development.Development",
    "testing": "config.testing.Testing",
    "production": "config.production.Production",
}


class ConfigurationError(RuntimeError):
    """The settings are incomplete or unsafe; the process must not start."""


def create_app(env: str | None = None, **overrides: Any) -> Flask:
    """Build a configured app. Touches no database and no network.

    ``env`` (or ``HELPDESK_ENV``) picks the settings class; ``HELPDESK_*`` variables
    and ``DATABASE_URL``/``REDIS_URL`` override it; ``overrides`` win over both.

    :raises ConfigurationError: a required setting is missing, or debug is on in production.
    """
    env = env or os.environ.get("HELPDESK_ENV", "production")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"unknown HELPDESK_ENV {env!r}; use one of {sorted(ENVIRONMENTS)}")
    app = Flask(
        __name__,
        instance_path=os.environ.get("HELPDESK_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(ENVIRONMENTS[env])
    app.config.from_prefixed_env("HELPDESK")
    settings.apply_environment(app.config, os.environ)
    app.config.update(overrides)
    if env != "production":
        settings.apply_embedded_defaults(app.config, app.instance_path)
    if missing := settings.missing_settings(app.config):
        names = ", ".join(f"HELPDESK_{name}" for name in missing)
        raise ConfigurationError(f"missing required settings: {names}")
    if env == "production" and app.debug:
        raise ConfigurationError("debug must be off in production")
    if proxies := int(app.config["TRUSTED_PROXIES"]):
        # Behind the reverse proxy every request comes from the proxy; trust exactly as many
        # forwarding hops as there are proxies, never more (a client can send the header too).
        forwarded = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
        app.wsgi_app = forwarded  # type: ignore[method-assign]

    import helpdesk.models  # noqa: F401 - relationships need every model registered
    from helpdesk.handoff.services import register_hooks
    from helpdesk.incidents.services import register_hooks as register_incident_hooks
    from helpdesk.sla.services import register_hooks as register_sla_hooks

    register_hooks()  # closing a ticket withdraws its unanswered handoff
    register_sla_hooks()  # every ticket change keeps its SLA clocks in step
    register_incident_hooks()  # a major incident's parent carries its children along

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "helpdesk" / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    init_celery(app)

    from helpdesk.web import register_web

    register_web(app, babel)

    from helpdesk.cli import register_cli

    register_cli(app)
    return app
