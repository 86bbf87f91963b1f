"""Index updates on every write: saves, deletes, link changes and bulk writers' announcements.

Updates wait for the transaction to commit (a rollback never reaches the index) and are
gathered per thread, so a transaction that touches an article twenty times indexes it once.
"""

import logging
import threading

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from haystack.signals import BaseSignalProcessor

from archive.models import Article, ArticleAgency, ArticleInitiative, ArticleRegion
from archive.signals import articles_changed
from search.indexing import update_articles

logger = logging.getLogger(__name__)
_pending = threading.local()
LINKS = (ArticleRegion, ArticleAgency, ArticleInitiative)


def schedule(article_ids):
    """Index ``article_ids`` once the current transaction commits (at once outside one)."""
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.update(article_ids)
    transaction.on_commit(flush)


def flush():
    ids, _pending.ids = getattr(_pending, "ids", None) or set(), set()
    if not ids:
        return
    try:
        update_articles(ids)
    except Exception:
        # The database write has committed; check_index --fix repairs what was missed.
        logger.exception("search index update failed for %d articles", len(ids))


class ArticleSignalProcessor(BaseSignalProcessor):
    def _receivers(self):
        """(signal, receiver, sender) for every write that can change an indexed article."""
        yield post_save, self.handle_article, Article
        yield post_delete, self.handle_article, Article
        for link in LINKS:
            yield post_save, self.handle_link, link
            yield post_delete, self.handle_link, link
            yield m2m_changed, self.handle_m2m, link
        yield articles_changed, self.handle_changed, None

    def setup(self):
        for signal, receiver, sender in self._receivers():
            signal.connect(receiver, sender=sender)

    def teardown(self):
        for signal, receiver, sender in self._receivers():
            signal.disconnect(receiver, sender=sender)

    def handle_article(self, sender, instance, **kwargs):
        schedule([instance.pk])

    def handle_link(self, sender, instance, **kwargs):
        schedule([instance.article_id])

    def handle_m2m(self, sender, instance, action, reverse, pk_set, **kwargs):
        if not reverse:
            if action.startswith("post_"):
                schedule([instance.pk])
        elif action == "pre_clear":
            # clear() from a region's, agency's or initiative's side names no articles.
            schedule(list(instance.articles.values_list("pk", flat=True)))
        elif action in ("post_add", "post_remove"):
            schedule(pk_set)

    def handle_changed(self, sender, article_ids, **kwargs):
        schedule(article_ids)
