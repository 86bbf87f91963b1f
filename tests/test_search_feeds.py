"""GET /search/rss.xml and /search/atom.xml: a search's newest matches as a feed, with
conditional GET for pollers and entry ids that survive an edit."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from archive.models import Article, ArticleRegion, Region
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]

ATOM = "{http://www.w3.org/2005/Atom}"


# Dated to the day: an article of unknown date precision has no date for filters.
DAY = Article.DatePrecision.DAY


def _day(*parts):
    return timezone.make_aware(datetime.datetime(*parts))


@pytest.fixture
def fraud(reindex):
    sichuan = Region.objects.get_or_create(
        code="510000", defaults=dict(name="四川省", level="province")
    )[0]
    older = make_article(
        "成都反诈宣传进社区",
        "民警讲解反诈知识。",
        published_at=_day(2021, 5, 1),
        date_precision=DAY,
    )
    newer = make_article(
        "绵阳反诈中心揭秘", "反诈中心日夜值守。", published_at=_day(2022, 6, 1), date_precision=DAY
    )
    elsewhere = make_article(
        "武汉反诈宣传", "武汉民警反诈。", published_at=_day(2023, 1, 1), date_precision=DAY
    )
    make_article("四川交警便民", "交通管理。", published_at=_day(2023, 2, 1), date_precision=DAY)
    for article in (older, newer):
        ArticleRegion.objects.create(article=article, region=sichuan)
    reindex()
    return {"older": older, "newer": newer, "elsewhere": elsewhere}


def _rss(response):
    assert response.status_code == 200, response.content
    return ET.fromstring(response.content)


def test_rss_holds_the_search_newest_first_with_its_filters(client, fraud):
    root = _rss(client.get("/search/rss.xml", {"q": "反诈", "region": "510000"}))
    assert [item.findtext("title") for item in root.iter("item")] == [
        "绵阳反诈中心揭秘",
        "成都反诈宣传进社区",
    ]
    assert root.find("channel").findtext("title") == "警讯档案 · 搜索：反诈 · 四川省"
    assert (
        root.find("channel")
        .findtext("link")
        .endswith("/search/?q=%E5%8F%8D%E8%AF%88&region=510000")
    )
    everywhere = _rss(client.get("/search/rss.xml", {"q": "反詐"}))  # either script
    assert [item.findtext("title") for item in everywhere.iter("item")][0] == "武汉反诈宣传"


def test_atom_twin_and_dates(client, fraud):
    response = client.get("/search/atom.xml", {"q": "反诈", "from": "2022-01-01"})
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    titles = [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]
    assert titles == ["武汉反诈宣传", "绵阳反诈中心揭秘"]


def test_a_poll_of_an_unchanged_feed_gets_304(client, fraud):
    first = client.get("/search/rss.xml", {"q": "反诈"})
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get("/search/rss.xml", {"q": "反诈"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    since = client.get("/search/rss.xml", {"q": "反诈"}, HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    other = client.get("/search/rss.xml", {"q": "反诈 四川"}, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200


def test_a_new_match_changes_the_feed(client, fraud, reindex):
    etag = client.get("/search/rss.xml", {"q": "反诈"})["ETag"]
    make_article("德阳反诈新举措", "反诈预警。", published_at=_day(2024, 1, 1), date_precision=DAY)
    reindex()
    response = client.get("/search/rss.xml", {"q": "反诈"}, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert next(_rss(response).iter("item")).findtext("title") == "德阳反诈新举措"


def test_an_edited_article_keeps_its_entry_id(client, fraud, reindex):
    def entries():
        root = ET.fromstring(client.get("/search/atom.xml", {"q": "绵阳"}).content)
        return [
            (e.findtext(f"{ATOM}id"), e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}updated"))
            for e in root.iter(f"{ATOM}entry")
        ]

    [(entry_id, _, updated)] = entries()
    article = fraud["newer"]
    article.title = "绵阳反诈中心揭秘（更新）"
    article.save()
    reindex()
    [(same_id, title, later)] = entries()
    assert same_id == entry_id and entry_id.endswith(f"/articles/{article.pk}/")
    assert title == "绵阳反诈中心揭秘（更新）" and later > updated


def test_invalid_parameters_are_a_clear_400(client, fraud):
    response = client.get("/search/rss.xml", {"q": "反诈", "from": "2022-02-30"})
    assert response.status_code == 400
    assert "搜索条件有误" in response.content.decode()


def test_the_results_page_offers_the_feed(client, fraud):
    page = client.get("/search/", {"q": "反诈", "page": "1", "sort": "date"}).content.decode()
    assert 'class="subscribe" href="/search/rss.xml?q=%E5%8F%8D%E8%AF%88"' in page
    assert '<link rel="alternate" type="application/rss+xml"' in page
    assert 'href="/search/atom.xml?q=%E5%8F%8D%E8%AF%88"' in page
