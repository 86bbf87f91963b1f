"""The vendored gazetteer: complete, loaded with codes and parents, short names resolving."""

from collections import Counter

import pytest
from django.core.management import call_command

from archive.extraction.catalog import Catalog
from archive.extraction.extract import extract
from archive.extraction.gazetteer import read_regions, short_name
from archive.models import Region

pytestmark = pytest.mark.django_db


def test_every_row_of_the_source_is_loaded_with_its_level_and_parent():
    rows = read_regions()
    expected = Counter(row["level"] for row in rows)
    loaded = Counter(Region.objects.values_list("level", flat=True))
    print(f"\ngazetteer: {dict(loaded)} (file: {dict(expected)})")
    assert loaded == expected
    assert expected == {"province": 34, "city": 333, "county": 2846}
    parents = dict(Region.objects.values_list("code", "parent__code"))
    assert all(parents[row["code"]] == (row["parent_code"] or None) for row in rows)
    assert parents["410603"] == "410600"  # 山城区 under 鹤壁市
    assert parents["110101"] == "110000"  # 东城区 directly under 北京市
    assert parents["419001"] == "410000"  # 济源市 directly under 河南省


def test_load_gazetteer_is_idempotent_and_keeps_staff_aliases(capsys):
    Region.objects.filter(code="420104").update(aliases=["硚口老城"])
    call_command("load_gazetteer")
    assert "0 created, 0 updated" in capsys.readouterr().out
    assert Region.objects.get(code="420104").aliases == ["硚口老城"]


@pytest.mark.parametrize(
    ("name", "level", "short"),
    [
        ("周口市", "city", "周口"),
        ("内蒙古自治区", "province", "内蒙古"),
        ("黔东南苗族侗族自治州", "city", "黔东南"),
        ("伊犁哈萨克自治州", "city", "伊犁"),
        ("长阳土家族自治县", "county", "长阳"),
        ("硚口区", "county", "硚口"),
        ("浦东新区", "county", "浦东"),
        ("清新区", "county", "清新"),
        ("金林区", "county", "金林"),
        ("城区", "county", ""),
        ("赵县", "county", ""),
    ],
)
def test_short_names_keep_at_least_two_characters(name, level, short):
    assert short_name(name, level) == short


@pytest.fixture
def catalog():
    return Catalog.load()


def names(result, catalog):
    return {catalog.regions[region_id].name for region_id in result.regions}


def test_short_and_traditional_names_resolve(catalog):
    from archive.chinese import to_simplified

    result = extract("", to_simplified("周口與濱州兩地警方交流。武汉硚口警方"), catalog)
    assert {"周口市", "滨州市", "武汉市", "硚口区"} <= names(result, catalog)


def test_a_district_unique_nationally_resolves_to_its_city(catalog):
    result = extract("", "山城区开展活动。", catalog)
    region = catalog.regions[result.primary_region]
    assert region.name == "鹤壁市"
    assert "山城区" in names(result, catalog)


def test_an_ambiguous_district_is_flagged_not_guessed(catalog):
    result = extract("", "鼓楼区开展活动。", catalog)
    assert result.ambiguous == ["鼓楼区"]
    assert "鼓楼区" not in names(result, catalog)


def test_a_city_named_in_the_article_disambiguates_its_district(catalog):
    result = extract("", "南京市召开会议。鼓楼区开展活动。", catalog)
    assert result.ambiguous == []
    codes = {catalog.regions[region_id].code for region_id in result.regions}
    assert "320106" in codes  # 南京市鼓楼区


def test_streets_and_everyday_words_are_not_places(catalog):
    result = extract("", "中山路派出所民警维护长治久安，江山就是人民。", catalog)
    assert names(result, catalog) == set()


def test_short_names_inside_foreign_names_are_not_places(catalog):
    result = extract(
        "", "美国佛罗里达州警察殴打流浪人员，俄军在苏梅州推进。联大连续通过决议。", catalog
    )
    assert names(result, catalog) == set()


def test_a_name_that_stands_alone_beats_one_only_context_admits(catalog):
    result = extract("", "天津市、河北省、海南持续降雨。", catalog)
    assert {"天津市", "河北省", "海南省"} <= names(result, catalog)
    assert "河北区" not in names(result, catalog)
    assert result.ambiguous == []
