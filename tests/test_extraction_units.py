"""Police units as the text names them: official names kept, the other forms as aliases, the
ministry and its bureaus, police with their own hierarchy, departments and phrasings."""

import pytest

from archive.extraction.linking import extract_articles
from archive.models import Agency
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def linked(title, body):
    article = make_article(title, body)
    extract_articles([article.pk])
    return {agency.name: agency for agency in article.agencies.all()}


def test_the_ministry_has_its_official_name_and_its_bureaus_are_units():
    units = linked("通缉", "公安部刑侦局发布通缉令。公安部要求各地公安部门全力缉捕。")
    ministry = units["中华人民共和国公安部"]
    assert "公安部" in ministry.aliases
    bureau = units["公安部刑事侦查局"]
    assert bureau.kind == Agency.Kind.MINISTRY_BUREAU
    assert bureau.parent == ministry
    assert "公安部刑侦局" in bureau.aliases
    # Once the ministry is known by name, 公安部门 (police departments) is still not it, and
    # the known name does not hide the longer bureau name that begins with it.
    units = linked("网安", "公安部网安局部署行动，群众可向公安部门举报。")
    assert set(units) == {"公安部网络安全保卫局"}


def test_a_district_sub_bureau_keeps_the_official_name_the_text_gives():
    units = linked("长沙", "长沙市公安局岳麓分局民警走访。")
    sub = units["长沙市公安局岳麓分局"]
    assert sub.kind == Agency.Kind.SUB_BUREAU
    assert sub.parent.name == "长沙市公安局"
    assert "岳麓区公安分局" in sub.aliases


def test_a_built_sub_bureau_name_follows_the_official_pattern():
    units = linked("杭州", "杭州市拱墅区公安分局通报了一起案件。")
    sub = units["杭州市公安局拱墅区分局"]
    assert {"拱墅区公安分局", "杭州市拱墅区公安分局"} <= set(sub.aliases)
    # Beijing, Shanghai and Tianjin name district sub-bureaus by the short name.
    units = linked("北京", "北京市朝阳区一小区发生纠纷，朝阳警方通报：一男子被刑拘。")
    assert "北京市公安局朝阳分局" in units


def test_a_station_is_named_with_its_parent_and_found_again_by_its_own_name():
    units = linked("上海", "上海市公安局普陀分局宜川新村派出所接报。宜川新村派出所民警赶到。")
    station = units["上海市公安局普陀分局宜川新村派出所"]
    assert station.parent.name == "上海市公安局普陀分局"
    assert "宜川新村派出所" in station.aliases
    assert Agency.objects.filter(kind=Agency.Kind.STATION).count() == 1


def test_a_station_name_does_not_begin_with_the_words_before_it():
    units = linked("来宾", "来宾市公安局刑侦支队联合城西派出所破案。嫌疑人20时30分许离开派出所。")
    stations = {name for name, unit in units.items() if unit.kind == Agency.Kind.STATION}
    assert stations == {"城西派出所"}


def test_forest_and_railway_police_are_not_the_city_bureau():
    units = linked("老虎肉", "沁阳市森林公安局工作人员到现场调查。")
    assert set(units) == {"沁阳市森林公安局"}
    assert units["沁阳市森林公安局"].kind == Agency.Kind.FOREST
    units = linked("铁路", "上海铁路公安局南京公安处民警在车站巡查。")
    assert units["上海铁路公安局南京公安处"].kind == Agency.Kind.RAILWAY
    assert units["上海铁路公安局南京公安处"].parent.name == "上海铁路公安局"
    assert not Agency.objects.filter(name="南京市公安局").exists()


def test_departments_get_their_full_names():
    units = linked("秦皇岛", "秦皇岛市公安局网安支队破获一案。济南市车管所提醒。")
    assert "秦皇岛市公安局网安支队" in units["秦皇岛市公安局网络安全保卫支队"].aliases
    office = units["济南市公安局交通警察支队车辆管理所"]
    assert office.parent.name == "济南市公安局交通警察支队"


def test_traffic_police_phrasings():
    units = linked("交警", "上海交警提醒市民。开封市公安交警支队也明确了规定。")
    assert units["上海市公安局交通警察总队"].kind == Agency.Kind.TRAFFIC
    assert "开封市公安局交通警察支队" in units


def test_place_police_phrasings():
    units = linked("通报", "湖北警方抓获逃犯。香港警方拘捕一名男子。海西州公安局立案侦查。")
    assert {"湖北省公安厅", "香港警务处", "海西蒙古族藏族自治州公安局"} <= set(units)
    assert not Agency.objects.filter(name__startswith="香港特别行政区").exists()


def test_a_place_s_public_security_organs_are_the_place_not_one_of_its_units():
    article = make_article("通缉", "福建公安机关将陈某抓获，广东公安机关将黄某抓获。")
    extract_articles([article.pk])
    assert not article.agencies.exists()
    assert {"福建省", "广东省"} <= {region.name for region in article.regions.all()}


def test_a_command_centre_is_a_unit_only_written_with_its_bureau():
    units = linked(
        "鹤山",
        "男子来到鹤山市公安局值班室门口。值班人员报告110指挥中心，110指挥中心迅速指派警力。",
    )
    assert set(units) == {"鹤山市公安局"}


def test_a_relative_provincial_department_is_the_province_just_named():
    units = linked("通报", "河南郑州一男子被抓。辽宁省副省长、省公安厅厅长被查。")
    assert "辽宁省公安厅" in units
    assert "河南省公安厅" not in units


def test_a_sub_bureau_written_after_its_city_bureau_needs_no_district():
    units = linked("东莞", "该男子已被东莞市公安局南城分局依法刑事拘留。")
    assert units["东莞市公安局南城分局"].parent.name == "东莞市公安局"


def test_departments_a_bureau_sets_to_work_are_its_own():
    units = linked(
        "曲阜", "曲阜市公安局１１０指挥中心接到报警后，曲阜市公安局立即组织刑警大队赶赴现场。"
    )
    assert {"曲阜市公安局110指挥中心", "曲阜市公安局刑警大队"} <= set(units)


def test_a_bare_provincial_department_is_the_articles_province():
    units = linked("湖南", "湖南一男子连杀数人。案发后，由公安厅厅长亲自部署侦破工作。")
    assert "湖南省公安厅" in units


def test_a_city_short_name_is_the_city_even_when_its_namesake_district_is_written():
    units = linked("白银", "白银公安局通报案情。嫌疑人在白银区一小卖部被抓。")
    assert "白银市公安局" in units


def test_a_numbered_traffic_brigade_of_a_city_is_in_its_detachment():
    units = linked("交警", "洛阳交警三大队民警在路口执勤。")
    brigade = units["洛阳市公安局交通警察支队三大队"]
    assert brigade.parent.name == "洛阳市公安局交通警察支队"
    assert "洛阳市公安局交警三大队" in brigade.aliases


def test_a_department_of_the_bureau_just_named_by_this_bureau():
    units = linked("破案", "汝州市公安局破获一起诈骗案。该局网安大队随即开展研判。")
    assert units["汝州市公安局网络安全保卫大队"].parent.name == "汝州市公安局"


def test_a_bare_station_named_again_with_its_bureau_is_one_unit():
    units = linked(
        "求助",
        "南昌市民报警后，自称扬子洲镇派出所的人员接听电话。"
        "记者来到东湖区扬子洲派出所，民警表示正在核实。",
    )
    stations = [name for name, unit in units.items() if unit.kind == Agency.Kind.STATION]
    assert stations == ["南昌市公安局东湖区分局扬子洲派出所"]


def test_a_named_sub_bureau_belongs_to_the_city_named_in_its_sentence():
    units = linked(
        "早报",
        "北京市公安局朝阳分局通报一起案件。北京警方提示市民。北京冬季天气寒冷。"
        "记者从天津警方获悉，水上分局在海河打捞起一辆电动车。",
    )
    assert "天津市公安局水上分局" in units
    assert "北京市公安局水上分局" not in units


def test_a_bureau_written_only_as_the_start_of_its_sub_units_name_is_implied():
    article = make_article(
        "破案",
        "上海市公安局普陀分局破获一起诈骗案。杭州市公安局通报：杭州市公安局西湖分局抓获两人。",
    )
    extract_articles([article.pk])
    mentions = dict(article.articleagency_set.values_list("agency__name", "mentions"))
    assert mentions["上海市公安局"] == 0
    assert mentions["上海市公安局普陀分局"] == 1
    assert mentions["杭州市公安局"] == 1


def test_a_department_written_in_full_and_shortened_is_one_unit_named_in_full():
    units = linked(
        "破案",
        "许昌市公安局刑事侦查支队（以下简称“刑侦支队”）二大队接报后出警。"
        "次日，市公安局刑侦支队将嫌疑人抓获。许昌市公安局经济侦查大队协助，经侦大队民警也到场。",
    )
    detachment = units["许昌市公安局刑事侦查支队"]
    assert "许昌市公安局刑侦支队" in detachment.aliases
    assert units["许昌市公安局刑事侦查支队二大队"].parent == detachment
    assert "许昌市公安局经济侦查大队" in units
    assert not {"许昌市公安局刑侦支队", "许昌市公安局经济犯罪侦查大队"} & set(units)


def test_a_station_listed_with_a_bureaus_departments_is_the_bureaus():
    units = linked(
        "命案", "禹州市公安局接警后，立即组织刑警大队、巡警大队、钧台派出所民警赶赴现场。"
    )
    assert units["禹州市公安局钧台派出所"].parent.name == "禹州市公安局"


def test_informal_police_of_a_province_are_the_unit_of_the_place_inside_it_they_name():
    units = linked("浙江警方摧毁黑产链", "浙江省温州市瓯海警方破获一起案件。")
    assert set(units) == {"温州市公安局瓯海分局"}
    # A unit of the place itself is the bureau's own: then 某地警方 is that bureau.
    units = linked("上海", "记者从上海警方获悉，边防港航分局在浦东滨江水域发现一名男子。")
    assert {"上海市公安局", "上海市公安局边防港航分局"} <= set(units)


def test_a_bare_station_is_of_the_county_bureau_named_nearest_in_its_sentence():
    units = linked("湛江", "行凶者为角尾派出所所长，受徐闻县公安局分管。")
    station = units["徐闻县公安局角尾派出所"]
    assert station.parent.name == "徐闻县公安局"
    assert "角尾派出所" in station.aliases
    # A city's bureau is not enough: it has many stations.
    units = linked("武汉", "中南路派出所出具训诫书，武汉市公安局回应。")
    assert "中南路派出所" in units


def test_the_ministry_heading_a_list_of_levels_is_the_ministry():
    units = linked("调查", "经部、省、市公安机关对当事人进行DNA比对。")
    assert "中华人民共和国公安部" in units
