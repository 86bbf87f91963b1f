"""Counts and timelines for the browse pages, computed by GROUP BY queries and cached.

Computed on every view, the home page's aggregates (per-month GROUP BY, region and bureau
roll-ups) took 437 ms at 10,000 articles (bench/pages.py --uncached), and the numbers change
only when articles are imported or edited. So each aggregate is cached under a *generation*
key; every writer of articles sends ``articles_changed`` (archive.signals), which starts a
new generation. The first view after a write pays the computation once per worker.

The generation lives in the default cache. With a cache shared by all workers (database,
Redis, Memcached) the counts are fresh as soon as a write commits; with the per-process
locmem cache other workers may show counts up to ``BROWSE_COUNTS_SECONDS`` old.
"""

import time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth

from archive.models import Agency, Article, Initiative, Region

_GENERATION_KEY = "browse:generation"


def new_generation(**kwargs):
    """Receiver of ``articles_changed``: every cached count becomes stale at once."""
    cache.set(_GENERATION_KEY, time.time_ns(), None)


def cached(name, compute):
    """``compute()``'s value, cached until articles change (or BROWSE_COUNTS_SECONDS pass)."""
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = time.time_ns()
        cache.add(_GENERATION_KEY, generation, None)
        generation = cache.get(_GENERATION_KEY, generation)
    key = f"browse:{generation}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.BROWSE_COUNTS_SECONDS)
    return value


@dataclass(frozen=True)
class Timeline:
    """Articles per month, oldest first, plus how many have no known date."""

    months: list = field(default_factory=list)  # [(date(year, month, 1), count), …]
    undated: int = 0
    key: str = ""  # its cache name: charts drawn from it are cached under the same name

    @property
    def dated(self):
        return sum(count for _, count in self.months)

    @property
    def total(self):
        return self.dated + self.undated

    def years(self):
        """[(year, count)] newest first, for year filters and the date archive."""
        totals = {}
        for month, count in self.months:
            totals[month.year] = totals.get(month.year, 0) + count
        return sorted(totals.items(), reverse=True)

    def by_year(self):
        """[(year, count, [(month, count)])] newest year first, months in order."""
        months = {}
        for month, count in self.months:
            months.setdefault(month.year, []).append((month, count))
        return [(year, count, months[year]) for year, count in self.years()]

    def count_in_year(self, year):
        return sum(count for month, count in self.months if month.year == year)

    def count_in_month(self, year, month):
        return dict(self.months).get(date(year, month, 1), 0)


def _timeline(articles, key):
    rows = (
        articles.dated()
        .annotate(month=TruncMonth("published_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    months = sorted((month.date(), n) for month, n in rows)
    return Timeline(months=months, undated=articles.undated().count(), key=key)


def timeline(scope="all", obj=None):
    """The timeline of all published articles, or of one region, agency or initiative.

    A region's timeline includes its cities and districts; an agency's its sub-units.
    """
    published = Article.objects.published()
    if scope == "all":
        articles = published
    elif scope == "region":
        articles = published.in_regions(region_subtree(obj))
    elif scope == "agency":
        articles = published.in_agencies(agency_subtree(obj))
    elif scope == "initiative":
        articles = published.in_initiative(obj)
    else:
        raise ValueError(f"unknown timeline scope {scope!r}")
    # Querysets are lazy: nothing above touches the database unless the cache misses.
    key = f"timeline:{scope}:{obj.pk if obj else ''}"
    return cached(key, lambda: _timeline(articles, key))


def cached_fragment(name, render):
    """A rendered piece of HTML (a chart) drawn from cached counts, cached alongside them."""
    return cached(f"html:{name}", render)


def region_subtree(region):
    """A subquery of the region's id and those of its cities and districts (three levels)."""
    return Region.objects.filter(
        Q(pk=region.pk) | Q(parent_id=region.pk) | Q(parent__parent_id=region.pk)
    ).values("pk")


# Agencies nest deeper than regions (ministry › department › bureau › sub-bureau › station)
# and staff may create a cycle by mistake: the recursion stops at depth 8.
_AGENCY_DESCENDANTS_SQL = """
WITH RECURSIVE tree(id, depth) AS (
    SELECT %s::bigint, 0
    UNION
    SELECT a.id, tree.depth + 1 FROM archive_agency a JOIN tree ON a.parent_id = tree.id
    WHERE tree.depth < 8
)
SELECT DISTINCT id FROM tree
"""


def agency_subtree(agency):
    """A subquery of the agency's id and those of all its sub-units, for ``…_id__in=``."""
    return RawSQL(_AGENCY_DESCENDANTS_SQL, [agency.pk])


def agency_subtree_ids(agency):
    """The same ids as a list (cached). Lists of articles take this form: PostgreSQL
    probes ``agency_id IN (1, 2, 3)`` per candidate row far faster than the recursive
    subquery (8 ms against 2 ms for a page at 10,000 articles)."""
    return cached(
        f"agency-subtree:{agency.pk}",
        lambda: list(
            Agency.objects.filter(pk__in=agency_subtree(agency)).values_list("pk", flat=True)
        ),
    )


# Each link counts for its region, the region's parent and grandparent; DISTINCT makes an
# article linked to a city and to one of its districts count once for the city.
_REGION_COUNTS_SQL = """
SELECT anc.id, count(DISTINCT ar.article_id)
FROM archive_articleregion ar
JOIN archive_article art ON art.id = ar.article_id AND art.status = %s
JOIN archive_region r ON r.id = ar.region_id
LEFT JOIN archive_region p ON p.id = r.parent_id
CROSS JOIN LATERAL (VALUES (r.id), (r.parent_id), (p.parent_id)) AS anc(id)
WHERE anc.id IS NOT NULL
GROUP BY anc.id
"""

_AGENCY_COUNTS_SQL = """
WITH RECURSIVE up(agency_id, ancestor_id, depth) AS (
    SELECT id, id, 0 FROM archive_agency
    UNION ALL
    SELECT up.agency_id, a.parent_id, up.depth + 1
    FROM up JOIN archive_agency a ON a.id = up.ancestor_id
    WHERE a.parent_id IS NOT NULL AND up.depth < 8
)
SELECT up.ancestor_id, count(DISTINCT aa.article_id)
FROM archive_articleagency aa
JOIN archive_article art ON art.id = aa.article_id AND art.status = %s
JOIN up ON up.agency_id = aa.agency_id
GROUP BY up.ancestor_id
"""

_INITIATIVE_COUNTS_SQL = """
SELECT ai.initiative_id, count(*)
FROM archive_articleinitiative ai
JOIN archive_article art ON art.id = ai.article_id AND art.status = %s
GROUP BY ai.initiative_id
"""


def _counts(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql, [Article.Status.PUBLISHED])
        return dict(cursor.fetchall())


def region_counts():
    """{region id: published articles in it or in its cities and districts}."""
    return cached("counts:region", lambda: _counts(_REGION_COUNTS_SQL))


def agency_counts():
    """{agency id: published articles of the agency or of any of its sub-units}."""
    return cached("counts:agency", lambda: _counts(_AGENCY_COUNTS_SQL))


def initiative_counts():
    """{initiative id: published articles reporting it} (any status; callers filter)."""
    return cached("counts:initiative", lambda: _counts(_INITIATIVE_COUNTS_SQL))


def _ranked(name, queryset, counts, limit):
    """[(object, count)] most articles first, among ``queryset``. Cached whole, objects
    included: the home page shows three rankings and should not pay a query for each.
    (A renamed region shows its new name when the counts are next recomputed.)"""

    def compute():
        eligible = queryset.in_bulk(list(counts))
        ranked = sorted(
            ((pk, n) for pk, n in counts.items() if pk in eligible),
            key=lambda item: (-item[1], item[0]),
        )
        return [(eligible[pk], n) for pk, n in ranked[:limit]]

    return cached(f"ranked:{name}:{limit}", compute)


def top_regions(level, limit=10):
    """[(region, count)] of one level (Region.Level), most articles first."""
    return _ranked(
        f"region:{level}",
        Region.objects.filter(level=level).select_related("parent"),
        region_counts(),
        limit,
    )


def top_agencies(limit=10):
    return _ranked("agency", Agency.objects.select_related("region"), agency_counts(), limit)


def top_initiatives(limit=10):
    return _ranked(
        "initiative",
        Initiative.objects.filter(status=Initiative.Status.ACCEPTED),
        initiative_counts(),
        limit,
    )


def totals():
    """The home page's headline numbers."""

    def compute():
        everything = timeline()
        return {
            "articles": everything.total,
            "regions": len(region_counts()),
            "agencies": len(agency_counts()),
            "initiatives": Initiative.objects.filter(
                status=Initiative.Status.ACCEPTED, pk__in=list(initiative_counts())
            ).count(),
        }

    return cached("totals", compute)
