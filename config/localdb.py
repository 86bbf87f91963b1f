"""The project's own PostgreSQL cluster under ``var/``, used whenever DATABASE_URL is unset.

A fresh machine has PostgreSQL's server binaries but no running server and nobody to set
one up, so ``make run``, ``make test`` and ``manage.py`` start this cluster themselves.
It listens on 127.0.0.1 only (no Unix socket, whose path length limit a deep checkout can
exceed) and trusts local connections: it is a development and test database, never a
production one (production settings refuse to start without DATABASE_URL).

PostgreSQL refuses to run as root, and CI runs as root, so under root the cluster is owned
and run by the ``postgres`` system user that Debian's server package creates.

    python -m config.localdb start|stop|status|url
"""

import fcntl
import glob
import os
import pwd
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
CLUSTER_DIR = VAR_DIR / "postgres"
LOG_FILE = VAR_DIR / "postgres.log"
HOST = "127.0.0.1"
PORT = int(os.environ.get("LOCAL_PG_PORT", "54329"))
USER = "archive"
DB_NAME = "archive"
CLUSTER_OWNER_WHEN_ROOT = "postgres"


def database_settings():
    """The Django DATABASES entry for this cluster."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DB_NAME,
        "USER": USER,
        "HOST": HOST,
        "PORT": str(PORT),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def url():
    return f"postgresql://{USER}@{HOST}:{PORT}/{DB_NAME}"


def _bin(name):
    """Find a server binary: on PATH, else the newest of Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parts[-3]),
    )
    if not candidates:
        raise RuntimeError(
            f"PostgreSQL's {name} was not found. Install the PostgreSQL server "
            "(Debian: apt-get install postgresql) or set DATABASE_URL."
        )
    return candidates[-1]


def _as_owner(command):
    if os.geteuid() == 0:
        return ["runuser", "-u", CLUSTER_OWNER_WHEN_ROOT, "--", *command]
    return command


def _run(command, check=True):
    return subprocess.run(_as_owner(command), check=check, capture_output=True, text=True)


def _give_to_owner(path):
    if os.geteuid() == 0:
        owner = pwd.getpwnam(CLUSTER_OWNER_WHEN_ROOT)
        os.chown(path, owner.pw_uid, owner.pw_gid)


@contextmanager
def _lock():
    """Serialise start-up: parallel test workers and manage.py calls may race to start it."""
    VAR_DIR.mkdir(exist_ok=True)
    with open(VAR_DIR / "postgres.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_running():
    if not (CLUSTER_DIR / "PG_VERSION").exists():
        return False
    return _run([_bin("pg_ctl"), "status", "-D", str(CLUSTER_DIR)], check=False).returncode == 0


def _init():
    CLUSTER_DIR.mkdir(parents=True, exist_ok=True)
    _give_to_owner(CLUSTER_DIR)
    os.chmod(CLUSTER_DIR, 0o700)
    _run(
        [
            _bin("initdb"),
            "-D",
            str(CLUSTER_DIR),
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]
    )
    with open(CLUSTER_DIR / "postgresql.conf", "a") as conf:
        conf.write(
            "\n# Set by config/localdb.py\n"
            f"listen_addresses = '{HOST}'\n"
            f"port = {PORT}\n"
            "unix_socket_directories = ''\n"
            "max_connections = 200\n"
            "shared_buffers = 256MB\n"
            "timezone = 'UTC'\n"
        )


def _start():
    if not LOG_FILE.exists():
        LOG_FILE.touch()
    _give_to_owner(LOG_FILE)
    result = _run(
        [_bin("pg_ctl"), "start", "-w", "-t", "60", "-D", str(CLUSTER_DIR), "-l", str(LOG_FILE)],
        check=False,
    )
    if result.returncode != 0:
        tail = LOG_FILE.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the local PostgreSQL did not start:\n{result.stderr}\n{tail}")


def _create_database():
    import psycopg

    for attempt in range(50):
        try:
            with psycopg.connect(
                host=HOST, port=PORT, user=USER, dbname="postgres", autocommit=True
            ) as connection:
                exists = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
                ).fetchone()
                if not exists:
                    connection.execute(f'CREATE DATABASE "{DB_NAME}"')
                return
        except psycopg.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)


def ensure_running():
    """Create the cluster if needed, start it if stopped, and make sure the database exists."""
    with _lock():
        if not (CLUSTER_DIR / "PG_VERSION").exists():
            _init()
        if not is_running():
            _start()
        _create_database()


def ensure_running_if_needed():
    if not os.environ.get("DATABASE_URL"):
        ensure_running()


def stop():
    if is_running():
        _run([_bin("pg_ctl"), "stop", "-m", "fast", "-D", str(CLUSTER_DIR)])


def main(argv):
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        ensure_running()
        print(f"PostgreSQL running at {url()}")
    elif command == "stop":
        stop()
    elif command == "status":
        print("running" if is_running() else "stopped")
        return 0 if is_running() else 3
    elif command == "url":
        print(url())
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
