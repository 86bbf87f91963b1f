"""What the PostgreSQL engine (``search.postgres``) promises beyond the shared contract: writes
and rebuilds in one transaction, a generation that never repeats, posting rows that always
equal a recount of the articles' rows (after edits, deletions, rebuilds and concurrent
writers), searches that read posting rows rather than every match, bylines, and the setting
that chooses it."""

import random
import threading
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils.connection import ConnectionDoesNotExist
from pyroaring import BitMap

from archive.models import Article, ArticleRegion
from config.env import env_choice
from search.analysis import set_common_runs
from search.engine import engine
from search.postgres import backend as postgres
from search.query import parse
from tests.conftest import region as make_region
from tests.factories import make_article

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("search_backend"),
    pytest.mark.parametrize("search_backend", ["postgres"], indirect=True),
]


def found(q, sort="relevance", **filters):
    return list(engine().find(parse(q), filters=filters, sort=sort))


def postings():
    """{(key, chunk): ids} of the posting rows as stored."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, chunk, articles FROM {postgres.POSTINGS}")
        return {(key, chunk): set(BitMap.deserialize(data)) for key, chunk, data in cursor}


def recount():
    """{(key, chunk): ids} as the article rows say they should be: each row's keys
    (``postgres.keys``, its words from its stored tsvector) with the common runs of the
    index."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT common_runs FROM {postgres.GENERATION_TABLE} WHERE id = 1")
        set_common_runs(cursor.fetchone()[0])
        cursor.execute(f"SELECT article_id FROM {postgres.TABLE}")
        stored = postgres._stored_keys(cursor, [row[0] for row in cursor.fetchall()])
    expected = {}
    for article_id, keys in stored.items():
        for key in keys:
            expected.setdefault((key, article_id >> postgres.CHUNK_BITS), set()).add(article_id)
    return expected


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
    prepared = postgres._prepared

    def failing(index, article):
        if article.pk == second.pk:
            raise RuntimeError("analysis failed")
        return prepared(index, article)

    monkeypatch.setattr(postgres, "_prepared", failing)
    with pytest.raises(RuntimeError):
        engine().update_articles([first.pk, second.pk])
    assert sorted(found("户籍")) == sorted([first.pk, second.pk]) and found("身份证") == []
    assert engine().generation() == before


def test_an_interrupted_rebuild_leaves_the_old_rows_answering(reindex, monkeypatch):
    old = make_article("户籍新规", "正文。")
    reindex()
    make_article("户籍窗口", "正文。")
    before = postings()
    monkeypatch.setattr(postgres, "_prepared", lambda index, article: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        engine().rebuild()
    assert found("户籍") == [old.pk] and engine().document_count() == 1
    assert postings() == before


def stored_rows():
    """{article id: (its row's columns, its words)} as stored."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {postgres._COLUMNS}, words::text FROM {postgres.TABLE}")
        return {row[0]: row for row in cursor.fetchall()}


def test_a_rebuild_in_processes_stores_what_one_process_stores(search_index):
    """Words cut in spawned processes, batches written while the next are cut: the same rows,
    words and postings as one process, the names this process added to jieba kept whole
    there too (jieba cannot forget one)."""
    from archive.models import Agency
    from search.dictionary import add_entity_words

    agency = Agency.objects.create(name="青枫县公安局")
    assert "青枫县公安局" in add_entity_words()
    agency.delete()
    for n in range(12):
        make_article(f"户籍新规（{n}）", f"青枫县公安局户籍室延时服务，第{n}期。反诈宣传。")
    assert engine().rebuild(batch_size=5, procs=1) == 12
    one_process, posted = stored_rows(), postings()
    assert any("青枫县公安局" in row[-1] for row in one_process.values())
    assert engine().rebuild(batch_size=5, procs=2) == 12
    assert stored_rows() == one_process and postings() == posted == recount()


def test_a_killed_analyser_fails_the_rebuild_and_the_old_rows_answer(reindex, monkeypatch):
    """SIGKILL to the processes cutting words, half way: the rebuild stops with an error
    rather than waiting for them, and its transaction leaves the rows it would replace."""
    import os
    import signal

    old = [make_article(f"户籍新规（{n}）", "正文。") for n in range(8)]
    reindex()
    before = postings()
    for n in range(8):
        make_article(f"户籍窗口（{n}）", "正文。")
    written = postgres._written
    analysers = postgres._analysers
    pools = []

    @contextmanager
    def watched(procs):
        with analysers(procs) as pool:
            pools.append(pool)
            yield pool

    def killing(rows, joined):
        for pid in list(pools[0]._processes):
            os.kill(pid, signal.SIGKILL)
        return written(rows, joined)

    monkeypatch.setattr(postgres, "_analysers", watched)
    monkeypatch.setattr(postgres, "_written", killing)
    with pytest.raises(BrokenProcessPool):
        engine().rebuild(batch_size=2, procs=2)
    assert sorted(found("户籍")) == sorted(article.pk for article in old)
    assert postings() == before


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


def test_a_search_reads_posting_rows_not_the_articles(reindex):
    """Runs of one or two characters, filters and order come from the posting rows and the
    date order kept per generation: the articles' rows are not read for each search."""
    make_article("户籍新规", "民警上门办理户籍。")
    make_article("身份证", "民警窗口。")
    reindex()
    found("民警", sort="date")  # the date order of this generation is read once
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert len(found("民警 -窗口", sort="date")) == 1
    assert statements and not [sql for sql in statements if postgres.TABLE in sql]
    assert [sql for sql in statements if postgres.POSTINGS in sql]


@pytest.mark.parametrize("chunk_bits", [16, 1])
def test_postings_equal_a_recount_after_edits_links_hiding_deletion_and_rebuild(
    reindex, monkeypatch, chunk_bits
):
    """Every write rewrites exactly the keys an article gained or lost, in its chunk; with
    one bit a chunk, the articles spread over many chunks of every key."""
    monkeypatch.setattr(postgres, "CHUNK_BITS", chunk_bits)
    binzhou = make_region("371600", "滨州市")
    articles = [
        make_article("户籍新规", "民警上门办理户籍。", authors="李娜"),
        make_article("滨州公安", "公安局民警为群众办理户籍。"),
        make_article("身份证", "窗口办理身份证。"),
        make_article("交管12123App", "市民可用ＡＰＰ办理。"),
    ]
    reindex()
    assert postings() == recount()
    assert {"word:户籍", "title:户籍", "reporter:李娜"} <= {key for key, _ in postings()}
    ids = [article.pk for article in articles]
    edited, linked, hidden, deleted = articles
    edited.title, edited.body_text = "身份证新规", "户籍窗口改为身份证窗口。"
    edited.save()
    ArticleRegion.objects.create(article=linked, region=binzhou, is_primary=True)
    Article.objects.filter(pk=hidden.pk).update(status="hidden")
    deleted.delete()
    engine().update_articles(ids)
    assert postings() == recount()
    assert found("身份证") == [edited.pk] and found("12123") == []
    assert found("户籍", region=binzhou.code) == [linked.pk]
    reindex()  # chooses the common runs anew: 办理户籍 is in one article now
    assert postings() == recount()
    assert found("身份证") == [edited.pk] and found("办理户籍") == [linked.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_the_postings_equal_to_a_recount(search_index):
    """Writers in several connections at once, on articles sharing most keys: the generation
    row queues them, and no gained or lost key is overwritten by another writer's."""
    articles = [make_article(f"户籍{n}号", f"民警办理第{n}件户籍。") for n in range(12)]
    engine().rebuild()
    for article in articles:
        article.title = f"身份证{article.title}"
        article.save()
    failures = []

    def write(part):
        try:
            engine().update_articles(a.pk for a in part)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(articles[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert postings() == recount()
    assert sorted(found("身份证")) == sorted(a.pk for a in articles)


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
