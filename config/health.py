"""/healthz: what an operator or a container healthcheck needs to know at a glance.

200 when every section is ok (the replica's aside), 503 otherwise, with the reason in each
failing section's ``error``, so the JSON alone tells an operator which part is down
(docs/operations.md):

- ``database``: reachable, and how many articles;
- ``search``: the index can be read, holds as many documents as there are published
  articles, and the index work owed by committed writes (``search.outbox``) is being paid.
  Right after a write both may lag: a disagreement counts only once it is older than
  ``HEALTH_GRACE_SECONDS`` (the oldest owed row, or the last write);
- ``counts``: the kept browse counts (``archive.counts``) agree with the articles, month
  by month, in one statement (one snapshot: no grace needed, they change in the writers'
  transactions); ``checked_seconds_ago`` says how old the answer is;
- ``bulk``: the bulk changes and uploads staff queued (``archive.curation``) are being
  done: while any waits, some queued work must have progressed within the grace period
  (the worker does them one at a time, so only the oldest moves);
- ``replica``, only with ``DATABASE_REPLICA_URL``: reachable, streaming, and its lag
  (``config.replicas``). A replica that fails makes the status ``degraded`` but leaves the
  answer 200: readers are served by the primary meanwhile, so no host is taken out of a
  load balancer for it.

The counts of articles and published articles and the comparison of the browse counts read
every article, which at a million articles costs tens of milliseconds a call. So a process
repeats their answers (``_recent``) until the content generation moves or the answer is older
than ``HEALTH_GRACE_SECONDS``: every write through the pipeline shows at once, a change made
by hand within the grace period. Reachability and the owed work are read on every call.
"""

import time
from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from archive import sql
from config import replicas

# The archive-wide counts against a fresh GROUP BY of the published articles: the rows that
# differ, in one snapshot. A checksum of the counts, not a full recount of every scope.
_COUNTS_SQL = """
WITH fresh AS (
    SELECT CASE WHEN {dated:a} THEN date_trunc('month', a.published_at AT TIME ZONE %(tz)s)::date
           END AS month,
           count(*) AS count
    FROM {article} a WHERE {published:a} GROUP BY 1
), fresh_all AS (
    SELECT month, count FROM fresh WHERE month IS NOT NULL
    UNION ALL SELECT NULL, coalesce(sum(count), 0) FROM fresh
), kept AS (
    SELECT month, count FROM {browsecount}
    WHERE scope = %(scope)s AND object_id = 0 AND count > 0
), wanted AS (SELECT month, count FROM fresh_all WHERE count > 0)
SELECT count(*) FROM ((SELECT * FROM wanted EXCEPT SELECT * FROM kept)
                      UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM wanted)) differing
"""
_PUBLISHED_SQL = "SELECT count(*) FROM {article} a WHERE {published:a}"
_SINCE_WRITE_SQL = """
SELECT (SELECT extract(epoch FROM clock_timestamp() - changed_at)
        FROM {contentgeneration} WHERE id = 1)
"""


def healthz(request):
    database, generation = _database_report()
    sections = {"database": database}
    if database["ok"]:
        sections["search"] = _search_report(generation)
        sections["counts"] = _counts_report(generation)
        sections["bulk"] = _bulk_report()
    else:
        # Nothing to compare the index with: say only whether it can still be read.
        sections["search"] = _index_report()
    healthy = all(section["ok"] for section in sections.values())
    status = "ok" if healthy else "error"
    if replicas.REPLICA in settings.DATABASES:
        sections["replica"] = replicas.replica_report()
        if healthy and not sections["replica"]["ok"]:
            status = "degraded"
    report = {"status": status, "version": _version(), **sections}
    return JsonResponse(report, status=200 if healthy else 503)


def _version():
    """The installed distribution's version, so an operator sees which release answers."""
    try:
        return version("jingxun-archive")
    except PackageNotFoundError:
        return "unknown"


# This process's last answer of each check that reads every article: check → (content
# generation, monotonic time, answer).
_answers = {}


def _recent(check, generation, compute):
    """(``compute()``'s answer, its age in seconds): the last answer of ``check`` while the
    content ``generation`` (read once per request) is the same and the answer younger than
    ``HEALTH_GRACE_SECONDS``, else a new one. Before the first write there is no generation,
    and nothing is repeated."""
    now = time.monotonic()
    kept = _answers.get(check)
    if (
        generation is None
        or kept is None
        or kept[0] != generation
        or now - kept[1] >= settings.HEALTH_GRACE_SECONDS
    ):
        kept = (generation, now, compute())
        if generation is not None:
            _answers[check] = kept
    return kept[2], now - kept[1]


def _value(statement):
    """The one value ``statement`` (``archive.sql`` placeholders) selects."""
    with connection.cursor() as cursor:
        cursor.execute(sql.compose(statement))
        return cursor.fetchone()[0]


def _database_report():
    """(the section, the content generation the other sections' answers are kept under)."""
    from archive import pagecache

    try:
        generation = pagecache.generation()
        articles, _ = _recent(
            "articles", generation, lambda: _value("SELECT count(*) FROM {article}")
        )
    except Exception as error:  # noqa: BLE001 - any failure is what this endpoint reports
        return {"ok": False, "error": type(error).__name__}, None
    return {"ok": True, "articles": articles}, generation


def _search_report(generation):
    from search import outbox

    grace = settings.HEALTH_GRACE_SECONDS
    owed, oldest = outbox.backlog()
    published, _ = _recent("published", generation, lambda: _value(_PUBLISHED_SQL))
    since_write = _value(_SINCE_WRITE_SQL)
    report = {"published": published, "owed": owed, "owed_age_seconds": _rounded(oldest)}
    index = _index_report()
    if not index["ok"]:
        return {**report, **index}
    report["documents"] = documents = index["documents"]
    if oldest is not None and oldest > grace:
        error = f"索引待更新 {owed} 篇，最早的已等待 {oldest:.0f} 秒：索引工作进程（run_worker）是否在运行？"
        return {**report, "ok": False, "error": error}
    settled = owed == 0 and (since_write is None or since_write > grace)
    if settled and documents != published:
        error = f"索引有 {documents} 篇，已发布 {published} 篇：运行 manage.py check_index --fix"
        return {**report, "ok": False, "error": error}
    return {**report, "ok": True}


def _index_report():
    from search.engine import engine

    try:
        documents = engine().document_count()
    except Exception as error:  # noqa: BLE001 - any failure is what this endpoint reports
        return {"ok": False, "error": f"检索索引不可读：{error}"}
    return {"ok": True, "documents": documents}


def _counts_report(generation):
    from archive.models import CountScope

    def differing_months():
        params = {"tz": settings.TIME_ZONE, "scope": CountScope.ALL}
        with connection.cursor() as cursor:
            cursor.execute(sql.compose(_COUNTS_SQL), params)
            return cursor.fetchone()[0]

    differing, age = _recent("counts", generation, differing_months)
    report = {"checked_seconds_ago": _rounded(age)}
    if differing:
        error = f"浏览计数有 {differing} 个月份与数据库不符：运行 manage.py rebuild_counts"
        return {**report, "ok": False, "differing_months": differing, "error": error}
    return {**report, "ok": True}


def _bulk_report():
    from archive.models import BulkStatusChange, QueuedUpload

    changes, uploads = (model._meta.db_table for model in (BulkStatusChange, QueuedUpload))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT (SELECT count(*) FROM {changes} WHERE finished_at IS NULL),
                       (SELECT count(*) FROM {uploads} WHERE finished_at IS NULL),
                       extract(epoch FROM clock_timestamp() - greatest(
                           (SELECT max(progressed_at) FROM {changes}),
                           (SELECT max(progressed_at) FROM {uploads})))"""
        )
        pending_changes, pending_uploads, idle = cursor.fetchone()
    report = {
        "changes_pending": pending_changes,
        "uploads_pending": pending_uploads,
        "idle_seconds": _rounded(float(idle) if idle is not None else None),
    }
    if (pending_changes or pending_uploads) and idle > settings.HEALTH_GRACE_SECONDS:
        error = (
            f"排队的批量操作 {pending_changes} 个、上传 {pending_uploads} 个，已 {idle:.0f} 秒"
            "没有进展：工作进程（run_worker）是否在运行？"
        )
        return {**report, "ok": False, "error": error}
    return {**report, "ok": True}


def _rounded(seconds):
    return None if seconds is None else round(seconds, 1)
