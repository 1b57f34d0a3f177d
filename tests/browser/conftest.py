"""Browser journeys: Debian's chromium driven by Playwright against a live test server."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.support import ROOT, require_or_skip

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "test-results" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Use the distribution's chromium; never a downloaded browser."""
    require_or_skip(Path(CHROMIUM).exists(), "Debian's chromium (apt-get install chromium)")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    return {"locale": "ja-JP", "timezone_id": "Asia/Tokyo", "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def live_server(app: Flask, db: Any) -> Iterator[str]:
    """Serve the test app on a loopback port for the length of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def screenshot_dir() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
