"""The write pipeline: what every write of articles owes, in order, stated once.

Inside the writer's transaction — the importer (``archive.importing.store``), staff
(``archive.curation``, the admin's saves), the shell — after the rows are written:

1. ``stored(ids)`` when text was written: extraction links places, bureaus and campaigns
   and marks near-duplicates (``archive.extraction``, ``archive.extraction.dedup``); then 2–4 for the
   stored articles and any others that step changed;
2. ``changed(ids)``: the browse counts (``archive.counts.refresh``);
3. the content generation (``archive.pagecache.changed``): cached pages go with the commit;
4. the owed index work (``search.outbox.owe``): one row per article, and a NOTIFY.

So the rows, their links, the counts, the generation and the record of what the index
still owes commit together or not at all. Staff's large requests are owed work too: a bulk
status change of many articles and an admin upload are stored in the request's transaction
(``archive.curation.change_status``, ``queue_uploads``) and the request answers at once.

After commit, the worker (``manage.py run_worker``: ``run_worker`` below) does what is owed,
in ``work_owed``: it advances the bulk changes a chunk per transaction, imports the next
upload, then writes the owed index documents (``search.outbox``). Nothing slow runs in a
request, and a crash anywhere leaves work owed, never forgotten: every step commits with the
record of how far it got, and doing a step again is harmless.

Single-row saves send Django's model signals instead of calling this module; ``ready()``
of ``archive.apps`` routes them here (``on_article_saved`` and the rest below).
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db import OperationalError, connection, models, transaction
from django.db.utils import InterfaceError

from archive import counts, pagecache
from search import outbox

logger = logging.getLogger(__name__)
CHANNEL = "archive_work_owed"
POLL_SECONDS = 5  # a missed notification (a worker restarting) waits at most this long
# Articles a worker changes before it writes their index documents: one index commit's
# worth, so not after every chunk, but often enough that search follows a long change.
INDEX_AFTER = outbox.BATCH_SIZE


def stored(article_ids: Iterable[int]) -> None:
    """Steps 1–4 for articles whose text was just written."""
    from archive.extraction.dedup import find_duplicates
    from archive.extraction.linking import cached_catalog, extract_articles

    ids = sorted(set(article_ids))
    if not ids:
        return
    with transaction.atomic():
        extract_articles(ids, catalog=cached_catalog())
        others = set(find_duplicates(ids)) - set(ids)
        changed(ids + sorted(others))


def changed(article_ids: Iterable[int]) -> None:
    """Steps 2–4 for articles whose rows, status or links were just written."""
    _derive(article_ids)


def _derive(article_ids: Iterable[int]) -> None:
    """Steps 2–4 (what Django's model signals call: tests record only the writers' calls)."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    with transaction.atomic():
        counts.refresh(ids)
        pagecache.changed()
        outbox.owe(ids)
        owe_work()


def owe_work() -> None:
    """Wake the worker when the current transaction commits (NOTIFY is delivered then or
    never). With ``OWED_WORK_AT_COMMIT`` (the test settings) the work is done in this
    process at commit instead, so a test sees its edit searched and its queued change
    applied at once."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    if settings.OWED_WORK_AT_COMMIT:
        transaction.on_commit(_work_at_commit)


# The worker


@dataclass
class Done:
    """What one pass of ``work_owed`` did."""

    articles_changed: int = 0
    uploads_imported: int = 0
    documents_indexed: int = 0

    def __bool__(self) -> bool:
        return bool(self.articles_changed or self.uploads_imported or self.documents_indexed)

    def __str__(self) -> str:
        return (
            f"bulk-changed {self.articles_changed} articles, imported "
            f"{self.uploads_imported} uploads, indexed {self.documents_indexed} articles"
        )


def work_owed() -> Done:
    """One pass of the worker over what committed writes owe: bulk changes (up to
    ``INDEX_AFTER`` articles), then the next upload, then the index documents all of it and
    every other write owe. Each step commits on its own; call again while it did anything."""
    from archive import curation

    done = Done()
    while done.articles_changed < INDEX_AFTER and (advanced := curation.advance_bulk_changes()):
        done.articles_changed += advanced
    if curation.import_next_upload() is not None:
        done.uploads_imported = 1
    done.documents_indexed = outbox.drain()
    return done


_working = threading.local()


def _work_at_commit() -> None:
    """``work_owed`` until nothing is owed, once per process at a time: the work commits
    writes of its own, whose callbacks would otherwise start it again inside itself."""
    if getattr(_working, "active", False):
        return
    _working.active = True
    try:
        while work_owed():
            pass
    finally:
        _working.active = False


def run_worker(
    stop: Callable[[], bool] = lambda: False,
    poll: float = POLL_SECONDS,
    log: Callable[[str], object] = logger.info,
) -> None:
    """Do owed work as it arrives until ``stop()`` is true. Database or index failures are
    logged and retried: the work stays owed until it succeeds."""
    listening = False
    while not stop():
        try:
            if not listening:
                with connection.cursor() as cursor:
                    cursor.execute(f"LISTEN {CHANNEL}")
                listening = True
            if done := work_owed():
                log(str(done))
                continue
            _wait(poll)
        except (OperationalError, InterfaceError) as error:
            logger.warning("database unavailable (%s); retrying", error)
            connection.close()
            listening = False
            time.sleep(min(poll, 2))
        except Exception:
            logger.exception("owed work failed; retrying")
            time.sleep(min(poll, 2))


def _wait(timeout: float) -> None:
    """Until a notification arrives on this connection or ``timeout`` seconds pass (the
    tables themselves say what is owed: notifications only wake the worker)."""
    for _ in connection.connection.notifies(timeout=timeout, stop_after=1):
        pass


# Django's model signals (connected in ArchiveConfig.ready)


def on_article_saved(sender: type, instance: models.Model, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` of an article."""
    _derive([instance.pk])


def on_link_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` of an article's region, bureau or campaign link."""
    _derive([instance.article_id])


def on_links_changed(
    sender: type,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """``m2m_changed`` of ``Article.regions``, ``.agencies`` or ``.initiatives``."""
    if not reverse:
        if action.startswith("post_"):
            _derive([instance.pk])
    elif action == "pre_clear":
        # clear() from a region's, bureau's or campaign's side names no articles.
        _derive(list(instance.articles.values_list("pk", flat=True)))
    elif action in ("post_add", "post_remove"):
        _derive(cast(set[int], pk_set))  # None only for the clear actions


def on_entity_saved(sender: type, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` of a region, bureau or campaign: pages show their names
    (the articles naming one are announced by the admin, ``curation.announce_entity_articles``)."""
    pagecache.changed()
