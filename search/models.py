"""What readers look for: searches counted per query and day, with nothing about who asked."""

from datetime import timedelta

from django.db import connection, models
from django.db.models import Max, OuterRef, Subquery, Sum
from django.utils import timezone

QUERY_MAX_LENGTH = 200


class SearchQueryLogQuerySet(models.QuerySet):
    def since_days(self, days, today=None):
        today = today or timezone.localdate()
        return self.filter(day__gt=today - timedelta(days=days))

    def frequent(self):
        """Queries by how often they were asked, summed over the days in this queryset, with
        the result count of the latest search."""
        latest = SearchQueryLog.objects.filter(query=OuterRef("query")).order_by("-day")
        return (
            self.values("query")
            .annotate(
                searches=Sum("count"),
                last_day=Max("day"),
                last_results=Subquery(latest.values("result_count")[:1]),
            )
            .order_by("-searches", "query")
        )

    def without_results(self):
        """Queries that found nothing on some day; a later day may have found something."""
        return self.filter(result_count=0).frequent()


class SearchQueryLog(models.Model):
    """One row per (query, day): how many searches asked it and how many results the last
    one found. No address, user, session or time of day is kept."""

    query = models.CharField("检索词", max_length=QUERY_MAX_LENGTH)
    day = models.DateField("日期")
    count = models.PositiveIntegerField("次数", default=0)
    result_count = models.PositiveIntegerField("结果数", default=0)

    objects = SearchQueryLogQuerySet.as_manager()

    class Meta:
        verbose_name = "读者检索"
        verbose_name_plural = "读者检索"
        ordering = ["-day", "-count"]
        constraints = [
            # record_search upserts on this pair.
            models.UniqueConstraint(fields=["query", "day"], name="searchquerylog_query_day"),
        ]
        indexes = [
            # The admin report reads the last 30 days.
            models.Index(fields=["day"], name="searchquerylog_day"),
        ]

    def __str__(self):
        return self.query


def normalize_query(query):
    """The form a query is counted under: surrounding and repeated spaces do not make a new
    query (a full-width space counts as a space)."""
    return " ".join((query or "").split())[:QUERY_MAX_LENGTH]


def record_search(query, result_count):
    """Count one search for today. Called by the search view once per results page served.

    One statement (INSERT … ON CONFLICT), so that concurrent workers counting the same query
    never lose a count nor fail on the unique constraint. Empty queries are not counted.
    """
    query = normalize_query(query)
    if not query:
        return
    table = connection.ops.quote_name(SearchQueryLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (query, day, count, result_count) VALUES (%s, %s, 1, %s) "
            "ON CONFLICT (query, day) DO UPDATE "
            f"SET count = {table}.count + 1, result_count = EXCLUDED.result_count",
            [query, timezone.localdate(), max(int(result_count), 0)],
        )


class OwedIndexUpdate(models.Model):
    """Index work a committed write still owes: one row per article whose document must be
    written (or dropped) again. Inserted in the writer's transaction (``archive.pipeline``),
    so it commits with the write or not at all; deleted by the worker (``search.outbox``)
    only after the index commit that paid it. A crash anywhere leaves the row, never loses
    it, and writing a document twice is harmless."""

    article_id = models.BigIntegerField("文章")
    owed_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "待更新索引"
        verbose_name_plural = "待更新索引"
        ordering = ["id"]

    def __str__(self):
        return str(self.article_id)
