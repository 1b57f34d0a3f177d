"""Inbound mail parsing at its limits (issue #6): a 25 MB mail and a mail of 10,000 MIME parts.

Usage::

    .venv/bin/python bench/mail.py

Builds both mails in memory, parses each five times with ``helpdesk.mail.parsing.parse`` (what the IMAP
poller and ``flask mail ingest`` call) and prints the times and the peak memory the parse took; the
target is 5 s each. Also times the whole corpus of ``tests/mail_corpus``. Writes
``bench/results/mail.json``; asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpdesk.mail import parsing  # noqa: E402


def big_mail() -> bytes:
    message = EmailMessage()
    message["Subject"] = "大きな添付"
    message["Message-ID"] = "<big@example.go.jp>"
    message.set_content("25 MB のメールです。")
    message.add_attachment(bytes(range(256)) * (18 * 1024 * 4), maintype="application", subtype="zip",
                           filename="資料.zip")
    return message.as_bytes()


def many_parts() -> bytes:
    message = EmailMessage()
    message["Subject"] = "部品が多いメール"
    message["Message-ID"] = "<many@example.go.jp>"
    message.set_content("本文")
    for n in range(10_000):
        message.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=f"{n}.bin")
    return message.as_bytes()


def measure(raw: bytes, runs: int = 5) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        parsing.parse(raw)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    parsing.parse(raw)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"bytes": len(raw), "p50_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
            "peak_mib": round(peak / 2**20, 1)}


def main() -> None:
    report: dict[str, object] = {}
    cases: list[tuple[str, Callable[[], bytes]]] = [("25 MB mail", big_mail), ("10,000 parts", many_parts)]
    for name, build in cases:
        report[name] = measure(build())
        print(f"{name:<14} {report[name]}  (target <= 5 s)")
    corpus = sorted((ROOT / "tests" / "mail_corpus").glob("*.eml"))
    started = time.perf_counter()
    for path in corpus:
        parsing.parse(path.read_bytes())
    report["corpus"] = {"mails": len(corpus), "seconds": round(time.perf_counter() - started, 3)}
    print(f"corpus         {report['corpus']}")
    out = ROOT / "bench" / "results" / "mail.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
