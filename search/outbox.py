"""Index work owed by committed writes, and how the worker pays it.

``owe(article_ids)`` runs inside the writer's transaction (``archive.pipeline``): one row
per article in ``OwedIndexUpdate``, delivered at commit or never (the pipeline wakes the
worker). ``apply_owed()`` claims a batch of rows with ``FOR UPDATE SKIP LOCKED`` (several
workers share the work without waiting on each other), writes those articles' documents
under the index lock, and deletes the rows in the same database transaction, after the
index commit: a worker killed at any point leaves the rows to the next one, and writing a
document again is harmless (the engine's ``update_articles`` reads the rows under the
index lock). ``drain()`` is what the worker (``archive.pipeline.run_worker``) calls.
"""

from collections.abc import Iterable

from django.db import connection, transaction

from search.models import OwedIndexUpdate

# Articles written per index commit. A commit writes a segment and merges it with earlier
# ones, so a bulk change indexed in a few large commits takes a fraction of the time of many
# small ones; but a batch holds the index lock and its documents in memory until its commit,
# and its oldest row waits for it (``/healthz`` counts that age against the grace period).
BATCH_SIZE = 2000
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
