"""HTTP only: parse, gate by role, call services and queries, render."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel

from helpdesk.extensions import csrf
from helpdesk.web.account.views import bp as account_bp
from helpdesk.web.admin import export as _admin_export  # noqa: F401 - registers its routes on bp
from helpdesk.web.admin import incidents as _admin_incidents  # noqa: F401 - registers its routes on bp
from helpdesk.web.admin import reports as _admin_reports  # noqa: F401 - registers its routes on bp
from helpdesk.web.admin.views import bp as admin_bp
from helpdesk.web.api import handoffs as _api_handoffs  # noqa: F401 - registers its routes on bp
from helpdesk.web.api.views import bp as api_bp
from helpdesk.web.common import auth, durations, errors, headers, i18n, labels, markup
from helpdesk.web.common.health import bp as health_bp
from helpdesk.web.console import dashboard as _console_dashboard  # noqa: F401 - registers its routes on bp
from helpdesk.web.console import incidents as _console_incidents  # noqa: F401 - registers its routes on bp
from helpdesk.web.console import knowledge as _console_knowledge  # noqa: F401 - registers its routes on bp
from helpdesk.web.console import reports as _console_reports  # noqa: F401 - registers its routes on bp
from helpdesk.web.console.views import bp as console_bp
from helpdesk.web.portal import incidents as _portal_incidents  # noqa: F401 - registers its routes on bp
from helpdesk.web.portal import knowledge as _portal_knowledge  # noqa: F401 - registers its routes on bp
from helpdesk.web.portal.views import bp as portal_bp
from helpdesk.web.vendor.views import bp as vendor_bp


def register_web(app: Flask, babel: Babel) -> None:
    """Attach the front doors, error mapping, headers, login and translations."""
    i18n.init_app(app, babel)
    auth.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    markup.init_app(app)
    labels.init_app(app)
    durations.init_app(app)
    csrf.exempt(api_bp)
    for blueprint in (health_bp, account_bp, portal_bp, console_bp, vendor_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)
