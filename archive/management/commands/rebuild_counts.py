"""Rebuild the browse counts (archive.counts) from the articles, or check them.

Writers keep the counts exact as they go; run this after migrating an existing database
(the tables start empty), after writing articles by raw SQL or ``QuerySet.update`` without
announcing them, or whenever ``--check`` reports a difference. ``--check`` writes nothing
and exits non-zero when the kept counts differ from a fresh GROUP BY, or when a link's copy
of its article's date and status (kept by triggers) differs from the article; a rebuild
mends those copies too.
"""

from django.core.management.base import BaseCommand, CommandError

from archive import counts
from archive.models import CountScope, count_key_label


class Command(BaseCommand):
    help = (
        "Recount the browse counts (per region, bureau, initiative, bureau and initiative, and"
        " month) from the articles."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scope",
            choices=CountScope.values,
            action="append",
            help="only this scope (repeatable; default: all)",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare with a fresh recount, write nothing, fail on any difference",
        )

    def handle(self, *args, scope=None, check=False, verbosity=1, **options):
        if check:
            differences = [row for row in counts.discrepancies() if not scope or row[0] in scope]
            for *key, kept, fresh in differences[:20]:
                self.stderr.write(f"{count_key_label(*key)}: kept {kept}, recounted {fresh}")
            stale_links = counts.link_copy_discrepancies()
            for table, link_id, article_id in stale_links[:20]:
                self.stderr.write(f"{table} {link_id}: its copy of article {article_id} differs")
            if differences:
                raise CommandError(f"{len(differences)} counts differ from a recount")
            if stale_links:
                raise CommandError(f"{len(stale_links)} links differ from their article")
            if verbosity:
                self.stdout.write(self.style.SUCCESS("Counts agree with a recount."))
            return
        rows = counts.rebuild(scope)
        mended = counts.mend_link_copies()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"Rebuilt {rows} counts; mended {mended} link copies.")
            )
