"""Places of the story, not places inside other names: institutions, brands, facilities,
accounts, a person's origin, words that contain a county's name; a county right after its
province."""

import pytest

from archive.extraction.linking import extract_articles
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def places(title, body):
    article = make_article(title, body)
    extract_articles([article.pk])
    return set(article.regions.values_list("name", flat=True))


@pytest.mark.parametrize(
    "body, not_there",
    [
        ("浙江大学一位教授接受采访时说，杭州市民要提高警惕。", "浙江省"),
        ("该公司于2015年在深圳证券交易所上市，杭州警方已立案。", "深圳市"),
        ("杭州警方查获假冒的兰州康力牌注射剂三百余支。", "兰州市"),
        ("北京时间周四凌晨，杭州警方通报了案情。", "北京市"),
        ("据@徐州发布：杭州警方已介入。", "徐州市"),
        ("湖北明理律师事务所律师说，杭州警方的处置合法。", "湖北省"),
        ("他在长治潞城东收费站被杭州警方拦下。", "潞城区"),
    ],
)
def test_a_place_inside_a_longer_name_is_not_a_place_of_the_story(body, not_there):
    found = places("通报", body)
    assert "杭州市" in found
    assert not_there not in found


def test_a_persons_origin_is_not_a_place_of_the_story():
    found = places(
        "通报", "违法行为人王某（男，35岁，江苏省沭阳县人）在杭州市被抓，其同伙系湖南籍男子。"
    )
    assert found == {"杭州市"}


def test_a_county_name_inside_a_word_is_not_the_county():
    found = places("电价", "在张家口市，测试赛选手做足万全准备。北京市调整峰平谷比价。")
    assert found == {"张家口市", "北京市"}


def test_a_county_right_after_its_province_is_the_county():
    assert "江油市" in places("停机", "近日，四川江油一社区女民警开展走访。")


def test_a_unit_name_after_a_bureau_is_not_a_county_elsewhere():
    found = places("刑拘", "该男子已被东莞市公安局南城分局依法刑事拘留。")
    assert "南城县" not in found
