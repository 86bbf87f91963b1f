"""The index follows the database: saves, deletes, link changes and bulk writers' announcements."""

import pytest

from archive import pipeline
from archive.models import Article, ArticleRegion, Region
from search.engine import engine
from search.query import parse
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]


def found(q, **filters):
    return list(engine().find(parse(q), filters=filters))


def test_save_edit_hide_and_delete(search_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article("户籍新规", "正文。")
    assert found("户籍") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "身份证新规"
        article.save()
    assert found("户籍") == [] and found("身份证") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        article.status = Article.Status.HIDDEN
        article.save()
    assert found("身份证") == []
    with django_capture_on_commit_callbacks(execute=True):
        article.status = Article.Status.PUBLISHED
        article.save()
    assert found("身份证") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert found("身份证") == []


def test_nothing_is_indexed_before_commit(search_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_article("户籍新规", "正文。")
    assert found("户籍") == [] and callbacks


def test_link_changes_reindex(search_index, django_capture_on_commit_callbacks):
    city = Region.objects.get_or_create(code="371600", defaults=dict(name="滨州市", level="city"))[
        0
    ]
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article("户籍新规", "正文。")
    with django_capture_on_commit_callbacks(execute=True):
        link = ArticleRegion.objects.create(article=article, region=city)
    assert found("户籍", region="371600") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        link.delete()
    assert found("户籍", region="371600") == []
    with django_capture_on_commit_callbacks(execute=True):
        article.regions.add(city)
    assert found("户籍", region="371600") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        city.articles.clear()
    assert found("户籍", region="371600") == []


def test_bulk_writers_announce_changes(search_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article("户籍新规", "正文。")
    keep = make_article("保留", "户籍。")
    # A bulk update sends no post_save: the writer announces the ids instead.
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=article.pk).update(status=Article.Status.DUPLICATE)
        Article.objects.filter(pk=keep.pk).update(title="保留户籍")
        pipeline.changed([article.pk, keep.pk])
    assert found("户籍") == [keep.pk]
