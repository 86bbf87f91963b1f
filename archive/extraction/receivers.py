"""Extraction and near-duplicate detection on every import.

Runs inside the writer's transaction (``articles_stored``), so a file is stored with its
links or not at all. The writer announces the ids it stored; articles this step changes
besides those (an older copy demoted when a better primary arrives) are announced here.
"""

from django.dispatch import receiver

from archive.dedup import find_duplicates
from archive.signals import announce_changed, articles_stored

from .linking import cached_catalog, extract_articles


@receiver(articles_stored, dispatch_uid="archive.extraction.on_articles_stored")
def on_articles_stored(sender, article_ids, **kwargs):
    article_ids = list(article_ids)
    extract_articles(article_ids, catalog=cached_catalog())
    others = set(find_duplicates(article_ids)) - set(article_ids)
    announce_changed(sender, sorted(others))
