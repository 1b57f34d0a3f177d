"""A stand-in for a vendor's system: an HTTP server on loopback that receives our webhooks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from helpdesk.webhooks.signing import verify


class Receiver:
    """The vendor's system: verifies signatures, fails as told, remembers what took effect."""

    def __init__(self) -> None:
        self.secret = ""
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.requests: list[tuple[str, dict[str, Any], bool]] = []
        self.effects: dict[str, dict[str, Any]] = {}
        #: Answer 500 to the first request of every webhook-id (a receiver having a bad moment).
        self.fail_first = False
        self.seen: set[str] = set()
        #: Seconds to hold each request before answering (a slow vendor), and when each request
        #: arrived and was answered (``time.monotonic()``), for tests that strike mid-delivery.
        self.hold = 0.0
        self.received_at: list[float] = []
        self.answered_at: list[float] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["content-length"]))
                event_id = self.headers["webhook-id"]
                valid = verify(receiver.secret, event_id, int(self.headers["webhook-timestamp"]), body,
                               self.headers["webhook-signature"])
                payload = json.loads(body)
                receiver.requests.append((event_id, payload, valid))
                receiver.received_at.append(time.monotonic())
                # The answer is decided on arrival (a vendor failing slowly fails, however long it takes).
                status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                if receiver.hold:
                    time.sleep(receiver.hold)
                if receiver.fail_first and event_id not in receiver.seen:
                    status, headers = 500, {}
                receiver.seen.add(event_id)
                if status == 200 and valid:
                    receiver.effects.setdefault(event_id, payload)  # idempotent by webhook-id
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.flush()
                receiver.answered_at.append(time.monotonic())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        """Serve in a background thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A receiver for the length of the block."""
    server = Receiver()
    server.start()
    try:
        yield server
    finally:
        server.stop()
