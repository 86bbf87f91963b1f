"""Re-run extraction (regions, agencies, initiatives) and near-duplicate detection.

Run after staff curated names (aliases, merges, accepted initiatives) or after a gazetteer
update. Staff-set links are never touched; a second run over the same data changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from archive import pipeline
from archive.extraction.catalog import Catalog
from archive.extraction.dedup import find_duplicates
from archive.extraction.linking import Summary, extract_articles
from archive.models import Article

BATCH = 500


class Command(BaseCommand):
    help = "Extract regions, agencies and initiatives of articles and link them."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every article")
        which.add_argument("--article", type=int, nargs="+", metavar="ID", help="these articles")
        parser.add_argument("--no-dedup", action="store_true", help="skip near-duplicate detection")

    def handle(self, *args, **options):
        if options["all"]:
            ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        else:
            ids = sorted(set(options["article"]))
            missing = set(ids) - set(
                Article.objects.filter(pk__in=ids).values_list("pk", flat=True)
            )
            if missing:
                raise CommandError(f"No article with id {', '.join(map(str, sorted(missing)))}")
        catalog = Catalog.load()
        summary = Summary()
        changed = set()
        # A progress bar on a terminal (tqdm hides itself when stderr is not one), none at -v0.
        progress = tqdm(
            total=len(ids),
            unit="article",
            disable=True if options["verbosity"] == 0 else None,
            file=self.stderr,
        )
        for offset in range(0, len(ids), BATCH):
            batch = ids[offset : offset + BATCH]
            # One transaction per batch, with what the batch owes (archive.pipeline): a crash
            # loses at most a batch, never half an article nor its counts or index update.
            with transaction.atomic():
                before = set(summary.changed)
                extract_articles(batch, catalog=catalog, summary=summary)
                touched = set(summary.changed) - before
                if not options["no_dedup"]:
                    touched.update(find_duplicates(batch))
                pipeline.changed(touched)
            changed |= touched
            progress.update(len(batch))
        progress.close()
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{summary.articles} articles read, {len(changed)} changed; "
                    f"{summary.agencies_created} agencies created, "
                    f"{summary.suggestions_created} initiatives suggested."
                )
            )
