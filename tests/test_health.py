"""/healthz answers with the database's state."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "articles": 0}
    assert body["search"] == {"ok": True, "documents": 0}
