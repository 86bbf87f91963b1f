"""Related articles: more-like-this through haystack, PostgreSQL when the index has nothing."""

import pytest
from haystack import connections, indexes

from archive.models import Article, ArticleRegion
from archive.related import related_articles
from tests.factories import make_article

pytestmark = pytest.mark.django_db


class _ArticleIndex(indexes.SearchIndex, indexes.Indexable):
    """A minimal stand-in for the search app's index, enough for more-like-this."""

    text = indexes.CharField(document=True, model_attr="body_text")

    def get_model(self):
        return Article


@pytest.fixture
def article_index(settings, tmp_path):
    original = settings.HAYSTACK_CONNECTIONS
    settings.HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
            "PATH": str(tmp_path / "index"),
        }
    }
    connections.reload("default")
    unified = connections["default"].get_unified_index()
    unified.build(indexes=[_ArticleIndex()])
    yield unified.get_index(Article)
    # Restored before the reload: the settings fixture would restore them only afterwards,
    # leaving the default connection on this test's temporary index for every later test.
    settings.HAYSTACK_CONNECTIONS = original
    connections.reload("default")


def test_more_like_this_from_the_index(article_index):
    target = make_article("户籍网上办", "户籍 迁移 网上 办理 户籍 迁移 便民")
    alike = make_article("户籍迁移指南", "户籍 迁移 网上 办理 指南 户籍")
    make_article("交通安全", "酒驾 查处 交通 安全 夜查")
    hidden = make_article("隐藏的户籍稿", "户籍 迁移 网上 办理 户籍", status=Article.Status.HIDDEN)
    article_index.update()
    found = related_articles(target)
    assert alike in found
    assert target not in found and hidden not in found


def test_falls_back_to_shared_region_when_the_index_is_empty(article_index, browse_world):
    article = browse_world["articles"]["a3"]  # 武汉: no other article shares its bureau
    other = make_article("武汉另一篇", "正文")
    ArticleRegion.objects.create(article=other, region=browse_world["regions"]["wuhan"])
    assert related_articles(article) == [other]


def test_falls_back_when_no_index_is_configured(browse_world):
    a2 = browse_world["articles"]["a2"]
    # No search index registered at all: the backend raises, the database answers.
    assert [a.title for a in related_articles(a2)] == ["周口市公安机关便民利企服务遍地开花"]
