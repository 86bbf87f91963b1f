"""The archive's own signals: how importer, extraction, admin and search stay decoupled.

Bulk writes (``bulk_create``, ``QuerySet.update``) send no ``post_save``, so every writer of
articles announces what it changed:

``articles_stored(sender, article_ids)``
    Sent *inside* the writer's transaction, right after the rows are written. Extraction
    listens here so that links are written in the same transaction as the article: a file is
    stored whole, with its links, or not at all.

``articles_changed(sender, article_ids)``
    Sent after the transaction commits (through ``transaction.on_commit``) by
    ``announce_changed``. The search index listens here: it never indexes rows that a
    rollback might still remove.
"""

from django.db import transaction
from django.dispatch import Signal

articles_stored = Signal()
articles_changed = Signal()


def announce_changed(sender, article_ids):
    """Send ``articles_changed`` once the current transaction commits (at once outside one)."""
    article_ids = list(article_ids)
    if article_ids:
        transaction.on_commit(lambda: articles_changed.send(sender=sender, article_ids=article_ids))
