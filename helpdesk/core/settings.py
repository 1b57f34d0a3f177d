"""Reading settings from the environment: ``HELPDESK_*`` first, then the common names."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, MutableMapping
from datetime import timedelta
from pathlib import Path
from typing import Any

#: Settings that may also come from the conventional un-prefixed variables.
ALIASES: dict[str, tuple[str, ...]] = {
    "SQLALCHEMY_DATABASE_URI": ("HELPDESK_DATABASE_URL", "DATABASE_URL"),
    "REDIS_URL": ("HELPDESK_REDIS_URL", "REDIS_URL"),
    "BROKER_URL": ("HELPDESK_BROKER_URL", "CELERY_BROKER_URL"),
}


def apply_environment(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """Fill settings from the aliases above where the environment sets them."""
    for key, names in ALIASES.items():
        for name in names:
            if environ.get(name):
                config[key] = environ[name]
                break
    if config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if not config.get("BROKER_URL") and config.get("REDIS_URL"):
        config["BROKER_URL"] = config["REDIS_URL"]


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://`` and ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def apply_embedded_defaults(config: MutableMapping[str, Any], instance_path: str) -> None:
    """Development only: SQLite, the SQLAlchemy broker and a generated key under ``instance/``.

    The key is generated once per installation and kept in ``instance/secret_key``;
    production never reaches this function, so it has no fallback key.
    """
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder / 'helpdesk.sqlite'}"
    if not config.get("BROKER_URL"):
        config["BROKER_URL"] = f"sqla+sqlite:///{folder / 'broker.sqlite'}"
    if not config.get("ATTACHMENT_ROOT"):
        config["ATTACHMENT_ROOT"] = str(folder / "attachments")
    if not config.get("SECRET_KEY"):
        key_file = folder / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        config["SECRET_KEY"] = key_file.read_text().strip()


def export_root(config: Mapping[str, Any], instance_path: str) -> Path:
    """Where full data exports go: ``EXPORT_ROOT``, else ``exports`` in the instance folder.

    Resolved when used rather than at start-up, so every environment (production included)
    gets the default, and follows an instance folder chosen after the app was built.
    """
    return Path(config.get("EXPORT_ROOT") or Path(instance_path) / "exports")


def missing_settings(config: Mapping[str, Any]) -> list[str]:
    """Names of required settings that are empty."""
    return [name for name in config.get("REQUIRED_SETTINGS", ()) if not config.get(name)]


def environ() -> Mapping[str, str]:
    """The process environment (a seam for tests)."""
    return os.environ


def duration(value: timedelta | float | int | str) -> timedelta:
    """A duration setting: a ``timedelta`` from the settings class, or seconds from the environment."""
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))
