"""HTTP as clients expect it: HEAD on every page and feed, no search run by OPTIONS or
TRACE, every API error as JSON with a message, a database outage as 503 with Retry-After.
``pytest -s tests/test_harden_hostile_http.py`` prints what was tried."""

import json
from contextlib import contextmanager

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

from search.models import SearchQueryLog
from tests.servers import free_port

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("secret-internal-detail")


def _limited(request):
    """What a rate limiter in front of a view answers."""
    return HttpResponse("Too many requests", status=429, content_type="text/plain")


# The project's URLs plus two API endpoints that fail on purpose (through pytest.mark.urls).
urlpatterns = [
    path("api/boom/", _boom),
    path("api/limited/", _limited),
    path("", include("config.urls")),
]


def _reader_urls(world):
    """Every kind of public page, feed and sitemap of the browse world."""
    regions, agencies, initiatives = world["regions"], world["agencies"], world["initiatives"]
    urls = [
        "/", "/articles/", world["articles"]["a1"].get_absolute_url(),
        "/regions/", regions["zhoukou"].get_absolute_url(),
        "/agencies/", agencies["zhoukou"].get_absolute_url(),
        "/initiatives/", initiatives["banshishi"].get_absolute_url(),
        "/archive/", "/archive/2021/", "/archive/2021/03/", "/archive/undated/",
        "/articles/?format=csv", "/search/?q=周口", "/api/search/?q=周口",
        "/robots.txt", "/sitemap.xml", "/sitemap-articles.xml", "/healthz",
        "/rss.xml", "/atom.xml",
    ]  # fmt: skip
    for obj in (regions["zhoukou"], agencies["zhoukou"], initiatives["banshishi"]):
        urls += [obj.get_absolute_url() + "rss.xml", obj.get_absolute_url() + "atom.xml"]
    return urls


def test_head_answers_like_get_on_every_page_and_feed(client, browse_world, search_index):
    urls = _reader_urls(browse_world)
    for url in urls:
        get = client.get(url)
        head = client.head(url)
        assert get.status_code == 200, url
        assert head.status_code == 200, (url, head.status_code)
        assert head["Content-Type"] == get["Content-Type"], url
        assert b"".join(head) == b"", url
    print(f"\nHEAD: {len(urls)} pages, feeds and sitemaps answer like GET")


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "POST", "PUT", "DELETE"])
def test_other_methods_run_no_search(client, search_index, method):
    for url in ("/search/?q=周口", "/api/search/?q=周口"):
        response = client.generic(method, url)
        assert response.status_code == 405, (method, url)
        assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert not SearchQueryLog.objects.exists()


def _json_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert body["status"] == status and body["message"], body
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response
    return body


@pytest.mark.urls(__name__)
def test_every_api_error_is_json_with_a_message(search_index):
    client = Client(raise_request_exception=False)
    tried = 0
    body = _json_error(client.get("/api/search/", {"year": "abc"}), 400)
    assert "year" in body["errors"]
    _json_error(client.get("/api/search/", {"q": "周口", "page": "999999999"}), 404)
    _json_error(client.get("/api/search/", {"q": "周口", "page": "abc"}), 404)
    _json_error(client.get("/api/no-such-endpoint/"), 404)
    _json_error(client.get("/api/search/", {"q": "\x00"}), 400)
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "TRACE"):
        response = client.generic(method, "/api/search/?q=x")
        _json_error(response, 405)
        assert "GET" in response["Allow"]
        tried += 1
    _json_error(client.get("/api/limited/"), 429)
    body = _json_error(client.get("/api/boom/"), 500)
    assert "secret-internal-detail" not in json.dumps(body)
    print(f"\nAPI errors: 400, 404 (3 ways), 405 ({tried} methods), 429, 500 answered as JSON")


@contextmanager
def _database_down():
    """The database unreachable: the connection closed and pointed at a port where nothing
    listens, as after PostgreSQL stopped; put back afterwards."""
    dead_port = free_port()
    saved = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", dead_port
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = saved


@pytest.mark.django_db(transaction=True)
def test_database_outage_is_503_with_retry_after(browse_world, search_index):
    client = Client(raise_request_exception=False)
    urls = _reader_urls(browse_world)
    urls.remove("/healthz")
    urls.remove("/robots.txt")  # needs no database
    with _database_down():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 503, (url, response.status_code)
            assert int(response["Retry-After"]) > 0, url
            if url.startswith("/api/"):
                _json_error(response, 503)
            elif "html" in response["Content-Type"]:
                assert "服务暂时不可用" in response.content.decode()
        health = client.get("/healthz")
        report = json.loads(health.content)
    assert health.status_code == 503
    assert report["database"]["ok"] is False and report["search"]["ok"] is True
    assert client.get("/").status_code == 200  # and back once it is up again
    print(f"\ndatabase down: {len(urls)} pages, feeds and API answers were 503 with Retry-After")
