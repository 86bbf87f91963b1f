"""What the tests that run the archive in processes of its own share: a free port, the test
database's URL, a child's environment, and a server (gunicorn) started and stopped."""

import os
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
# The gunicorn of this environment, beside its Python.
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port():
    """A local port nobody listens on (connecting to it is refused until a server binds it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(name=None):
    """A ``DATABASE_URL`` for the test database's server: the test database itself, or the
    database ``name`` on the same server."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name or db['NAME']}"


def child_env(**variables):
    """This process's environment with ``variables``, for a command or server of its own.
    Without DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it for this process only."""
    env = {**os.environ, **variables}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@contextmanager
def serving(command, env, stop_within=30, **popen):
    """``command`` (a server) running from the checkout in a session of its own while the
    block runs; then SIGTERM to its whole process group (master and workers), and a wait of
    up to ``stop_within`` seconds. ``popen``: where its output goes."""
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, **popen)
    try:
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=stop_within)
