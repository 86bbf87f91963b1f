"""RSS and Atom feeds, sitemap.xml and robots.txt."""

import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _rss_titles(response):
    assert response.status_code == 200
    return [item.findtext("title") for item in ET.fromstring(response.content).iter("item")]


def test_newest_feeds(client, browse_world):
    titles = _rss_titles(client.get("/rss.xml"))
    assert titles[0] == "武汉警方推出户籍业务网上办"
    assert titles[-1] == "日期不详的周口派出所简讯"  # undated last, never first
    assert "已隐藏的周口文章" not in titles and len(titles) == 5
    atom = ET.fromstring(client.get("/atom.xml").content)
    assert atom.tag == f"{ATOM}feed"
    assert len(atom.findall(f"{ATOM}entry")) == 5


def test_undated_items_carry_no_false_date(client, browse_world):
    root = ET.fromstring(client.get("/rss.xml").content)
    items = {item.findtext("title"): item for item in root.iter("item")}
    assert items["日期不详的周口派出所简讯"].find("pubDate") is None
    assert items["武汉警方推出户籍业务网上办"].findtext("pubDate").startswith("Mon, 10 Jan 2022")


def test_region_agency_and_initiative_feeds(client, browse_world):
    zhoukou = browse_world["regions"]["zhoukou"]
    assert len(_rss_titles(client.get(f"/regions/{zhoukou.code}/rss.xml"))) == 4
    bureau = browse_world["agencies"]["zhoukou"]
    assert "川汇分局开展反诈宣传" in _rss_titles(client.get(f"/agencies/{bureau.pk}/rss.xml"))
    initiative = browse_world["initiatives"]["banshishi"]
    assert len(_rss_titles(client.get(f"/initiatives/{initiative.slug}/rss.xml"))) == 3
    atom = ET.fromstring(client.get(f"/initiatives/{initiative.slug}/atom.xml").content)
    assert atom.findtext(f"{ATOM}title") == "警讯档案 · 我为群众办实事"
    suggested = browse_world["initiatives"]["suggested"]
    assert client.get(f"/initiatives/{suggested.slug}/rss.xml").status_code == 404


def test_feed_base_class_is_reusable_for_other_lists(rf, browse_world):
    from archive.feeds import ArticleFeed, atom
    from archive.models import Article

    class SourceFeed(ArticleFeed):
        title = "周口日报"
        link = "/"
        description = "周口日报的文章"

        def articles(self, obj):
            return Article.objects.published().filter(source="周口日报")

    response = atom(SourceFeed)()(rf.get("/feed/"))
    root = ET.fromstring(response.content)
    assert [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")] == [
        "周口市公安机关便民利企服务遍地开花",
        "周口交警便民服务月报",
    ]


def test_sitemap_lists_public_pages_only(client, browse_world):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert b"sitemap-articles.xml" in index.content
    articles = client.get("/sitemap-articles.xml").content.decode()
    assert f"/articles/{browse_world['articles']['a1'].pk}/" in articles
    assert f"/articles/{browse_world['articles']['hidden'].pk}/" not in articles
    assert f"/articles/{browse_world['articles']['copy'].pk}/" not in articles
    regions = client.get("/sitemap-regions.xml").content.decode()
    assert "/regions/411602/" in regions
    initiatives = client.get("/sitemap-initiatives.xml").content.decode()
    assert "dai-shen" not in initiatives


def test_sitemap_with_an_empty_database(client, db):
    assert client.get("/sitemap.xml").status_code == 200
    assert client.get("/sitemap-pages.xml").status_code == 200


def test_robots_txt_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()
