"""Settings for the test suite; the fixtures pass database and broker URLs in."""

from __future__ import annotations

from config.development import Development


class Testing(Development):
    """Like development, with a fixed secret and no rate limit surprises between tests."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - test-only constant
    #: Tests sign in many times a minute; the throttle test lowers this for itself.
    LOGIN_RATE_LIMIT = "10000 per minute"
    BROKER_PUBLISH_TIMEOUT = 0.5
    #: Tests look at the tab counts right after changing tickets.
    QUEUE_COUNTS_MAX_AGE_SECONDS = 0.0
    #: The tests' webhook receiver listens on loopback over plain HTTP.
    WEBHOOK_ALLOWED_HOSTS = ("127.0.0.1",)
    WEBHOOK_ALLOW_HTTP = True
    #: Tests swap publishers in and out; a breaker left open by one would silence the next.
    #: The resilience suite turns it on for its own processes.
    BROKER_RETRY_SECONDS = 0.0
