"""Whole rendered browse and search pages for anonymous readers, cached until the archive
(or, for search pages, the search index) changes.

A browse page costs far more CPU to render (template rendering, queries, more-like-this)
than to serve from a cache, and is the same for every reader until an article, a link, a
region, a bureau or an initiative changes. So a page is rendered once and kept under a key
made of:

- the **content generation**: a random token in one database row (``ContentGeneration``),
  replaced inside every writer's transaction by the write pipeline (``archive.pipeline``:
  every bulk writer, and the save, delete and m2m signals of articles, their links, regions,
  bureaus and initiatives). Readers read the token first and render afterwards, and the new
  token becomes visible only when the write commits, so a page kept under the current token
  is never older than the data it names. Every worker and every host sees a change
  on its next request;
- today's date (the citation line names the day the reader accessed the page);
- the absolute URL with the query parameters the view reads, in a canonical form (below);
- the release (below);
- for search pages, the generation of the search index (``variant``).

Where the pages live: the UNLOGGED table of ``CachedPage``, shared by every gunicorn
worker, so a page is rendered once, not once per worker. (With a LocMem cache per worker,
bench/load.py's uniform mix was served less often from the cache and answered fewer requests
a second than with the shared table: docs/benchmarks.md, "Why the code is as it is".) The
token read and the page lookup are one query, which also returns the key,
``md5(token || rest)``, for storing the page when it is absent. A cached page is served
through the whole Django stack about as fast as it was from memory; a store is one INSERT
(TOAST compresses the HTML), made after the page has been sent (``StoredAfterSending``).
When the token is replaced, every row is deleted; beyond ``PAGE_CACHE_ENTRIES`` rows the
oldest go (checked every ``CULL_EVERY`` stores a process). The *release*, a digest of the
templates and code that render pages, keeps a deploy from serving pages of the old
templates from the shared table.

Which query strings: a view names the parameters it reads and how it reads each (``reads``:
name → ``int`` or ``str.strip``). The key holds those, sorted by name, each once (the last
value, which is what ``QueryDict.get`` gives the view), empty ones left out, and each in its
canonical form (``page=0002``, ``page=２`` and ``page=2`` are one page). A parameter the view
does not read is answered, for everyone, by a permanent redirect to the URL without it: junk
parameters (a flood of ``?x=1``, ``?x=2`` …, or tracking tags) never create entries that
would push readers' pages out of the table.

Who gets them: anonymous GET and HEAD requests. Logged-in users (staff previews) bypass the cache both
ways, so staff never see an anonymous page nor leave one for readers. Only complete 200
responses that set no cookie are kept (no CSV stream, no redirect, no 404). The page's HTML
holds nothing per response: no CSRF token (the public pages have only the GET search form),
no CSP nonce (no inline script or style), no messages. Headers are added by the middleware on
every response, cached or not. Each cached response carries an ETag naming its key, so a
browser revalidating an unchanged page gets a 304 without any rendering, and ``X-Cache:
hit``/``miss`` (what bench/load.py counts).
"""

import hashlib
import itertools
import json
import logging
import secrets
from contextlib import suppress
from functools import cache, wraps
from pathlib import Path
from urllib.parse import urlencode

import django
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.utils import timezone
from django.utils.cache import get_conditional_response

from archive import sql
from config import replicas

logger = logging.getLogger(__name__)
_stores = itertools.count(1)

# Every this many stores a process, rows beyond PAGE_CACHE_ENTRIES are deleted, oldest first.
CULL_EVERY = 100

_READ_SQL = "SELECT token FROM {contentgeneration} WHERE id = 1"
_WRITE_SQL = """
INSERT INTO {contentgeneration} (id, token, changed_at) VALUES (1, %s, clock_timestamp())
ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, changed_at = EXCLUDED.changed_at
"""
_LOOKUP_SQL = """
SELECT k.key, p.content, p.content_type, p.headers
FROM (SELECT md5(coalesce(%s, token) || %s) AS key FROM {contentgeneration} WHERE id = 1) k
LEFT JOIN {cachedpage} p ON p.key = k.key
"""
_STORE_SQL = """
INSERT INTO {cachedpage} (key, content, content_type, headers, stored_at)
VALUES (%s, %s, %s, %s, now()) ON CONFLICT (key) DO NOTHING
"""
# Rows stored before the generation changed belong to former generations.
_DELETE_FORMER_SQL = """
DELETE FROM {cachedpage}
WHERE stored_at < (SELECT changed_at FROM {contentgeneration} WHERE id = 1)
"""
_DELETE_ALL_SQL = "DELETE FROM {cachedpage}"
_CULL_SQL = """
DELETE FROM {cachedpage} WHERE key IN (
    SELECT key FROM {cachedpage} ORDER BY stored_at DESC OFFSET %s
)
"""

# What renders a page, for the release digest: a deploy that changes any of it starts afresh.
_RENDERING_DIRS = ("templates", "archive", "search", "config")
_RENDERING_SUFFIXES = {".html", ".py", ".txt", ".xml", ".svg"}


def generation():
    """The current content generation, or None before the first write (nothing is cached
    then: a database emptied by a flush must not find the pages of its former content)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.compose(_READ_SQL))
        row = cursor.fetchone()
    return row[0] if row else None


def bump():
    """Replace the generation now: every cached page is out of date from the next request,
    and the rows of the former generations go."""
    with connection.cursor() as cursor:
        cursor.execute(sql.compose(_WRITE_SQL), [secrets.token_hex(16)])
        cursor.execute(sql.compose(_DELETE_ALL_SQL))


@cache
def release():
    """A digest of what renders pages in this process: the templates and the code of the
    project's apps (paths and contents), the static files' manifest (the hashed names pages
    link to) and Django's version. Read once per process (~100 files)."""
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    base = Path(settings.BASE_DIR)
    for directory in _RENDERING_DIRS:
        for path in sorted((base / directory).rglob("*")):
            if path.suffix in _RENDERING_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()


# One lock for every writer of derived state (this generation, archive.counts): taken
# first, so that two writers never wait on each other's rows in opposite orders.
_WRITERS_LOCK = 0x62726F77  # "brow"


def lock_writers(cursor):
    """Take the writers' lock until the current transaction ends."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_WRITERS_LOCK])


def changed():
    """Replace the generation in the current transaction: it commits with the write that
    changed what pages show, or rolls back with it, so no crash between the two can leave
    pages of the former content served. The former generation's rows are deleted after
    commit (unreachable already: a crash before that only leaves them to the cull)."""
    with transaction.atomic(), connection.cursor() as cursor:
        lock_writers(cursor)
        cursor.execute(sql.compose(_WRITE_SQL), [secrets.token_hex(16)])
    transaction.on_commit(_delete_former_pages)


def _delete_former_pages():
    with connection.cursor() as cursor:
        cursor.execute(sql.compose(_DELETE_FORMER_SQL))


# The views' side


# Headers a view may set for its own wrapper to read, kept with the page (the search page's
# result count, which the admin's report records for every search, cached or not).
KEPT_HEADERS = ("X-Result-Count",)


def canonical_query(request, reads):
    """The query parameters of ``request`` that the view reads (``reads``: name → how it
    reads the value), as a query string in canonical form (module docstring)."""
    pairs = []
    for name in sorted(reads):
        value = request.GET.get(name, "").strip()
        if value:
            # A value the view cannot read stays as given: the view answers it with a 404,
            # which is never kept.
            with suppress(ValueError):
                value = str(reads[name](value))
            pairs.append((name, value))
    return urlencode(pairs)


def _key_rest(request, variant, query):
    """What the key digests after the token."""
    url = request.build_absolute_uri(request.path)
    return f"\n{release()}\n{variant}\n{timezone.localdate():%Y-%m-%d}\n{url}?{query}"


def _lookup(rest):
    """(key, cached page or None), or (None, None) before the first write. A request that
    reads a replica keys under the generation the replica had replayed when it began
    (config.replicas): the page it renders is of that generation's data, however many
    writes the primary has committed since."""
    with connection.cursor() as cursor:
        cursor.execute(sql.compose(_LOOKUP_SQL), [replicas.pinned_generation(), rest])
        row = cursor.fetchone()
    if row is None:
        return None, None
    key, content, content_type, headers = row
    if content is None:
        return key, None
    # Django reads jsonb as text (its JSONField decodes it): so does this raw query.
    return key, (bytes(content), content_type, json.loads(headers))


def _store(key, content, content_type, headers):
    with connection.cursor() as cursor:
        cursor.execute(sql.compose(_STORE_SQL), [key, content, content_type, json.dumps(headers)])
        if next(_stores) % CULL_EVERY == 0:
            cursor.execute(sql.compose(_CULL_SQL), [settings.PAGE_CACHE_ENTRIES])


class StoredAfterSending(HttpResponse):
    """A rendered page that goes into the shared table once the reader has it: the WSGI
    server calls ``close()`` after writing the body, so the INSERT is not part of the
    reader's wait. What is stored is the view's response, before the middleware adds its
    headers. A failed store only costs the next reader a render."""

    def __init__(self, response, key):
        super().__init__(response.content, status=response.status_code, headers=response.headers)
        kept = {name: response[name] for name in KEPT_HEADERS if name in response}
        self.page = (key, response.content, response["Content-Type"], kept)

    def close(self):
        try:
            _store(*self.page)
        except DatabaseError:
            logger.exception("page not stored in the page cache")
        super().close()


def for_readers(view=None, *, reads=None, variant=None):
    """Serve ``view``'s page to anonymous GET and HEAD requests from the shared page table,
    render it when absent or out of date; everyone else gets the view itself. ``reads``: the
    query parameters the view reads, name → ``int`` or ``str.strip`` (module docstring);
    any other parameter is redirected away. ``variant()`` names what else the page depends
    on (the search pages: the search index's generation)."""
    reads = reads or {}
    if view is None:
        return lambda view: for_readers(view, reads=reads, variant=variant)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        query = canonical_query(request, reads)
        if any(name not in reads for name in request.GET):
            return HttpResponsePermanentRedirect(
                f"{request.path}?{query}" if query else request.path
            )
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        rest = _key_rest(request, variant() if variant else "", query)
        key, cached = _lookup(rest)
        if key is None:
            return view(request, *args, **kwargs)
        etag = f'"{key}"'
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            not_modified["ETag"] = etag
            return not_modified
        if cached is not None:
            content, content_type, headers = cached
            response = HttpResponse(content, content_type=content_type, headers=headers)
            response["X-Cache"] = "hit"
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            response = StoredAfterSending(response, key)
            response["X-Cache"] = "miss"
        response["ETag"] = etag
        return response

    return wrapped
