"""Defaults shared by every environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path


class Base:
    """Settings every environment starts from; nothing here is a secret."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    #: Settings that must be non-empty once the factory has read the environment.
    REQUIRED_SETTINGS: tuple[str, ...] = (
        "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "BROKER_URL", "ATTACHMENT_ROOT",
    )

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    #: ``hide_parameters``: a failed statement's error (and so the log of it) names its SQL, never
    #: the values bound to it, which are ticket text (a confidential incident's included).
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True, "hide_parameters": True}
    #: Celery broker; ``redis://…`` in production, ``sqla+sqlite:///…`` when embedded.
    BROKER_URL: str | None = None
    #: Redis for rate limits and the worker heartbeat; None means in-process memory.
    REDIS_URL: str | None = None

    #: Where attachments are stored, outside the web root; required in production.
    ATTACHMENT_ROOT: str | None = None
    #: Where administrators' full data exports are written (one directory per export); empty means
    #: ``<instance>/exports``. Exports hold every personal record: keep the folder private.
    EXPORT_ROOT: str | None = None
    #: Largest accepted attachment, per file.
    MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
    #: Most files per submission, and the request size that follows from it.
    MAX_ATTACHMENTS = 10
    MAX_CONTENT_LENGTH = 10 * 20 * 1024 * 1024 + 1024 * 1024

    #: The help desk's phone extension, shown where staff are told to call.
    SUPPORT_PHONE = "1234"

    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent.parent / "helpdesk" / "translations")

    SESSION_COOKIE_NAME = "helpdesk_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    #: A login session unused for this long is treated as ended.
    SESSION_IDLE_TIMEOUT = timedelta(hours=2)
    REMEMBER_COOKIE_DURATION = timedelta(days=0)
    WTF_CSRF_TIME_LIMIT = None

    #: Failed logins before an account is locked, the window they are counted in,
    #: and how long the lock lasts.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_LOCKOUT = timedelta(minutes=15)
    #: Per-address throttle on the login form (Flask-Limiter syntax).
    LOGIN_RATE_LIMIT = "20 per minute"
    RATELIMIT_HEADERS_ENABLED = True
    #: The counters live in Redis. When it is away the limits count in this process's memory
    #: instead, and a storage error never fails a request; a hung Redis is given up on quickly.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS: dict[str, object] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}

    #: A published row still unprocessed after this (a timedelta, or seconds) is published again.
    OUTBOX_REDELIVER_AFTER = timedelta(minutes=5)
    OUTBOX_SWEEP_SECONDS = 30.0
    #: The worker writes a heartbeat this often; /healthz calls it stale after 3 beats.
    WORKER_HEARTBEAT_SECONDS = 30.0
    #: How often overdue handoff acknowledgements are looked for (alerts come this late at most).
    HANDOFF_SWEEP_SECONDS = 60.0
    #: Outbound mail: our address and name, and the SMTP server. Without a host (the embedded
    #: default) nothing leaves the machine: mail is kept for the local catcher at /admin/mail.
    MAIL_FROM_ADDRESS = "helpdesk@helpdesk.example.go.jp"
    MAIL_FROM_NAME = "ヘルプデスク"
    MAIL_SMTP_HOST: str | None = None
    MAIL_SMTP_PORT = 25
    #: Inbound mail by IMAP polling (none without a host; ``flask mail ingest`` works either way).
    MAIL_IMAP_HOST: str | None = None
    MAIL_IMAP_PORT = 993
    MAIL_IMAP_USER = ""
    MAIL_IMAP_PASSWORD = ""
    MAIL_IMAP_SSL = True
    MAIL_IMAP_FOLDER = "INBOX"
    #: Processed mail is moved here; empty: it is only flagged as seen.
    MAIL_IMAP_DONE_FOLDER = ""
    MAIL_IMAP_POLL_SECONDS = 60.0
    #: How links in mail start (the address staff reach the web pages at).
    PUBLIC_URL = "http://127.0.0.1:5000"
    #: Inbound mail: more than this many mails from one address within the window are quarantined
    #: (the one that crosses it alerts the supervisors once).
    MAIL_RATE_LIMIT = 20
    MAIL_RATE_WINDOW_SECONDS = 600.0
    #: How often SLA clocks are swept for warnings and breaches (alerts come this late at most).
    SLA_SWEEP_SECONDS = 60.0
    #: Outage detection: at least this many fault reports of one service within the window propose
    #: a major incident to the supervisors; the detector runs this often.
    INCIDENT_DETECT_THRESHOLD = 5
    INCIDENT_DETECT_WINDOW_MINUTES = 10.0
    INCIDENT_DETECT_SECONDS = 60.0
    #: How many reverse proxies stand in front of the web processes and set ``X-Forwarded-For``,
    #: ``-Proto`` and ``-Host`` (0: none, the headers are ignored so a client cannot forge its
    #: address). The login throttle and the sign-in audit read the client address this gives.
    TRUSTED_PROXIES = 0
    #: The console's queue tab counts may be this old (each web process keeps its own); the list
    #: itself is always read fresh. Six capped counts per page view are most of a queue page's
    #: database time at a million tickets.
    QUEUE_COUNTS_MAX_AGE_SECONDS = 10.0
    #: The restoration target incidents are measured against (the ministry's one-hour rule).
    INCIDENT_RESTORATION_TARGET_MINUTES = 60
    #: An unanswered handoff request lapses after this; the sender still holds the ticket.
    HANDOFF_EXPIRY_HOURS = 24.0
    #: Webhooks: hosts that may resolve to internal addresses anyway (none in production),
    #: plain http (never in production), per-request time-out, and how long retries go on.
    WEBHOOK_ALLOWED_HOSTS: tuple[str, ...] = ()
    WEBHOOK_ALLOW_HTTP = False
    WEBHOOK_TIMEOUT_SECONDS = 10.0
    #: A worker holds a delivery this long while sending; a worker that dies frees it after this.
    WEBHOOK_LEASE_SECONDS = 60.0
    WEBHOOK_GIVE_UP_HOURS = 24.0
    #: The first retry waits this long; each later one twice as long (±20 %), at most the maximum.
    WEBHOOK_FIRST_RETRY_SECONDS = 30.0
    WEBHOOK_MAX_BACKOFF_SECONDS = 7200.0
    WEBHOOK_SWEEP_SECONDS = 30.0
    #: On-call (supervisors and administrators) is alerted once after this many failed attempts in a row.
    WEBHOOK_ALERT_AFTER_FAILURES = 3
    #: /healthz reports the outbox as unhealthy above this many undelivered rows.
    OUTBOX_BACKLOG_LIMIT = 1000

    #: Seconds a publish may wait on the broker before the web request gives up on it.
    BROKER_PUBLISH_TIMEOUT = 2.0
    #: After a failed publish a process leaves its rows to the sweep for this long (no waiting on a
    #: broker that is down or hung).
    BROKER_RETRY_SECONDS = 10.0
    #: Redis visibility timeout: longer than any task, far shorter than the 1 h restoration target.
    BROKER_VISIBILITY_TIMEOUT = 600

    #: How often an open ticket workspace tells the server it is still there and asks who else
    #: is (seconds); presence entries older than 30 s are not shown.
    PRESENCE_POLL_SECONDS = 10.0

    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
