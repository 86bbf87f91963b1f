"""The archive's records: articles, the places and police units they are about, the named
campaigns they report, and where every article came from."""

import re

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from archive.chinese import to_simplified
from archive.text import xml_safe


class Region(models.Model):
    """An administrative division of China (GB/T 2260 code), from the vendored gazetteer."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "地级"
        COUNTY = "county", "县级"

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    short_name = models.CharField("简称", max_length=32, blank=True)
    aliases = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    level = models.CharField("级别", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [
            # Region tree pages list the children of one region.
            models.Index(fields=["parent", "code"], name="region_parent_code"),
            models.Index(fields=["name"], name="region_name"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:region_detail", args=[self.code])


class Agency(models.Model):
    """A police unit: a provincial department, a city bureau, a sub-bureau, a station…"""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", "公安部"
        PROVINCIAL = "provincial", "公安厅"
        CITY_BUREAU = "city_bureau", "市公安局"
        COUNTY_BUREAU = "county_bureau", "县（市、区）公安局"
        SUB_BUREAU = "sub_bureau", "公安分局"
        STATION = "station", "派出所"
        TRAFFIC = "traffic", "交警队"
        DETACHMENT = "detachment", "支队"
        BRIGADE = "brigade", "大队"
        SQUAD = "squad", "中队"
        MINISTRY_BUREAU = "ministry_bureau", "公安部业务局"
        # Police with their own hierarchy, not under the bureau of the place they sit in.
        RAILWAY = "railway", "铁路公安"
        FOREST = "forest", "森林公安"
        AIRPORT = "airport", "民航机场公安"
        PORT = "port", "港航边防公安"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=128)
    aliases = ArrayField(models.CharField(max_length=128), default=list, blank=True)
    kind = models.CharField("类别", max_length=24, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name="上级单位",
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agencies",
        verbose_name="所在区划",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "公安单位"
        verbose_name_plural = "公安单位"
        ordering = ["name"]
        constraints = [
            # One unit per name and place; the same station name recurs in other cities.
            models.UniqueConstraint(
                fields=["name", "region"], name="agency_unique_name_region", nulls_distinct=False
            ),
        ]
        indexes = [
            models.Index(fields=["region", "kind"], name="agency_region_kind"),
            GinIndex(fields=["aliases"], name="agency_aliases"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:agency_detail", args=[self.pk])


class Initiative(models.Model):
    """A named campaign or service brand (我为群众办实事, 放管服, 海燕直通车 …)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "已收录"
        SUGGESTED = "suggested", "待审核"
        REJECTED = "rejected", "已驳回"

    name = models.CharField("名称", max_length=64, unique=True)
    slug = models.SlugField("网址名", max_length=80, unique=True, allow_unicode=True)
    aliases = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    description = models.TextField("简介", blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.ACCEPTED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "专项行动与服务品牌"
        verbose_name_plural = "专项行动与服务品牌"
        ordering = ["name"]
        indexes = [GinIndex(fields=["aliases"], name="initiative_aliases")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:initiative_detail", args=[self.slug])


# Between the names of a stored byline (Article.authors): the importer joins them with 、.
_BYLINE_SEPARATORS = re.compile(r"[\s、，,;；/|]+")

# Up to this many linked articles, a list is fetched by id rather than found by walking the
# newest articles (ArticleQuerySet.linked_through).
SPARSE_LINKS = 2000


# What an article card shows (besides its regions' names): ArticleQuerySet.for_listing and
# the lists read from the links (archive.browse.LinkedArticles) read these columns.
CARD_FIELDS = ("id", "title", "subtitle", "source", "published_at", "date_precision", "status")


class DatePrecision(models.TextChoices):
    EXACT = "exact", "精确到时刻"
    DAY = "day", "精确到日"
    MONTH = "month", "精确到月"
    UNKNOWN = "unknown", "日期不详"


# What "dated" means, once: an article whose date is known at least to the month. The date
# archive lists only these; the year facet counts them, from the index that bears this name.
DATED = Q(published_at__isnull=False) & ~Q(date_precision=DatePrecision.UNKNOWN)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers see: lists, feeds, sitemaps and the search index all start here."""
        return self.filter(status=Article.Status.PUBLISHED)

    def needing_review(self):
        return self.exclude(review_flags=[])

    def newest(self):
        """Newest first, undated last: PostgreSQL sorts NULL first in a descending order, which
        would put every undated article on top of every list (index: article_status_newest)."""
        return self.order_by(F("published_at").desc(nulls_last=True), "-id")

    def dated(self):
        """Articles whose date is known at least to the month (``DATED``)."""
        return self.filter(DATED)

    def undated(self):
        """The complement of ``dated()``: listed apart, never given a made-up date."""
        return self.exclude(DATED)

    def in_regions(self, region_ids, expected=None):
        """Articles linked to any of ``region_ids`` (a list or a subquery), each once.
        ``expected``: how many there are, when a maintained count says (see ``linked_through``)."""
        return self.linked_through(ArticleRegion.objects.filter(region_id__in=region_ids), expected)

    def in_agencies(self, agency_ids, expected=None):
        return self.linked_through(ArticleAgency.objects.filter(agency_id__in=agency_ids), expected)

    def in_initiative(self, initiative, expected=None):
        return self.linked_through(
            ArticleInitiative.objects.filter(initiative=initiative), expected
        )

    def linked_through(self, links, expected=None):
        """The articles that ``links`` (link rows) name, in the form PostgreSQL lists fastest.

        Lists are read newest first. When the linked articles are many, PostgreSQL walks the
        newest articles and stops after a page; when they are few, or old, that walk reads
        most of the table. So unless ``expected`` already says there are more than
        ``SPARSE_LINKS``, the link index is read first (one query): when that finds them all,
        they are given as a literal list, which PostgreSQL fetches and sorts instead, far
        faster (docs/benchmarks.md, "Why the code is as it is")."""
        if expected is None or expected <= SPARSE_LINKS:
            ids = list(links.values_list("article_id", flat=True)[: SPARSE_LINKS + 1])
            if len(ids) <= SPARSE_LINKS:
                return self.filter(pk__in=ids)
        return self.filter(Exists(links.filter(article=OuterRef("pk"))))

    def with_region_names(self):
        """Each article with ``card_regions``: the names of its regions in code order, which
        an article card shows, read as an array in the same query (a prefetch of ``regions``
        made a related manager per article, a large share of a list page's rendering; a
        second query cost a round trip a page: docs/benchmarks.md, "Why the code is as it
        is")."""
        names = (
            ArticleRegion.objects.filter(article=OuterRef("pk"))
            .order_by("region__code")
            .values("region__name")
        )
        return self.annotate(card_regions=ArraySubquery(names))

    def for_listing(self, *extra_fields):
        """What an article card needs, without the bodies (which dominate a row's size)."""
        return self.only(*CARD_FIELDS, *extra_fields)


class Article(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", "已发布"
        HIDDEN = "hidden", "已隐藏"
        DUPLICATE = "duplicate", "重复稿"

    DatePrecision = DatePrecision

    class Script(models.TextChoices):
        SIMPLIFIED = "simplified", "简体"
        TRADITIONAL = "traditional", "繁体"

    class ReviewFlag(models.TextChoices):
        INFERRED_TITLE = "inferred_title", "标题系推断"
        UNKNOWN_DATE = "unknown_date", "日期不详"
        ENCODING_DAMAGE = "encoding_damage", "疑有乱码"
        NO_REGION = "no_region", "未识别地区"
        NO_AGENCY = "no_agency", "未识别单位"
        AMBIGUOUS_REGION = "ambiguous_region", "地名有歧义"
        SUSPECTED_DUPLICATE = "suspected_duplicate", "疑似重复"
        OFF_TOPIC = "off_topic", "疑非公安新闻"

    title = models.CharField("标题", max_length=300)
    title_inferred = models.BooleanField("标题系推断", default=False)
    subtitle = models.CharField("副标题", max_length=300, blank=True)
    authors = models.CharField("记者/作者", max_length=300, blank=True)
    editor = models.CharField("编辑", max_length=100, blank=True)
    source = models.CharField("来源媒体", max_length=200, blank=True)
    via_site = models.CharField("转载网站", max_length=200, blank=True)
    original_url = models.URLField("原文链接", max_length=2000, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    date_precision = models.CharField(
        "日期精度", max_length=16, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    body_text = models.TextField("正文（纯文本）")
    body_html = models.TextField("正文（已净化 HTML）")
    image_urls = ArrayField(models.URLField(max_length=2000), default=list, blank=True)
    script = models.CharField(
        "原文字体", max_length=16, choices=Script.choices, default=Script.SIMPLIFIED
    )
    title_simplified = models.CharField("标题（简体）", max_length=300)
    body_simplified = models.TextField("正文（简体）")
    content_hash = models.CharField("内容指纹", max_length=64, unique=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.PUBLISHED
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
        verbose_name="重复于",
    )
    review_flags = ArrayField(
        models.CharField(max_length=32, choices=ReviewFlag.choices), default=list, blank=True
    )
    review_note = models.TextField("审核说明", blank=True)
    # Staff's answer to "is this Chinese police news?" (archive.extraction.scope), None until
    # they give one: extraction flags off_topic and hides the article only while it is None,
    # so their answer outlives re-import and re-extraction.
    in_scope = models.BooleanField("属公安新闻（人工认定）", null=True, blank=True)
    # Near-duplicate detection (archive.extraction.dedup): the MinHash signature of the simplified body,
    # and its LSH band keys, which a GIN index turns into "which articles share a band?".
    minhash = models.BinaryField("MinHash 签名", null=True, blank=True, editable=False)
    minhash_bands = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    regions = models.ManyToManyField(Region, through="ArticleRegion", related_name="articles")
    agencies = models.ManyToManyField(Agency, through="ArticleAgency", related_name="articles")
    initiatives = models.ManyToManyField(
        Initiative, through="ArticleInitiative", related_name="articles"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["body_simplified", "title_simplified", "minhash", "minhash_bands"]
    )

    class Meta:
        verbose_name = "文章"
        verbose_name_plural = "文章"
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        indexes = [
            # Home page, date archive and feeds: newest published first.
            models.Index(
                fields=["status", "-published_at", "-id"], name="article_status_published"
            ),
            # Review queue: articles with any flag.
            GinIndex(fields=["review_flags"], name="article_review_flags"),
            # Near-duplicate candidates: articles sharing any LSH band key (&& overlap).
            # No fast update: every import searches right after inserting, and a pending
            # list of fresh entries would be scanned linearly by each of those searches.
            GinIndex(fields=["minhash_bands"], name="article_minhash_bands", fastupdate=False),
            # Browse lists: ArticleQuerySet.newest() puts undated articles last.
            models.Index(
                F("status"),
                F("published_at").desc(nulls_last=True),
                F("id").desc(),
                name="article_status_newest",
            ),
            # The year facet (search.query.FacetTable): every dated article's id and date,
            # read from the index alone rather than from the table's rows.
            models.Index(fields=["published_at", "id"], name="article_dated", condition=DATED),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Keep the simplified copies the folding of what is stored, whoever saves: search
        confirms long queries against them and extraction reads them. Text loses the
        characters XML forbids (archive.text), whoever saves, so that no feed fails on it.
        Bulk writers (the importer) do both themselves."""
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname)
            if isinstance(value, str):
                setattr(self, field.attname, xml_safe(value))
        self.title_simplified = to_simplified(self.title)
        self.body_simplified = to_simplified(self.body_text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "body_text"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "title_simplified", "body_simplified"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("archive:article_detail", args=[self.pk])

    @property
    def slug(self):
        return slugify(self.title, allow_unicode=True)[:80]

    @property
    def is_dated(self):
        return self.published_at is not None and self.date_precision != self.DatePrecision.UNKNOWN

    @cached_property
    def local_published_at(self):
        """Read once per instance: a card shows the date twice (``date_label``, ``date_iso``),
        and each conversion to local time cost as much as the rest of the card."""
        return timezone.localtime(self.published_at) if self.is_dated else None

    @property
    def date_label(self):
        """The date in Chinese, no more precise than what is known: 2021年3月29日, 2021年3月, 日期不详."""
        when = self.local_published_at
        if when is None:
            return "日期不详"
        if self.date_precision == self.DatePrecision.MONTH:
            return f"{when.year}年{when.month}月"
        label = f"{when.year}年{when.month}月{when.day}日"
        if self.date_precision == self.DatePrecision.EXACT:
            label += f" {when:%H:%M}"
        return label

    @property
    def date_iso(self):
        """The same date for ``<time datetime>`` and citations: 2021-03-29 or 2021-03."""
        when = self.local_published_at
        if when is None:
            return ""
        if self.date_precision == self.DatePrecision.MONTH:
            return f"{when:%Y-%m}"
        return f"{when:%Y-%m-%d}"

    @property
    def reporters(self):
        """The names in the stored byline, in order: ``姜東良、李娜`` → ``["姜東良", "李娜"]``."""
        return [name for name in _BYLINE_SEPARATORS.split(self.authors or "") if name]

    def review_reasons(self):
        """The review flags as staff read them (Chinese labels), in the order they were set."""
        labels = dict(self.ReviewFlag.choices)
        return [labels.get(flag, flag) for flag in self.review_flags]


class ArticleForReview(Article):
    """The review queue in the admin: the same rows as Article, listed oldest first with the
    reasons they were flagged. A proxy, so it has its own admin entry and permissions."""

    class Meta:
        proxy = True
        verbose_name = "待审核文章"
        verbose_name_plural = "待审核文章"


class LinkOrigin(models.TextChoices):
    EXTRACTED = "extracted", "自动识别"
    STAFF = "staff", "人工设定"


def newest_links_index(target, name):
    """The index a list of ``target``'s newest published articles walks (ArticleLink)."""
    return models.Index(
        F(target),
        F("article_published_at").desc(nulls_last=True),
        F("article_id").desc(),
        name=name,
        condition=Q(article_is_published=True),
    )


class ArticleLink(models.Model):
    """Shared shape of the article↔entity links: who made the link decides who may undo it.

    Re-extraction replaces only ``extracted`` links; ``staff`` links are never touched.

    Each link also carries a copy of what a newest-first list of its article asks
    (``article_published_at``, ``article_is_published``, ``article_is_dated``), so that a
    region's, a bureau's or a campaign's newest articles are read from the link index
    alone (``archive.browse.LinkedArticles``). PostgreSQL triggers keep the copies
    (migration 0009): they are filled from the article on every insert or update of a link
    and follow every change of the article, whoever writes, bulk writers included."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    origin = models.CharField(
        "来源", max_length=16, choices=LinkOrigin.choices, default=LinkOrigin.EXTRACTED
    )
    mentions = models.PositiveIntegerField("提及次数", default=1)
    article_published_at = models.DateTimeField(null=True, editable=False)
    article_is_published = models.BooleanField(default=False, editable=False)
    article_is_dated = models.BooleanField(default=False, editable=False)

    class Meta:
        abstract = True

    def __str__(self):
        # Ids, not names: following the foreign keys would cost two queries per admin row.
        return f"{self.article_id} ↔ {getattr(self, self.target_field + '_id')}"


class ArticleRegion(ArticleLink):
    target_field = "region"
    region = models.ForeignKey(Region, on_delete=models.CASCADE)
    is_primary = models.BooleanField("主要地区", default=False)

    class Meta:
        verbose_name = "文章地区"
        verbose_name_plural = "文章地区"
        constraints = [
            models.UniqueConstraint(fields=["article", "region"], name="article_region_unique")
        ]
        indexes = [
            # Region pages: a region's articles.
            models.Index(fields=["region", "article"], name="articleregion_region"),
            newest_links_index("region_id", "articleregion_newest"),
        ]


class ArticleAgency(ArticleLink):
    target_field = "agency"
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE)

    class Meta:
        verbose_name = "文章单位"
        verbose_name_plural = "文章单位"
        constraints = [
            models.UniqueConstraint(fields=["article", "agency"], name="article_agency_unique")
        ]
        indexes = [
            models.Index(fields=["agency", "article"], name="articleagency_agency"),
            newest_links_index("agency_id", "articleagency_newest"),
        ]


class ArticleInitiative(ArticleLink):
    target_field = "initiative"
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE)

    class Meta:
        verbose_name = "文章专项行动"
        verbose_name_plural = "文章专项行动"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "initiative"], name="article_initiative_unique"
            )
        ]
        indexes = [
            models.Index(fields=["initiative", "article"], name="articleinitiative_initiative"),
            newest_links_index("initiative_id", "articleinitiative_newest"),
        ]


class CountScope(models.TextChoices):
    ALL = "all", "全部"
    REGION = "region", "地区"
    AGENCY = "agency", "单位"
    INITIATIVE = "initiative", "专项行动"
    # A pair: an agency (object_id, with its sub-units) and an initiative (second_id).
    AGENCY_INITIATIVE = "agency_initiative", "单位的专项行动"


def count_key_label(scope, object_id, second_id, month):
    """How a counted key reads in logs and checks: ``scope:object[×second]:month|total``."""
    pair = f"×{second_id}" if second_id else ""
    return f"{scope}:{object_id}{pair}:{month or 'total'}"


class BrowseCount(models.Model):
    """Published articles per (scope, object, month): what the browse pages show as counts,
    timelines and rankings, read by indexed lookups instead of GROUP BY over the articles.

    ``month`` is the first day of a month, or None for the object's total (dated and
    undated); an undated article counts only in the total. A region counts its cities'
    and districts' articles, an agency its sub-units', each article once. A pair scope
    counts the articles of an object that also concern a second one (``second_id``): a
    bureau's articles per campaign. Maintained by archive.counts from ``CountedKey``;
    ``manage.py rebuild_counts`` rebuilds both.
    """

    scope = models.CharField(max_length=24, choices=CountScope.choices)
    object_id = models.BigIntegerField()  # 0 for the whole archive
    second_id = models.BigIntegerField(default=0)  # 0 unless the scope is a pair
    month = models.DateField(null=True)
    count = models.IntegerField()

    class Meta:
        constraints = [
            # The upsert's conflict target; also the timeline lookup (scope, object) and a
            # pair's lookup (scope, object, second object).
            models.UniqueConstraint(
                fields=["scope", "object_id", "second_id", "month"],
                name="browsecount_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # Rankings: the busiest objects of a scope, walked in count order.
            models.Index(
                F("scope"),
                F("count").desc(),
                F("object_id"),
                name="browsecount_ranking",
                condition=Q(month__isnull=True),
            ),
        ]

    def __str__(self):
        key = count_key_label(self.scope, self.object_id, self.second_id, self.month)
        return f"{key} = {self.count}"


class CountedKey(models.Model):
    """Which (scope, object, month) an article is counted under right now: the memory that
    lets a writer subtract an article's old contribution after its links, date or status
    changed, or after it was deleted (hence no foreign key to the article)."""

    article_id = models.BigIntegerField()
    scope = models.CharField(max_length=24, choices=CountScope.choices)
    object_id = models.BigIntegerField()
    second_id = models.BigIntegerField(default=0)
    month = models.DateField(null=True)  # None: the article has no known date

    class Meta:
        indexes = [
            # Refreshing the counts of a few articles.
            models.Index(fields=["article_id"], name="countedkey_article"),
        ]

    def __str__(self):
        key = count_key_label(self.scope, self.object_id, self.second_id, self.month)
        return f"{self.article_id} → {key}"


class ContentGeneration(models.Model):
    """One row whose ``token`` changes after every committed write that can change what a
    reader sees (archive.pagecache): rendered pages are cached under it, so every gunicorn
    worker (and every host) stops serving a page the moment its content changed."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.token} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


class CachedPage(models.Model):
    """A rendered page for anonymous readers (archive.pagecache), shared by every worker.

    ``key`` digests the content generation, the release, the date and the URL: a row is
    found only while all four still hold, and rows of former generations are deleted when
    the generation is replaced. The table is UNLOGGED (migration 0008): nothing in it is
    worth a write-ahead log, and a crash simply empties it."""

    key = models.CharField(max_length=32, primary_key=True)
    content = models.BinaryField()
    content_type = models.CharField(max_length=100)
    headers = models.JSONField(default=dict)
    stored_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key} ({len(self.content)} bytes, {self.stored_at:%Y-%m-%d %H:%M:%S})"


class ImportBatch(models.Model):
    """One run of the importer (command line or admin upload)."""

    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    origin = models.CharField("方式", max_length=32, default="command")
    imported = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    failed = models.PositiveIntegerField("失败", default=0)
    # Why the run stopped before its end (the database went away, the process was killed);
    # empty for a run that finished.
    error = models.TextField("中断原因", blank=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self):
        return f"导入批次 {self.pk}"


class ImportRecord(models.Model):
    """Provenance of one file in one batch: what it was, how it was read, what became of it."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "新增"
        UPDATED = "updated", "更新"
        UNCHANGED = "unchanged", "未变"
        FAILED = "failed", "失败"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="records")
    path = models.CharField("文件路径", max_length=1000)
    size = models.PositiveBigIntegerField("字节数", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    encoding = models.CharField("编码", max_length=32, blank=True)
    file_format = models.CharField("格式", max_length=32, blank=True)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    error = models.TextField("错误", blank=True)
    article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_records",
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-created_at", "-id"]
        indexes = [
            # "Was this path imported before?" when an edited file comes back.
            models.Index(fields=["path", "-created_at"], name="importrecord_path"),
            models.Index(fields=["sha256"], name="importrecord_sha256"),
        ]

    def __str__(self):
        return self.path


# Work staff queue in the admin, done by the worker (``archive.curation``, ``run_worker``)


class QueuedWork(models.Model):
    """What a bulk change and an upload share: who asked, when, and how it stands. A request
    stores the row in its own transaction and answers; the worker does the work and keeps
    ``progressed_at`` current, which ``/healthz`` watches."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="申请人",
    )
    requested_at = models.DateTimeField("提交时间", auto_now_add=True)
    progressed_at = models.DateTimeField("最近进展", auto_now=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Why the work stopped (an upload the importer could not finish) or why the last
    # attempt failed (a bulk change is retried by the worker until it succeeds).
    error = models.TextField("错误", blank=True)

    class Meta:
        abstract = True
        ordering = ["-requested_at", "-id"]
        get_latest_by = "requested_at"

    @property
    def state(self):
        if self.finished_at is None:
            return "进行中" if self.error == "" else "出错，重试中"
        return "已完成" if self.error == "" else "已中止"


class BulkStatusChange(QueuedWork):
    """Publishing or hiding more articles than one request should write: applied by the
    worker a chunk at a time, ``done`` articles (in id order) so far."""

    status = models.CharField("设为", max_length=16, choices=Article.Status.choices)
    article_ids = ArrayField(models.BigIntegerField(), verbose_name="文章")
    done = models.PositiveIntegerField("已处理", default=0)

    class Meta(QueuedWork.Meta):
        verbose_name = "批量操作"
        verbose_name_plural = "批量操作"

    def __str__(self):
        return f"批量设为{self.get_status_display()} #{self.pk}"

    @property
    def total(self):
        return len(self.article_ids)


class QueuedUpload(QueuedWork):
    """Files uploaded in the admin, checked and stored (``QueuedUploadFile``) until the
    worker imports them; ``batch`` is the importer's run, linked as soon as it starts."""

    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="导入批次"
    )
    files = models.PositiveIntegerField("文件数", default=0)
    # Imports started: a worker killed mid-import leaves the upload to the next one, up to
    # a limit, so that an upload that kills every worker cannot hold the queue for ever.
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)

    class Meta(QueuedWork.Meta):
        verbose_name = "上传导入"
        verbose_name_plural = "上传导入"

    def __str__(self):
        return f"上传导入 #{self.pk}"


class QueuedUploadFile(models.Model):
    """One staged file of an upload (a zip's members one by one), kept until it is imported."""

    upload = models.ForeignKey(QueuedUpload, on_delete=models.CASCADE, related_name="stored")
    path = models.CharField("文件路径", max_length=1000)
    content = models.BinaryField("内容")

    class Meta:
        verbose_name = "待导入文件"
        verbose_name_plural = "待导入文件"
        ordering = ["id"]

    def __str__(self):
        return self.path
