"""Who is acting: a user, a party's machine key, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """The acting principal that every service receives.

    ``role`` is the user's role value (see ``helpdesk.accounts.models.Role``); the
    system actor has role ``"system"``. ``party_ids`` are the parties the actor
    belongs to (a machine key belongs to exactly one party).
    """

    role: str
    user_id: int | None = None
    party_ids: frozenset[int] = field(default_factory=frozenset)
    lead_party_ids: frozenset[int] = field(default_factory=frozenset)
    is_security_cleared: bool = False
    api_key_id: int | None = None
    label: str = ""

    @property
    def is_system(self) -> bool:
        """True for work the system does on its own (sweeps, imports from the CLI)."""
        return self.role == "system"


SYSTEM = Actor(role="system", label="system")
