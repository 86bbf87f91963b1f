"""What readers look for: searches counted per query and day, with nothing about who asked."""

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
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


class IndexedArticle(models.Model):
    """One published article as the PostgreSQL search engine (``search.postgres``) reads it:
    derived state, written only by that engine, in one transaction with its postings
    (``IndexPosting``) and its generation.

    No foreign key to the article: like any index, it may hold an article the database no
    longer has until the owed update drops it (``check_index`` reports it as extra)."""

    article_id = models.BigIntegerField("文章", primary_key=True)
    # Folded (search.analysis.fold): what long runs are confirmed on, and what the article's
    # posting keys are derived from again when it is rewritten or dropped.
    title = models.TextField("标题（折叠）")
    body = models.TextField("正文（折叠）")
    words = SearchVectorField("词")  # jieba words, the title's weighted A: ranking
    published_ts = models.BigIntegerField("发布时间戳")  # 0: undated
    year = models.IntegerField("年份", null=True)
    region_codes = ArrayField(models.TextField(), verbose_name="地区及上级")
    agency_ids = ArrayField(models.BigIntegerField(), verbose_name="单位及上级")
    initiative_slugs = ArrayField(models.TextField(), verbose_name="专项行动")
    reporters = ArrayField(models.TextField(), verbose_name="记者（折叠）")
    fingerprint = models.CharField("指纹", max_length=40)

    class Meta:
        verbose_name = "检索行"
        verbose_name_plural = "检索行"

    def __str__(self):
        return str(self.article_id)


class IndexPosting(models.Model):
    """The articles holding one key (a character or pair of a run, a common run, a title's
    character or pair, a filter value, a reporter, a word: ``search.postgres.backend.keys``)
    among the ids of one chunk (``article_id >> CHUNK_BITS``), as a serialized Roaring bitmap.

    A search reads the few keys its query needs and intersects them; a write rewrites only
    the chunks of the articles it changed (a chunk is one Roaring container, at most 8 KB)."""

    pk = models.CompositePrimaryKey("key", "chunk")
    key = models.TextField("键")
    chunk = models.IntegerField("编号段")
    articles = models.BinaryField("文章位图")

    class Meta:
        verbose_name = "检索倒排"
        verbose_name_plural = "检索倒排"

    def __str__(self):
        return f"{self.key}#{self.chunk}"


class IndexGeneration(models.Model):
    """The PostgreSQL engine's generation: one row, set from a sequence by every write in the
    writer's transaction. The row lock orders writers; a sequence never goes back, so a write
    rolled back never lets a later state reuse a number that cached derived values."""

    number = models.BigIntegerField("代数")
    # The runs of three or more characters indexed whole (search.analysis), chosen by the
    # last rebuild: every posting of the index was written with this list.
    common_runs = ArrayField(models.TextField(), default=list, verbose_name="常见串")

    class Meta:
        verbose_name = "检索代数"
        verbose_name_plural = "检索代数"

    def __str__(self):
        return str(self.number)
