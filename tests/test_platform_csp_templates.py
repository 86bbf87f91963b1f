"""Every template of the project obeys the Content-Security-Policy it is served under.

The policy blocks inline scripts, event-handler attributes, `javascript:` URLs, `<style>`
elements and `style=` attributes; a template using one would silently break in the browser.
This sweep finds them at test time, naming the file and line.
"""

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]

FORBIDDEN = {
    # <script> without src; data blocks (json_script, ld+json) are not executed and are fine.
    "inline script": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']application/(?:ld\+)?json)[^>]*>", re.I
    ),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
}


def _templates():
    for directory in TEMPLATE_DIRS:
        yield from sorted(directory.rglob("*.html"))


def test_templates_are_found():
    names = {path.name for path in _templates()}
    assert {"base.html", "404.html", "500.html"} <= names


def test_no_template_needs_unsafe_inline():
    problems = []
    for path in _templates():
        text = path.read_text()
        for what, pattern in FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(BASE_DIR)}:{line}: {what}")
    assert problems == []


def test_the_sweep_catches_each_kind():
    samples = {
        "inline script": "<script>alert(1)</script>",
        "event handler attribute": '<img src="x" onerror="alert(1)">',
        "javascript: URL": '<a href="javascript:alert(1)">',
        "<style> element": "<style>p{}</style>",
        "style attribute": '<p class="a" style="display:none">',
    }
    for what, sample in samples.items():
        assert FORBIDDEN[what].search(sample), what
    allowed = (
        '<script src="/static/a.js" defer></script><script type="application/json">{}</script>'
    )
    assert not FORBIDDEN["inline script"].search(allowed)
