"""Keeping the Whoosh index equal to ``Article.objects.published()``: by ids, and all at once
(``ChineseWhooshBackend.update_articles`` and ``.rebuild``, the seam's operations)."""

import multiprocessing
import queue
from collections.abc import Callable, Iterable
from typing import Any

from haystack.constants import ID

from search import outbox
from search.analysis import find_common_runs
from search.dictionary import add_entity_words
from search.search_indexes import article_index, iter_batches, sample_texts
from search.whoosh.backend import LOCK_TIMEOUT
from search.whoosh.segments import segment_worker


def update_articles(backend: Any, article_ids: Iterable[int]) -> None:
    """Index the published articles among ``article_ids`` and drop the others, in one commit.

    The rows are read while the index write lock is held, so the last writer always writes
    the last committed state: read before the lock, an update could wait behind another
    process's newer one and then put the older state back (seen under concurrent editors and
    an import: an article the import had just marked duplicate came back into the index).

    Every old document goes through one searcher, then the new ones are added: Whoosh's
    ``update_document`` opens a searcher over every segment per document, which cost more
    than analysing the text.
    """
    ids = set(article_ids)
    if not ids:
        return
    index = article_index(backend)
    with backend.writer() as writer:
        index.reset_ancestry()
        published = list(index.index_queryset().filter(pk__in=ids))
        with writer.searcher() as searcher:
            for pk in sorted(ids):
                writer.delete_by_term(ID, f"archive.article.{pk}", searcher=searcher)
        for doc in backend.prepare_documents(index, published):
            writer.add_document(**doc)


def rebuild(
    backend: Any,
    batch_size: int = 500,
    procs: int = 1,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Replace the index by one of every published article, in one commit; returns how many.

    Under the write lock throughout: the common runs are chosen from a sample first (every
    document must be written with the same list, see ``search.analysis``) and kept for the
    generation this commit will make; the old segments are dropped by the commit. So
    readers see the old index, with its own list, until the new one is complete, and a
    rebuild killed at any point leaves the old one answering as before. Index work owed
    before the rebuild began is paid by it: those rows go once it has committed. This
    process reads the articles and prepares their documents; with ``procs`` > 1 that many
    spawned processes analyse them (jieba is CPU-bound, one core a process:
    docs/benchmarks.md, "Why the code is as it is") and write one segment each. The children
    never touch the database: documents reach them through a queue.
    """
    index = article_index(backend)
    index.reset_ancestry()
    batches = (
        backend.prepare_documents(index, batch)
        for batch in iter_batches(index.index_queryset(), batch_size)
    )
    with backend.writer() as writer:
        covered = outbox.owed_ids()
        common_runs = find_common_runs(sample_texts())
        backend.save_common_runs(common_runs, writer.generation)
        words = add_entity_words()
        if procs == 1:
            total = 0
            for documents in batches:
                for doc in documents:
                    writer.add_document(**doc)
                total += len(documents)
                if progress:
                    progress(total)
            writer.mergetype = lambda _writer, _existing: []
        else:
            segments, total = _write_in_processes(
                backend, batches, procs, progress, common_runs, words
            )
            writer.mergetype = lambda _writer, _existing: segments
    outbox.forget(covered)
    return total


def _write_in_processes(
    backend: Any,
    batches: Iterable[list[dict[str, Any]]],
    procs: int,
    progress: Callable[[int], object] | None,
    common_runs: Iterable[str],
    words: Iterable[str],
) -> tuple[list[Any], int]:
    """(segments, documents written) of ``procs`` segment writers fed ``batches``, analysed
    with ``common_runs`` (the list this rebuild saved for its generation) and the names
    ``words`` added to jieba, as in this process.

    The writers are spawned, not forked: forking a parent that runs threads (a test server,
    a database driver's) can copy a lock some thread held, and Python 3.14 no longer forks by
    default. So a writer inherits nothing and is handed what analysis needs.
    """
    context = multiprocessing.get_context("spawn")
    jobs = context.Queue(maxsize=procs * 2)
    results = context.Queue()
    setup = (common_runs, sorted(words))
    workers = [
        context.Process(
            target=segment_worker, args=(backend.index, jobs, results, *setup), daemon=True
        )
        for _ in range(procs)
    ]
    for worker in workers:
        worker.start()
    done = 0

    def collect(block: bool) -> tuple[str, Any] | None:
        """Count progress reports; return ("segment", segment or None) when one arrives."""
        nonlocal done
        while True:
            try:
                kind, value = results.get(block=block, timeout=LOCK_TIMEOUT if block else None)
            except queue.Empty:
                return None
            if kind == "done":
                done += value
                if progress:
                    progress(done)
            elif kind == "error":
                raise RuntimeError(f"index worker failed: {value}")
            else:
                return kind, value

    try:
        for documents in batches:
            jobs.put(documents)
            collect(block=False)
        for _ in workers:
            jobs.put(None)
        finished: list[Any] = []
        while len(finished) < procs:
            if (reply := collect(block=True)) is not None:
                finished.append(reply[1])
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    return [segment for segment in finished if segment is not None], done
