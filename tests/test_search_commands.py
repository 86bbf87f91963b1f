"""rebuild_index, update_index, index_articles and check_index [--fix]."""

import pytest
from django.core.management import CommandError, call_command

from archive.models import Article, ArticleRegion, Region
from search.engine import engine
from search.query import parse
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]


def found(q, **filters):
    return list(engine().find(parse(q), filters=filters))


@pytest.fixture
def articles(search_index):
    return [make_article(f"户籍{n}", "正文。") for n in range(7)]


def test_haystack_rebuild_and_update_index(articles):
    call_command("rebuild_index", interactive=False, verbosity=0)
    assert sorted(found("户籍")) == sorted(a.pk for a in articles)
    # A bulk writer keeps the folded copy in step itself (Article.save does it for the rest).
    Article.objects.filter(pk=articles[0].pk).update(title="身份证", title_simplified="身份证")
    call_command("update_index", verbosity=0, remove=True)
    assert found("身份证") == [articles[0].pk]
    assert engine().document_count() == 7


def test_index_articles_rebuilds(articles, capsys):
    call_command("index_articles", batch_size=3)
    assert "已索引 7 篇" in capsys.readouterr().out
    assert len(found("户籍")) == 7
    with pytest.raises(CommandError):
        call_command("index_articles", procs=0)


def test_check_index_reports_and_fixes(articles, capsys):
    call_command("index_articles")
    capsys.readouterr()
    call_command("check_index")
    assert "索引与数据库一致" in capsys.readouterr().out

    city = Region.objects.get_or_create(code="371600", defaults=dict(name="滨州市", level="city"))[
        0
    ]
    missing = make_article("新文章", "户籍。")
    Article.objects.filter(pk=articles[1].pk).update(status=Article.Status.HIDDEN)
    ArticleRegion.objects.create(article=articles[2], region=city)  # stale: links changed
    with pytest.raises(CommandError, match="3 处不一致"):
        call_command("check_index", verbosity=2)
    out = capsys.readouterr().out
    assert f"缺失: {missing.pk}" in out and f"多余: {articles[1].pk}" in out
    assert f"过期: {articles[2].pk}" in out

    call_command("check_index", fix=True)
    assert "已修复 3 篇" in capsys.readouterr().out
    call_command("check_index")
    assert missing.pk in found("户籍") and articles[1].pk not in found("户籍")
    assert found("户籍", region="371600") == [articles[2].pk]


def test_update_articles_removes_what_is_gone(articles):
    engine().update_articles([a.pk for a in articles])
    gone = articles[3].pk
    Article.objects.filter(pk=gone).delete()
    engine().update_articles([gone])
    assert gone not in found("户籍") and len(found("户籍")) == 6
