"""Admin edits reach the search index within the same request cycle (on commit).

Written against haystack's public API (SearchQuerySet, the Article SearchIndex) so that it
holds whatever the search app's backend is: the search app must register an Article index
and keep it in step through the write pipeline (``archive.pipeline``).
"""

import pytest
from haystack import connections
from haystack.query import SearchQuerySet

from archive.models import Article
from tests.factories import make_article
from tests.test_admin_actions import act
from tests.test_admin_roles import change_url, edit_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def index():
    backend = connections["default"].get_backend()
    backend.clear()
    yield connections["default"].get_unified_index().get_index(Article)
    backend.clear()


def found(word):
    return sorted(
        int(result.pk) for result in SearchQuerySet().models(Article).filter(content=word)
    )


def test_title_edit_is_found_by_new_words_not_old(
    editor_client, index, django_capture_on_commit_callbacks
):
    # Police news: a placeholder text would be flagged off-topic and hidden (issue 13).
    article = make_article("旧标题鹦鹉螺", "正文里没有这两个词，只说民警走访企业。")
    index.update_object(article)
    assert found("鹦鹉螺") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(change_url(article), edit_post(article, "新标题猫头鹰"))
    assert response.status_code == 302
    assert found("猫头鹰") == [article.pk]
    assert found("鹦鹉螺") == []


def test_hidden_articles_leave_the_index(editor_client, index, django_capture_on_commit_callbacks):
    shown, hidden = make_article("保留的穿山甲"), make_article("隐藏的穿山甲")
    for article in (shown, hidden):
        index.update_object(article)
    assert found("穿山甲") == sorted([shown.pk, hidden.pk])
    with django_capture_on_commit_callbacks(execute=True):
        act(editor_client, "hide", [hidden])
    assert Article.objects.get(pk=hidden.pk).status == Article.Status.HIDDEN
    assert found("穿山甲") == [shown.pk]
