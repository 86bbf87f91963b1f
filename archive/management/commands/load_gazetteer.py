"""Load (or refresh) the gazetteer and the seed initiatives.

The data migration runs the same loaders on a fresh database; run this command after
replacing ``archive/data/regions.csv`` with a newer release. Idempotent: rows are upserted
on their code, and staff-curated aliases are left alone.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from archive.extraction.gazetteer import REGIONS_CSV, load_regions
from archive.extraction.initiatives import load_seed_initiatives
from archive.models import Initiative, Region


class Command(BaseCommand):
    help = "Upsert every region of the vendored gazetteer file and the seed initiatives."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=REGIONS_CSV, help="gazetteer CSV")

    def handle(self, *args, file, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such gazetteer file")
        try:
            with transaction.atomic():
                created, updated = load_regions(Region, file)
                initiatives = load_seed_initiatives(Initiative)
        except (KeyError, ValueError) as error:
            raise CommandError(f"{file}: not a gazetteer file ({error})") from error
        if options["verbosity"]:
            counts = ", ".join(
                f"{label} {Region.objects.filter(level=level).count()}"
                for level, label in Region.Level.choices
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Regions: {created} created, {updated} updated ({counts}); "
                    f"seed initiatives created: {initiatives}."
                )
            )
