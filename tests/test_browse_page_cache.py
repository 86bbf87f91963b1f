"""The page cache (archive.pagecache): anonymous readers get a page rendered once per content
generation; every committed write that changes a page shows on the next request; staff
never get or leave a cached page."""

import pytest
from django.db import transaction

from archive import curation, pagecache
from archive.models import Article, ArticleRegion
from tests.test_admin_roles import change_url, edit_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(browse_world):
    """The browse world as it is once committed: its writes gave the archive a generation
    (the test transaction never commits, so this is done by hand)."""
    pagecache.bump()
    return browse_world


def _anonymous(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, response.content.decode()


def test_second_anonymous_request_is_served_from_the_cache(client, world):
    url = world["articles"]["a1"].get_absolute_url()
    first, first_html = _anonymous(client, url)
    second, second_html = _anonymous(client, url)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert first_html == second_html
    assert first["ETag"] == second["ETag"]
    # Headers are the middleware's, on every response, cached or not; a shared cache on the
    # way must not hand this page to a logged-in user (their session cookie differs).
    assert "Content-Security-Policy" in second and second["X-Frame-Options"] == "DENY"
    assert "Cookie" in second["Vary"]


def test_a_cached_page_costs_one_query(client, world, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(1):  # the content generation and the page, together
        assert client.get("/")["X-Cache"] == "hit"


def test_an_admin_edit_shows_at_once(
    client, editor_client, world, django_capture_on_commit_callbacks
):
    article = world["articles"]["a3"]
    for url in (article.get_absolute_url(), "/", world["regions"]["wuhan"].get_absolute_url()):
        _anonymous(client, url)
        assert _anonymous(client, url)[0]["X-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            change_url(article), edit_post(article, "武汉户籍业务全程网办")
        )
    assert response.status_code == 302
    for url in (article.get_absolute_url(), "/", world["regions"]["wuhan"].get_absolute_url()):
        response, html = _anonymous(client, url)
        assert response["X-Cache"] == "miss"
        assert "武汉户籍业务全程网办" in html and "武汉警方推出户籍业务网上办" not in html


def test_staff_never_get_nor_leave_a_cached_page(client, editor_client, world):
    url = world["regions"]["zhoukou"].get_absolute_url()
    _anonymous(client, url)
    staff = editor_client.get(url)
    assert staff.status_code == 200
    assert "X-Cache" not in staff and "ETag" not in staff
    other = world["regions"]["henan"].get_absolute_url()
    editor_client.get(other)
    assert _anonymous(client, other)[0]["X-Cache"] == "miss"


def test_renamed_region_and_new_link_show_at_once(
    client, world, django_capture_on_commit_callbacks
):
    wuhan = world["regions"]["wuhan"]
    article = world["articles"]["a2"]
    _anonymous(client, "/regions/")
    _anonymous(client, article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        wuhan.name = "武汉新名"
        wuhan.save()
    assert "武汉新名" in _anonymous(client, "/regions/")[1]
    with django_capture_on_commit_callbacks(execute=True):
        article.regions.add(wuhan, through_defaults={"origin": "staff"})
    assert f'href="{wuhan.get_absolute_url()}"' in _anonymous(client, article.get_absolute_url())[1]


def test_bulk_writers_announcing_their_articles_empty_the_cache(
    client, editor, world, django_capture_on_commit_callbacks
):
    a2 = world["articles"]["a2"]
    _anonymous(client, "/")
    with django_capture_on_commit_callbacks(execute=True):
        curation.set_status([a2.pk], Article.Status.HIDDEN, editor)
    assert a2.title not in _anonymous(client, "/")[1]
    assert client.get(a2.get_absolute_url()).status_code == 404


def test_initiative_edit_shows_at_once(client, world, django_capture_on_commit_callbacks):
    initiative = world["initiatives"]["banshishi"]
    url = initiative.get_absolute_url()
    _anonymous(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        initiative.description = "新的说明。"
        initiative.save()
    assert "新的说明。" in _anonymous(client, url)[1]


def test_a_rolled_back_write_keeps_the_generation(world, django_capture_on_commit_callbacks):
    before = pagecache.generation()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ArticleRegion.objects.create(
            article=world["articles"]["a3"], region=world["regions"]["zhoukou"]
        )
        raise RuntimeError("rolled back")
    assert pagecache.generation() == before
    with django_capture_on_commit_callbacks(execute=True):
        world["articles"]["a3"].save()
    assert pagecache.generation() != before


def test_conditional_get_answers_304_until_the_page_changes(
    client, world, django_capture_on_commit_callbacks
):
    article = world["articles"]["a1"]
    etag = client.get(article.get_absolute_url())["ETag"]
    not_modified = client.get(article.get_absolute_url(), headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified["ETag"] == etag
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "改过的标题"
        article.save()
    changed = client.get(article.get_absolute_url(), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "改过的标题" in changed.content.decode()


@pytest.mark.parametrize("url", ["/articles/999999/", "/regions/411600/?format=csv"])
def test_errors_and_downloads_are_not_kept(client, world, url):
    for _ in range(2):
        response = client.get(url)
        assert "X-Cache" not in response


def test_no_generation_no_cache(client, browse_world):
    """Before the first write (or after a flush) nothing is cached: a page kept then could
    outlive the content it shows."""
    from archive.models import ContentGeneration

    ContentGeneration.objects.all().delete()  # as a flush leaves it
    assert pagecache.generation() is None
    assert "X-Cache" not in client.get("/")


def test_recounting_replaces_the_generation(world, django_capture_on_commit_callbacks):
    """``rebuild_counts`` is what an operator runs after writing rows by hand: the pages
    that show counts go with it."""
    from django.core.management import call_command

    before = pagecache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rebuild_counts", verbosity=0)
    assert pagecache.generation() != before


# Search pages: cached per content generation and search index generation; every first page
# served still counts for the admin's report.


@pytest.fixture
def searchable(reindex):
    from tests.factories import make_article

    article = make_article("滨州户籍窗口延时服务", "户籍窗口延时服务，方便上班族。")
    reindex()
    pagecache.bump()
    return article


def test_search_pages_are_cached_and_still_counted(client, searchable):
    from search.models import SearchQueryLog

    first = client.get("/search/", {"q": "户籍"})
    second = client.get("/search/", {"q": "户籍"})
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert first.content == second.content and "找到 1 篇文章" in second.content.decode()
    log = SearchQueryLog.objects.get(query="户籍")
    assert (log.count, log.result_count) == (2, 1)
    assert "X-Cache" not in client.get("/search/", {"q": "户籍", "year": "x"})  # a 400


def test_search_pages_follow_the_index(client, searchable, reindex):
    from tests.factories import make_article

    assert "找到 1 篇文章" in client.get("/search/", {"q": "户籍"}).content.decode()
    make_article("武汉户籍业务网上办", "户籍业务网上办理。")
    reindex()  # the index alone changed: no announced write, no new content generation
    response = client.get("/search/", {"q": "户籍"})
    assert response["X-Cache"] == "miss" and "找到 2 篇文章" in response.content.decode()


# Where pages live: one table for every worker, emptied with each generation, bounded.


def test_pages_are_shared_by_every_worker_through_the_database(client, world):
    from django.test import Client

    from archive.models import CachedPage

    url = world["articles"]["a1"].get_absolute_url()
    assert client.get(url)["X-Cache"] == "miss"
    assert CachedPage.objects.count() == 1
    # Another client stands in for another worker: nothing of the first is in its memory.
    assert Client().get(url)["X-Cache"] == "hit"


def test_a_page_is_stored_once_it_has_been_sent(rf, world):
    """The WSGI server closes a response after writing it: only then is the page stored, so
    the reader does not wait for the INSERT. What is stored is what the reader got."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.signals import request_finished
    from django.db import close_old_connections

    from archive import views
    from archive.models import CachedPage

    request = rf.get(world["articles"]["a1"].get_absolute_url())
    request.user = AnonymousUser()
    response = views.article_detail(request, pk=world["articles"]["a1"].pk)
    assert response["X-Cache"] == "miss"
    assert CachedPage.objects.count() == 0
    # As the test client does: closing ends the request, which would close the connection.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert bytes(CachedPage.objects.get().content) == response.content


def test_a_new_generation_deletes_the_kept_pages(client, world, django_capture_on_commit_callbacks):
    from archive.models import CachedPage

    client.get("/")
    client.get(world["articles"]["a1"].get_absolute_url())
    assert CachedPage.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        world["articles"]["a1"].save()
    assert CachedPage.objects.count() == 0


def test_beyond_the_limit_the_oldest_pages_go(client, world, settings, monkeypatch):
    from archive.models import CachedPage

    settings.PAGE_CACHE_ENTRIES = 2
    monkeypatch.setattr(pagecache, "CULL_EVERY", 1)
    urls = ["/", "/regions/", "/agencies/", world["articles"]["a1"].get_absolute_url()]
    for url in urls:
        assert client.get(url)["X-Cache"] == "miss"
    # Stored in one transaction here, so equally old: the limit holds, whichever two stay.
    assert CachedPage.objects.count() == 2


def test_a_new_release_does_not_get_the_old_release_pages(client, world, monkeypatch):
    url = world["articles"]["a1"].get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"
    monkeypatch.setattr(pagecache, "release", lambda: "another-release")
    assert client.get(url)["X-Cache"] == "miss"


def test_the_release_follows_templates_and_code(tmp_path, settings):
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("<h1>一</h1>", encoding="utf-8")
    settings.BASE_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    pagecache.release.cache_clear()
    try:
        first = pagecache.release()
        template.write_text("<h1>二</h1>", encoding="utf-8")
        pagecache.release.cache_clear()
        assert pagecache.release() != first
        (tmp_path / "archive").mkdir()
        (tmp_path / "archive" / "views.py").write_text("VIEW = 1\n")
        changed = pagecache.release()  # cached for the process: a deploy restarts it
        pagecache.release.cache_clear()
        assert pagecache.release() != changed
    finally:
        pagecache.release.cache_clear()
