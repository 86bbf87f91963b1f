"""Counts and timelines for the browse pages, read from maintained aggregates.

A GROUP BY over the articles for every page was far too slow (docs/benchmarks.md, "Why the
code is as it is"); cached, the first view after each write still paid it, and other workers
showed stale counts. So the counts are kept in two tables (archive.models): ``BrowseCount``
holds published articles per (scope, object, month) and per (scope, object), read by index
lookups; ``CountedKey``
remembers under which keys each article is counted, so that a writer can subtract what an
article used to contribute once its date, status or links changed, or once it was deleted.

``refresh(article_ids)`` recomputes the keys of those articles and applies the difference.
It is idempotent (a second call finds nothing to change) and runs in the writer's
transaction, so the counts commit or roll back with the write: step 2 of the write pipeline
(``archive.pipeline``), after extraction has linked the articles.

Region and agency trees rarely change; when a parent changes, that scope is rebuilt
(``rebuild``), as ``manage.py rebuild_counts`` does for all scopes.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from archive import pagecache, sql, trees
from archive.models import (
    Agency,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    BrowseCount,
    CountScope,
    Initiative,
    Region,
)
from config.replicas import reading


@dataclass(frozen=True)
class Timeline:
    """Articles per month, oldest first, plus how many have no known date."""

    months: list = field(default_factory=list)  # [(date(year, month, 1), count), …]
    undated: int = 0

    @property
    def key(self):
        """A digest of the figures: charts drawn from them are cached under it, so a drawing
        is never older than its numbers."""
        return hashlib.blake2b(
            repr((self.months, self.undated)).encode(), digest_size=12
        ).hexdigest()

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


# Scopes of one object (a pair scope has no timeline of its own).
_TIMELINE_SCOPES = [CountScope.ALL, CountScope.REGION, CountScope.AGENCY, CountScope.INITIATIVE]

# Written out: the ORM took longer to build this query than PostgreSQL to answer it.
_TIMELINE_SQL = """
SELECT month, count FROM {browsecount}
WHERE scope = %s AND object_id = %s AND count > 0
"""


def timeline(scope=CountScope.ALL, obj=None):
    """The timeline of all published articles, or of one region, agency or initiative: one
    index lookup. A region's timeline includes its cities and districts; an agency's its
    sub-units."""
    if scope not in _TIMELINE_SCOPES:
        raise ValueError(f"no timeline for scope {scope!r}")
    with reading().cursor() as cursor:
        cursor.execute(sql.compose(_TIMELINE_SQL), [scope, obj.pk if obj else 0])
        rows = cursor.fetchall()
    months, total = [], 0
    for month, count in rows:
        if month is None:
            total = count
        else:
            months.append((month, count))
    months.sort()
    return Timeline(months=months, undated=total - sum(count for _, count in months))


def cached_fragment(name, render):
    """A rendered piece of HTML (a chart), cached under a name that includes the digest of
    the figures it draws (``Timeline.key``): never stale, shared by every page showing it."""
    key = f"fragment:{name}"
    value = cache.get(key)
    if value is None:
        value = render()
        cache.set(key, value, None)
    return value


# Maintenance. The keys of published articles: one per scope object and the article's
# month (NULL when undated). UNION makes each key distinct, so an article linked to a city
# and to one of its districts counts once for the city and the province.
_KEYS_SQL = (
    """
WITH RECURSIVE art AS (
    SELECT a.id,
           CASE WHEN {dated:a}
                THEN date_trunc('month', a.published_at AT TIME ZONE %(tz)s)::date END AS month
    FROM {article} a
    WHERE {published:a} {articles}
),"""
    + trees.ancestors_cte(
        "region_tree",
        Region,
        "SELECT DISTINCT ar.region_id FROM {articleregion} ar JOIN art ON art.id = ar.article_id",
    )
    + ","
    + trees.ancestors_cte(
        "agency_tree",
        Agency,
        "SELECT DISTINCT aa.agency_id FROM {articleagency} aa JOIN art ON art.id = aa.article_id",
    )
    + """
SELECT art.id AS article_id, 'all'::text AS scope, 0::bigint AS object_id,
       0::bigint AS second_id, art.month
FROM art
UNION
SELECT art.id, 'region', rt.ancestor_id, 0, art.month
FROM art
JOIN {articleregion} ar ON ar.article_id = art.id
JOIN region_tree rt ON rt.node_id = ar.region_id
UNION
SELECT art.id, 'agency', gt.ancestor_id, 0, art.month
FROM art
JOIN {articleagency} aa ON aa.article_id = art.id
JOIN agency_tree gt ON gt.node_id = aa.agency_id
UNION
SELECT art.id, 'initiative', ai.initiative_id, 0, art.month
FROM art JOIN {articleinitiative} ai ON ai.article_id = art.id
UNION
SELECT art.id, 'agency_initiative', gt.ancestor_id, ai.initiative_id, art.month
FROM art
JOIN {articleagency} aa ON aa.article_id = art.id
JOIN agency_tree gt ON gt.node_id = aa.agency_id
JOIN {articleinitiative} ai ON ai.article_id = art.id
"""
)

# The difference between the keys the articles have now and those they are counted under,
# applied to CountedKey in the same statement; returns the changes per key, +1 or -1.
_REFRESH_SQL = f"""
WITH fresh AS ({_KEYS_SQL}),
counted AS (
    SELECT article_id, scope, object_id, second_id, month FROM {{countedkey}}
    WHERE article_id = ANY(%(ids)s)
),
added AS (SELECT * FROM fresh EXCEPT SELECT * FROM counted),
removed AS (SELECT * FROM counted EXCEPT SELECT * FROM fresh),
inserted AS (
    INSERT INTO {{countedkey}} (article_id, scope, object_id, second_id, month)
    SELECT * FROM added
),
deleted AS (
    DELETE FROM {{countedkey}} k USING removed r
    WHERE k.article_id = r.article_id AND k.scope = r.scope AND k.object_id = r.object_id
      AND k.second_id = r.second_id AND k.month IS NOT DISTINCT FROM r.month
)
SELECT scope, object_id, second_id, month, sum(change)::int FROM (
    SELECT scope, object_id, second_id, month, 1 AS change FROM added
    UNION ALL
    SELECT scope, object_id, second_id, month, -1 FROM removed
) changes
GROUP BY scope, object_id, second_id, month
"""

# Each change counts for its month (when dated) and for the object's total (month NULL).
# Sorted, so that concurrent writers lock the rows in the same order.
_APPLY_SQL = """
INSERT INTO {browsecount} (scope, object_id, second_id, month, count)
SELECT scope, object_id, second_id, month, sum(change) FROM (
    SELECT * FROM unnest(%(scopes)s::text[], %(objects)s::bigint[], %(seconds)s::bigint[],
                         %(months)s::date[], %(changes)s::int[])
         AS c(scope, object_id, second_id, month, change)
    WHERE month IS NOT NULL
    UNION ALL
    SELECT scope, object_id, second_id, NULL, change
    FROM unnest(%(scopes)s::text[], %(objects)s::bigint[], %(seconds)s::bigint[],
                %(changes)s::int[]) AS c(scope, object_id, second_id, change)
) c
GROUP BY scope, object_id, second_id, month
HAVING sum(change) <> 0
ORDER BY scope, object_id, second_id, month
ON CONFLICT (scope, object_id, second_id, month)
DO UPDATE SET count = {browsecount}.count + EXCLUDED.count
RETURNING id, count
"""

_REBUILD_SQL = f"""
INSERT INTO {{countedkey}} (article_id, scope, object_id, second_id, month)
SELECT * FROM ({_KEYS_SQL}) keys WHERE keys.scope = ANY(%(scopes)s)
"""

_FORGET_KEYS_SQL = "DELETE FROM {countedkey} WHERE scope = ANY(%(scopes)s)"
_FORGET_COUNTS_SQL = "DELETE FROM {browsecount} WHERE scope = ANY(%(scopes)s)"
_DELETE_COUNTS_SQL = "DELETE FROM {browsecount} WHERE id = ANY(%s)"

_TOTALS_FROM_KEYS_SQL = """
INSERT INTO {browsecount} (scope, object_id, second_id, month, count)
SELECT scope, object_id, second_id, month, count(*) FROM {countedkey}
WHERE scope = ANY(%(scopes)s) AND month IS NOT NULL GROUP BY scope, object_id, second_id, month
UNION ALL
SELECT scope, object_id, second_id, NULL, count(*) FROM {countedkey}
WHERE scope = ANY(%(scopes)s) GROUP BY scope, object_id, second_id
"""

_RECOUNT_SQL = f"""
SELECT scope, object_id, second_id, month, count(*)
FROM ({_KEYS_SQL}) k(id, scope, object_id, second_id, month)
WHERE month IS NOT NULL GROUP BY scope, object_id, second_id, month
UNION ALL
SELECT scope, object_id, second_id, NULL, count(*)
FROM ({_KEYS_SQL}) k(id, scope, object_id, second_id, month)
GROUP BY scope, object_id, second_id
"""


# The keys of the articles ``%(ids)s`` only (``{articles}`` in _KEYS_SQL).
_SOME_ARTICLES = "AND a.id = ANY(%(ids)s)"


def refresh(article_ids):
    """Bring the counts of these articles up to date (created, edited, hidden, relinked or
    deleted ones alike), in the current transaction. Returns how many keys changed."""
    ids = sorted(set(article_ids))
    if not ids:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        # Two transactions refreshing the same article would both subtract its old keys.
        pagecache.lock_writers(cursor)
        cursor.execute(
            sql.compose(_REFRESH_SQL, articles=_SOME_ARTICLES),
            {"tz": settings.TIME_ZONE, "ids": ids},
        )
        changes = [row for row in cursor.fetchall() if row[4]]
        if changes:
            scopes, objects, seconds, months, deltas = (
                list(column) for column in zip(*changes, strict=True)
            )
            cursor.execute(
                sql.compose(_APPLY_SQL),
                {
                    "scopes": scopes,
                    "objects": objects,
                    "seconds": seconds,
                    "months": months,
                    "changes": deltas,
                },
            )
            emptied = [pk for pk, count in cursor.fetchall() if count == 0]
            if emptied:
                cursor.execute(sql.compose(_DELETE_COUNTS_SQL), [emptied])
    return len(changes)


def rebuild(scopes=None):
    """Recount ``scopes`` (all by default) from the articles, replacing what is kept, and
    let the cached pages go (they show counts). Returns the number of BrowseCount rows
    written."""
    scopes = list(scopes or CountScope.values)
    pagecache.changed()
    with transaction.atomic(), connection.cursor() as cursor:
        # Two transactions refreshing the same article would both subtract its old keys.
        pagecache.lock_writers(cursor)
        cursor.execute(sql.compose(_FORGET_KEYS_SQL), {"scopes": scopes})
        cursor.execute(sql.compose(_FORGET_COUNTS_SQL), {"scopes": scopes})
        cursor.execute(
            sql.compose(_REBUILD_SQL, articles=""), {"tz": settings.TIME_ZONE, "scopes": scopes}
        )
        cursor.execute(sql.compose(_TOTALS_FROM_KEYS_SQL), {"scopes": scopes})
        return cursor.rowcount


def discrepancies():
    """[(scope, object id, second object id, month, kept, recounted)] wherever the kept
    counts differ from a fresh GROUP BY over the articles and their links; empty when the
    counts are exact."""
    with connection.cursor() as cursor:
        cursor.execute(sql.compose(_RECOUNT_SQL, articles=""), {"tz": settings.TIME_ZONE})
        fresh = {row[:4]: row[4] for row in cursor.fetchall()}
    kept = {
        key[:4]: key[4]
        for key in BrowseCount.objects.values_list(
            "scope", "object_id", "second_id", "month", "count"
        )
    }
    return sorted(
        (
            (*key, kept.get(key, 0), fresh.get(key, 0))
            for key in kept.keys() | fresh.keys()
            if kept.get(key, 0) != fresh.get(key, 0)
        ),
        key=lambda row: (row[0], row[1], row[2], row[3] or date.min),
    )


# Each link's copy of its article's date and status (ArticleLink, read by the lists of
# archive.browse.LinkedArticles) is kept by triggers (migration 0009). Should they ever have
# been off (a restore with --disable-triggers, a replica role), these find the copies that
# differ and mend them: touching a link makes its trigger read the article again.
_LINK_TABLES = [model._meta.db_table for model in (ArticleRegion, ArticleAgency, ArticleInitiative)]
_COPY_DIFFERS_SQL = """
FROM {table} l JOIN {article} a ON a.id = l.article_id
WHERE l.article_published_at IS DISTINCT FROM a.published_at
   OR l.article_is_published <> ({published:a})
   OR l.article_is_dated <> ({dated:a})
"""


def link_copy_discrepancies():
    """[(link table, link id, article id)] of the links whose copy differs from their article."""
    rows = []
    with connection.cursor() as cursor:
        for table in _LINK_TABLES:
            cursor.execute(
                "SELECT l.id, l.article_id " + sql.compose(_COPY_DIFFERS_SQL, table=table)
            )
            rows += [(table, *row) for row in cursor.fetchall()]
    return rows


def mend_link_copies():
    """Make every link's copy its article's again; how many links were mended."""
    mended = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _LINK_TABLES:
            differing = "SELECT l.id " + sql.compose(_COPY_DIFFERS_SQL, table=table)
            cursor.execute(f"UPDATE {table} SET article_id = article_id WHERE id IN ({differing})")
            mended += cursor.rowcount
    return mended


# Receivers (connected in ArchiveConfig.ready)


# The scopes that roll a region or an agency up into its ancestors.
_TREE_SCOPES = {
    Region: [CountScope.REGION],
    Agency: [CountScope.AGENCY, CountScope.AGENCY_INITIATIVE],
}


def on_tree_saving(sender, instance, raw=False, **kwargs):
    """``pre_save`` of a region or agency: remember its parent, to see whether it moves."""
    if instance.pk and not raw:
        instance._parent_before = (
            sender.objects.filter(pk=instance.pk).values_list("parent_id", flat=True).first()
        )


def on_tree_saved(sender, instance, created=False, raw=False, **kwargs):
    """A region or agency that moved under another parent changes every ancestor's
    roll-up: that scope is rebuilt (rare, staff-made)."""
    if (
        not created
        and not raw
        and instance.parent_id != getattr(instance, "_parent_before", instance.parent_id)
    ):
        rebuild(_TREE_SCOPES[sender])


def on_tree_deleted(sender, instance, **kwargs):
    """A deleted agency's sub-units lose their parent (SET_NULL, by an UPDATE that sends no
    signal): the agency scopes are rebuilt."""
    rebuild(_TREE_SCOPES[sender])


# Reading


def _totals_of_all_scopes():
    return BrowseCount.objects.filter(month=None, count__gt=0)


def _totals(scope):
    return _totals_of_all_scopes().filter(scope=scope)


def region_counts():
    """{region id: published articles in it or in its cities and districts}."""
    return dict(_totals(CountScope.REGION).values_list("object_id", "count"))


def agency_counts():
    """{agency id: published articles of the agency or of any of its sub-units}."""
    return dict(_totals(CountScope.AGENCY).values_list("object_id", "count"))


def initiative_counts():
    """{initiative id: published articles reporting it} (any status; callers filter)."""
    return dict(_totals(CountScope.INITIATIVE).values_list("object_id", "count"))


# The object lists beside a region's or a bureau's articles (its districts, its bureaus, its
# sub-units): the ORM took far longer to build each of these queries than PostgreSQL to
# answer it (docs/benchmarks.md, "Why the code is as it is"). Table, column and order come
# from code, never from a request.
_COUNTED_SQL = """
SELECT {columns}, COALESCE(c.count, 0)
FROM {table} o
{join} {browsecount} c
    ON c.scope = %s AND c.object_id = o.id AND c.month IS NULL AND c.count > 0
WHERE o.{column} = ANY(%s)
ORDER BY {order}
LIMIT %s
"""


def counted(model, scope, column, values, fields, order, limit=None, empty=False):
    """[(object, count)]: the ``model`` objects whose ``column`` is one of ``values``, with
    their published articles, in ``order`` (SQL over ``o``, the object, and ``c.count``).
    The objects hold only ``fields``. Objects without articles are left out unless
    ``empty``."""
    query = sql.compose(
        _COUNTED_SQL,
        columns=", ".join(f"o.{name}" for name in fields),
        table=model._meta.db_table,
        join="LEFT JOIN" if empty else "JOIN",
        column=column,
        order=order,
    )
    with reading().cursor() as cursor:
        cursor.execute(query, [scope, list(values), limit])
        rows = cursor.fetchall()
    return [(model(**dict(zip(fields, row[:-1], strict=True))), row[-1]) for row in rows]


def _ranked(scope, queryset, limit):
    """[(object, count)] most articles first, among ``queryset``: the totals are walked in
    count order (index browsecount_ranking) until ``limit`` of them belong to it."""
    ranked = list(
        _totals(scope)
        .filter(object_id__in=queryset.values("pk"))
        .order_by("-count", "object_id")
        .values_list("object_id", "count")[:limit]
    )
    objects = queryset.in_bulk([pk for pk, _ in ranked])
    return [(objects[pk], n) for pk, n in ranked if pk in objects]


_AGENCY_INITIATIVES_SQL = """
SELECT i.id, i.name, i.slug, c.count
FROM {browsecount} c JOIN {initiative} i ON i.id = c.second_id
WHERE c.scope = %s AND c.object_id = %s AND c.month IS NULL AND c.count > 0 AND i.status = %s
ORDER BY c.count DESC, i.name
LIMIT %s
"""


def agency_initiatives(agency, limit=30):
    """[(initiative, count)]: the accepted initiatives reported in the published articles of
    ``agency`` and its sub-units, most articles first; a lookup of the kept pair counts."""
    with reading().cursor() as cursor:
        cursor.execute(
            sql.compose(_AGENCY_INITIATIVES_SQL),
            [CountScope.AGENCY_INITIATIVE, agency.pk, Initiative.Status.ACCEPTED, limit],
        )
        rows = cursor.fetchall()
    return [(Initiative(id=pk, name=name, slug=slug), n) for pk, name, slug, n in rows]


def top_regions(level, limit=10):
    """[(region, count)] of one level (Region.Level), most articles first."""
    return _ranked(
        CountScope.REGION, Region.objects.filter(level=level).select_related("parent"), limit
    )


def top_agencies(limit=10):
    return _ranked(CountScope.AGENCY, Agency.objects.select_related("region"), limit)


def top_initiatives(limit=10):
    return _ranked(
        CountScope.INITIATIVE,
        Initiative.objects.filter(status=Initiative.Status.ACCEPTED),
        limit,
    )


def totals():
    """The home page's headline numbers: one pass over the totals (a few thousand rows)."""
    accepted = Initiative.objects.filter(status=Initiative.Status.ACCEPTED).values("pk")
    figures = _totals_of_all_scopes().aggregate(
        articles=Sum("count", filter=Q(scope=CountScope.ALL), default=0),
        regions=Count("id", filter=Q(scope=CountScope.REGION)),
        agencies=Count("id", filter=Q(scope=CountScope.AGENCY)),
        initiatives=Count("id", filter=Q(scope=CountScope.INITIATIVE, object_id__in=accepted)),
    )
    return figures
