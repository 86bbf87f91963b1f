"""The search dictionary: the names of places, police units and accepted campaigns, which
jieba keeps whole."""

import pytest

from archive.extraction.linking import extract_articles
from search.dictionary import entity_names
from tests.factories import make_article

pytestmark = pytest.mark.django_db

BODY = (
    "周口市公安局川汇区分局荷花路派出所民警走访企业，"
    "开展“我为群众办实事”活动，并推出“暖心驿站”服务品牌。"
)


def test_search_dictionary_holds_regions_agencies_and_accepted_initiatives():
    article = make_article("周口", BODY)
    extract_articles([article.pk])
    names = set(entity_names())
    assert {
        "周口市",
        "周口",
        "硚口区",
        "硚口",
        "荷花路派出所",
        "周口市公安局川汇区分局",
        "川汇区公安分局",
        "海燕直通车",
    } <= names
    assert "暖心驿站" not in names  # suggested, not accepted
    assert all(len(name) >= 2 for name in names)
