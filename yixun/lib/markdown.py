"""Render Markdown written by officers into HTML that is safe to show."""

import nh3
from markdown_it import MarkdownIt

# CommonMark with tables; raw HTML in the source is not passed through.
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def render(source: str) -> str:
    html = _renderer.render(source or "")
    # Belt and braces: even without raw HTML, links could carry javascript: URLs.
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
