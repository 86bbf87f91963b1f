"""Publishing and hiding many articles: a few change in the request, more are queued and
applied by the worker a chunk per transaction, resumable where it stopped, harmless to
apply twice, and watched by /healthz."""

import pytest

from archive import counts, curation, pipeline
from archive.models import Article, BulkStatusChange
from search.models import OwedIndexUpdate

pytestmark = pytest.mark.django_db
MANY = curation.QUEUE_ABOVE + 100


@pytest.fixture
def worker_does_it(settings):
    """Queued work waits for the worker, as in production: each test advances it."""
    settings.OWED_WORK_AT_COMMIT = False


def hidden_articles(number):
    rows = [
        Article(
            title=f"第{n}号通报",
            body_text=f"第{n}号通报的正文，民警为群众办实事。",
            body_html=f"<p>第{n}号通报的正文，民警为群众办实事。</p>",
            content_hash=f"bulk-{n}",
            status=Article.Status.HIDDEN,
            review_flags=["off_topic"] if n % 100 == 7 else [],
        )
        for n in range(number)
    ]
    return [a.pk for a in Article.objects.bulk_create(rows)]


def published():
    return Article.objects.filter(status=Article.Status.PUBLISHED).count()


def history_rows():
    return Article.history.filter(history_change_reason="批量设为已发布").count()


def test_a_few_articles_change_in_the_request(editor, worker_does_it):
    ids = hidden_articles(curation.QUEUE_ABOVE)
    assert curation.change_status(ids, Article.Status.PUBLISHED, editor) == len(ids)
    assert published() == len(ids)
    assert not BulkStatusChange.objects.exists()


def test_many_are_queued_and_applied_a_chunk_at_a_time(editor, worker_does_it):
    ids = hidden_articles(MANY)
    change = curation.change_status(ids, Article.Status.PUBLISHED, editor)
    assert isinstance(change, BulkStatusChange)
    assert (change.total, change.done, change.finished_at) == (MANY, 0, None)
    assert published() == 0  # the request changed nothing yet

    assert curation.advance_bulk_changes() == curation.QUEUE_ABOVE
    change.refresh_from_db()
    assert (change.done, change.finished_at) == (curation.QUEUE_ABOVE, None)
    assert published() == curation.QUEUE_ABOVE
    assert curation.advance_bulk_changes() == 100
    assert curation.advance_bulk_changes() == 0
    change.refresh_from_db()
    assert change.done == MANY and change.finished_at is not None and change.state == "已完成"

    assert published() == MANY
    assert counts.discrepancies() == []
    assert OwedIndexUpdate.objects.count() == MANY
    # One history row per article, by the editor, holding the text (copied in PostgreSQL).
    assert history_rows() == MANY
    record = Article.history.filter(id=ids[7]).get()
    assert record.history_user == editor
    assert (record.status, record.in_scope) == ("published", True)
    assert record.body_text == "第7号通报的正文，民警为群众办实事。"
    assert record.body_html.startswith("<p>第7号") and record.title == "第7号通报"
    assert Article.objects.get(pk=ids[7]).review_flags == []  # publishing answered the flag


def test_a_change_resumes_where_it_stopped(editor, worker_does_it, monkeypatch):
    ids = hidden_articles(MANY)
    change = curation.change_status(ids, Article.Status.PUBLISHED, editor)
    assert curation.advance_bulk_changes() == curation.QUEUE_ABOVE

    # The second chunk fails half-way (as a worker killed there): nothing of it commits.
    def failing(article_ids):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(pipeline, "changed", failing)
    assert curation.advance_bulk_changes() == 0
    change.refresh_from_db()
    assert change.done == curation.QUEUE_ABOVE and change.finished_at is None
    assert "磁盘已满" in change.error and change.state == "出错，重试中"
    assert published() == curation.QUEUE_ABOVE

    monkeypatch.undo()
    assert curation.advance_bulk_changes() == 100
    change.refresh_from_db()
    assert (change.done, change.error) == (MANY, "") and change.finished_at is not None
    assert published() == MANY and history_rows() == MANY
    assert counts.discrepancies() == []


def test_applying_a_chunk_twice_is_harmless(editor, worker_does_it):
    ids = hidden_articles(MANY)
    change = curation.change_status(ids, Article.Status.PUBLISHED, editor)
    while curation.advance_bulk_changes():
        pass
    owed = OwedIndexUpdate.objects.count()
    # As if the worker had been killed after applying the first chunk, before its commit
    # was known: the same chunk again.
    BulkStatusChange.objects.filter(pk=change.pk).update(done=0, finished_at=None)
    assert curation.advance_bulk_changes() == curation.QUEUE_ABOVE
    assert OwedIndexUpdate.objects.count() == owed  # nothing changed, nothing owed
    assert history_rows() == MANY
    assert published() == MANY


def test_queued_work_is_done_at_commit_in_tests(editor, django_capture_on_commit_callbacks):
    """OWED_WORK_AT_COMMIT (the test settings) does the queued change and its index work."""
    ids = hidden_articles(MANY)
    with django_capture_on_commit_callbacks(execute=True):
        change = curation.change_status(ids, Article.Status.PUBLISHED, editor)
    change.refresh_from_db()
    assert change.finished_at is not None and published() == MANY
    assert not OwedIndexUpdate.objects.exists()


def test_health_reports_a_change_that_makes_no_progress(client, editor, settings):
    settings.OWED_WORK_AT_COMMIT = False
    curation.change_status(hidden_articles(MANY), Article.Status.PUBLISHED, editor)
    report = client.get("/healthz").json()["bulk"]
    assert report["ok"] is True and report["changes_pending"] == 1  # within the grace period

    settings.HEALTH_GRACE_SECONDS = 0
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()["bulk"]
    assert report["ok"] is False and "run_worker" in report["error"]
    assert (report["changes_pending"], report["uploads_pending"]) == (1, 0)

    while curation.advance_bulk_changes():
        pass
    report = client.get("/healthz").json()["bulk"]
    assert report["ok"] is True and report["changes_pending"] == 0
