"""What the PostgreSQL engine (``search.postgres``) promises beyond the shared contract: writes
and rebuilds in one transaction, a generation that never repeats, its GIN index usable by the
queries it runs, bylines, and the setting that chooses it."""

import random

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils.connection import ConnectionDoesNotExist

from config.env import env_choice
from search.engine import engine
from search.postgres import backend as postgres
from search.query import parse
from tests.factories import make_article

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("search_backend"),
    pytest.mark.parametrize("search_backend", ["postgres"], indirect=True),
]


def found(q, **filters):
    return list(engine().find(parse(q), filters=filters))


def test_the_fixture_chooses_this_engine(search_backend):
    assert search_backend == "postgres"
    assert isinstance(engine(), postgres.PostgresSearchBackend)


def test_an_update_that_fails_half_way_leaves_the_rows_as_they_were(reindex, monkeypatch):
    first = make_article("户籍新规", "正文。")
    second = make_article("户籍窗口", "正文。")
    reindex()
    before = engine().generation()
    first.title, second.title = "身份证新规", "身份证窗口"
    first.save()
    second.save()
    row = postgres._row

    def failing(index, article):
        if article.pk == second.pk:
            raise RuntimeError("analysis failed")
        return row(index, article)

    monkeypatch.setattr(postgres, "_row", failing)
    with pytest.raises(RuntimeError):
        engine().update_articles([first.pk, second.pk])
    assert sorted(found("户籍")) == sorted([first.pk, second.pk]) and found("身份证") == []
    assert engine().generation() == before


def test_an_interrupted_rebuild_leaves_the_old_rows_answering(reindex, monkeypatch):
    old = make_article("户籍新规", "正文。")
    reindex()
    make_article("户籍窗口", "正文。")
    monkeypatch.setattr(postgres, "_row", lambda index, article: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        engine().rebuild()
    assert found("户籍") == [old.pk] and engine().document_count() == 1


def test_every_write_takes_a_new_generation_and_derived_values_follow(reindex):
    article = make_article("户籍新规", "正文。")
    reindex()
    backend = engine()
    builds = []

    def build():
        builds.append(backend.generation())
        return len(builds)

    assert backend.per_generation("probe", build) == backend.per_generation("probe", build) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        backend.update_articles([article.pk])
        rolled_back = backend.generation()
        raise RuntimeError("the writer's transaction fails after the index write")
    assert backend.generation() == builds[0]  # the write was rolled back, and its number
    backend.update_articles([article.pk])
    assert backend.generation() > rolled_back  # is never given again
    assert backend.per_generation("probe", build) == 2


def test_the_gram_index_serves_the_queries_find_runs(reindex):
    make_article("户籍新规", "民警上门办理户籍。")
    reindex()
    captured = []

    def explain(execute, sql, params, many, context):
        if sql.startswith("SELECT s.article_id"):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql, params)
                captured.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        found("民警上门 -身份证")
    assert captured and "indexedarticle_grams" in captured[0]


def test_single_characters_and_latin_runs_are_exact_substrings(reindex):
    app = make_article("交管12123App上线", "市民可用ＡＰＰ办理。")
    other = make_article("户籍", "户口本。")
    reindex()
    assert found("户") == [other.pk] and found("12123") == [app.pk]
    assert found("pp") == [app.pk]  # a substring, not only a whole word: the contract
    assert found("12124") == []


def test_an_article_with_too_many_pairs_for_a_tsvector_is_still_found_exactly(reindex, monkeypatch):
    """A garbled or hostile file can hold more distinct pairs than a tsvector's megabyte: its
    row keeps a marker instead, and every query confirms it on the text."""
    monkeypatch.setattr(postgres, "GRAMS_LIMIT", 40)
    rng = random.Random(3)
    garbled = "".join(rng.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳") for _ in range(400))
    huge = make_article("乱码", garbled)
    plain = make_article("户籍", "户口本。")
    reindex()
    pairs = {garbled[i : i + 2] for i in range(len(garbled) - 1)}
    missing = next(a + b for a in "甲乙" for b in "甲乙丙" if a + b not in pairs)
    assert found(next(iter(pairs))) == [huge.pk] and found("甲") == [huge.pk]
    assert found(garbled[100:110]) == [huge.pk] and found(missing) == []
    assert found("户") == [plain.pk] and found("乱码 户") == []


def test_a_reporter_is_found_by_name_in_the_byline(reindex):
    bylined = make_article("户籍新规", "正文。", authors="姜東良、李娜")
    named = make_article("姜东良说", "别人写的。")
    reindex()
    assert engine().bylined("姜东良") == [bylined.pk]
    assert sorted(found("姜東良")) == sorted([bylined.pk, named.pk])
    assert found("李娜") == [bylined.pk]


class IndexToReplica:
    """A router sending reads of the index rows to a database alias named ``replica``."""

    def db_for_read(self, model, **hints):
        return "replica" if model._meta.label == "search.IndexedArticle" else None


def test_reads_go_where_the_router_sends_them_and_writes_to_the_primary(reindex, settings):
    article = make_article("户籍新规", "正文。")
    reindex()
    settings.DATABASE_ROUTERS = [f"{__name__}.IndexToReplica"]
    with pytest.raises(ConnectionDoesNotExist, match="replica"):
        found("户籍")
    engine().update_articles([article.pk])
    settings.DATABASE_ROUTERS = []
    assert found("户籍") == [article.pk]


def test_the_engine_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.setenv("SEARCH_BACKEND", "postgres")
    assert env_choice("SEARCH_BACKEND", "whoosh", ("whoosh", "postgres")) == "postgres"
    monkeypatch.setenv("SEARCH_BACKEND", "elastic")
    with pytest.raises(ImproperlyConfigured, match="whoosh, postgres"):
        env_choice("SEARCH_BACKEND", "whoosh", ("whoosh", "postgres"))
