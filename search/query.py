"""What a reader's query means, how it runs, and what comes back (plain functions).

Syntax: words separated by spaces must all occur (AND); ``"…"`` (or “…”) is an exact
phrase; ``-word`` excludes; ``OR`` between two words accepts either. Every word is folded
(``search.analysis.fold``) exactly as the index was, so 濱州 and 滨州 are the same query. A
query of any shape parses: what cannot be searched (punctuation) is dropped, never raised.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch
from django.db.models.functions import ExtractYear
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pyroaring import BitMap

from archive import trees
from archive.models import (
    Agency,
    Article,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    Initiative,
    Region,
)
from search.analysis import fold, runs
from search.bitmaps import PackedIds, packed_bitmap
from search.engine import engine

PER_PAGE = 10
FACET_SIZE = 12
# A facet value and its label, e.g. ("3201", "南京市").
Value = tuple[str, str]
_TOKEN = re.compile(r'(-?)(?:["“”]([^"“”]*)["“”]?|(\S+))')


@dataclass
class Plan:
    """A parsed query: AND of ``groups`` (each an OR of terms), minus ``excluded``."""

    groups: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def highlight_terms(self) -> list[str]:
        """The folded Han and Latin runs to mark in snippets, longest first."""
        terms = {text for group in self.groups for term in group for _, text in runs(term)}
        return sorted(terms, key=len, reverse=True)


def _searchable(text: str) -> str:
    folded = fold(text)
    return folded if any(True for _ in runs(folded)) else ""


def parse(raw: str | None) -> Plan:
    """``Plan`` of a query string; unsearchable pieces (punctuation, lone dashes) vanish."""
    plan = Plan()
    join_next = False
    for match in _TOKEN.finditer((raw or "").replace("\u3000", " ")):
        negative, phrase, word = match.group(1) == "-", match.group(2), match.group(3)
        if word == "OR" and not negative:
            join_next = bool(plan.groups)
            continue
        term = _searchable(phrase if phrase is not None else word)
        if not term:
            continue
        if negative:
            plan.excluded.append(term)
        elif join_next:
            plan.groups[-1].append(term)
        else:
            plan.groups.append([term])
        join_next = False
    return plan


@dataclass
class Outcome:
    plan: Plan
    page: Page | None = None
    paginator: Paginator | None = None
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def search(
    params: Mapping[str, Any], page_number: int | str = 1, per_page: int = PER_PAGE
) -> Outcome:
    """Run a search from ``SearchForm.cleaned_data``; the page's articles carry a ``snippet``.

    Raises ``django.core.paginator.InvalidPage`` for a page that does not exist.
    """
    plan = parse(params.get("q", ""))
    outcome = Outcome(plan=plan)
    if plan.is_empty:
        return outcome
    ids = engine().find(plan, filters=params, sort=params.get("sort") or "relevance")
    outcome.paginator = Paginator(ids, per_page, orphans=2, allow_empty_first_page=True)
    outcome.page = outcome.paginator.page(page_number)
    outcome.page.object_list = load_articles(outcome.page.object_list, plan)
    outcome.facets = facets(ids.article_ids())
    return outcome


def ranked_ids(params: Mapping[str, Any]) -> list[int]:
    """The ids of every article matching ``params``, in the search's order (what an export
    of the search lists)."""
    plan = parse(params.get("q", ""))
    if plan.is_empty:
        return []
    return engine().find(plan, filters=params, sort=params.get("sort") or "relevance")[:]


def newest_matches(params: Mapping[str, Any], limit: int, fields: Sequence[str]) -> list[Article]:
    """The ``limit`` newest published articles matching ``params`` (``SearchForm``'s cleaned
    data), newest first, with ``fields`` besides a card's: what a search's feed holds."""
    plan = parse(params.get("q", ""))
    if plan.is_empty:
        return []
    ids = engine().find(plan, filters=params, sort="date")[:limit]
    found = Article.objects.published().for_listing(*fields).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def reporter_article_ids(name: str) -> list[int]:
    """Ids of the indexed articles whose byline names the reporter ``name``, in either script."""
    return engine().bylined(fold(name))


def load_articles(ids: Iterable[int], plan: Plan) -> list[Article]:
    """The articles of ``ids`` in that order, with links prefetched and a ``snippet``: the
    columns a result shows, not the HTML and simplified bodies nor the whole linked rows
    (those took a large share of an uncached search page: docs/benchmarks.md, "Why the code
    is as it is")."""
    articles: dict[int, Any] = (
        Article.objects.for_listing("body_text", "authors")
        .annotate(copy_count=Count("copies"))
        .prefetch_related(
            Prefetch("regions", queryset=Region.objects.only("id", "name")),
            Prefetch("agencies", queryset=Agency.objects.only("id", "name")),
            Prefetch(
                "initiatives",
                queryset=Initiative.objects.filter(status=Initiative.Status.ACCEPTED).only(
                    "id", "name"
                ),
            ),
        )
        .in_bulk(ids)
    )
    terms = plan.highlight_terms()
    ordered: list[Article] = []
    for pk in ids:
        article = articles.get(pk)
        if article is None:  # deleted since the index was read
            continue
        article.snippet = snippet(article.body_text, terms)
        article.title_marked = mark(article.title, terms)
        ordered.append(article)
    return ordered


# Facets ----------------------------------------------------------------------------------


def _city_of() -> dict[int, Value]:
    """{region id: (code, name) of its city}; provinces and unplaced regions map to nothing."""
    rows = {r[0]: r for r in Region.objects.values_list("id", "code", "name", "level", "parent_id")}
    parents = {region_id: row[4] for region_id, row in rows.items()}
    cities: dict[int, Value] = {}
    for region_id in rows:
        for node in trees.climb([region_id], parents):
            if node in rows and rows[node][3] == Region.Level.CITY:
                cities[region_id] = (rows[node][1], rows[node][2])
    return cities


def _members(groups: Iterable[tuple[Any, bytes]]) -> dict[Any, BitMap]:
    """{key: BitMap of the article ids paired with it} from (key, ids packed by
    ``PackedIds``) groups; keys that recur (a city's districts) are united."""
    members: dict[Any, BitMap] = {}
    for key, packed in groups:
        members[key] = members.get(key, BitMap()) | packed_bitmap(packed)
    return members


@dataclass
class FacetTable:
    """For each facet value, the article ids that have it (all articles, from the link tables)
    as a compressed bitmap.

    Built once per index generation (``engine().per_generation``): counting a value is then
    the cardinality of a bitmap intersection, in C, without building it, instead of four
    PostgreSQL queries over the matching ids, which cost more than the search itself when a
    query matches most of the archive.
    """

    region: dict[Value, BitMap]
    agency: dict[Value, BitMap]
    initiative: dict[Value, BitMap]
    year: dict[int, BitMap]

    @classmethod
    def load(cls) -> "FacetTable":
        """Each value's articles, grouped and packed by PostgreSQL: one row a value."""
        city_of = _city_of()
        region = _members(
            (city_of[region_id], packed)
            for region_id, packed in ArticleRegion.objects.values("region_id")
            .annotate(ids=PackedIds("article_id"))
            .values_list("region_id", "ids")
            if region_id in city_of
        )
        agency = _members(
            ((str(agency_id), name), packed)
            for agency_id, name, packed in ArticleAgency.objects.values("agency_id", "agency__name")
            .annotate(ids=PackedIds("article_id"))
            .values_list("agency_id", "agency__name", "ids")
        )
        # Accepted initiatives only: suggested ones are linked for staff, not for readers.
        initiative = _members(
            ((slug, name), packed)
            for slug, name, packed in ArticleInitiative.objects.filter(
                initiative__status=Initiative.Status.ACCEPTED
            )
            .values("initiative__slug", "initiative__name")
            .annotate(ids=PackedIds("article_id"))
            .values_list("initiative__slug", "initiative__name", "ids")
        )
        return cls(region, agency, initiative, _members(cls.years()))

    @staticmethod
    def years() -> Any:
        """(year, packed ids) of the dated articles: read from the index ``article_dated``
        alone, not from the article rows."""
        return (
            Article.objects.dated()
            .annotate(y=ExtractYear("published_at"))
            .values("y")
            .annotate(ids=PackedIds("id"))
            .values_list("y", "ids")
        )

    @staticmethod
    def counts(values: dict[Any, BitMap], ids: BitMap) -> list[tuple[Any, int]]:
        """[(key, count)] of the values that occur among ``ids``, most first."""
        counted = ((key, members.intersection_cardinality(ids)) for key, members in values.items())
        return [(key, n) for key, n in counted if n]


def facets(ids: Iterable[int]) -> dict[str, list[dict[str, Any]]]:
    """Counts by city, agency, initiative and year over all matching articles (``ids``: a
    ``BitMap``, as the Whoosh engine gives them, or any iterable of ids)."""
    matched = ids if isinstance(ids, BitMap) else BitMap(ids)
    if not matched:
        return {"region": [], "agency": [], "initiative": [], "year": []}
    table = engine().per_generation("facets", FacetTable.load)

    def top(values: dict[Value, BitMap]) -> list[dict[str, Any]]:
        ranked = sorted(FacetTable.counts(values, matched), key=lambda item: (-item[1], item[0][1]))
        return [
            {"value": value, "label": label, "count": n}
            for (value, label), n in ranked[:FACET_SIZE]
        ]

    year = [
        {"value": str(y), "label": f"{y}年", "count": n}
        for y, n in sorted(FacetTable.counts(table.year, matched), reverse=True)
    ]
    return {
        "region": top(table.region),
        "agency": top(table.agency),
        "initiative": top(table.initiative),
        "year": year,
    }


# Highlighting ----------------------------------------------------------------------------


def _folded_same_length(text: str) -> str:
    """The folded text, aligned character for character with ``text``."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    # OpenCC changed a length (rare phrase mappings): fold one character at a time.
    return "".join(fold(char)[:1] or char for char in text)


def _spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Merged (start, end) spans of ``terms`` in ``text`` (matched on the folded text)."""
    folded = _folded_same_length(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = folded.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _render(text: str, spans: list[tuple[int, int]], offset: int = 0) -> SafeString:
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(escape(text[position : start - offset]))
        out.append(f"<mark>{escape(text[start - offset : end - offset])}</mark>")
        position = end - offset
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


def mark(text: str, terms: Iterable[str]) -> SafeString:
    """``text`` HTML-escaped with every occurrence of ``terms`` in ``<mark>``."""
    return _render(text, _spans(text, terms))


def snippet(text: str | None, terms: Iterable[str], width: int = 120) -> SafeString:
    """About ``width`` characters of ``text`` around its first match, escaped and marked."""
    text = " ".join((text or "").split())
    spans = _spans(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 4, len(text) - width))
    end = start + width
    window = [(max(s, start), min(e, end)) for s, e in spans if e > start and s < end]
    body = _render(text[start:end], window, offset=start)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(f"{prefix}{body}{suffix}")
