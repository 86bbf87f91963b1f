"""A whole import run: find the files, parse them in chunks, store each chunk, count.

Parsing is pure CPU and storing waits on PostgreSQL, so large runs parse in worker processes
while the main process stores the previous chunk. Memory stays flat whatever the number of
files: only a few chunks of parsed files exist at a time (plus the lists of paths and of
failures).
"""

import glob
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, reset_queries
from django.utils import timezone

from archive.models import ImportBatch

from .reading import MAX_FILE_BYTES, FileResult, read_files
from .store import FAILED, IMPORTED, UNCHANGED, UPDATED, store_results

CHUNK_SIZE = 200
# A running batch holds the session lock (_RUNNING, batch id): PostgreSQL releases it when the
# run's connection ends, however it ends, so an unfinished batch whose lock is free was
# abandoned.
_RUNNING = 0x696D70  # "imp"
ABANDONED = "导入中断：进程或数据库连接在批次结束前终止"
WORKERS = min(2, os.cpu_count() or 1)
# Starting workers costs about a second (each loads lxml, trafilatura and OpenCC), so small
# runs parse in the main process.
_CHUNKS_WORTH_WORKERS = 4


@dataclass
class Summary:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)  # [{"path": …, "error": …}]
    batch_id: int | None = None
    error: str | None = None  # why the run stopped before its end

    def as_json(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }
        if self.error:
            report["error"] = self.error
        return report


class ImportInterrupted(Exception):
    """The run stopped before its end; ``summary`` says what was stored until then (each
    stored chunk committed whole, with the index work it owes)."""

    def __init__(self, summary: Summary) -> None:
        super().__init__(summary.error)
        self.summary = summary


def find_files(patterns: list[str]) -> tuple[list[str], list[str]]:
    """``(paths, unmatched)`` for ``patterns`` (files, directories searched recursively,
    globs): the files sorted and without duplicates, hidden ones skipped, and the patterns
    that named nothing."""
    found: list[str] = []
    unmatched: list[str] = []
    for pattern in patterns:
        if os.path.isfile(pattern):
            matches = [pattern]
        elif os.path.isdir(pattern):
            matches = _walk(pattern)
        else:
            matches = []
            for match in sorted(glob.glob(pattern, recursive=True)):
                matches += [match] if os.path.isfile(match) else _walk(match)
        if not matches:
            unmatched.append(pattern)
        found += matches
    return list(dict.fromkeys(os.path.abspath(path) for path in found)), unmatched


def _parsed(chunks: list[list[str]], max_bytes: int, workers: int) -> Iterator[list[FileResult]]:
    """Parsed chunks in order; with workers, up to ``workers`` chunks are parsed ahead."""
    if workers <= 1 or len(chunks) < _CHUNKS_WORTH_WORKERS:
        for chunk in chunks:
            yield read_files(chunk, max_bytes)
        return
    # forkserver: workers must not inherit the parent's database connections. Like any
    # multiprocessing code it re-imports the main script in each worker, so scripts calling
    # run_import need the usual ``if __name__ == "__main__":`` guard (manage.py has it).
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future[list[FileResult]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(read_files, chunk, max_bytes))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _walk(directory: str) -> list[str]:
    paths: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        paths += [os.path.join(root, name) for name in sorted(files) if not name.startswith(".")]
    return paths


def run_import(
    paths: list[str],
    *,
    chunk_size: int = CHUNK_SIZE,
    dry_run: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
    workers: int = WORKERS,
    progress: Callable[[int], object] | None = None,
    started: Callable[[ImportBatch], object] | None = None,
    origin: str = "command",
) -> Summary:
    """Import ``paths`` (already expanded); ``started(batch)`` is called once the batch
    record exists (so a caller can show it while it runs), ``progress(n)`` as files are
    done."""
    summary = Summary()
    batch = None
    if not dry_run:
        close_abandoned_batches()
        batch = ImportBatch.objects.create(origin=origin)
        _lock(batch, "pg_advisory_lock")
        if started:
            started(batch)
    chunks = [paths[start : start + chunk_size] for start in range(0, len(paths), chunk_size)]
    try:
        _run(chunks, batch, summary, dry_run, max_bytes, workers, progress)
    except Exception as error:
        summary.error = f"{type(error).__name__}: {error}".strip()
        if batch is not None:
            summary.batch_id = batch.pk
            _close(batch, summary, error=summary.error)
        raise ImportInterrupted(summary) from error
    if batch is not None:
        _close(batch, summary)
        _lock(batch, "pg_advisory_unlock")
        summary.batch_id = batch.pk
    return summary


def _run(
    chunks: list[list[str]],
    batch: ImportBatch | None,
    summary: Summary,
    dry_run: bool,
    max_bytes: int,
    workers: int,
    progress: Callable[[int], object] | None,
) -> None:
    for results in _parsed(chunks, max_bytes, workers):
        if dry_run:
            outcomes = [(r, FAILED if r.error else IMPORTED, r.error) for r in results]
        else:
            outcomes = store_results(results, batch)
        for result, outcome, error in outcomes:
            if outcome == FAILED:
                summary.failed.append({"path": result.path, "error": error})
            elif outcome == IMPORTED:
                summary.imported += 1
            elif outcome == UPDATED:
                summary.updated += 1
            elif outcome == UNCHANGED:
                summary.unchanged += 1
        # With DEBUG on, Django keeps every statement's SQL (bodies included) in memory.
        reset_queries()
        if progress:
            progress(len(results))


def _lock(batch: ImportBatch, function: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_RUNNING, batch.pk])


def _close(batch: ImportBatch, summary: Summary, error: str = "") -> None:
    """Record the batch's figures and end; when the database is gone, the next run closes
    it instead (``close_abandoned_batches``)."""
    batch.imported, batch.updated = summary.imported, summary.updated
    batch.unchanged, batch.failed = summary.unchanged, len(summary.failed)
    batch.finished_at, batch.error = timezone.now(), error
    try:
        batch.save()
    except Exception:  # noqa: BLE001 - the database that failed the run may still be down
        connection.close()


def close_abandoned_batches() -> None:
    """Close as failed every unfinished batch whose run has gone (its lock is free)."""
    for batch in ImportBatch.objects.filter(finished_at=None):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_RUNNING, batch.pk])
            (free,) = cursor.fetchone()
        if free:
            ImportBatch.objects.filter(pk=batch.pk, finished_at=None).update(
                finished_at=timezone.now(), error=ABANDONED
            )
            _lock(batch, "pg_advisory_unlock")
