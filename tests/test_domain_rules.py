"""Each domain rule says the same everywhere: an article whose date precision is unknown is
undated on browse pages, in search facets, in search filters, in feeds and in CSV alike;
"published" is asked of one QuerySet method."""

import ast
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from archive.models import Article
from search.query import search
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def vague(search_index, reindex):
    """A published article stored with a timestamp but an unknown date precision, beside a
    dated one of the same year."""
    when = datetime(2019, 6, 1, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    vague = make_article(
        "日期存疑的反诈通报", "民警提醒防范反诈骗局。", published_at=when,
        date_precision=Article.DatePrecision.UNKNOWN,
    )  # fmt: skip
    dated = make_article(
        "日期确定的反诈通报", "民警提醒防范反诈骗局。", published_at=when,
        date_precision=Article.DatePrecision.DAY,
    )  # fmt: skip
    reindex()
    return vague, dated


def test_unknown_precision_is_undated_everywhere(client, vague):
    vague, dated = vague
    # Search facets and the year filter.
    outcome = search({"q": "反诈"}, 1)
    assert dict((f["value"], f["count"]) for f in outcome.facets["year"]) == {"2019": 1}
    assert list(search({"q": "反诈", "year": 2019}, 1).page.object_list) == [dated]
    # Browse: the year's archive lists only the dated one; the article page says 日期不详.
    year_page = client.get("/archive/2019/").content.decode()
    assert dated.title in year_page and vague.title not in year_page
    assert "日期不详" in client.get(vague.get_absolute_url()).content.decode()
    # Feeds and CSV: no date given to it.
    feed = client.get("/rss.xml").content.decode()
    item = feed[feed.index(vague.title) :].split("</item>")[0]
    assert "<pubDate>" not in item
    csv_rows = b"".join(client.get("/articles/?format=csv").streaming_content)
    csv_rows = csv_rows.decode("utf-8-sig").splitlines()
    (row,) = [line for line in csv_rows if vague.title in line]
    assert "2019" not in row


LOOKUPS = {"filter", "exclude", "get"}


def _published_lookups(path):
    """(line, code) of ORM lookups that say "status is published" themselves."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in LOOKUPS:
            for keyword in node.keywords:
                value = keyword.value
                if (
                    (keyword.arg or "").endswith("status")
                    and isinstance(value, ast.Attribute)
                    and value.attr == "PUBLISHED"
                ):
                    found.append((node.lineno, ast.unparse(node)[:80]))
    return found


def test_published_is_defined_once():
    """Readers, feeds, the sitemap, the index and its checks ask ``Article.objects.published()``;
    a second ``filter(status=PUBLISHED)`` would be a second definition that can drift."""
    root = Path(settings.BASE_DIR)
    offenders = {
        str(path.relative_to(root)): found
        for folder in ("archive", "search", "config")
        for path in (root / folder).rglob("*.py")
        if "migrations" not in path.parts
        and (found := _published_lookups(path))
        and path != root / "archive" / "models.py"
    }
    assert offenders == {}
    (definition,) = _published_lookups(root / "archive" / "models.py")
    assert "self.filter" in definition[1]
