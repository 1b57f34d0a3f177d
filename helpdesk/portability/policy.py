"""Who may take all data out or load it in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.accounts.policy import can_administer
from helpdesk.core.actor import Actor
from helpdesk.core.errors import PermissionDenied


def require_may_move_all_data(actor: Actor) -> None:
    """Only the ministry's IT office (or the system, from the command line) exports or imports everything.

    :raises PermissionDenied: for any other actor.
    """
    if not can_administer(actor):
        raise PermissionDenied(_l("全データの書き出しと読み込みは管理者だけが行えます。"))
