"""Four processes write to the index at once while others search: no error, nothing lost."""

import multiprocessing

import pytest
from django.conf import settings
from django.db import connection, connections

from archive.models import Article
from search.engine import engine
from search.query import parse
from tests.factories import make_article
from tests.spawned import reader, writer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
WRITERS = 4


def test_concurrent_writers_and_readers(search_index):
    from django.db.models.signals import post_save

    # Rows are written without signals so that only the four writer processes index them.
    receivers = post_save.receivers
    post_save.receivers = []
    try:
        articles = [make_article(f"户籍{n}", f"第{n}篇正文。") for n in range(60)]
    finally:
        post_save.receivers = receivers
    ids = [a.pk for a in articles]
    # Children must open their own connections: close ours (impossible inside a transaction).
    assert not connection.in_atomic_block
    connections.close_all()

    context = multiprocessing.get_context("spawn")
    errors, counts, stop = context.Queue(), context.Queue(), context.Event()
    setup = (settings.DATABASES, str(settings.SEARCH_INDEX_PATH))
    readers = [context.Process(target=reader, args=(setup, stop, errors, counts)) for _ in range(2)]
    writers = [
        context.Process(target=writer, args=(setup, ids[i::WRITERS], errors))
        for i in range(WRITERS)
    ]
    for process in readers + writers:
        process.start()
    for process in writers:
        process.join(timeout=300)
    stop.set()
    searches = [counts.get(timeout=60) for _ in readers if errors.empty()]
    for process in readers:
        process.join(timeout=60)

    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert not problems, problems[0]
    assert [p.exitcode for p in writers + readers] == [0] * (WRITERS + 2)
    for seen in searches:
        # Each reader saw the index grow (never shrink or fail) while the writers worked.
        assert seen and seen == sorted(seen) and seen[-1] <= len(ids)

    backend = engine()
    assert sorted(backend.find(parse("户籍"))) == sorted(ids)
    assert sorted(backend.find(parse("户籍")).article_ids()) == sorted(ids)
    assert backend.document_count() == len(ids)
    assert Article.objects.count() == len(ids)


def test_a_second_writer_waits_instead_of_failing(search_index):
    """What Whoosh alone does here is raise LockError at once; ours waits for the lock."""
    import threading
    import time

    from whoosh.index import LockError

    from search.whoosh.backend import index_write_lock

    raw = search_index.index.refresh()
    holder = raw.writer()
    with pytest.raises(LockError):
        raw.writer()  # Whoosh's own behaviour: the second writer fails immediately
    holder.cancel()

    outcome = []
    with index_write_lock(search_index.path):
        worker = threading.Thread(
            target=lambda: outcome.append(search_index.remove("archive.article.999"))
        )
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive() and not outcome  # waiting, not failed
    worker.join(timeout=30)
    assert outcome == [None]


def test_a_commit_in_the_middle_of_a_search_does_not_close_its_searcher(search_index, monkeypatch):
    """Another process commits while a search is reading: the search goes on with the
    searcher it started with (once seen as a 500 with ReaderClosed under concurrent editors)."""
    articles = [make_article(f"户籍办理{n}", f"第{n}篇正文。") for n in range(3)]
    ids = [a.pk for a in articles]
    engine().update_articles(ids)
    backend = engine()
    backend.searcher()  # this process's searcher is open and current
    real_searcher = backend.searcher
    calls = []

    def searcher_after_a_commit():
        calls.append(1)
        if len(calls) > 1:  # the search asks again, after another process committed
            engine().update_articles(ids[:1])
        return real_searcher()

    monkeypatch.setattr(backend, "searcher", searcher_after_a_commit)
    assert sorted(backend.find(parse("户籍"), sort="date")) == sorted(ids)
