"""Index work owed by committed writes, and the worker that pays it.

``owe(article_ids)`` runs inside the writer's transaction (``archive.pipeline``): one row
per article in ``OwedIndexUpdate`` and a ``NOTIFY``, both delivered at commit or never.
``apply_owed()`` claims a batch of rows with ``FOR UPDATE SKIP LOCKED`` (several workers
share the work without waiting on each other), writes those articles' documents under the
index lock, and deletes the rows in the same database transaction, after the index commit:
a worker killed at any point leaves the rows to the next one, and writing a document again
is harmless (the engine's ``update_articles`` reads the rows under the index lock).

``run_worker`` (``manage.py run_worker``) waits on ``LISTEN`` with a poll as fallback.
Test settings set ``SEARCH_INDEX_AT_COMMIT``: the owed work is then paid in-process when
the writer commits, so a test sees its edit searchable at once.
"""

import logging
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.utils import InterfaceError

from search.models import OwedIndexUpdate

logger = logging.getLogger(__name__)
CHANNEL = "search_index_owed"
BATCH_SIZE = 500
POLL_SECONDS = 5  # a missed notification (a worker restarting) waits at most this long
_TABLE = OwedIndexUpdate._meta.db_table
_OWE_SQL = f"INSERT INTO {_TABLE} (article_id, owed_at) SELECT unnest(%s::bigint[]), now()"
_CLAIM_SQL = f"SELECT id, article_id FROM {_TABLE} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
_BACKLOG_SQL = (
    f"SELECT count(*), extract(epoch FROM clock_timestamp() - min(owed_at)) FROM {_TABLE}"
)


def owe(article_ids: Iterable[int]) -> None:
    """Record that these articles' documents must be written again (current transaction)."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_OWE_SQL, [ids])
        cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    if settings.SEARCH_INDEX_AT_COMMIT:
        # Once per call: after the first, a drain finds nothing left in one query.
        transaction.on_commit(drain)


def apply_owed(batch_size: int = BATCH_SIZE) -> int:
    """Pay one batch of owed work; how many articles were written (0: nothing was owed)."""
    from search.engine import engine

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [batch_size])
        rows = cursor.fetchall()
        if not rows:
            return 0
        article_ids = {article_id for _, article_id in rows}
        engine().update_articles(article_ids)
        cursor.execute(f"DELETE FROM {_TABLE} WHERE id = ANY(%s)", [[pk for pk, _ in rows]])
    return len(article_ids)


def drain(batch_size: int = BATCH_SIZE) -> int:
    """Pay every owed batch this process can claim; how many articles were written."""
    total = 0
    while written := apply_owed(batch_size):
        total += written
    return total


def owed_ids() -> list[int]:
    """The ids of the rows owed now (committed): a rebuild that reads every article
    afterwards pays them."""
    return list(OwedIndexUpdate.objects.values_list("pk", flat=True))


def forget(row_ids: Iterable[int]) -> None:
    """Delete rows whose work was paid otherwise (a rebuild)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_TABLE} WHERE id = ANY(%s)", [list(row_ids)])


def backlog() -> tuple[int, float | None]:
    """(rows owed, age in seconds of the oldest, or None when nothing is owed)."""
    with connection.cursor() as cursor:
        cursor.execute(_BACKLOG_SQL)
        count, age = cursor.fetchone()
    return count, (float(age) if age is not None else None)


def run_worker(
    stop: Callable[[], bool] = lambda: False,
    poll: float = POLL_SECONDS,
    log: Callable[[str], object] = logger.info,
) -> None:
    """Pay owed work as it arrives until ``stop()`` is true. Database or index failures are
    logged and retried: the rows stay owed until a write succeeds."""
    listening = False
    while not stop():
        try:
            if not listening:
                with connection.cursor() as cursor:
                    cursor.execute(f"LISTEN {CHANNEL}")
                listening = True
            written = drain()
            if written:
                log(f"indexed {written} articles")
            _wait(poll)
        except (OperationalError, InterfaceError) as error:
            logger.warning("database unavailable (%s); retrying", error)
            connection.close()
            listening = False
            time.sleep(min(poll, 2))
        except Exception:
            logger.exception("owed index work failed; retrying")
            time.sleep(min(poll, 2))


def _wait(timeout: float) -> None:
    """Until a notification arrives on this connection or ``timeout`` seconds pass (the
    rows themselves say what is owed: notifications only wake the worker)."""
    for _ in connection.connection.notifies(timeout=timeout, stop_after=1):
        pass
