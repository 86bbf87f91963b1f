"""Slow clients cannot starve the site: the production command (the image's gunicorn, two
sync workers) behind config/nginx/archive.conf.template, the nginx of compose.yaml and
docs/operations.md, started here on 127.0.0.1.

First the threat, measured on gunicorn alone: two clients sending their headers a byte a
second hold both workers, and a normal request gets no answer within ``PATIENCE`` seconds.
Then the same attack, two hundred connections strong, against nginx: every normal request is
answered within the same patience (how fast is printed, not asserted: a shared machine's load
decides it).
``pytest -s tests/test_harden_slow_clients.py`` prints the figures.
"""

import http.client
import shutil
import socket
import subprocess
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest
from django.conf import settings

from tests.servers import free_port, serving
from tests.test_platform_docker import collected_static, image_command, image_env  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "archive.example.org"
SLOW_THROUGH_PROXY = 200
PATIENCE = 10  # seconds a reader waits; gunicorn alone holds them for its 30 s worker timeout


def _nginx():
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    assert found, "nginx is missing: `make test` installs it (apt-get install nginx)"
    return found


def _wait_until_listening(port, process, what):
    for _attempt in range(150):
        assert process.poll() is None, f"{what} exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} never listened on {port}")


def _wait_until_answering(port):
    """Until both workers have booted (imported Django, loaded jieba) and answer."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if all(_request(port, "/healthz", timeout=10)[0] == 200 for _ in range(4)):
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, "gunicorn never answered /healthz"
        time.sleep(0.5)


@pytest.fixture
def gunicorn(collected_static, tmp_path):  # noqa: F811
    """The image's CMD under production settings, two sync workers, against the test
    database; it trusts X-Forwarded-For from the proxy on 127.0.0.1 only."""
    port = free_port()
    env = image_env(
        HOST,
        collected_static,
        SEARCH_INDEX_PATH=str(settings.SEARCH_INDEX_PATH),
        WEB_CONCURRENCY="2",
        TRUSTED_PROXY_COUNT="1",
        TRUSTED_PROXIES="127.0.0.1",
    )
    with (
        (tmp_path / "gunicorn.log").open("wb") as log,
        serving(image_command(port), env, stdout=log, stderr=log) as server,
    ):
        _wait_until_listening(port, server, "gunicorn")
        _wait_until_answering(port)
        yield port


@pytest.fixture
def nginx(gunicorn, tmp_path):
    """config/nginx/archive.conf.template in front of ``gunicorn``: one nginx process of the
    invoking user, everything under tmp_path."""
    port = free_port()
    site = (BASE_DIR / "config" / "nginx" / "archive.conf.template").read_text()
    site = site.replace("${ARCHIVE_LISTEN}", f"127.0.0.1:{port}")
    site = site.replace("${ARCHIVE_UPSTREAM}", f"127.0.0.1:{gunicorn}")
    (tmp_path / "site.conf").write_text(site)
    temp_paths = "".join(
        f"  {directive} {tmp_path / directive};\n"
        for directive in ("client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path",
                          "uwsgi_temp_path", "scgi_temp_path")
    )  # fmt: skip
    (tmp_path / "nginx.conf").write_text(
        f"worker_processes 1;\npid {tmp_path / 'nginx.pid'};\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n  access_log off;\n{temp_paths}  include {tmp_path / 'site.conf'};\n}}\n"
    )
    command = [_nginx(), "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
               "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off; master_process off;"]  # fmt: skip
    server = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        _wait_until_listening(port, server, "nginx")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


class SlowClients:
    """``count`` connections that send a request line, then one header byte a second."""

    def __init__(self, port, count):
        self.sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        for sock in self.sockets:
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n".encode())
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()
        time.sleep(1)  # the server has accepted them all

    def _trickle(self):
        while not self.stop.wait(1):
            for sock in self.sockets:
                with suppress(OSError):
                    sock.sendall(b"X")

    def still_open(self):
        """How many connections the server has not closed yet."""
        alive = 0
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                alive += sock.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                alive += 1
            except OSError:
                pass
        return alive

    def close(self):
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def _request(port, path, method="GET", timeout=5):
    """(status, body, seconds) of one request with the headers a TLS terminator adds."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers={"Host": HOST, "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, body, time.monotonic() - started


def test_slow_clients_hold_bare_gunicorn_but_not_the_proxied_site(browse_world, gunicorn, nginx):
    article = browse_world["articles"]["a1"].get_absolute_url()

    attack = SlowClients(gunicorn, 2)
    try:
        with pytest.raises(TimeoutError):
            _request(gunicorn, "/healthz", timeout=PATIENCE)
    finally:
        attack.close()
    print(
        f"\nslow clients: gunicorn alone (2 sync workers), 2 slow clients: no answer in {PATIENCE} s"
    )

    attack = SlowClients(nginx, SLOW_THROUGH_PROXY)
    try:
        timings = []
        for _round in range(5):
            for path in ("/", "/articles/", article, "/rss.xml", "/healthz"):
                status, body, seconds = _request(nginx, path, timeout=PATIENCE)
                assert status == 200, (path, status)
                timings.append(seconds)
            status, body, _ = _request(nginx, "/", method="HEAD", timeout=PATIENCE)
            assert (status, body) == (200, b"")
        held = attack.still_open()
    finally:
        attack.close()
    assert held == SLOW_THROUGH_PROXY  # the attack was still on while the readers were served
    print(
        f"slow clients: through nginx, {SLOW_THROUGH_PROXY} slow clients: {len(timings)} "
        f"normal requests all 200, slowest {max(timings):.2f} s, median "
        f"{sorted(timings)[len(timings) // 2]:.3f} s"
    )
