"""GET /search/ (the page) and GET /api/search/ (JSON): the same parameters, thin views."""

import datetime
import html
import re
import sys

import pytest
from django.utils import timezone

from archive.models import Article, ArticleRegion, Region
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]


@pytest.fixture
def articles(reindex):
    city = Region.objects.get_or_create(code="371600", defaults=dict(name="滨州市", level="city"))[
        0
    ]
    hit = make_article(
        "滨州户籍<script>alert(1)</script>",
        "户籍窗口<script>alert(2)</script>延时服务。",
        published_at=timezone.make_aware(datetime.datetime(2021, 3, 5, 9)),
        date_precision=Article.DatePrecision.DAY,  # a date of unknown precision has no year
    )
    ArticleRegion.objects.create(article=hit, region=city)
    other = make_article("武汉公安", "海燕直通车。")
    reindex()
    return hit, other


def test_page_lists_results_with_marks_facets_and_total(client, articles):
    hit, _ = articles
    response = client.get("/search/", {"q": "户籍"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "找到 1 篇文章" in page
    assert f'href="{hit.get_absolute_url()}"' in page
    assert "<mark>户籍</mark>" in page
    assert "<script>" not in page and "&lt;script&gt;alert(2)" in page
    assert "滨州市</a>" in page and "?q=%E6%88%B7%E7%B1%8D&amp;region=371600" in page
    assert "2021年3月5日" in page


def test_query_with_script_is_escaped(client, articles):
    response = client.get("/search/", {"q": "<script>alert(3)</script> 户籍"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(3)" not in page and "&lt;script&gt;alert(3)" in page


@pytest.mark.parametrize("q", ["", "！？。", '"""', "-", "OR"])
def test_empty_or_punctuation_query_gives_help(client, articles, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert "输入关键词搜索" in response.content.decode()


def test_no_results_page_is_helpful(client, articles):
    response = client.get("/search/", {"q": "不存在的词语", "year": "2020"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "没有找到包含“不存在的词语”的文章" in page and "去掉所有筛选条件" in page


@pytest.mark.parametrize(
    "params, status",
    [
        ({"q": "户籍", "page": "99"}, 404),
        ({"q": "户籍", "page": "abc"}, 404),
        ({"q": "户籍", "year": "abc"}, 400),
        ({"q": "户籍", "from": "2021-13-01"}, 400),
        ({"q": "户籍", "from": "2022-01-01", "to": "2021-01-01"}, 400),
        ({"q": "户籍", "sort": "random"}, 400),
        ({"q": "户籍", "agency": "-1"}, 400),
        ({"q": "户" * 600}, 400),
    ],
)
def test_bad_parameters_are_client_errors(client, articles, params, status):
    assert client.get("/search/", params).status_code == status
    assert client.get("/api/search/", params).status_code == status


@pytest.mark.parametrize(
    "q",
    [
        '"未闭合',
        "((户籍",
        "户籍 OR",
        "OR 户籍",
        "*?~^",
        "户籍:*",
        "AND NOT",
        "\\",
        "🙂户籍",
        '-""',
        "户籍 -户籍",
    ],
)
def test_any_query_shape_answers(client, articles, q):
    assert client.get("/api/search/", {"q": q}).status_code == 200
    assert client.get("/search/", {"q": q}).status_code == 200


def test_api_returns_results_and_facets(client, articles):
    hit, _ = articles
    body = client.get("/api/search/", {"q": "濱州 戶籍"}).json()
    assert body["count"] == 1
    result = body["results"][0]
    assert result["id"] == hit.pk
    assert result["title"] == hit.title
    assert result["url"].endswith(hit.get_absolute_url())
    assert result["published"].startswith("2021-03-05")
    assert result["region"] == "滨州市"
    assert result["agencies"] == [] and result["initiatives"] == []
    assert "<mark>户籍</mark>" in result["snippet"] and "<script>" not in result["snippet"]
    assert body["facets"]["region"] == [{"value": "371600", "label": "滨州市", "count": 1}]
    assert body["facets"]["year"] == [{"value": "2021", "label": "2021年", "count": 1}]


def test_api_empty_query(client, articles):
    body = client.get("/api/search/", {"q": "。"}).json()
    assert body["count"] == 0 and body["results"] == []


def test_related_articles_come_from_this_index(search_index, reindex):
    from archive.related import related_articles

    article = make_article("海燕直通车进社区", "海燕直通车为群众办理户籍和出入境业务。")
    alike = make_article("海燕直通车再出发", "海燕直通车开进乡村，办理户籍业务。")
    make_article("交通安全", "交警提醒注意行车安全。")
    make_article("消防演练", "消防救援站组织演练。")
    make_article("天气", "明天多云转晴。")
    reindex()
    assert [a.pk for a in related_articles(article)] == [alike.pk]


def test_first_page_of_a_search_is_counted_for_staff(client, articles):
    from search.models import SearchQueryLog

    client.get("/search/", {"q": "户籍"})
    client.get("/api/search/", {"q": "没有这个词"})
    client.get("/search/", {"q": "户籍", "page": "2"})  # paging is not a new search (404 here)
    counted = {(row.query, row.count, row.result_count) for row in SearchQueryLog.objects.all()}
    assert counted == {("户籍", 1, 1), ("没有这个词", 1, 0)}


def test_an_edited_title_is_found_by_a_long_run_of_its_new_words(client, articles, reindex):
    """Long runs are confirmed on the simplified copy, which Article.save keeps in step."""
    hit, _ = articles
    hit.title = "濱州市民警上門辦證"
    hit.save()
    reindex()  # the test's transaction never commits, so the on-commit update never runs
    assert hit.title_simplified == "滨州市民警上门办证"
    assert client.get("/api/search/", {"q": "民警上门办证"}).json()["count"] == 1
    assert client.get("/api/search/", {"q": "滨州户籍"}).json()["count"] == 0


def test_more_like_this_stays_within_its_budget_of_postings(search_index, reindex, monkeypatch):
    """The words are chosen rarest first within MORE_LIKE_THIS_POSTINGS: a word that would
    overrun the budget is passed over, and with no room for any word nothing is related."""
    from search.engine import engine

    article = make_article("海燕直通车进社区", "海燕直通车为群众办理户籍和出入境业务。")
    alike = make_article("海燕直通车再出发", "海燕直通车开进乡村，办理户籍业务。")
    make_article("交通安全", "交警提醒注意行车安全。")
    reindex()
    backend = engine()

    def related():
        return [int(r.pk) for r in backend.more_like_this(article)["results"]]

    assert related() == [alike.pk]
    # Every shared word is held by two articles.
    monkeypatch.setattr(sys.modules[type(backend).__module__], "MORE_LIKE_THIS_POSTINGS", 1)
    assert related() == []


def test_facet_and_sort_links_keep_the_query(client, articles):
    """Links built from the query string (facets, sort, pages) start with one "?": Django's
    ``{% querystring %}`` already writes it, and "??q=…" reads as an unknown parameter that
    the page cache redirects away, losing the query."""
    page = client.get("/search/", {"q": "户籍"}).content.decode()
    links = re.findall(r'href="(\?[^"]*)"', page)
    assert links and not [link for link in links if link.startswith("??")]
    sort = next(link for link in links if "sort=date" in link)
    response = client.get("/search/" + html.unescape(sort))
    assert response.status_code == 200 and "找到 1 篇文章" in response.content.decode()
