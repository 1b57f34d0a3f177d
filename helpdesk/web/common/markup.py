"""Light Markdown for ticket text that people write: safe to show to anyone who may read it.

markdown-it-py's ``js-default`` preset escapes raw HTML and refuses ``javascript:`` and
similar links; nh3 (ammonia) then keeps only an allow-list of tags, attributes and URL
schemes, so a mistake or a gap in the first step still cannot put script on a page.
Single line breaks are kept, as Japanese plain text expects.
"""

from __future__ import annotations

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

_PARSER = MarkdownIt("js-default", {"breaks": True, "linkify": True}).enable(["table", "linkify"])

ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "hr",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
})
#: No ``style``: our CSP allows no inline styles, so table alignment is dropped on purpose.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def render_markdown(text: str | None) -> Markup:
    """HTML for ``text`` read as light Markdown; never contains script, event handlers or unsafe links."""
    html = _PARSER.render(text or "")
    cleaned = nh3.clean(
        html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 - cleaned by nh3 with an allow-list just above


def init_app(app: Flask) -> None:
    """Offer ``{{ text|markdown }}`` to the templates."""
    app.add_template_filter(render_markdown, "markdown")
