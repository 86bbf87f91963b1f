"""Reading from a streaming replica of PostgreSQL (``DATABASE_REPLICA_URL``), when one is set.

Who reads where:

- anonymous readers' GET and HEAD requests (pages, search, the API, feeds) read the
  replica, and only while it has replayed the current *content generation*
  (``archive.pagecache``): the middleware below compares the generation on both servers
  before the request, so a reader never gets a page older than the primary's, however far
  the replica lags. While it lags, or cannot be reached, the request reads the primary;
- staff (any logged-in user), the admin, every other method, management commands, the
  worker and migrations read the primary: the flag that sends reads to the replica exists
  only inside a reader's request, and a write transaction opened on the primary keeps its
  reads there too, so writers always read their own writes;
- writes always go to the primary.

The router cannot see the request, so the middleware pins the generation it checked in a
context variable for the length of the request: the router reads it, and the page cache
keys the page under that generation (the data the page is rendered from is at least as new
as it). A replica that fails within a request costs that request a second run on the
primary, and while it cannot be reached the next requests skip it for ``RETRY_SECONDS``.

``replica_report`` is the ``replica`` section of ``/healthz`` (config/health.py).
"""

import time
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
# After a failed connection, requests read the primary this long before trying again.
RETRY_SECONDS = 10

_pinned: ContextVar[str | None] = ContextVar("replica_generation", default=None)
_down_until = 0.0


def pinned_generation():
    """The content generation this request reads at on the replica, or None (the primary)."""
    return _pinned.get()


def read_alias():
    """The database alias reads go to now: the replica inside a pinned reader's request,
    unless a transaction is open on the primary (its reads must see its writes)."""
    if _pinned.get() is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


def reading():
    """The connection hand-written read-only SQL runs on (``read_alias``)."""
    return connections[read_alias()]


class ReplicaRouter:
    """Reads where ``read_alias`` says; writes, migrations and relations on the primary."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two servers: an object read from either is the same row

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _generation(alias):
    from archive.models import ContentGeneration

    row = ContentGeneration.objects.using(alias).filter(pk=1).values_list("token", flat=True)
    return row.first()


def _caught_up_generation():
    """The content generation when the replica has replayed it, else None. The replica is
    asked first: equal tokens then mean it holds at least what the primary had committed
    when it was asked (a replica only moves forward)."""
    global _down_until
    if time.monotonic() < _down_until:
        return None
    try:
        replicated = _generation(REPLICA)
    except DatabaseError:
        connections[REPLICA].close()
        _down_until = time.monotonic() + RETRY_SECONDS
        return None
    if replicated is None or replicated != _generation(DEFAULT_DB_ALIAS):
        return None
    return replicated


def _for_readers(request):
    """Anonymous GET and HEAD outside the admin. A request without a session cookie costs
    no query here (``request.user`` loads the session only when there is one)."""
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith("/admin/")
        and not request.user.is_authenticated
    )


def read_from_replica(get_response):
    """Middleware, after authentication: pins anonymous readers' requests to the replica
    while it is caught up (module docstring). Not used without ``DATABASE_REPLICA_URL``."""
    if REPLICA not in settings.DATABASES:
        raise MiddlewareNotUsed

    def middleware(request):
        global _down_until
        generation = _caught_up_generation() if _for_readers(request) else None
        if generation is None:
            return get_response(request)
        token = _pinned.set(generation)
        try:
            response = get_response(request)
        finally:
            _pinned.reset(token)
        if response.status_code >= 500 and connections[REPLICA].errors_occurred:
            # The replica failed during the request (config.errors makes that a 503; under
            # DEBUG it is a 500): a read is safe to answer again, from the primary.
            if not _reachable():
                _down_until = time.monotonic() + RETRY_SECONDS
            response = get_response(request)
        return response

    return middleware


def _reachable():
    replica = connections[REPLICA]
    replica.close()
    try:
        replica.ensure_connection()
    except DatabaseError:
        return False
    return True


# /healthz

_REPLICA_STATE_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())
       END,
       EXISTS (SELECT FROM pg_stat_wal_receiver)
"""


def replica_report():
    """The replica section of /healthz: reachable, streaming from the primary, and how far
    behind (seconds since the last replayed transaction while WAL waits to be replayed, and
    bytes of WAL the primary has written beyond it). Not ok when it cannot be reached, has
    stopped streaming or lags beyond ``HEALTH_GRACE_SECONDS``: readers are served by the
    primary then, so the site is degraded, not down."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_REPLICA_STATE_SQL)
            recovering, replayed, lag, streaming = cursor.fetchone()
    except DatabaseError as error:
        connections[REPLICA].close()
        return {
            "ok": False,
            "reachable": False,
            "error": f"只读副本无法连接（{type(error).__name__}）：读者由主库服务",
        }
    report = {"reachable": True, "streaming": streaming, "lag_seconds": None, "lag_bytes": None}
    if not recovering:
        return {**report, "ok": False, "error": "只读副本不在恢复模式：它不是主库的副本"}
    report["lag_seconds"] = round(float(lag or 0), 1)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [replayed])
        report["lag_bytes"] = int(cursor.fetchone()[0])
    if not streaming:
        return {**report, "ok": False, "error": "只读副本没有从主库接收 WAL：复制已中断"}
    if report["lag_seconds"] > settings.HEALTH_GRACE_SECONDS:
        error = f"只读副本落后 {report['lag_seconds']:.0f} 秒：读者由主库服务"
        return {**report, "ok": False, "error": error}
    return {**report, "ok": True}
