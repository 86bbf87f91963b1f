"""Extraction against the labelled seeds: precision and recall per entity type."""

import pytest

from archive.extraction.linking import extract_articles
from archive.models import Agency, Article, Region
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def score(found, expected):
    hits = len(found & expected)
    return (hits / len(found) if found else 1.0), (hits / len(expected) if expected else 1.0)


def test_precision_and_recall_on_the_labelled_seeds(labelled_articles):
    totals = {kind: [set(), set()] for kind in ("regions", "agencies", "initiatives")}
    articles = []
    for item in labelled_articles:
        article = make_article(item["title"] or item["body"][:20], item["body"])
        articles.append((article, item))
    extract_articles([article.pk for article, _ in articles])
    for article, item in articles:
        tag = item["file"]
        found_regions = {(tag, code) for code in article.regions.values_list("code", flat=True)}
        found_agencies = {
            (tag, name, kind, parent)
            for name, kind, parent in article.agencies.values_list("name", "kind", "parent__name")
        }
        found_initiatives = {
            (tag, name) for name in article.initiatives.values_list("name", flat=True)
        }
        totals["regions"][0] |= found_regions
        totals["regions"][1] |= {(tag, code) for code in item["regions"]}
        totals["agencies"][0] |= found_agencies
        totals["agencies"][1] |= {
            (tag, a["name"], a["kind"], a["parent"]) for a in item["agencies"]
        }
        totals["initiatives"][0] |= found_initiatives
        totals["initiatives"][1] |= {(tag, name) for name in item["initiatives"]}
        primary = article.articleregion_set.get(is_primary=True).region
        assert primary.code == item["primary"], tag
    print()
    figures = {}
    for kind, (found, expected) in totals.items():
        precision, recall = score(found, expected)
        figures[kind] = (precision, recall)
        print(
            f"{kind:12} precision {precision:.3f} recall {recall:.3f} "
            f"(found {len(found)}, labelled {len(expected)})"
        )
        for miss in sorted(expected - found):
            print("   missed", miss)
        for extra in sorted(found - expected):
            print("   extra ", extra)
    for kind in ("regions", "agencies"):
        assert figures[kind][0] >= 0.9 and figures[kind][1] >= 0.9, kind
    assert figures["initiatives"][1] >= 0.8


def test_seeds_are_linked_to_their_primary_city(labelled_articles):
    articles = [make_article(item["title"] or "无题", item["body"]) for item in labelled_articles]
    extract_articles([article.pk for article in articles])
    primaries = [
        Region.objects.get(articleregion__article=article, articleregion__is_primary=True).name
        for article in articles
    ]
    assert primaries == ["周口市", "滨州市", "鹤壁市", "武汉市", "武汉市"]


def test_no_fragment_across_word_boundaries():
    article = make_article(
        "山城区公安分局长风派出所",
        "山城区公安分局局长风派出所接到举报。山城区公安分局长风派出所民警调查。"
        "分局局长张某说。市公安局局长刘锐致信企业家。",
    )
    extract_articles([article.pk])
    names = set(Agency.objects.values_list("name", flat=True))
    # No fragment (局长风派出所, 分局局长): the parents and the station, nothing else.
    assert names == {
        "河南省公安厅",
        "鹤壁市公安局",
        "鹤壁市公安局山城区分局",
        "鹤壁市公安局山城区分局长风派出所",
    }
    assert {"鹤壁市公安局山城区分局", "鹤壁市公安局山城区分局长风派出所"} <= set(
        article.agencies.values_list("name", flat=True)
    )
    station = Agency.objects.get(name="鹤壁市公安局山城区分局长风派出所")
    assert station.parent.name == "鹤壁市公安局山城区分局"
    assert {"长风派出所", "山城区公安分局长风派出所"} <= set(station.aliases)
    assert station.kind == Agency.Kind.STATION


def test_one_unit_named_three_ways_is_one_agency():
    article = make_article("武汉公安", "武汉公安加大力度。武汉市公安局通报。武汉警方提醒。")
    extract_articles([article.pk])
    bureau = Agency.objects.get(name="武汉市公安局")
    assert list(article.agencies.all()) == [bureau]
    assert {"武汉公安", "武汉警方"} <= set(bureau.aliases)
    assert bureau.kind == Agency.Kind.CITY_BUREAU
    assert bureau.region.name == "武汉市"


def test_flags_follow_what_was_found():
    article = make_article("天气", "明天有雨。")
    extract_articles([article.pk])
    article.refresh_from_db()
    # A weather report is not police news either (off_topic: issue 13).
    assert set(article.review_flags) == {"no_region", "no_agency", "off_topic"}
    Article.objects.filter(pk=article.pk).update(body_simplified="周口市公安局民警走访企业。")
    extract_articles([article.pk])
    article.refresh_from_db()
    assert article.review_flags == []
    assert article.status == Article.Status.PUBLISHED


def test_an_enumeration_of_stations_hangs_under_the_named_bureau():
    article = make_article("项城", "项城市公安局水寨、东方、花园派出所分别到辖区企业走访。")
    extract_articles([article.pk])
    stations = Agency.objects.filter(kind=Agency.Kind.STATION).order_by("name")
    assert {(s.name, s.parent.name, s.region.name) for s in stations} == {
        ("项城市公安局水寨派出所", "项城市公安局", "项城市"),
        ("项城市公安局东方派出所", "项城市公安局", "项城市"),
        ("项城市公安局花园派出所", "项城市公安局", "项城市"),
    }
    assert Agency.objects.get(name="项城市公安局").parent.name == "周口市公安局"


def test_titles_and_generic_mentions_are_not_units():
    article = make_article(
        "无名",
        "分局局长王某到当地派出所检查，各交警大队、该分局和公安派出所民警参加。",
    )
    extract_articles([article.pk])
    assert not Agency.objects.exists()
