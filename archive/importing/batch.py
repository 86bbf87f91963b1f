"""A whole import run: find the files, parse them in chunks, store each chunk, count.

Memory stays flat whatever the number of files: only one chunk of parsed files is held at
a time (plus the list of paths and of failures).
"""

import glob
import os
from dataclasses import dataclass, field

from django.db import reset_queries
from django.utils import timezone

from archive.models import ImportBatch

from .reading import MAX_FILE_BYTES, read_file
from .store import FAILED, IMPORTED, UNCHANGED, UPDATED, store_results

CHUNK_SIZE = 200


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


def _walk(directory):
    paths = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        paths += [os.path.join(root, name) for name in sorted(files) if not name.startswith(".")]
    return paths


def run_import(paths, *, chunk_size=CHUNK_SIZE, dry_run=False, max_bytes=MAX_FILE_BYTES,
               progress=None, origin="command"):  # fmt: skip
    """Import ``paths`` (already expanded); ``progress(n)`` is called as files are done."""
    summary = Summary()
    batch = None if dry_run else ImportBatch.objects.create(origin=origin)
    for start in range(0, len(paths), chunk_size):
        results = [read_file(path, max_bytes) for path in paths[start : start + chunk_size]]
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
