"""Query syntax, filters, facets, ordering, pagination and highlighting (search.query)."""

import datetime

import pytest
from django.core.paginator import InvalidPage
from django.utils import timezone

from archive.models import (
    Agency,
    Article,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    Initiative,
    Region,
)
from search.engine import engine
from search.query import mark, parse, search, snippet
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]


DAY = Article.DatePrecision.DAY  # a date of unknown precision has no year to filter by


def when(year, month=1, day=1):
    return timezone.make_aware(datetime.datetime(year, month, day, 12))


def ids(outcome):
    return [article.pk for article in outcome.page.object_list]


def find(q, **params):
    return search({"q": q, **params}, per_page=50)


@pytest.fixture
def places(db):
    shandong = Region.objects.get_or_create(
        code="370000", defaults=dict(name="山东省", level="province")
    )[0]
    binzhou = Region.objects.get_or_create(
        code="371600", defaults=dict(name="滨州市", level="city", parent=shandong)
    )[0]
    bincheng = Region.objects.get_or_create(
        code="371602", defaults=dict(name="滨城区", level="county", parent=binzhou)
    )[0]
    wuhan = Region.objects.get_or_create(code="420100", defaults=dict(name="武汉市", level="city"))[
        0
    ]
    bureau = Agency.objects.create(name="滨州市公安局", region=binzhou)
    station = Agency.objects.create(name="滨城派出所", parent=bureau, region=bincheng)
    haiyan = Initiative.objects.get_or_create(name="海燕直通车", defaults={"slug": "haiyan"})[0]
    return {
        "binzhou": binzhou,
        "bincheng": bincheng,
        "wuhan": wuhan,
        "bureau": bureau,
        "station": station,
        "haiyan": haiyan,
    }


@pytest.fixture
def linked(places, reindex):
    a = make_article(
        "滨城派出所办理户籍",
        "户籍窗口延时服务，民警上门。",
        published_at=when(2021, 3, 5),
        date_precision=DAY,
    )
    b = make_article(
        "武汉公安便民",
        "户籍业务网上办，海燕直通车开进社区。",
        published_at=when(2022, 6, 1),
        date_precision=DAY,
    )
    c = make_article(
        "滨州交警", "交通安全宣传进校园。", published_at=when(2023, 1, 2), date_precision=DAY
    )
    ArticleRegion.objects.create(article=a, region=places["bincheng"])
    ArticleAgency.objects.create(article=a, agency=places["station"])
    ArticleRegion.objects.create(article=b, region=places["wuhan"])
    ArticleInitiative.objects.create(article=b, initiative=places["haiyan"])
    ArticleRegion.objects.create(article=c, region=places["binzhou"])
    ArticleAgency.objects.create(article=c, agency=places["bureau"])
    reindex()
    return a, b, c


def test_parse_understands_and_phrase_exclusion_or():
    plan = parse('户籍 "公安 分局" -滨州 反诈 OR 电诈 “濱州”')
    assert plan.groups == [["户籍"], ["公安 分局"], ["反诈", "电诈"], ["滨州"]]
    assert plan.excluded == ["滨州"]


@pytest.mark.parametrize(
    "raw", ["", "   ", "！？。、", "---", '"', "OR", "OR OR -", "-滨州", "\x00\ufffd"]
)
def test_unsearchable_queries_are_empty_plans(raw):
    assert parse(raw).is_empty


def test_words_are_anded(linked):
    a, b, c = linked
    assert set(ids(find("户籍"))) == {a.pk, b.pk}
    assert ids(find("户籍 民警")) == [a.pk]


def test_phrase_is_exact(reindex):
    exact = make_article("通知", "公安分局发布通知。")
    apart = make_article("通知", "公安机关与分局发布通知。")
    reindex()
    assert set(ids(find("公安 分局"))) == {exact.pk, apart.pk}
    assert ids(find('"公安分局"')) == [exact.pk]


def test_exclusion(linked):
    a, b, c = linked
    assert ids(find("户籍 -海燕")) == [a.pk]


def test_or_between_words(linked):
    a, b, c = linked
    assert set(ids(find("海燕 OR 交通"))) == {b.pk, c.pk}
    assert set(ids(find("民警 OR 交通 户籍"))) == {a.pk}


def test_region_filter_includes_districts(linked, places):
    a, b, c = linked
    assert set(ids(find("滨", region="371600"))) == {a.pk, c.pk}
    assert ids(find("户籍", region="371602")) == [a.pk]
    assert ids(find("户籍", region="420100")) == [b.pk]


def test_agency_filter_includes_sub_units(linked, places):
    a, b, c = linked
    assert set(ids(find("滨", agency=places["bureau"].pk))) == {a.pk, c.pk}
    assert ids(find("滨", agency=places["station"].pk)) == [a.pk]


def test_initiative_year_and_date_filters(linked, places):
    a, b, c = linked
    assert ids(find("户籍", initiative=places["haiyan"].slug)) == [b.pk]
    assert ids(find("户籍", year=2021)) == [a.pk]
    start, end = datetime.date(2022, 1, 1), datetime.date(2023, 1, 2)
    outcome = search({"q": "户籍 OR 交通", "start_ts": None, "end_ts": None})
    assert outcome.paginator.count == 3
    from search.forms import SearchForm

    form = SearchForm({"q": "户籍 OR 交通", "from": start, "to": end})
    assert form.is_valid()
    assert set(ids(search(form.cleaned_data))) == {b.pk, c.pk}
    form = SearchForm({"q": "户籍 OR 交通", "to": "2021-03-05"})
    assert form.is_valid()
    assert ids(search(form.cleaned_data)) == [a.pk]


def test_facets_count_cities_agencies_initiatives_years(linked, places):
    facets = find("户籍 OR 交通").facets
    assert {(f["label"], f["count"]) for f in facets["region"]} == {("滨州市", 2), ("武汉市", 1)}
    assert {(f["label"], f["count"]) for f in facets["agency"]} == {
        ("滨城派出所", 1),
        ("滨州市公安局", 1),
    }
    assert facets["initiative"] == [
        {"value": places["haiyan"].slug, "label": "海燕直通车", "count": 1}
    ]
    assert [(f["value"], f["count"]) for f in facets["year"]] == [
        ("2023", 1),
        ("2022", 1),
        ("2021", 1),
    ]
    # Two of three articles: counted from the one left out; one of three: counted directly.
    facets = find("户籍").facets
    assert {(f["label"], f["count"]) for f in facets["region"]} == {("滨州市", 1), ("武汉市", 1)}
    assert [(f["value"], f["count"]) for f in facets["year"]] == [("2022", 1), ("2021", 1)]
    facets = find("交通").facets
    assert [(f["label"], f["count"]) for f in facets["region"]] == [("滨州市", 1)]
    assert [(f["value"], f["count"]) for f in facets["year"]] == [("2023", 1)]


def test_the_year_facet_can_be_read_from_the_dated_index_alone(linked):
    """The year facet's query and the partial index ``article_dated`` say "dated" alike
    (``archive.models.DATED``), so PostgreSQL can answer it from the index, without the rows
    (at a million articles, a scan of 1.2 GB of them)."""
    from django.db import connection

    from search.query import FacetTable

    sql, params = FacetTable.years().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using article_dated" in plan, plan


def test_relevance_puts_title_matches_first_and_date_sort_is_newest_first(reindex):
    body_only = make_article(
        "通知", "户籍户籍户籍户籍户籍户籍户籍。", published_at=when(2024), date_precision=DAY
    )
    in_title = make_article(
        "户籍办理须知", "请带身份证。", published_at=when(2020), date_precision=DAY
    )
    old = make_article("旧闻", "户籍。", published_at=when(2019), date_precision=DAY)
    reindex()
    assert ids(find("户籍"))[0] == in_title.pk
    assert ids(find("户籍", sort="date")) == [body_only.pk, in_title.pk, old.pk]


def test_a_few_matches_among_many_are_newest_first_ties_by_higher_id(reindex):
    """Matches that are a small share of the index are ordered by their place in the date
    order (not by walking it): newest first, equal dates the higher id first, a page cut from
    the top alike."""
    for n in range(30):
        make_article(f"第{n}条", "便民服务。", published_at=when(2021), date_precision=DAY)
    older = make_article("户籍旧闻", "户籍。", published_at=when(2019), date_precision=DAY)
    tied = [
        make_article("户籍通知", "户籍。", published_at=when(2023), date_precision=DAY)
        for _ in range(2)
    ]
    newest = make_article("户籍新规", "户籍。", published_at=when(2024), date_precision=DAY)
    reindex()
    expected = [newest.pk, tied[1].pk, tied[0].pk, older.pk]
    assert ids(find("户籍", sort="date")) == expected
    assert engine().find(parse("户籍"), sort="date")[0:2] == expected[:2]


def test_pagination_and_invalid_pages(reindex):
    for n in range(21):
        make_article(f"第{n}条", "反诈宣传进社区。")
    reindex()
    first = search({"q": "反诈"}, page_number=1, per_page=10)
    assert first.paginator.count == 21 and first.paginator.num_pages == 2
    second = search({"q": "反诈"}, page_number=2, per_page=10)
    assert len(second.page.object_list) == 11  # orphans join the last page
    assert not set(ids(first)) & set(ids(second))
    for bad in (3, 0, "x"):
        with pytest.raises(InvalidPage):
            search({"q": "反诈"}, page_number=bad, per_page=10)


def test_marks_are_escaped_and_only_ours():
    text = '<script>alert("户籍")</script> 戶籍 & 户籍'
    marked = str(mark(text, parse("户籍").highlight_terms()))
    assert "<script>" not in marked
    assert marked.count("<mark>") == 3  # 戶籍 is marked too: matching is on folded text
    assert marked.startswith("&lt;script&gt;alert(&quot;<mark>户籍</mark>")


def test_snippet_is_a_window_around_the_first_match():
    body = "无关。" * 100 + "这里是户籍业务。" + "其他。" * 100
    result = str(snippet(body, ["户籍"], width=40))
    assert "<mark>户籍</mark>" in result and result.startswith("…") and result.endswith("…")
    assert len(result) < 80


def test_hidden_articles_are_not_found(reindex):
    make_article("隐藏", "户籍。", status="hidden")
    reindex()
    assert find("户籍").paginator.count == 0


def test_equal_dates_put_the_higher_id_first(reindex):
    same = [
        make_article(f"同日{n}", "反诈宣传。", published_at=when(2022), date_precision=DAY)
        for n in range(3)
    ]
    undated = make_article("无日期", "反诈宣传。")
    reindex()
    newest_first = [a.pk for a in reversed(same)] + [undated.pk]
    assert ids(find("反诈", sort="date")) == newest_first
