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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from django.db import reset_queries
from django.utils import timezone

from archive.models import ImportBatch

from .reading import MAX_FILE_BYTES, read_files
from .store import FAILED, IMPORTED, UNCHANGED, UPDATED, store_results

CHUNK_SIZE = 200
WORKERS = min(2, os.cpu_count() or 1)
# Starting workers costs about a second (each loads lxml, trafilatura and OpenCC), so small
# runs parse in the main process.
_CHUNKS_WORTH_WORKERS = 4


@dataclass
class Summary:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list = field(default_factory=list)  # [{"path": …, "error": …}]
    batch_id: int | None = None

    def as_json(self):
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }


def find_files(patterns):
    """``(paths, unmatched)`` for ``patterns`` (files, directories searched recursively,
    globs): the files sorted and without duplicates, hidden ones skipped, and the patterns
    that named nothing."""
    found, unmatched = [], []
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


def _parsed(chunks, max_bytes, workers):
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
        pending = deque()
        for chunk in chunks:
            pending.append(pool.submit(read_files, chunk, max_bytes))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _walk(directory):
    paths = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        paths += [os.path.join(root, name) for name in sorted(files) if not name.startswith(".")]
    return paths


def run_import(paths, *, chunk_size=CHUNK_SIZE, dry_run=False, max_bytes=MAX_FILE_BYTES,
               workers=WORKERS, progress=None, origin="command"):  # fmt: skip
    """Import ``paths`` (already expanded); ``progress(n)`` is called as files are done."""
    summary = Summary()
    batch = None if dry_run else ImportBatch.objects.create(origin=origin)
    chunks = [paths[start : start + chunk_size] for start in range(0, len(paths), chunk_size)]
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
    if batch is not None:
        batch.imported, batch.updated = summary.imported, summary.updated
        batch.unchanged, batch.failed = summary.unchanged, len(summary.failed)
        batch.finished_at = timezone.now()
        batch.save()
        summary.batch_id = batch.pk
    return summary
