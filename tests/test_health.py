"""/healthz answers with the database's state: 200 when it can count articles, 503 when not."""

import socket
import subprocess
import sys
from importlib.metadata import version

import pytest
from django.db import connection

from tests.factories import make_article


@pytest.mark.django_db
def test_healthz_reports_database(client, search_index):
    make_article("一篇文章")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == version("jingxun-archive")
    assert body["database"] == {"ok": True, "articles": 1}
    assert body["search"] == {"ok": True, "documents": 0}


def _closed_port():
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_database_is_unreachable(client):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "error": "OperationalError"}


@pytest.mark.django_db(transaction=True)
def test_container_healthcheck_follows_healthz(live_server):
    """The Dockerfile's HEALTHCHECK command against a real server, then against nothing."""
    command = [sys.executable, "-m", "config.healthcheck"]
    up = subprocess.run([*command, f"{live_server.url}/healthz"], capture_output=True, timeout=30)
    assert up.returncode == 0, up.stderr
    down = subprocess.run(
        [*command, f"http://127.0.0.1:{_closed_port()}/healthz"], capture_output=True, timeout=30
    )
    assert down.returncode == 1
    assert b"healthz" in down.stderr
