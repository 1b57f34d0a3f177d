"""S11: bandit finds nothing of high severity and high confidence in the app and the workers.

Run as a test so ``make test`` gates on it; ``make security-scan`` runs the same scan with
every confidence level plus pip-audit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_reports_no_high_severity_high_confidence_finding() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", "helpdesk", "workers", "-lll", "-iii", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
                for r in report["results"]]
    assert findings == []
    # bandit exits 1 on findings; anything else means it did not run properly.
    assert result.returncode == 0, result.stderr
    assert report["metrics"]["_totals"]["loc"] > 10_000, "bandit scanned far less code than expected"
