"""Browse pages: what each shows, their filters, 404s and redirects, empty states and query
budgets (no N+1)."""

import itertools

import pytest
from django.urls import reverse

from archive import pagecache

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    "/",
    "/articles/",
    "/regions/",
    "/agencies/",
    "/initiatives/",
    "/archive/",
    "/archive/2021/",
    "/archive/2021/3/",
    "/archive/undated/",
]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_answer_with_an_empty_database(client, url):
    from archive.models import Initiative

    Initiative.objects.all().delete()  # seeded by a migration; "empty" means no content at all
    response = client.get(url)
    assert response.status_code == 200
    assert 'class="empty"' in response.content.decode()


def test_home_shows_newest_counts_and_most_active(client, browse_world):
    html = client.get("/").content.decode()
    assert html.index("武汉警方推出户籍业务网上办") < html.index("川汇分局开展反诈宣传")
    assert "已隐藏的周口文章" not in html
    assert "（转载）" not in html
    # Five published articles; the city counts its district's article.
    assert '<a href="/articles/">5</a>' in html
    assert "河南省 · 周口市" in html
    assert "<svg" in html and "2021年3月：2 篇" in html
    assert "我为群众办实事" in html and "待审行动" not in html


def test_region_tree_rolls_up_districts(client, browse_world):
    html = client.get("/regions/").content.decode()
    for name, count in [("河南省", 4), ("周口市", 4), ("川汇区", 2), ("湖北省", 1)]:
        assert f'>{name}</a> <span class="count">{count}</span>' in html


def test_region_page_lists_its_districts_articles_newest_first(client, browse_world):
    zhoukou = browse_world["regions"]["zhoukou"]
    response = client.get(zhoukou.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    titles = [a.title for a in response.context["page"].object_list]
    assert titles == [
        "川汇分局开展反诈宣传",
        "周口市公安机关便民利企服务遍地开花",
        "周口交警便民服务月报",
        "日期不详的周口派出所简讯",
    ]
    assert "川汇分局" in html and "周口市公安局" in html
    assert 'href="/regions/410000/"' in html  # breadcrumb to the province


def test_region_filters_by_year_and_bureau(client, browse_world):
    zhoukou = browse_world["regions"]["zhoukou"]
    branch = browse_world["agencies"]["chuanhui"]
    url = zhoukou.get_absolute_url()
    page = client.get(url, {"year": 2021}).context["page"]
    assert page.paginator.count == 3
    assert "日期不详的周口派出所简讯" not in [a.title for a in page.object_list]
    page = client.get(url, {"year": 2021, "agency": branch.pk}).context["page"]
    assert [a.title for a in page.object_list] == ["川汇分局开展反诈宣传"]
    assert client.get(url, {"year": 2022}).context["page"].paginator.count == 0


@pytest.mark.parametrize(
    "query", ["year=abc", "year=1800", "agency=x", "agency=999999", "page=0", "page=x", "page=2"]
)
def test_bad_filters_and_pages_are_404_not_500(client, browse_world, query):
    url = browse_world["regions"]["zhoukou"].get_absolute_url()
    assert client.get(f"{url}?{query}").status_code == 404


def test_a_bureau_of_another_region_is_not_a_filter(client, browse_world):
    zhoukou = browse_world["regions"]["zhoukou"].get_absolute_url()
    elsewhere = browse_world["agencies"]["wuhan"].pk
    assert client.get(zhoukou, {"agency": elsewhere}).status_code == 404
    henan = browse_world["regions"]["henan"].get_absolute_url()  # the branch is in a district
    assert client.get(henan, {"agency": browse_world["agencies"]["chuanhui"].pk}).status_code == 200


def test_agency_page_includes_sub_units_and_initiatives(client, browse_world):
    bureau = browse_world["agencies"]["zhoukou"]
    response = client.get(bureau.get_absolute_url())
    html = response.content.decode()
    titles = {a.title for a in response.context["page"].object_list}
    assert titles == {
        "川汇分局开展反诈宣传",
        "周口市公安机关便民利企服务遍地开花",
        "周口交警便民服务月报",
    }
    assert "川汇分局" in html and "我为群众办实事" in html
    branch = browse_world["agencies"]["chuanhui"]
    html = client.get(branch.get_absolute_url()).content.decode()
    assert f'上级单位：<a href="{bureau.get_absolute_url()}">周口市公安局</a>' in html


def test_agency_list_groups_by_region(client, browse_world):
    html = client.get("/agencies/").content.decode()
    assert html.index("周口市</a></h2>") < html.index("周口市公安局")
    assert html.index("武汉市</a></h2>") < html.index("武汉市公安局")


def test_initiatives_only_accepted_are_public(client, browse_world):
    html = client.get("/initiatives/").content.decode()
    assert "我为群众办实事" in html and "待审行动" not in html
    suggested = browse_world["initiatives"]["suggested"]
    assert client.get(f"/initiatives/{suggested.slug}/").status_code == 404
    initiative = browse_world["initiatives"]["banshishi"]
    response = client.get(initiative.get_absolute_url())
    html = response.content.decode()
    assert "公安队伍教育整顿中的便民实践活动" in html
    assert "周口市公安局" in html and "川汇分局" in html  # who ran it, and where
    assert response.context["page"].paginator.count == 3


def test_date_archive_never_dates_undated_articles(client, browse_world):
    html = client.get("/archive/").content.decode()
    assert 'href="/archive/2021/"' in html and 'href="/archive/2022/"' in html
    assert "1 篇日期不详" in html
    month = client.get("/archive/2021/3/").context["page"]
    assert {a.title for a in month.object_list} == {
        "周口市公安机关便民利企服务遍地开花",
        "周口交警便民服务月报",
    }
    year = client.get("/archive/2021/").context["page"]
    assert "日期不详的周口派出所简讯" not in [a.title for a in year.object_list]
    undated = client.get("/archive/undated/").context["page"]
    assert [a.title for a in undated.object_list] == ["日期不详的周口派出所简讯"]
    assert client.get("/archive/2021/13/").status_code == 404
    assert client.get("/archive/0/").status_code == 404


def test_article_page(client, browse_world):
    article = browse_world["articles"]["a1"]
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "2021年3月29日" in html
    assert "周口日报" in html and "张三 李四" in html
    assert 'href="/regions/411600/"' in html and 'href="/regions/411602/"' in html
    assert browse_world["agencies"]["zhoukou"].get_absolute_url() in html
    assert browse_world["initiatives"]["banshishi"].get_absolute_url() in html
    assert 'rel="noopener noreferrer nofollow">https://example.com/zk/1.html' in html
    assert f'<link rel="canonical" href="http://testserver/articles/{article.pk}/">' in html
    # GB/T 7714 citation with the date and the original URL.
    assert "张三 李四. 周口市公安机关便民利企服务遍地开花[N/OL]. 周口日报, 2021-03-29[" in html
    # The other copy of the story, with its source.
    assert "趣头条" in html and "https://example.com/copy.html" in html


def test_article_page_names_only_accepted_initiatives(client, browse_world):
    response = client.get(browse_world["articles"]["a3"].get_absolute_url())
    assert response.status_code == 200
    assert browse_world["initiatives"]["suggested"].name not in response.content.decode()


def test_article_date_precision(client, browse_world):
    month = client.get(browse_world["articles"]["a4"].get_absolute_url()).content.decode()
    assert "2021年3月</time>" in month and "2021年3月1日" not in month
    undated = client.get(browse_world["articles"]["a5"].get_absolute_url()).content.decode()
    assert "<time>日期不详</time>" in undated


def test_article_slug_is_optional(client, browse_world):
    article = browse_world["articles"]["a2"]
    response = client.get(f"/articles/{article.pk}/{article.slug}/")
    assert response.status_code == 200
    assert f'href="http://testserver/articles/{article.pk}/"' in response.content.decode()


def test_duplicates_redirect_and_hidden_articles_do_not_exist(client, browse_world):
    copy, primary = browse_world["articles"]["copy"], browse_world["articles"]["a1"]
    response = client.get(copy.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == primary.get_absolute_url()
    assert client.get(browse_world["articles"]["hidden"].get_absolute_url()).status_code == 404
    assert client.get("/articles/999999/").status_code == 404


def test_related_articles_fall_back_to_shared_bureau(client, browse_world):
    response = client.get(browse_world["articles"]["a1"].get_absolute_url())
    related = [a.title for a in response.context["related"]]
    assert related == ["周口交警便民服务月报"]


# Query budgets: each page is measured on the small world, then again after more articles,
# regions, bureaus and links are added. An N+1 shows up as a count that grows.

QUERY_BUDGETS = {
    "/": 16,
    "/articles/": 5,
    "/regions/": 4,
    "/regions/411600/": 12,
    "/regions/411600/?year=2021&agency={chuanhui}": 13,
    "/agencies/": 4,
    "/agencies/{zhoukou}/": 12,
    "/initiatives/": 4,
    "/initiatives/wo-wei-qun-zhong-ban-shi-shi/": 9,
    "/archive/": 4,
    "/archive/2021/": 5,
    "/archive/2021/3/": 5,
    "/archive/undated/": 5,
    "/articles/{a1}/": 10,
}


def _grow(world, n=30):
    from archive.models import Agency, ArticleAgency, ArticleInitiative, ArticleRegion, Region
    from tests.factories import make_article

    for index in range(n):
        district = Region.objects.create(
            code=f"99{index:04d}",  # outside the gazetteer's codes
            name=f"新区{index}",
            level="county",
            parent=world["regions"]["zhoukou"],
        )
        station = Agency.objects.create(
            name=f"新派出所{index}", region=district, parent=world["agencies"]["chuanhui"]
        )
        article = make_article(
            f"追加文章{index}",
            "正文",
            published_at=world["articles"]["a1"].published_at,
            date_precision="day",
        )
        ArticleRegion.objects.create(article=article, region=district)
        ArticleRegion.objects.create(article=article, region=world["regions"]["chuanhui"])
        ArticleAgency.objects.create(article=article, agency=station)
        ArticleAgency.objects.create(article=article, agency=world["agencies"]["zhoukou"])
        ArticleInitiative.objects.create(
            article=article, initiative=world["initiatives"]["banshishi"]
        )
        ArticleRegion.objects.create(article=world["articles"]["a1"], region=district)
        Agency.objects.create(name=f"新大队{index}", parent=world["agencies"]["zhoukou"])


def _queries(client, url):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # the cold case: counts and timelines computed in this request
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("template,budget", QUERY_BUDGETS.items())
def test_query_budget_does_not_grow_with_rows(client, browse_world, template, budget, monkeypatch):
    # The page cache culls its table on every CULL_EVERY-th store of a process: which request
    # that falls on depends on the tests run before, so the count starts afresh here.
    monkeypatch.setattr(pagecache, "_stores", itertools.count(1))
    url = template.format(
        chuanhui=browse_world["agencies"]["chuanhui"].pk,
        zhoukou=browse_world["agencies"]["zhoukou"].pk,
        a1=browse_world["articles"]["a1"].pk,
    )
    small = _queries(client, url)
    _grow(browse_world)
    large = _queries(client, url)
    assert (small, large) == (small, small)
    assert large <= budget


@pytest.mark.parametrize(
    "url", ["/", "/regions/", "/regions/411600/", "/agencies/", "/archive/", "/archive/2021/"]
)
def test_counts_come_from_the_maintained_tables(client, browse_world, url):
    """No GROUP BY at request time: counts and timelines are index lookups (archive.counts)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert [q["sql"] for q in captured if "GROUP BY" in q["sql"]] == []


def test_reverse_names_are_namespaced():
    assert reverse("archive:region_list") == "/regions/"
    assert reverse("archive:month_archive", args=[2021, 3]) == "/archive/2021/3/"
