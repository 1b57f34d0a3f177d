"""Every string that goes through gettext has an English translation with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.support import ROOT

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_english_catalogue_covers_every_message(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as source:
        wanted = {m.id for m in read_po(source) if m.id}
    with (ROOT / "helpdesk/translations/en/LC_MESSAGES/messages.po").open("rb") as source:
        english = {m.id: m.string for m in read_po(source) if m.id}
    missing = sorted(str(m) for m in wanted if not english.get(m))
    assert missing == [], "run `make extract-messages` and translate these"
    mismatched = [
        m
        for m in wanted
        if sorted(PLACEHOLDER.findall(str(m))) != sorted(PLACEHOLDER.findall(str(english[m])))
    ]
    assert mismatched == []
