from html.parser import HTMLParser

import pytest

from yixun.lib.markdown import render


class Elements(HTMLParser):
    """The elements of rendered HTML, as (tag, {attribute: value})."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    @property
    def tags(self) -> list[str]:
        return [tag for tag, _ in self.found]


def elements(source: str) -> Elements:
    return Elements(render(source))


def test_headings_lists_and_emphasis_render() -> None:
    found = elements("# 巡逻须知\n\n## 装备\n\n- 手电\n- **反光背心**\n\n1. 集合\n2. 出发\n")
    assert found.tags == ["h1", "h2", "ul", "li", "li", "strong", "ol", "li", "li"]


def test_tables_render() -> None:
    found = elements("| 时间 | 地点 |\n|---|---|\n| 20:00 | 城关 |\n")
    assert found.tags == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    assert "城关" in render("| 时间 | 地点 |\n|---|---|\n| 20:00 | 城关 |\n")


def test_an_ordinary_link_survives_and_does_not_pass_on_the_page() -> None:
    found = elements("[协会网站](https://example.org/about)")
    assert found.found == [
        ("p", {}),
        ("a", {"href": "https://example.org/about", "rel": "noopener noreferrer nofollow"}),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "before\n\n<script src='https://evil.example/x.js'></script>\n\nafter",
        "<img src=x onerror=alert(1)>",
        '<p onclick="alert(1)">hi</p>',
        '<iframe src="https://evil.example"></iframe>',
        "![photo](https://evil.example/track.png)",
        '![x](https://evil.example/x.png "t" onerror=alert(1))',
        "<a href='javascript:alert(1)'>click</a>",
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click][ref]\n\n[ref]: javascript:alert(1)",
        "<style>body{display:none}</style>",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_nothing_that_can_run_or_load_survives(source: str) -> None:
    found = elements(source)
    assert set(found.tags) <= {"p", "a"}, found.found
    for _tag, attributes in found.found:
        assert not any(name.startswith("on") for name in attributes), found.found
        assert set(attributes) <= {"href", "rel", "title"}
        assert attributes.get("href", "https:").startswith(("https:", "http:", "mailto:", "tel:"))


def test_raw_html_is_shown_as_text_not_lost() -> None:
    assert "&lt;script&gt;" in render("<script>alert(1)</script>")


def test_an_empty_source_renders_nothing() -> None:
    assert render("") == ""
