"""Whole rendered browse and search pages for anonymous readers, cached until the archive
(or, for search pages, the search index) changes.

A browse page costs 10–20 ms of CPU (template rendering, queries, more-like-this), the same
for every reader until an article, a link, a region, a bureau or an initiative changes. So a
page is rendered once and kept under a key made of:

- the **content generation**: a random token in one database row (``ContentGeneration``),
  replaced after every committed write that can change a page — the archive's own
  ``articles_stored``/``articles_changed`` (every bulk writer: importer, curation, extraction)
  and the save, delete and m2m signals of articles, their links, regions, bureaus and
  initiatives (admin, shell, tests). Readers read the token first and render afterwards, and
  the token is replaced only after the write committed, so a page kept under the current
  token is never older than the data it names. One indexed row read per request (~0.1 ms);
  every worker and every host sees a change on its next request;
- today's date (the citation line names the day the reader accessed the page);
- the absolute URL with its query string (the canonical link and pagination use both);
- for search pages, the generation of the search index (``variant``).

Where the pages live: the ``pages`` cache (settings ``CACHES``), a LocMem cache per gunicorn
worker. Django's shared backends were measured with 2,000 pages of 22 KB held: LocMem reads a
page in 0.02 ms and stores one in 0.04 ms; FileBasedCache reads in 0.08 ms but stores in
5.6 ms (it lists its whole directory on every store to cull, growing with the entries);
DatabaseCache reads in 0.57 ms and stores in 5.2 ms (a COUNT(*) on every store). A shared
cache would also outlive a deploy and serve pages of the old templates. The price of memory
per worker is that each page is rendered once per worker instead of once.

Who gets them: anonymous GET requests. Logged-in users (staff previews) bypass the cache both
ways, so staff never see an anonymous page nor leave one for readers. Only complete 200
responses that set no cookie are kept (no CSV stream, no redirect, no 404). The page's HTML
holds nothing per response: no CSRF token (the public pages have only the GET search form),
no CSP nonce (no inline script or style), no messages. Headers are added by the middleware on
every response, cached or not. Each cached response carries an ETag naming its key, so a
browser revalidating an unchanged page gets a 304 without any rendering, and ``X-Cache:
hit``/``miss`` (what bench/load.py counts).
"""

import hashlib
import secrets
import threading
from functools import wraps

from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response

_pending = threading.local()

_READ_SQL = "SELECT token FROM archive_contentgeneration WHERE id = 1"
_WRITE_SQL = """
INSERT INTO archive_contentgeneration (id, token, changed_at) VALUES (1, %s, now())
ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, changed_at = EXCLUDED.changed_at
"""


def generation():
    """The current content generation, or None before the first write (nothing is cached
    then: a database emptied by a flush must not find the pages of its former content)."""
    with connection.cursor() as cursor:
        cursor.execute(_READ_SQL)
        row = cursor.fetchone()
    return row[0] if row else None


def bump():
    """Replace the generation now: every cached page is out of date from the next request."""
    with connection.cursor() as cursor:
        cursor.execute(_WRITE_SQL, [secrets.token_hex(16)])


def changed():
    """Replace the generation once the current transaction commits (at once outside one).
    Many changes in one transaction replace it once; a rollback replaces nothing."""
    _pending.changed = True
    transaction.on_commit(_flush)


def _flush():
    if getattr(_pending, "changed", False):
        _pending.changed = False
        bump()


# Receivers (connected in ArchiveConfig.ready)


def on_articles_written(sender, article_ids, **kwargs):
    """``articles_stored`` (inside the writer's transaction) and ``articles_changed``."""
    changed()


def on_saved(sender, **kwargs):
    """``post_save``, ``post_delete`` and ``m2m_changed`` of anything a page shows."""
    changed()


# The views' side


# Headers a view may set for its own wrapper to read, kept with the page (the search page's
# result count, which the admin's report records for every search, cached or not).
KEPT_HEADERS = ("X-Result-Count",)


def _key(request, token, variant):
    raw = f"{token}\n{variant}\n{timezone.localdate():%Y-%m-%d}\n{request.build_absolute_uri()}"
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def for_readers(view=None, *, variant=None):
    """Serve ``view``'s page to anonymous GET requests from the ``pages`` cache, render it
    when absent or out of date; everyone else gets the view itself. ``variant()`` names what
    else the page depends on (the search pages: the search index's generation)."""
    if view is None:
        return lambda view: for_readers(view, variant=variant)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        token = generation()
        if token is None:
            return view(request, *args, **kwargs)
        key = _key(request, token, variant() if variant else "")
        etag = f'"{key}"'
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            not_modified["ETag"] = etag
            return not_modified
        pages = caches["pages"]
        cached = pages.get(key)
        if cached is not None:
            content, content_type, headers = cached
            response = HttpResponse(content, content_type=content_type, headers=headers)
            response["X-Cache"] = "hit"
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            kept = {name: response[name] for name in KEPT_HEADERS if name in response}
            pages.set(key, (response.content, response["Content-Type"], kept))
            response["X-Cache"] = "miss"
        response["ETag"] = etag
        return response

    return wrapped
