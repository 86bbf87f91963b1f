"""Each domain rule says the same everywhere: an article whose date precision is unknown is
undated on browse pages, in search facets, in search filters, in feeds and in CSV alike."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

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
