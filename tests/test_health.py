"""/healthz: 200 when the database answers and the index and counts agree with it (within
the grace period for owed index work), 503 with the reason otherwise."""

import subprocess
import sys
from importlib.metadata import version

import pytest
from django.db import connection

from tests.factories import make_article
from tests.servers import free_port


@pytest.mark.django_db
def test_healthz_reports_database(client, search_index):
    make_article("一篇文章")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == version("jingxun-archive")
    assert body["database"] == {"ok": True, "articles": 1}
    # Just written: the index work it owes is young, within the grace period.
    search = body["search"]
    assert (search["ok"], search["documents"], search["published"], search["owed"]) == (
        True, 0, 1, 1,
    )  # fmt: skip
    assert body["counts"] == {"ok": True, "checked_seconds_ago": 0.0}


@pytest.mark.django_db
def test_healthz_is_503_when_owed_index_work_waits_beyond_the_grace(client, search_index, settings):
    make_article("一篇文章")
    settings.HEALTH_GRACE_SECONDS = 0
    response = client.get("/healthz")
    assert response.status_code == 503
    search = response.json()["search"]
    assert search["ok"] is False and search["owed"] == 1
    assert "run_worker" in search["error"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_index_misses_articles_and_nothing_is_owed(
    client, search_index, settings
):
    from search.models import OwedIndexUpdate

    make_article("一篇文章")
    OwedIndexUpdate.objects.all().delete()  # work forgotten: what the old design allowed
    settings.HEALTH_GRACE_SECONDS = 0
    search = client.get("/healthz").json()["search"]
    assert search["ok"] is False
    assert "索引有 0 篇，已发布 1 篇" in search["error"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_counts_differ_from_the_articles(client, search_index):
    from archive.models import Article, BrowseCount

    make_article("一篇文章")
    Article.objects.update(status=Article.Status.HIDDEN)  # no pipeline: counts left behind
    response = client.get("/healthz")
    assert response.status_code == 503
    counts = response.json()["counts"]
    assert counts["ok"] is False and "rebuild_counts" in counts["error"]
    assert BrowseCount.objects.exists()


@pytest.mark.django_db
def test_healthz_compares_the_counts_again_only_when_content_moved_or_the_grace_ran_out(
    client, search_index, settings
):
    from django.test.utils import CaptureQueriesContext

    from archive.models import Article

    def counts_compared():
        with CaptureQueriesContext(connection) as queries:
            counts = client.get("/healthz").json()["counts"]
        return counts, any("archive_browsecount" in query["sql"] for query in queries)

    make_article("一篇文章")
    assert counts_compared() == ({"ok": True, "checked_seconds_ago": 0.0}, True)
    counts, compared = counts_compared()  # nothing moved: the answer of a moment ago
    assert counts["ok"] is True and counts["checked_seconds_ago"] >= 0 and not compared
    Article.objects.update(status=Article.Status.HIDDEN)  # by hand: the generation stays
    assert counts_compared()[1] is False
    settings.HEALTH_GRACE_SECONDS = 0  # the last answer is now too old to repeat
    counts, compared = counts_compared()
    assert compared and counts["ok"] is False and counts["differing_months"] >= 1
    make_article("另一篇文章")  # through the pipeline: the generation moves
    settings.HEALTH_GRACE_SECONDS = 3600
    assert counts_compared()[1] is True


@pytest.mark.django_db
def test_healthz_reads_every_article_again_only_when_content_moved_or_the_grace_ran_out(
    client, search_index, settings
):
    """The article counts and the counts comparison read the whole table: at a million
    articles that was most of each call's time."""
    from django.test.utils import CaptureQueriesContext

    from archive.models import Article

    def healthz():
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/healthz").json()
        scans = sum("archive_article" in query["sql"] for query in queries)
        return (body["database"]["articles"], body["search"]["published"]), scans

    make_article("一篇文章")
    assert healthz() == ((1, 1), 3)  # all articles, the published ones, the months compared
    assert healthz() == ((1, 1), 0)  # nothing moved: the answers of a moment ago
    make_article("另一篇文章")  # through the pipeline: the generation moves
    assert healthz() == ((2, 2), 3)
    Article.objects.update(status=Article.Status.HIDDEN)  # by hand: the generation stays
    assert healthz() == ((2, 2), 0)
    settings.HEALTH_GRACE_SECONDS = 0  # the answers are now too old to repeat
    assert healthz() == ((2, 0), 3)


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_database_is_unreachable(client):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
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
def test_container_healthcheck_follows_healthz(live_server, search_index):
    """The Dockerfile's HEALTHCHECK command against a real server, then against nothing."""
    command = [sys.executable, "-m", "config.healthcheck"]
    up = subprocess.run([*command, f"{live_server.url}/healthz"], capture_output=True, timeout=30)
    assert up.returncode == 0, up.stderr
    down = subprocess.run(
        [*command, f"http://127.0.0.1:{free_port()}/healthz"], capture_output=True, timeout=30
    )
    assert down.returncode == 1
    assert b"healthz" in down.stderr
