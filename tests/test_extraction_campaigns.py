"""Campaigns recognised by their shape, suggested to staff and linked, shown to readers only
once accepted; topics (反诈, 禁毒 …) are not campaigns."""

import pytest

from archive import curation
from archive.extraction.initiatives import SEED_INITIATIVES, suggestions
from archive.extraction.linking import extract_articles
from archive.models import ArticleInitiative, Initiative
from search.query import search
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def names(text):
    return {(s.name, tuple(s.aliases)) for s in suggestions(text)}


@pytest.mark.parametrize(
    "text, expected",
    [
        # A quoted name and the campaign word after it: the name, and the whole as an alias.
        ("全市部署“清源2024”专项行动。", {("清源2024", ("清源2024专项行动",))}),
        ("参加「晨曦行动」的民警。", {("晨曦行动", ())}),
        # Words about what it targets between the name and the campaign word.
        (
            "开展“护老安居”保健品虚假宣传整治行动。",
            {("护老安居", ())},
        ),
        ("依托“快侦快办”的工作机制。", {("快侦快办", ())}),
        # Unquoted, after a verb that starts a campaign; modifiers are not part of the name.
        (
            "市局部署开展依法严厉打击非法集资犯罪专项行动。",
            {("打击非法集资犯罪专项行动", ())},
        ),
        ("全省开展政法队伍教育整顿。", {("政法队伍教育整顿", ())}),
        ("持续推进夏夜巡防百日行动。", {("夏夜巡防百日行动", ())}),
        ("在电视台《警民同心》栏目播出。", {("警民同心", ())}),
        ("官方微博@平安鹤壁发布通报。", {("平安鹤壁", ())}),
    ],
)
def test_campaign_shapes_are_suggested(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "民警开展抓捕行动。",  # police work, not a campaign's name
        "人民银行组织开展集中整治行动。",  # only campaign words
        "他说“我们要加油”。",  # a quotation
        "“反诈”行动进社区，“禁毒”宣传月启动。",  # topics
        "“花呗”品牌隔离，“老年模式”上线，“福利姬”的活动。",  # brands and modes of products
        "对“黑中介”整治，“绿色通道”政策。",  # targets and policies
        "针对“非法载客”展开了抓捕行动。",
        "部队没有参加所谓“平暴”行动，所谓「清网」专项也没有。",  # the writer's distance
    ],
)
def test_other_quotes_and_topics_are_not_suggested(text):
    assert names(text) == set()


def test_topics_are_not_initiatives():
    """反诈 was a seed initiative, linked as if it were a campaign (migration 0013)."""
    assert "反诈" not in {name for name, _aliases, _description in SEED_INITIATIVES}
    assert not Initiative.objects.filter(name="反诈").exists()
    article = make_article("反诈宣传", "鹤壁市公安局民警走进社区开展反诈宣传，提醒群众防范电诈。")
    extract_articles([article.pk])
    assert not article.initiatives.exists()


def test_suggestions_are_linked_for_staff_and_shown_to_readers_once_accepted(
    client, editor, reindex
):
    body = "鹤壁市公安局部署开展“清源2024”专项行动，民警走访企业。"
    first = make_article("清源行动启动", body)
    second = make_article("清源行动成效", "鹤壁市公安局总结“清源2024”专项行动成效。")
    extract_articles([first.pk])
    extract_articles([second.pk])
    suggestion = Initiative.objects.get(name="清源2024")
    assert suggestion.status == Initiative.Status.SUGGESTED
    assert suggestion.aliases == ["清源2024专项行动"]
    linked = set(
        ArticleInitiative.objects.filter(initiative=suggestion).values_list("article", flat=True)
    )
    assert linked == {first.pk, second.pk}

    # Readers: no page, nothing on the article page, the list, the index nor the facets.
    reindex()
    assert client.get(suggestion.get_absolute_url()).status_code == 404
    tag = f'href="{suggestion.get_absolute_url()}">清源2024</a>'
    assert tag not in client.get(first.get_absolute_url()).content.decode()
    assert "清源2024" not in client.get("/initiatives/").content.decode()
    facets = search({"q": "鹤壁"}, page_number=1, per_page=10).facets
    assert "清源2024" not in str(facets)

    curation.set_initiative_status([suggestion.pk], Initiative.Status.ACCEPTED, editor)
    reindex()
    assert client.get(suggestion.get_absolute_url()).status_code == 200
    assert tag in client.get(first.get_absolute_url()).content.decode()
    facets = search({"q": "鹤壁"}, page_number=1, per_page=10).facets
    assert "清源2024" in str(facets)


def test_a_name_suggested_earlier_in_the_run_is_linked_where_it_is_named_plainly():
    """As it would be by a run that starts after the suggestion was stored."""
    first = make_article("启动", "鹤壁市公安局部署开展“清源2024”专项行动。")
    second = make_article("成效", "鹤壁市公安局民警在清源2024中抓获嫌疑人。")
    extract_articles([first.pk, second.pk])
    suggestion = Initiative.objects.get(name="清源2024")
    assert second.initiatives.filter(pk=suggestion.pk).exists()


def test_staff_see_an_articles_suggested_campaigns(editor_client):
    article = make_article("启动", "鹤壁市公安局部署开展“清源2024”专项行动。")
    extract_articles([article.pk])
    html = editor_client.get(f"/admin/archive/article/{article.pk}/change/").content.decode()
    assert "清源2024" in html and "待审核" in html
