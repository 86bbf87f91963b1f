"""HTML checks that matter on every browse page: lang, one h1, labelled fields, image alt,
breadcrumbs and the search box; no inline script, event handlers or style attributes."""

from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db


class PageAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lang = None
        self.h1 = 0
        self.labels = set()
        self.fields = []
        self.images_without_alt = []
        self.inline_scripts = 0
        self.handlers = []
        self.styles = []
        self.title = ""
        self._in_title = False
        self._in_script = False
        self.search_box = False
        self.breadcrumbs = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "h1":
            self.h1 += 1
        if tag == "title" and not self.title:  # the page's, not an SVG element's
            self._in_title = True
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        if tag in {"input", "select", "textarea"} and attrs.get("type") != "hidden":
            self.fields.append(attrs.get("id"))
        if tag == "img" and not attrs.get("alt"):
            self.images_without_alt.append(attrs.get("src"))
        if tag == "script" and "src" not in attrs:
            self.inline_scripts += 1
        if tag == "form" and attrs.get("role") == "search":
            self.search_box = True
        if tag == "nav" and attrs.get("class") == "breadcrumbs":
            self.breadcrumbs = True
        self.handlers += [name for name in attrs if name.startswith("on")]
        if "style" in attrs:
            self.styles.append(tag)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _pages(world):
    return [
        "/",
        "/articles/",
        "/regions/",
        world["regions"]["zhoukou"].get_absolute_url(),
        world["regions"]["zhoukou"].get_absolute_url() + "?year=2021",
        "/agencies/",
        world["agencies"]["zhoukou"].get_absolute_url(),
        "/initiatives/",
        world["initiatives"]["banshishi"].get_absolute_url(),
        "/archive/",
        "/archive/2021/",
        "/archive/2021/3/",
        "/archive/undated/",
        world["articles"]["a1"].get_absolute_url(),
        world["articles"]["a5"].get_absolute_url(),
    ]


def test_every_page_passes_the_audit(client, browse_world):
    for url in _pages(browse_world):
        audit = PageAudit()
        audit.feed(client.get(url).content.decode())
        assert audit.lang == "zh-Hans", url
        assert audit.h1 == 1, url
        assert audit.title.strip().endswith("警讯档案") or audit.title.strip() == "警讯档案", url
        assert all(field in audit.labels for field in audit.fields), (url, audit.fields)
        assert audit.images_without_alt == [], url
        assert audit.inline_scripts == 0 and audit.handlers == [] and audit.styles == [], url
        assert audit.search_box, url
        assert audit.breadcrumbs or url == "/", url


def test_the_article_body_image_gets_alt_text(client, browse_world):
    audit = PageAudit()
    audit.feed(client.get(browse_world["articles"]["a1"].get_absolute_url()).content.decode())
    assert audit.images_without_alt == []
    assert audit.h1 == 1  # the body's own <h1> was demoted
