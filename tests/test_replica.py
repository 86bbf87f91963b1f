"""Two application hosts on one primary and its streaming replica, run for real.

A throwaway primary cluster and a replica made from it with ``pg_basebackup -R`` (the
project's embedded cluster is left alone: a base backup copies every database of a
cluster), then two gunicorns on 127.0.0.1: host A against the primary only, host B with
``DATABASE_REPLICA_URL``. Articles are imported as host A runs it and read through host B
at once (never stale, whatever the lag), while the replica's replay is paused (the primary
answers) and after the replica has replayed them (the replica answers: its statement log
shows the reads). Then the replica's postmaster is SIGKILLed: host B answers every read
from the primary and its /healthz says the replica is down. Figures print with ``pytest -s``.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.db import transaction

from config import localdb, replicas
from tests.servers import GUNICORN, ROOT, child_env, free_port, serving

# The routing rules, in this process (no replica configured: the test settings).


def test_without_a_replica_url_nothing_is_routed(settings):
    assert "replica" not in settings.DATABASES
    assert settings.DATABASE_ROUTERS == []
    with pytest.raises(MiddlewareNotUsed):
        replicas.read_from_replica(lambda request: None)


@pytest.fixture
def pinned():
    """Inside a reader's request the middleware let read the replica."""
    token = replicas._pinned.set("generation")
    yield
    replicas._pinned.reset(token)


def test_outside_a_readers_request_reads_go_to_the_primary():
    router = replicas.ReplicaRouter()
    assert router.db_for_read(None) == "default"  # commands, the worker, staff


@pytest.mark.django_db(transaction=True)
def test_a_pinned_request_reads_the_replica_outside_a_write_transaction(pinned):
    router = replicas.ReplicaRouter()
    assert router.db_for_read(None) == "replica"
    assert replicas.read_alias() == "replica"
    with transaction.atomic():
        # A write transaction reads what it wrote: on the primary.
        assert router.db_for_read(None) == "default"
        assert replicas.read_alias() == "default"
    assert router.db_for_write(None) == "default"
    assert router.allow_migrate("default", "archive") is True
    assert router.allow_migrate("replica", "archive") is False


@pytest.mark.parametrize("module", ["dev", "test"])
def test_settings_with_a_replica_url(module):
    """The replica alias fails fast when it does not answer and brings the router and the
    middleware; the test settings leave it out (the suite uses the test database alone)."""
    program = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DATABASES.get('replica'), s.DATABASE_ROUTERS, s.MIDDLEWARE]))"
    )
    env = child_env(
        DJANGO_SETTINGS_MODULE=f"config.settings.{module}",
        DATABASE_REPLICA_URL="postgresql://reader@replica.example:5432/archive",
    )
    out = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    replica, routers, middleware = json.loads(out.stdout)
    if module == "test":
        assert (replica, routers) == (None, [])
        return
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == (
        "replica.example", "reader", "archive",
    )  # fmt: skip
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert routers == ["config.replicas.ReplicaRouter"]
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert middleware[auth + 1] == "config.replicas.read_from_replica"


# Two hosts and a replica, for real.

ROUNDS = 3
FILES_A_ROUND = 3


def _ports(count):
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return list(ports)


@pytest.fixture
def clusters():
    """A primary and its streaming replica (config.localdb.primary_and_replica), every
    statement of the replica logged: how the test sees which server a read went to."""
    with localdb.primary_and_replica(replica_options="-c log_statement=all") as made:
        yield made


def _get(url, timeout=30):
    """(status, body, seconds) of a GET."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return status, body, time.monotonic() - started


def _wait_up(base):
    for _ in range(240):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # answering, if not healthy yet
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"{base} did not start")


def _write_articles(folder, round_number):
    """``FILES_A_ROUND`` labelled files with titles of their own: [title]."""
    folder.mkdir()
    titles = []
    for number in range(FILES_A_ROUND):
        title = f"副本测试第{round_number}轮第{number}篇：滨州公安户籍窗口延时服务"
        body = (
            f"滨州市公安局户籍窗口推出延时服务，第{round_number}轮第{number}篇。"
            "民警为群众办理身份证补领业务，编号"
            f"{(round_number * 10 + number) * 104729}。"
        )
        (folder / f"{number}.txt").write_text(
            f"标题: {title}\n发布时间: 2024-05-0{number + 1}\n正文:\n{body}\n", encoding="utf-8"
        )
        titles.append(title)
    return titles


def _statements_on_replica(log):
    return len(re.findall(r"statement: .*archive_article", log.read_text(errors="replace")))


class _ReplayWatch(threading.Thread):
    """Polls the replica until its replay LSN reaches ``lsn``; ``at`` is when it did. The
    lag is measured while the test's reads go on."""

    def __init__(self, replica, lsn):
        super().__init__()
        self.replica, self.lsn, self.at = replica, lsn, None

    def run(self):
        with psycopg.connect(self.replica, autocommit=True) as server:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                query = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
                if server.execute(query, [self.lsn]).fetchone()[0]:
                    self.at = time.monotonic()
                    return
                time.sleep(0.005)


class _Reader(threading.Thread):
    """One GET in a thread of its own: ``answer`` (status, body, seconds) and ``at``, when
    it came."""

    def __init__(self, url):
        super().__init__()
        self.url, self.answer, self.at = url, None, None

    def run(self):
        self.answer = _get(self.url, timeout=60)
        self.at = time.monotonic()


def _wait_on(server, count_query):
    """Until ``count_query`` counts something on ``server``."""
    deadline = time.monotonic() + 30
    with psycopg.connect(server, autocommit=True) as connection:
        while not connection.execute(count_query).fetchone()[0]:
            assert time.monotonic() < deadline, count_query
            time.sleep(0.01)


def _watch_replay(replica, lsn):
    watch = _ReplayWatch(replica, lsn)
    watch.start()
    return watch


@pytest.mark.slow
def test_two_hosts_read_the_replica_and_fall_back_to_the_primary(clusters, tmp_path):
    index = tmp_path / "index"
    common = {
        # The test settings leave the replica out; the dev settings (make run's) keep it.
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "OWED_WORK_AT_COMMIT": "1",
        "DATABASE_URL": clusters.primary,
        "SEARCH_INDEX_PATH": str(index),
        "HEALTH_GRACE_SECONDS": "600",
    }
    host_a = child_env(**common)
    host_b = child_env(**common, DATABASE_REPLICA_URL=clusters.replica)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=host_b, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr  # run with the replica set: on the primary

    port_a, port_b = _ports(2)
    base_a, base_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"

    def gunicorn(port, name):
        return [
            GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--no-control-socket", "--timeout", "60",
            "--error-logfile", str(tmp_path / f"{name}.log"), "--capture-output",
        ]  # fmt: skip

    primary = psycopg.connect(clusters.primary, autocommit=True)
    lags, fresh_reads = [], 0
    with serving(gunicorn(port_a, "a"), host_a), serving(gunicorn(port_b, "b"), host_b):
        _wait_up(base_a)
        _wait_up(base_b)
        for round_number in range(ROUNDS):
            paused = round_number == 1  # the replica lagging for the whole round
            if paused:
                with psycopg.connect(clusters.replica, autocommit=True) as replica:
                    replica.execute("SELECT pg_wal_replay_pause()")
            folder = tmp_path / f"round{round_number}"
            titles = _write_articles(folder, round_number)
            imported = subprocess.run(
                [sys.executable, "manage.py", "import_articles", str(folder)],
                cwd=ROOT, env=host_a, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert imported.returncode == 0, imported.stdout + imported.stderr
            written_at = time.monotonic()
            (lsn,) = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
            caught_up = _watch_replay(clusters.replica, lsn)
            ids = dict(
                primary.execute(
                    "SELECT title, id FROM archive_article WHERE title = ANY(%s)", [titles]
                ).fetchall()
            )
            assert sorted(ids) == sorted(titles)

            # At once, through host B, before anyone waits for the replica: never stale.
            before = _statements_on_replica(clusters.replica_log)
            for title, pk in ids.items():
                status, body, _ = _get(f"{base_b}/articles/{pk}/")
                assert status == 200 and title in body
                fresh_reads += 1
            status, body, _ = _get(f"{base_b}/")
            assert status == 200 and all(title in body for title in titles)
            if paused:
                health = json.loads(_get(f"{base_b}/healthz")[1])
                assert health["replica"]["reachable"] and health["replica"]["lag_bytes"] > 0
                # Lagging: host B read the primary; the replica ran none of the reads.
                assert _statements_on_replica(clusters.replica_log) == before
                with psycopg.connect(clusters.replica, autocommit=True) as replica:
                    replica.execute("SELECT pg_wal_replay_resume()")

            caught_up.join(timeout=60)
            assert caught_up.at is not None, "the replica did not replay the write"
            lags.append(caught_up.at - written_at)
            # Caught up: host B's reads run on the replica, and show every article.
            before = _statements_on_replica(clusters.replica_log)
            for title, pk in ids.items():
                status, body, _ = _get(f"{base_b}/api/articles/{pk}/")
                assert status == 200 and json.loads(body)["title"] == title
            assert _statements_on_replica(clusters.replica_log) > before
            status, body, _ = _get(f"{base_a}/api/articles/{pk}/")
            assert status == 200 and json.loads(body)["title"] == title

        health = json.loads(_get(f"{base_b}/healthz")[1])
        assert health["status"] == "ok" and health["replica"]["ok"], health
        reported_lag = health["replica"]["lag_seconds"]
        assert "replica" not in json.loads(_get(f"{base_a}/healthz")[1])

        # The replica dies while host B reads from it: that request is answered again by
        # the primary. The read is held on the replica by a lock the primary takes and the
        # replica replays (the primary's lock holds the second answer until it is released).
        locker = psycopg.connect(clusters.primary)
        locker.execute("LOCK TABLE archive_article IN ACCESS EXCLUSIVE MODE")
        primary.execute("SELECT pg_switch_wal()")  # the lock's WAL record, sent now
        _wait_on(clusters.replica, "SELECT count(*) FROM pg_locks WHERE mode = "
                 "'AccessExclusiveLock' AND relation = 'archive_article'::regclass")  # fmt: skip
        held = _Reader(f"{base_b}/api/articles/{pk}/")
        held.start()
        _wait_on(clusters.replica, "SELECT count(*) FROM pg_stat_activity "
                 "WHERE wait_event_type = 'Lock' AND backend_type = 'client backend'")  # fmt: skip
        pid = int((clusters.replica_dir / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(0.2)
        locker.rollback()
        released_at = time.monotonic()
        locker.close()
        held.join(timeout=60)
        status, body, _ = held.answer
        assert status == 200 and json.loads(body)["title"] == title
        answered_at, after_release = held.at - killed_at, held.at - released_at
        status, body, first_answer = _get(f"{base_b}/api/articles/{pk}/")
        assert status == 200 and json.loads(body)["title"] == title
        for url in ("/", "/articles/", f"/articles/{pk}/", "/api/articles/"):
            status, body, _ = _get(base_b + url)
            assert status == 200, (url, body[:300])
        status, body, _ = _get(f"{base_b}/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "degraded", health
        assert health["replica"]["ok"] is False and health["replica"]["reachable"] is False
        assert health["database"]["ok"] and health["database"]["articles"] == ROUNDS * FILES_A_ROUND
    primary.close()
    print(
        f"\n{ROUNDS * FILES_A_ROUND} articles in {ROUNDS} imports, {fresh_reads} reads through "
        f"host B right after each import, all fresh; the replica replayed each import "
        f"{', '.join(f'{lag * 1000:.0f} ms' for lag in lags)} after the importer exited "
        f"(round 2 paused until its reads were done); /healthz lag_seconds {reported_lag}. "
        f"Replica SIGKILLed during a read through host B: answered 200 by the primary "
        f"{answered_at * 1000:.0f} ms after the kill, {after_release * 1000:.0f} ms after the "
        f"primary's lock was released; the next read {first_answer * 1000:.0f} ms"
    )
