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
        ("他曾任某银行北京市分行副行长，后在杭州市被抓。", "北京市"),
        ("成都山野户外救援队赶到现场，杭州警方随后介入。", "成都市"),
        ("据悉，上海华彩星辰服饰贸易有限公司已被杭州警方立案。", "上海市"),
        ("苏州百川创业投资合伙企业的账户被杭州警方冻结。", "苏州市"),
        ("江苏沿江丘陵地区农业科学研究所的专家向杭州警方求助。", "江苏省"),
        ("该公司计划在深圳二次上市，杭州警方提醒投资者警惕诈骗。", "深圳市"),
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


def test_a_news_agency_is_not_a_place():
    article = make_article("破案", "据新华社消息，杭州警方已破案。")
    extract_articles([article.pk])
    article.refresh_from_db()
    assert set(article.regions.values_list("name", flat=True)) == {"杭州市"}
    assert "ambiguous_region" not in article.review_flags


def test_a_place_before_a_count_and_a_kind_word_is_still_the_place():
    assert "杭州市" in places("破案", "杭州市破获一起银行卡诈骗案。")
    assert "江西省" in places(
        "防疫", "江西省要求所有乡镇卫生院设立发热门诊，江西省已设置定点医院。"
    )
    assert "昆明市" in places("出行", "建成后，昆明至重庆的铁路运行时间将缩短。")


def test_a_county_name_right_after_another_county_is_a_part_of_it():
    found = places("砸车", "来宾市兴宾区老城区一带发生几起砸车窗盗窃案。")
    assert found == {"来宾市", "兴宾区"}


def test_a_county_right_after_its_province_is_the_county():
    assert "江油市" in places("停机", "近日，四川江油一社区女民警开展走访。")


def test_a_unit_name_after_a_bureau_is_not_a_county_elsewhere():
    found = places("刑拘", "该男子已被东莞市公安局南城分局依法刑事拘留。")
    assert "南城县" not in found


def test_a_homonymous_district_is_resolved_by_the_city_the_article_names():
    assert places("走访", "大庆市公安局大同分局民警走访辖区企业。") == {"大庆市", "大同区"}
    found = places("遇袭", "北京一酒店发生遇袭事件，朝阳警方已介入调查。")
    assert "朝阳区" in found
    assert "朝阳市" not in found


def test_a_province_glued_to_a_word_counts_when_its_county_follows():
    assert {"江苏省", "丰县"} <= places("铁链女", "悲惨遭遇堪比江苏丰县的铁链女事件。")


def test_places_written_before_an_institutions_name_are_part_of_the_name():
    found = places("传销", "她原是湖北省荆州市长江希望中学的老师，后被骗至杭州市。")
    assert found == {"杭州市"}


def test_the_places_a_route_joins_are_not_places_of_the_story():
    found = places("出行", "温州至福州高铁下月开通，杭州警方提醒旅客注意安全。")
    assert found == {"杭州市"}


def test_a_national_institute_is_located_in_the_places_before_it():
    found = places("调研", "专家在河北石家庄中国电子科技产业基础研究院调研。")
    assert {"河北省", "石家庄市"} <= found


def test_the_places_of_a_route_named_again_without_its_kind_are_not_places_either():
    found = places(
        "调图",
        "铁路部门将增开温州南至福州南动车组列车，温州南至福州南最快运行时间压缩。杭州警方提醒。",
    )
    assert found == {"杭州市"}


def test_a_person_known_by_a_place_is_no_place_of_the_story():
    found = places("悬赏", "杭州警方悬赏抓捕李某。李某，福建前首富、某集团董事长。")
    assert found == {"杭州市"}


def test_provinces_joined_by_their_one_character_names_are_places():
    assert {"甘肃省", "内蒙古自治区", "杭州市"} <= places(
        "告破", "公安部发布消息，甘蒙“8·05”系列案告破。杭州警方协助。"
    )
    assert {"四川省", "重庆市"} <= places("协作", "川渝两地警方签署协议。")
    # One-character names glued to a word, or with no region word after them, are words.
    assert places("热搜", "冰墩墩成为新晋“顶流”，杭州警方提醒理性购买。") == {"杭州市"}


def test_a_place_after_a_word_of_going_or_living_or_in_a_list_is_the_place():
    found = places("诈骗", "家住宁波的王女士报警。嫌疑人走出贵州后，还有温州、台州两地作案。")
    assert {"宁波市", "贵州省", "温州市", "台州市"} <= found


def test_a_district_name_that_is_an_everyday_word_needs_its_city():
    assert "老城区" not in places("停车", "杭州市民反映，老城区停车难，交警部门正在整改。")


def test_a_person_from_a_town_or_named_by_surname_is_an_origin():
    found = places(
        "刑拘",
        "嫌疑人周某某（男，温州市瓯海区仙岩镇人）在杭州市被抓。报警人江西省九江市陈某称被骗。",
    )
    assert found == {"杭州市"}


def test_a_name_shared_by_a_province_and_its_city_is_the_province():
    found = places("追逃", "吉林省通化市一男子潜逃多年，吉林警方日前将其抓获。")
    assert found == {"吉林省", "通化市"}


def test_a_two_character_county_written_in_full_stands_on_its_own():
    assert "沛县" in places("调查", "“沛县拾荒老人”事件：调查组进驻。")
    assert "新县" not in places("履新", "新县长到任后走访了杭州市多家企业。")


def mentioned(title, body):
    """{region name: mentions} of what extraction links (0: the area of a named unit)."""
    article = make_article(title, body)
    extract_articles([article.pk])
    article.refresh_from_db()
    links = article.articleregion_set.select_related("region")
    return {link.region.name: link.mentions for link in links}, article.review_flags


def test_a_place_named_only_in_a_units_name_is_the_units_area_not_a_place_named():
    found, flags = mentioned(
        "救人",
        "浙江省公安厅通报，衢州市公安局柯城分局民警救下落水男子，柯城区花园派出所协助。",
    )
    # Linked, so the places' pages list the story, but not named by the story.
    assert found == {"浙江省": 0, "衢州市": 0, "柯城区": 0}
    # Still a Chinese police story.
    assert "off_topic" not in flags
    # Named outside a unit's name, or as the place's police (警方), the place counts.
    found, _flags = mentioned("救人", "在衢州市，衢州市公安局民警救下落水男子。杭州警方协助。")
    assert found == {"衢州市": 1, "杭州市": 1}


@pytest.mark.parametrize(
    "body",
    [
        # An account's handle.
        "据@平安洛阳 消息，杭州警方破获一起电信诈骗案。",
        # A place named for its government, or as a party to trade or relations.
        "外媒称，某国设法减少与北京的经贸往来。杭州警方提醒市民防范借机诈骗。",
        "上海方面表示将全力配合，杭州警方已介入调查。",
        # Where a phone number or an account is registered.
        "杭州警方发现，涉案手机号码的归属地分散，分布在云南、贵州等地。",
        "杭州警方称，该账号的IP属地显示为四川。",
        # A lawyer known by the place of practice; relatives who came from a place.
        "上海律师张明表示，杭州警方的处置合法。",
        "从安徽赶来的家属在杭州市守候多日。",
    ],
)
def test_a_place_that_only_says_who_acts_or_where_someone_is_from_is_not_a_place(body):
    assert places("通报", body) == {"杭州市"}
