"""Rebuild the browse counts (archive.counts) from the articles, or check them.

Writers keep the counts exact as they go; run this after migrating an existing database
(the tables start empty), after writing articles by raw SQL or ``QuerySet.update`` without
announcing them, or whenever ``--check`` reports a difference. ``--check`` writes nothing
and exits non-zero when the kept counts differ from a fresh GROUP BY.
"""

from django.core.management.base import BaseCommand, CommandError

from archive import counts
from archive.models import CountScope


class Command(BaseCommand):
    help = "Recount the browse counts (per region, bureau, initiative and month) from the articles."

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
            for kind, object_id, month, kept, fresh in differences[:20]:
                self.stderr.write(
                    f"{kind} {object_id} {month or 'total'}: kept {kept}, recounted {fresh}"
                )
            if differences:
                raise CommandError(f"{len(differences)} counts differ from a recount")
            if verbosity:
                self.stdout.write(self.style.SUCCESS("Counts agree with a recount."))
            return
        rows = counts.rebuild(scope)
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Rebuilt {rows} counts."))
