"""Exports of any list or search: every row, as CSV or JSON Lines, streamed.

``?format=csv`` or ``?format=jsonl`` on a list page (region, bureau, campaign, reporter,
date archive, all articles) or on ``/search/`` gives the whole list, not one page, with no
cap. Rows are read ``CHUNK`` at a time and each chunk is written as soon as it is read, so
the memory an export holds does not grow with its length and its first bytes leave at once:
a list through a server-side cursor (``QuerySet.iterator``), a search through its ranked
ids. A chunk's links are read in one query, as plain values: prefetching them onto model
instances cost a related manager per article and made an export much slower (docs/benchmarks.md,
"Why the code is as it is"). Every record is ``article_record``; CSV lines are written by
``archive.browse.csv_row``; ``manage.py export_dump`` writes the same records.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse

from archive import browse, sql
from archive.models import Article, ArticleQuerySet, Initiative
from config.replicas import reading

CHUNK = 1000
FORMATS = ("csv", "jsonl")
# What a record reads besides an article card's columns.
RECORD_FIELDS = ("authors", "via_site", "original_url")
# One article as an export writes it (article_record); Links: {article id: [{key, name}]}.
Record = dict[str, Any]
Links = dict[int, list[dict[str, Any]]]


def requested_format(request: HttpRequest) -> str | None:
    """The export format asked for (``?format=``), or None for the page itself."""
    fmt = request.GET.get("format")
    return fmt if fmt in FORMATS else None


def _article_path() -> Callable[[int], str]:
    """A function pk → the article page's path, from one ``reverse`` (which costs more than
    the rest of a record)."""
    head, _, tail = reverse("archive:article_detail", args=[987654321]).partition("987654321")
    return lambda pk: f"{head}{pk}{tail}"


# A chunk's links, written out: the ORM's ``article_id__in`` adapted each of a thousand ids,
# a large share of an export's time; an array literal is one parameter
# (docs/benchmarks.md, "Why the code is as it is").
_LINKS_SQL = """
SELECT l.article_id, 'region', r.code, r.name FROM {articleregion} l
JOIN {region} r ON r.id = l.region_id WHERE l.article_id = ANY(%(ids)s::bigint[])
UNION ALL
SELECT l.article_id, 'agency', g.id::text, g.name FROM {articleagency} l
JOIN {agency} g ON g.id = l.agency_id WHERE l.article_id = ANY(%(ids)s::bigint[])
UNION ALL
SELECT l.article_id, 'initiative', i.slug, i.name FROM {articleinitiative} l
JOIN {initiative} i ON i.id = l.initiative_id
WHERE l.article_id = ANY(%(ids)s::bigint[]) AND i.status = %(accepted)s
ORDER BY 2, 3
"""
_LINK_KEYS = {"region": ("code", str), "agency": ("id", int), "initiative": ("slug", str)}


def _links(ids: Iterable[int]) -> tuple[Links, Links, Links]:
    """{kind: {article id: [...]}} of the regions, bureaus and public
    initiatives of ``ids``, each in the order of its key: one query."""
    links: dict[str, Links] = {kind: defaultdict(list) for kind in _LINK_KEYS}
    params = {"ids": "{" + ",".join(map(str, ids)) + "}", "accepted": Initiative.Status.ACCEPTED}
    with reading().cursor() as cursor:
        cursor.execute(sql.compose(_LINKS_SQL), params)
        for article_id, kind, key, name in cursor.fetchall():
            field, cast = _LINK_KEYS[kind]
            links[kind][article_id].append({field: cast(key), "name": name})
    return links["region"], links["agency"], links["initiative"]


def records(articles: list[Article], base: str, extra_fields: Sequence[str] = ()) -> list[Record]:
    """The records of ``articles`` (a list), their links read in one go."""
    regions, agencies, initiatives = _links([a.pk for a in articles])
    path = _article_path()
    return [
        article_record(
            article,
            base + path(article.pk),
            regions[article.pk],
            agencies[article.pk],
            initiatives[article.pk],
            extra_fields,
        )
        for article in articles
    ]


def article_record(
    article: Article,
    url: str,
    regions: list[dict[str, Any]],
    agencies: list[dict[str, Any]],
    initiatives: list[dict[str, Any]],
    extra_fields: Sequence[str] = (),
) -> Record:
    """An article as one JSON object: its stable id, what a card shows, its byline, its
    links (region codes, bureau ids, initiative slugs, with names) and the URL of its page;
    ``extra_fields`` (the body, the last edit) as they are."""
    record: Record = {
        "id": article.pk,
        "url": url,
        "title": article.title,
        "subtitle": article.subtitle,
        "published": article.date_iso or None,
        "precision": article.date_precision,
        "source": article.source,
        "via_site": article.via_site,
        "reporters": article.reporters,
        "original_url": article.original_url,
        "regions": regions,
        "agencies": agencies,
        "initiatives": initiatives,
    }
    for name in extra_fields:
        value = getattr(article, name)
        record[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return record


def queryset_chunks(
    articles: ArticleQuerySet, base: str, extra_fields: Sequence[str] = ()
) -> Iterator[list[Record]]:
    """Lists of records of a QuerySet's articles, ``CHUNK`` at a time, in its order."""
    chunk: list[Article] = []
    rows = articles.for_listing(*RECORD_FIELDS, *extra_fields).iterator(chunk_size=CHUNK)
    for article in rows:
        chunk.append(article)
        if len(chunk) == CHUNK:
            yield records(chunk, base, extra_fields)
            chunk = []
    if chunk:
        yield records(chunk, base, extra_fields)


def ranked_chunks(ids: list[int], base: str) -> Iterator[list[Record]]:
    """Lists of records of the published articles of ``ids`` (a list), in that order, read
    ``CHUNK`` at a time (an id no longer published is left out)."""
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        found = Article.objects.published().filter(pk__in=part).for_listing(*RECORD_FIELDS)
        found = found.in_bulk()
        yield records([found[pk] for pk in part if pk in found], base, ())


def json_line(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def jsonl_response(chunks: Iterable[list[Record]], filename: str) -> StreamingHttpResponse:
    blocks = ("".join(json_line(record) for record in chunk) for chunk in chunks)
    response = StreamingHttpResponse(blocks, content_type="application/jsonl; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.jsonl"'
    return response


def site_origin(request: HttpRequest) -> str:
    """https://example.org: what makes a record's URL absolute."""
    return request.build_absolute_uri("/")[:-1]


def export_response(
    fmt: str, chunks: Iterable[list[Record]], filename: str
) -> StreamingHttpResponse:
    """``chunks`` (from ``queryset_chunks`` or ``ranked_chunks``) in ``fmt``."""
    if fmt == "csv":
        return browse.csv_response(chunks, filename)
    return jsonl_response(chunks, filename)


def list_export(
    request: HttpRequest, fmt: str, articles: ArticleQuerySet, filename: str
) -> StreamingHttpResponse:
    """A list page's QuerySet, newest first, in ``fmt``."""
    chunks = queryset_chunks(articles.newest(), site_origin(request))
    return export_response(fmt, chunks, filename)
