"""The browse pages' queries and the small pieces of logic the views share.

Views stay thin: they fetch the object, call one of these functions, and render. Counts and
timelines come from archive.counts (maintained tables); article lists from ArticleQuerySet methods.
"""

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.core.paginator import InvalidPage, Page, Paginator
from django.db import models
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from archive import counts, sql
from archive.models import (
    CARD_FIELDS,
    Agency,
    Article,
    ArticleQuerySet,
    CountScope,
    Initiative,
    Region,
)
from archive.text import spreadsheet_safe
from config.replicas import reading

# The query parameters each kind of page reads, and how: the page cache keys pages by them
# and redirects any other parameter away (archive.pagecache).
PAGED = {"page": int}
LIST = {**PAGED, "format": str.strip}
FILTERED_LIST = {**LIST, "year": int, "agency": int}

PER_PAGE = 20
ORPHANS = 3
# [(label, url)]: a page's breadcrumbs, the last one being the page itself (url may be None).
Crumbs = list[tuple[str, str | None]]


class CountedPaginator(Paginator):
    """A Paginator told its total when it is already known (from a timeline's counts), so a
    page of a big region does not pay for COUNT(*) over its articles."""

    def __init__(
        self, object_list: Any, per_page: int, known_count: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        if known_count is not None:
            self.__dict__["count"] = known_count


def paginate(
    request: HttpRequest, object_list: Any, known_count: int | None = None, per_page: int = PER_PAGE
) -> Page:
    """The requested page; a page number that is not a whole number or out of range is a 404."""
    paginator = CountedPaginator(object_list, per_page, known_count=known_count, orphans=ORPHANS)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("没有这一页") from None


# Lists of articles, newest first, as the list pages read them: a Paginator takes pages of
# them (``count()`` and slices of article cards); ``queryset()`` is the whole list as a
# QuerySet (CSV export, feeds).


class ArticleList:
    """The articles of a QuerySet (of Article), newest first."""

    def __init__(self, articles: ArticleQuerySet) -> None:
        self.articles = articles

    def queryset(self) -> ArticleQuerySet:
        return self.articles

    def count(self) -> int:
        return self.queryset().count()

    def __getitem__(self, window: slice) -> list[Article]:
        return list(self.queryset().newest().for_listing().with_region_names()[window])


# A page read from the links' newest index costs about (linked objects × depth of the
# page) index entries; beyond this many, the list is read as a QuerySet.
LINK_WALK_BUDGET = 20000

_LINKED_NEWEST_SQL = """
WITH page AS (
    SELECT DISTINCT x.article_published_at, x.article_id
    FROM unnest(%(ids)s::bigint[]) AS o(id)
    CROSS JOIN LATERAL (
        SELECT article_published_at, article_id FROM {table}
        WHERE {column} = o.id AND article_is_published{period}
        ORDER BY article_published_at DESC NULLS LAST, article_id DESC
        LIMIT %(depth)s
    ) x
    ORDER BY x.article_published_at DESC NULLS LAST, x.article_id DESC
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT {columns}, {card_regions:a} AS card_regions
FROM page JOIN {article} a ON a.id = page.article_id
WHERE {published:a}
ORDER BY page.article_published_at DESC NULLS LAST, page.article_id DESC
"""
_IN_PERIOD_SQL = """
        AND article_is_dated AND article_published_at >= %(start)s
        AND article_published_at < %(end)s"""


class LinkedArticles(ArticleList):
    """The published articles linked to any of ``ids`` through ``link`` (ArticleRegion,
    ArticleAgency or ArticleInitiative), of one ``year`` if given, newest first: the list of
    a region (with its districts), a bureau (with its sub-units) or a campaign.

    A page is read from the links alone: each linked object's newest links, from the index
    of the copies each link keeps of its article's date and status (ArticleLink), merged
    (an article linked to a city and its district once). As a QuerySet, PostgreSQL walked
    the newest articles of the whole archive until a page of them were linked
    (docs/benchmarks.md, "Why the code is as it is").
    ``expected``: how many articles there are, when a maintained count says (the QuerySet
    picks its plan by it)."""

    def __init__(
        self,
        link: Any,
        ids: Iterable[int],
        expected: int | None = None,
        year: int | None = None,
    ) -> None:
        self.link, self.ids, self.expected, self.year = link, list(ids), expected, year

    def queryset(self) -> ArticleQuerySet:
        links = self.link.objects.filter(**{f"{self.link.target_field}_id__in": self.ids})
        articles = Article.objects.published().linked_through(links, self.expected)
        return filter_by_year(articles, self.year) if self.year else articles

    def __getitem__(self, window: slice) -> list[Article]:
        """The article cards of ``window``: one query, written out (the same cards through
        the ORM cost more, mostly building the query: docs/benchmarks.md, "Why the code is
        as it is")."""
        offset, stop = window.start or 0, window.stop
        if len(self.ids) * stop > LINK_WALK_BUDGET:  # a deep page of many objects
            return super().__getitem__(window)
        query = sql.compose(
            _LINKED_NEWEST_SQL,
            table=self.link._meta.db_table,
            column=f"{self.link.target_field}_id",
            period=_IN_PERIOD_SQL if self.year else "",
            columns=", ".join(f"a.{name}" for name in CARD_FIELDS),
        )
        params: dict[str, Any] = {
            "ids": self.ids,
            "depth": stop,
            "limit": stop - offset,
            "offset": offset,
        }
        if self.year:
            params["start"], params["end"] = year_bounds(self.year)
        return list(Article.objects.raw(query, params))


# Breadcrumbs: [(label, url)], the last one being the current page (url may be None).


# An object with the objects it names (a region's parents, a bureau's parent and region), in
# one written-out query: select_related() spent far longer building it than PostgreSQL
# spends answering it (docs/benchmarks.md, "Why the code is as it is").


def _is_key(pk: int) -> bool:
    """Whether ``pk`` (from a URL) can be a primary key: beyond bigint, PostgreSQL would
    refuse the query instead of finding nothing."""
    return 0 < pk < 2**63


def _read_joined(
    template: str, params: Sequence[Any], parts: list[tuple[type[models.Model], str]]
) -> list[Any] | None:
    """The instances of one row of ``template`` (archive.sql), which selects the columns of
    each of ``parts`` ([(model, alias)], as ``_columns`` lists them) in turn; None for a
    part absent from a LEFT JOIN, and None for no row."""
    with reading().cursor() as cursor:
        cursor.execute(sql.compose(template, columns=_columns(parts)), params)
        row = cursor.fetchone()
    if row is None:
        return None
    objects: list[Any] = []
    start = 0
    for model, _ in parts:
        names = [field.attname for field in model._meta.concrete_fields]
        values = row[start : start + len(names)]
        start += len(names)
        objects.append(None if values[0] is None else model.from_db(cursor.db.alias, names, values))
    return objects


def _columns(parts: list[tuple[type[models.Model], str]]) -> str:
    return ", ".join(
        f"{alias}.{field.column}" for model, alias in parts for field in model._meta.concrete_fields
    )


_REGION_WITH_PARENTS_SQL = """
SELECT {columns}
FROM {region} r
LEFT JOIN {region} p ON p.id = r.parent_id
LEFT JOIN {region} g ON g.id = p.parent_id
WHERE r.code = %s
"""


def region_by_code(code: str) -> Region | None:
    """The region of ``code`` with its ``parent`` and the parent's ``parent`` read (the tree
    has three levels), or None."""
    found = _read_joined(
        _REGION_WITH_PARENTS_SQL, [code], [(Region, "r"), (Region, "p"), (Region, "g")]
    )
    if found is None:
        return None
    region, parent, grandparent = found
    if parent is not None:
        parent.parent = grandparent
    region.parent = parent
    return region


def region_ancestors(region: Region) -> list[Region]:
    """The region's parents, top first. The tree has three levels, so with
    ``region_by_code()`` (or ``select_related("parent__parent")``) this costs no query."""
    chain: list[Region] = []
    parent = region.parent
    while parent is not None:
        chain.insert(0, parent)
        parent = parent.parent
    return chain


def region_crumbs(region: Region, current: bool = True) -> Crumbs:
    crumbs: Crumbs = [("地区", reverse("archive:region_list"))]
    crumbs += [(r.name, r.get_absolute_url()) for r in region_ancestors(region)]
    crumbs.append((region.name, None if current else region.get_absolute_url()))
    return crumbs


# Regions


@dataclass
class RegionNode:
    region: Region
    count: int
    children: list["RegionNode"]


def region_tree() -> list[RegionNode]:
    """Province › city › district, each with its article count; regions without any article
    are left out (the gazetteer holds some 3,000). Two queries."""
    region_counts = counts.region_counts()
    regions = Region.objects.filter(pk__in=list(region_counts)).only(
        "id", "code", "name", "level", "parent_id"
    )
    nodes: dict[int | None, RegionNode] = {
        r.pk: RegionNode(r, region_counts[r.pk], []) for r in regions
    }
    roots: list[RegionNode] = []
    for node in sorted(nodes.values(), key=lambda n: n.region.code):
        parent = nodes.get(node.region.parent_id)
        (parent.children if parent else roots).append(node)
    return roots


def region_children(region: Region) -> list[tuple[Region, int]]:
    """[(child region, count)] of the regions directly under ``region`` that have articles."""
    return counts.counted(
        Region, CountScope.REGION, "parent_id", [region.pk], ["id", "code", "name"], "o.code"
    )


def agencies_in_region(region_ids: list[int], limit: int = 50) -> list[tuple[Agency, int]]:
    """[(agency, count)] of the agencies located in ``region_ids`` (a region and the regions
    below it), busiest first."""
    return counts.counted(
        Agency,
        CountScope.AGENCY,
        "region_id",
        region_ids,
        ["id", "name"],
        "c.count DESC, o.id",
        limit,
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first moment of ``year`` and of the next, in local time."""
    return (
        timezone.make_aware(datetime(year, 1, 1)),
        timezone.make_aware(datetime(year + 1, 1, 1)),
    )


def filter_by_year(articles: ArticleQuerySet, year: int) -> ArticleQuerySet:
    """Articles dated in ``year`` (local time); an index range on published_at."""
    start, end = year_bounds(year)
    return articles.dated().filter(published_at__gte=start, published_at__lt=end)


def filter_by_month(articles: ArticleQuerySet, year: int, month: int) -> ArticleQuerySet:
    start = timezone.make_aware(datetime(year, month, 1))
    following = (date(year, month, 1) + timedelta(days=32)).replace(day=1)
    end = timezone.make_aware(datetime(following.year, following.month, 1))
    return articles.dated().filter(published_at__gte=start, published_at__lt=end)


# Agencies


_AGENCY_WITH_PARENT_SQL = """
SELECT {columns}
FROM {agency} a
LEFT JOIN {agency} p ON p.id = a.parent_id
LEFT JOIN {region} r ON r.id = a.region_id
WHERE a.id = %s
"""


def agency_by_id(pk: int) -> Agency | None:
    """The agency ``pk`` with its ``parent`` and ``region`` read, or None."""
    if not _is_key(pk):
        return None
    found = _read_joined(
        _AGENCY_WITH_PARENT_SQL, [pk], [(Agency, "a"), (Agency, "p"), (Region, "r")]
    )
    if found is None:
        return None
    agency, parent, region = found
    agency.parent, agency.region = parent, region
    return agency


def agency_crumbs(agency: Agency) -> Crumbs:
    crumbs: Crumbs = [("公安单位", reverse("archive:agency_list"))]
    if agency.parent_id:
        parent = cast(Agency, agency.parent)  # there is one: parent_id is set
        crumbs.append((parent.name, parent.get_absolute_url()))
    crumbs.append((agency.name, None))
    return crumbs


def agency_groups() -> list[tuple[Agency, int]]:
    """[(agency, count)] of the agencies that have articles, ordered by their region's code
    then name (for grouping by region)."""
    agency_counts = counts.agency_counts()
    agencies = (
        Agency.objects.filter(pk__in=list(agency_counts))
        .select_related("region")
        .only("id", "name", "region__code", "region__name")
        .order_by("region__code", "name")
    )
    return [(agency, agency_counts[agency.pk]) for agency in agencies]


def agency_sub_units(agency: Agency) -> list[tuple[Agency, int]]:
    """[(sub-unit, count)] directly under the agency, those without articles too."""
    return counts.counted(
        Agency,
        CountScope.AGENCY,
        "parent_id",
        [agency.pk],
        ["id", "name"],
        "o.name, o.id",
        empty=True,
    )


# Who reported an initiative: the bureaus of its articles (a bureau's initiatives are kept
# counts, archive.counts.agency_initiatives). Two link tables joined on the article; whether
# it is published is the links' own copy (ArticleLink), so the articles themselves are not
# read. Written out, one query: the ORM's took two (ranking, then the objects) and long to
# build (docs/benchmarks.md, "Why the code is as it is").
_INITIATIVE_AGENCIES_SQL = """
SELECT g.id, g.name, r.code, r.name, count(DISTINCT la.article_id) AS n
FROM {articleinitiative} li
JOIN {articleagency} la ON la.article_id = li.article_id
JOIN {agency} g ON g.id = la.agency_id
LEFT JOIN {region} r ON r.id = g.region_id
WHERE li.initiative_id = %s AND li.article_is_published
GROUP BY g.id, r.id
ORDER BY n DESC, g.name
LIMIT %s
"""


# Initiatives


def initiative_agencies(initiative: Initiative, limit: int = 30) -> list[tuple[Agency, int]]:
    """[(agency, count)]: which bureaus ran the initiative, where, with how many articles."""
    with reading().cursor() as cursor:
        cursor.execute(sql.compose(_INITIATIVE_AGENCIES_SQL), [initiative.pk, limit])
        rows = cursor.fetchall()
    return [
        (
            Agency(
                id=pk,
                name=name,
                region=Region(code=code, name=region_name) if code is not None else None,
            ),
            n,
        )
        for pk, name, code, region_name, n in rows
    ]


def accepted_initiatives() -> list[tuple[Initiative, int]]:
    """[(initiative, count)] of the publicly listed initiatives, busiest first."""
    initiative_counts = counts.initiative_counts()
    initiatives = Initiative.objects.filter(status=Initiative.Status.ACCEPTED).only(
        "id", "name", "slug", "description"
    )
    return sorted(
        ((i, initiative_counts.get(i.pk, 0)) for i in initiatives),
        key=lambda pair: (-pair[1], pair[0].name),
    )


# Articles


# An article page's row and what it shows of its links, in one query written out: the same
# query built by the ORM (three ArraySubquery of JSONObject and an Exists) took longer to
# compile than to run (docs/benchmarks.md, "Why the code is as it is"). The columns kept for
# search and duplicate detection are left unread: the simplified texts repeat the bodies,
# which dominate a row's size.
_UNREAD_ON_PAGE = {"title_simplified", "body_simplified", "minhash", "minhash_bands"}
_ARTICLE_PAGE_SQL = """
SELECT {columns},
    (SELECT json_agg(json_build_object('id', r.id, 'code', r.code, 'name', r.name)
                     ORDER BY l.is_primary DESC, r.code)
     FROM {articleregion} l JOIN {region} r ON r.id = l.region_id
     WHERE l.article_id = a.id)::text AS linked_regions,
    (SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.name, g.id)
     FROM {articleagency} l JOIN {agency} g ON g.id = l.agency_id
     WHERE l.article_id = a.id)::text AS linked_agencies,
    (SELECT json_agg(json_build_object('id', i.id, 'name', i.name, 'slug', i.slug)
                     ORDER BY i.name, i.id)
     FROM {articleinitiative} l JOIN {initiative} i ON i.id = l.initiative_id
     WHERE l.article_id = a.id AND i.status = %s)::text AS linked_initiatives,
    EXISTS (SELECT FROM {article} c WHERE c.duplicate_of_id = a.id) AS has_copies
FROM {article} a
WHERE a.id = %s
"""
_ARTICLE_PAGE_COLUMNS = ", ".join(
    f"a.{field.column}"
    for field in Article._meta.concrete_fields
    if field.name not in _UNREAD_ON_PAGE
)


def read_article(pk: int) -> Any:
    """The article ``pk`` as its page reads it, or None: an Article (the unread columns
    deferred) with ``has_copies`` and ``links``, the regions (primary first, then by code),
    bureaus and accepted initiatives it names, as instances holding what a link shows."""
    if not _is_key(pk):
        return None
    # Any: the row carries columns Article has no field for (has_copies, links).
    article: Any = next(
        iter(
            Article.objects.raw(
                sql.compose(_ARTICLE_PAGE_SQL, columns=_ARTICLE_PAGE_COLUMNS),
                [Initiative.Status.ACCEPTED, pk],
            )
        ),
        None,
    )
    if article is not None:
        article.links = {
            name: [model(**fields) for fields in json.loads(getattr(article, column) or "[]")]
            for name, model, column in (
                ("regions", Region, "linked_regions"),
                ("agencies", Agency, "linked_agencies"),
                ("initiatives", Initiative, "linked_initiatives"),
            )
        }
    return article


def article_copies(article: Article) -> list[Article]:
    """The other copies of the same story: duplicates of this article, or, for a copy, its
    primary's other copies. Only what a reader needs to find them at their source."""
    return list(
        Article.objects.filter(duplicate_of=article)
        .only("id", "title", "source", "via_site", "original_url", "published_at", "date_precision")
        .order_by("published_at", "id")
    )


def citation(article: Article, permalink: str, accessed: date | None = None) -> str:
    """A GB/T 7714-2015 reference for an online news article:
    主要责任者. 题名[N/OL]. 出版者, 出版日期[引用日期]. 获取路径."""
    accessed = accessed or timezone.localdate()
    parts: list[str] = []
    if article.authors:
        parts.append(f"{article.authors}. ")
    parts.append(f"{article.title}[N/OL]. ")
    publisher = article.source or article.via_site
    date_part = article.date_iso
    if publisher and date_part:
        parts.append(f"{publisher}, {date_part}")
    else:
        parts.append(publisher or date_part or "出版者不详")
    parts.append(f"[{accessed:%Y-%m-%d}]. {article.original_url or permalink}.")
    return "".join(parts)


# Exports (archive.exports reads the rows; CSV lines are written here)

CSV_COLUMNS = [
    "id",
    "title",
    "published",
    "precision",
    "source",
    "regions",
    "agencies",
    "initiatives",
    "url",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


_CSV = csv.writer(_Echo())


def csv_row(values: Iterable[Any]) -> str:
    """One line of CSV: every CSV the archive writes goes through here, so that no cell
    starts a formula when the file is opened (archive.text.spreadsheet_safe)."""
    return _CSV.writerow(spreadsheet_safe(value) for value in values)


def csv_response(chunks: Iterable[list[dict[str, Any]]], filename: str) -> StreamingHttpResponse:
    """Articles as CSV, streamed a chunk at a time: ``chunks`` yields lists of records
    (``archive.exports.article_record``). UTF-8 with a byte-order mark: Excel reads the
    Chinese then."""

    def names(items: list[dict[str, Any]]) -> str:
        return "；".join(item["name"] for item in items)

    def lines() -> Iterator[str]:
        yield "\ufeff" + csv_row(CSV_COLUMNS)
        for chunk in chunks:
            yield "".join(
                csv_row(
                    [
                        r["id"],
                        r["title"],
                        r["published"] or "",
                        r["precision"],
                        r["source"],
                        names(r["regions"]),
                        names(r["agencies"]),
                        names(r["initiatives"]),
                        r["url"],
                    ]
                )
                for r in chunk
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
