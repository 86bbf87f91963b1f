"""Import article files: ``manage.py import_articles PATH [PATH ...]``.

Paths may be files, directories (searched recursively) or globs. Progress goes to standard
error (a bar on a terminal); the summary goes to standard output and, with ``--json``, its
last line is ``{"imported": n, "updated": n, "unchanged": n, "failed": [{"path", "error"}]}``.
Exit status: 0 when every file was imported, 1 when some failed (the others are still
stored) or the run was interrupted (the database went away: the JSON line then has
``"error"``, and what was stored before stays stored and owed to the index), 2 on misuse
(a path that names no file, a bad option).
"""

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from archive.importing.batch import (
    CHUNK_SIZE,
    WORKERS,
    ImportInterrupted,
    find_files,
    run_import,
)
from archive.importing.reading import MAX_FILE_BYTES


def _positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Import article files (Hexo Markdown, print text, web-page text, saved HTML pages)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or globs")
        parser.add_argument("--json", action="store_true", help="end with a JSON summary line")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="parse only and store nothing (parsed files count as imported)",
        )
        parser.add_argument(
            "--chunk-size", type=_positive, default=CHUNK_SIZE,
            help=f"files per transaction (default {CHUNK_SIZE}); a failing chunk is redone file by file",
        )  # fmt: skip
        parser.add_argument(
            "--workers",
            type=_positive,
            default=WORKERS,
            help=f"parsing processes for large runs (default {WORKERS}; 1 parses in-process)",
        )
        parser.add_argument(
            "--max-size", type=_positive, default=MAX_FILE_BYTES,
            help=f"largest file accepted, in bytes (default {MAX_FILE_BYTES})",
        )  # fmt: skip

    def handle(self, *args, **options):
        paths, unmatched = find_files(options["paths"])
        if unmatched:
            # A mistyped path is misuse, not a file that failed: nothing is imported.
            raise CommandError(
                "no such file, or no file matched: " + " ".join(unmatched), returncode=2
            )
        bar = tqdm(
            total=len(paths),
            unit="file",
            # The raw stream: OutputWrapper ends every write with a newline, which breaks the
            # bar's in-place redraw.
            file=self.stderr._out,
            disable=options["verbosity"] == 0 or not self.stderr.isatty(),
        )
        try:
            with bar:
                summary = run_import(
                    paths,
                    chunk_size=options["chunk_size"],
                    dry_run=options["dry_run"],
                    max_bytes=options["max_size"],
                    workers=options["workers"],
                    progress=bar.update,
                )
        except ImportInterrupted as interrupted:
            self._report(interrupted.summary, options)
            raise CommandError(f"import interrupted: {interrupted}", returncode=1) from None
        self._report(summary, options)
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} of {len(paths)} files failed", returncode=1)

    def _report(self, summary, options):
        if options["verbosity"] >= 1:
            verb = "would import" if options["dry_run"] else "imported"
            self.stdout.write(
                f"{verb} {summary.imported}, updated {summary.updated}, "
                f"unchanged {summary.unchanged}, failed {len(summary.failed)}"
            )
            for failure in summary.failed:
                self.stderr.write(f"{failure['path']}: {failure['error']}")
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_json(), ensure_ascii=False))
