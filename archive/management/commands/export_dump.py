"""Write the whole public archive as JSON Lines, for bulk users (docs/open-data.md).

One directory: ``articles.jsonl`` (every published article with its text and links),
``regions.jsonl``, ``agencies.jsonl``, ``initiatives.jsonl`` (what the links name) and
``manifest.json`` (when, how many, each file's SHA-256). Ids are the archive's own and stay
stable from dump to dump, so two dumps can be compared and a user's copy kept up to date
by id. Rows are read a chunk at a time and written as read: memory stays flat however large
the archive. Each file is written beside its final name and renamed when complete, so a
reader never sees half a file.
"""

import hashlib
import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from archive.exports import json_line, queryset_chunks
from archive.models import Agency, Article, Initiative, Region

FORMAT_VERSION = 1


def article_rows(base):
    articles = Article.objects.published().order_by("pk")
    for chunk in queryset_chunks(articles, base, ("body_text", "updated_at")):
        yield from chunk


def region_rows():
    rows = Region.objects.order_by("code").values_list("code", "name", "level", "parent__code")
    for code, name, level, parent in rows.iterator(chunk_size=2000):
        yield {"code": code, "name": name, "level": level, "parent": parent}


def agency_rows():
    for agency in Agency.objects.select_related("region").order_by("pk").iterator(chunk_size=2000):
        yield {
            "id": agency.pk,
            "name": agency.name,
            "aliases": agency.aliases,
            "kind": agency.kind,
            "parent": agency.parent_id,
            "region": agency.region.code if agency.region else None,
        }


def initiative_rows():
    for initiative in Initiative.objects.filter(status=Initiative.Status.ACCEPTED).order_by("pk"):
        yield {
            "slug": initiative.slug,
            "name": initiative.name,
            "aliases": initiative.aliases,
            "description": initiative.description,
        }


class Command(BaseCommand):
    help = "Write every published article, region, bureau and campaign as JSON Lines."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="where to write (created if absent)")
        parser.add_argument(
            "--base-url",
            default="",
            help="the site's origin, e.g. https://example.org: article URLs are absolute then",
        )

    def handle(self, *args, directory, base_url, verbosity=1, **options):
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"cannot create {directory}: {error}") from error
        base = base_url.rstrip("/")
        files = {}
        for name, rows in (
            ("articles.jsonl", article_rows(base)),
            ("regions.jsonl", region_rows()),
            ("agencies.jsonl", agency_rows()),
            ("initiatives.jsonl", initiative_rows()),
        ):
            files[name] = self.write(directory / name, rows)
            if verbosity:
                self.stdout.write(f"{name}: {files[name]['rows']} rows")
        manifest = {
            "format": FORMAT_VERSION,
            "generated_at": timezone.now().isoformat(),
            "base_url": base,
            "files": files,
        }
        (directory / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Dump written to {directory}."))

    @staticmethod
    def write(path, rows):
        """Write ``rows`` to ``path`` through a temporary name; {rows, bytes, sha256}."""
        partial = path.with_name(path.name + ".partial")
        digest, count, size = hashlib.sha256(), 0, 0
        try:
            with partial.open("wb") as out:
                for row in rows:
                    line = json_line(row).encode()
                    out.write(line)
                    digest.update(line)
                    count += 1
                    size += len(line)
            os.replace(partial, path)
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error}") from error
        return {"rows": count, "bytes": size, "sha256": digest.hexdigest()}
