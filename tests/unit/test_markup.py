"""Light Markdown in ticket text: formatting survives, script and unsafe links never do."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from helpdesk.web.common.markup import ALLOWED_TAGS, render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](vbscript:msgbox(1))",
    "<<script>script>alert(1)<</script>/script>",
]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_becomes_active_markup(payload: str) -> None:
    elements = _elements(str(render_markdown(f"調査をお願いします。\n{payload}")))

    assert {tag for tag, _attrs in elements} <= ALLOWED_TAGS
    for _tag, attrs in elements:
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        href = (attrs.get("href") or "https:").lower()
        assert href.startswith(("https:", "http:", "mailto:"))


def test_light_formatting_and_japanese_line_breaks() -> None:
    html = str(render_markdown("1行目\n2行目\n\n- 再起動\n- **再ログイン**\n\nhttps://portal.example.go.jp/faq"))

    assert "1行目<br>" in html
    assert "<li>再起動</li>" in html and "<strong>再ログイン</strong>" in html
    assert '<a href="https://portal.example.go.jp/faq" rel="noopener noreferrer nofollow">' in html


def test_empty_text_is_empty() -> None:
    assert str(render_markdown(None)) == "" and str(render_markdown("")) == ""
