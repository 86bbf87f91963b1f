"""The staff's admin: curating articles, places, units and campaigns; imports; the review queue.

Thin by design: an action gathers the selection (and, on an intermediate page, the staff's
answer) and calls a plain function in ``archive.curation``, which writes, records history and
announces the change to the search index; then it reports with ``message_user``.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, Func, OuterRef, Subquery, TextField, URLField, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.defaultfilters import linebreaks
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from simple_history.admin import SimpleHistoryAdmin

from archive import curation
from archive.admin_forms import (
    AliasesField,
    ClearFlagsForm,
    DuplicateForm,
    LinkForm,
    MergeForm,
    ReviewFlagsField,
    UploadForm,
)
from archive.chinese import to_simplified
from archive.importing.uploads import MAX_FILES, MAX_TOTAL_BYTES, UploadRejected
from archive.models import (
    Agency,
    Article,
    ArticleAgency,
    ArticleForReview,
    ArticleInitiative,
    ArticleRegion,
    BulkStatusChange,
    ImportBatch,
    ImportRecord,
    Initiative,
    LinkOrigin,
    QueuedUpload,
    Region,
)

admin.site.site_header = "警讯档案 · 管理"
admin.site.site_title = "警讯档案管理"
admin.site.index_title = "档案管理"

INTERMEDIATE_TEMPLATE = "admin/archive/action_form.html"


# ---------------------------------------------------------------------------------------------
# Filters


class ReviewFlagFilter(admin.SimpleListFilter):
    """Filter on the review_flags array: any flag, none, or one given reason."""

    title = "审核标记"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("any", "有任一标记"), ("none", "无标记"), *Article.ReviewFlag.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "any":
            return queryset.exclude(review_flags=[])
        if value == "none":
            return queryset.filter(review_flags=[])
        if value in Article.ReviewFlag.values:
            # review_flags @> ARRAY[value]: served by the article_review_flags GIN index.
            return queryset.filter(review_flags__contains=[value])
        return queryset


class YearFilter(admin.SimpleListFilter):
    title = "年份"
    parameter_name = "year"
    UNKNOWN = "unknown"

    def lookups(self, request, model_admin):
        years = Article.objects.dates("published_at", "year", order="DESC")
        return [(str(day.year), f"{day.year}年") for day in years] + [(self.UNKNOWN, "无日期")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.UNKNOWN:
            return queryset.filter(published_at__isnull=True)
        if value and value.isdigit():
            return queryset.filter(published_at__year=int(value))
        return queryset


class TopLinkedFilter(admin.SimpleListFilter):
    """Articles linked to one region, agency or initiative: the sidebar offers the most
    linked ones (and the one selected); any other is reached from its own admin row, whose
    article count links here with the same parameter.

    A list of every linked entity would run to thousands of links, slow to render and
    useless to scan.
    """

    link_model = None
    target = None
    shown = 15

    def lookups(self, request, model_admin):
        top = (
            self.link_model.objects.values(self.target)
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list(self.target, flat=True)[: self.shown]
        )
        ids = list(top)
        if self.value() and self.value().isdigit() and int(self.value()) not in ids:
            ids.append(int(self.value()))
        model = self.link_model._meta.get_field(self.target).remote_field.model
        names = dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))
        return [(str(pk), names[pk]) for pk in ids if pk in names]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            links = self.link_model.objects.filter(
                article=OuterRef("pk"), **{f"{self.target}_id": int(value)}
            )
            return queryset.filter(Exists(links))
        return queryset


def top_linked_filter(link_model, target, title):
    """The filter's query parameter is the target's bare name (?region=12), not a lookup
    path: Django refuses a parameter that walks a many-to-many relation unless it is a
    declared filter's own path, and a bare name is plainly the filter's."""
    return type(
        f"Top{link_model.__name__}Filter",
        (TopLinkedFilter,),
        {"link_model": link_model, "target": target, "title": title, "parameter_name": target},
    )


# ---------------------------------------------------------------------------------------------
# Shared pieces


class ActionPagesMixin:
    """Intermediate pages for actions that need an answer (a primary article, a region…).

    The page posts back to the changelist URL it came from, with the same action, selection
    and "select all" flag, so the action sees the same queryset the second time.
    """

    def action_page(self, request, queryset, form, title, template=INTERMEDIATE_TEMPLATE, **extra):
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": opts,
            "form": form,
            "media": self.media + form.media,
            "count": queryset.count(),
            "sample": queryset[:20],
            "action": request.POST["action"],
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **extra,
        }
        return TemplateResponse(request, template, context)

    def selected_ids(self, queryset):
        return list(queryset.order_by().values_list("pk", flat=True).distinct())

    def report(self, request, message, level=messages.SUCCESS):
        self.message_user(request, message, level)


def _index_progress():
    """What a bulk action tells staff about the search index: it follows in the background
    (the worker, ``search.outbox``), so the action answers at once."""
    from search import outbox

    owed, _ = outbox.backlog()
    if not owed:
        return ""
    return f"检索索引在后台更新，还有 {owed} 篇待处理（可在“待更新索引”中查看）。"


class AliasesMixin:
    """Aliases edited one a line, and found by the changelist and autocomplete search.

    ``aliases`` is an array; its elements are searched as substrings through
    ``array_to_string`` (the GIN index serves exact alias look-ups, not substrings).
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "aliases":
            return AliasesField(label="别名")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        terms = [to_simplified(term) for term in search_term.split()]
        if terms:
            aliases = queryset.model._default_manager.annotate(
                aliases_text=Func(
                    F("aliases"), Value("\n"), function="array_to_string", output_field=TextField()
                )
            )
            for term in terms:
                aliases = aliases.filter(aliases_text__icontains=term)
            queryset |= self.get_queryset(request).filter(pk__in=aliases.values("pk"))
        return queryset, may_have_duplicates

    @admin.display(description="别名")
    def aliases_display(self, obj):
        return "、".join(obj.aliases)


class AnnounceEntityMixin:
    """An edited or deleted region, agency or initiative changes its articles' pages and
    index documents: announce those articles. Only fields readers or the index see count
    (``announced_fields``); an alias added changes neither, only the next extraction."""

    announced_fields = set()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and self.announced_fields & set(form.changed_data):
            curation.announce_entity_articles(obj)

    def delete_model(self, request, obj):
        article_ids = curation.linked_article_ids(obj)
        super().delete_model(request, obj)
        curation.announce_entity_articles(article_ids)

    def delete_queryset(self, request, queryset):
        article_ids = [pk for obj in queryset for pk in curation.linked_article_ids(obj)]
        super().delete_queryset(request, queryset)
        curation.announce_entity_articles(article_ids)


def article_count_subquery(link_model, field_name):
    """Articles per entity as a correlated subquery: one index scan per listed row."""
    return Coalesce(
        Subquery(
            link_model.objects.filter(**{field_name: OuterRef("pk")})
            .order_by()
            .values(field_name)
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


def articles_link(entity, lookup, count):
    url = reverse("admin:archive_article_changelist") + f"?{lookup}={entity.pk}"
    return format_html('<a href="{}">{} 篇</a>', url, count)


# ---------------------------------------------------------------------------------------------
# Articles


class LinkInline(admin.TabularInline):
    """Article ↔ entity links. What staff add or change here becomes a staff link, which
    re-extraction never removes (see ArticleAdmin.save_formset)."""

    extra = 0
    readonly_fields = ["origin", "mentions"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.model.target_field)


class ArticleRegionInline(LinkInline):
    model = ArticleRegion
    fields = ["region", "is_primary", "origin", "mentions"]
    autocomplete_fields = ["region"]


class ArticleAgencyInline(LinkInline):
    model = ArticleAgency
    fields = ["agency", "origin", "mentions"]
    autocomplete_fields = ["agency"]


class ArticleInitiativeInline(LinkInline):
    """Suggested initiatives are linked too: staff see them here, marked 待审核, while
    readers see only accepted ones."""

    model = ArticleInitiative
    fields = ["initiative", "initiative_status", "origin", "mentions"]
    readonly_fields = [*LinkInline.readonly_fields, "initiative_status"]
    autocomplete_fields = ["initiative"]

    @admin.display(description="收录状态")
    def initiative_status(self, link):
        return link.initiative.get_status_display() if link.initiative_id else "—"


class ArticleImportRecordInline(admin.TabularInline):
    """Where the article came from: read-only provenance."""

    model = ImportRecord
    extra = 0
    can_delete = False
    fields = ["record_link", "batch_link", "outcome", "encoding", "file_format", "created_at"]
    readonly_fields = fields
    verbose_name_plural = "导入来源"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("batch")

    @admin.display(description="文件")
    def record_link(self, record):
        url = reverse("admin:archive_importrecord_change", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, record.path)

    @admin.display(description="批次")
    def batch_link(self, record):
        url = reverse("admin:archive_importbatch_change", args=[record.batch_id])
        return format_html('<a href="{}">{}</a>', url, record.batch)


class ArticleAdmin(ActionPagesMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "date_display",
        "status",
        "script",
        "source",
        "region_names",
        "agency_names",
        "reasons",
        "public_link",
    ]
    list_filter = [
        "status",
        ReviewFlagFilter,
        YearFilter,
        top_linked_filter(ArticleRegion, "region", "地区"),
        top_linked_filter(ArticleAgency, "agency", "公安单位"),
        top_linked_filter(ArticleInitiative, "initiative", "专项行动"),
        "script",
        "date_precision",
    ]
    # The search term is folded to simplified Chinese and matched against the folded title,
    # so 濱州 and 滨州 find the same articles.
    search_fields = ["title_simplified", "subtitle", "source", "original_url"]
    search_help_text = "按标题（简繁皆可）、副标题、来源或原文链接查找；输入数字可按编号查找。"
    date_hierarchy = "published_at"
    list_per_page = 50
    # A second COUNT(*) over the whole table for "(N total)" is not worth it at 100,000 rows.
    show_full_result_count = False
    autocomplete_fields = ["duplicate_of"]
    readonly_fields = ["body_preview", "content_hash", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "title_inferred", "subtitle", "status", "duplicate_of"]}),
        ("日期", {"fields": [("published_at", "date_precision")]}),
        ("来源", {"fields": ["source", "via_site", "original_url", "authors", "editor", "script"]}),
        ("审核", {"fields": ["review_flags", "in_scope", "review_note"]}),
        (
            "正文",
            {
                "classes": ["collapse"],
                "fields": ["body_preview"],
                "description": "正文来自导入的原文件；如需更正，请修改原文件后重新导入。",
            },
        ),
        ("记录", {"classes": ["collapse"], "fields": ["content_hash", "created_at", "updated_at"]}),
    ]
    inlines = [
        ArticleRegionInline,
        ArticleAgencyInline,
        ArticleInitiativeInline,
        ArticleImportRecordInline,
    ]
    actions = [
        "publish",
        "hide",
        "mark_duplicate",
        "set_links",
        "rerun_extraction",
        "accept_in_scope",
        "reject_out_of_scope",
    ]

    def rows(self, request):
        return super().get_queryset(request)

    def get_queryset(self, request):
        queryset = self.rows(request)
        match = getattr(request, "resolver_match", None)
        if match and match.url_name and match.url_name.endswith("_changelist"):
            # A list page shows no bodies: leave the three largest columns in the database.
            # (Only there: saving a deferred instance would load them one query at a time.)
            queryset = queryset.defer("body_text", "body_html", "body_simplified")
            queryset = queryset.prefetch_related("regions", "agencies")
        return queryset

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "review_flags":
            return ReviewFlagsField(label="审核标记")
        if isinstance(db_field, URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        folded = to_simplified(search_term)
        queryset, may_have_duplicates = super().get_search_results(request, queryset, folded)
        term = search_term.strip()
        if term.isdigit():
            queryset |= self.get_queryset(request).filter(pk=int(term))
        return queryset, may_have_duplicates

    # Columns ---------------------------------------------------------------------------------

    @admin.display(description="发布时间", ordering="published_at")
    def date_display(self, article):
        if article.published_at is None:
            return "—"
        when = timezone.localtime(article.published_at)
        if article.date_precision == Article.DatePrecision.MONTH:
            return f"{when:%Y-%m}"
        if article.date_precision == Article.DatePrecision.UNKNOWN:
            return f"{when:%Y-%m-%d}（精度不详）"
        return f"{when:%Y-%m-%d}"

    def view_on_site(self, article):
        # Only published articles have a public page; the others would 404.
        if article.status == Article.Status.PUBLISHED:
            return article.get_absolute_url()
        return None

    @admin.display(description="地区")
    def region_names(self, article):
        return "、".join(region.name for region in article.regions.all())

    @admin.display(description="公安单位")
    def agency_names(self, article):
        return "、".join(agency.name for agency in article.agencies.all())

    @admin.display(description="待审核原因")
    def reasons(self, article):
        return "、".join(article.review_reasons()) or "—"

    @admin.display(description="公开页面")
    def public_link(self, article):
        if article.status != Article.Status.PUBLISHED:
            return article.get_status_display()
        return format_html('<a href="{}" target="_blank">查看</a>', article.get_absolute_url())

    @admin.display(description="正文")
    def body_preview(self, article):
        # Plain text, escaped: imported HTML is never rendered inside the admin.
        return linebreaks(escape(article.body_text))

    # Saving ----------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.model, (ArticleRegion, ArticleAgency, ArticleInitiative)):
            return super().save_formset(request, form, formset, change)
        for link in formset.save(commit=False):
            link.origin = LinkOrigin.STAFF
            link.save()
        for link in formset.deleted_objects:
            link.delete()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        link_changes = describe_link_changes(formsets)
        if link_changes:
            # The history row save_model just wrote names what changed in the links too.
            latest = form.instance.history.first()
            form.instance.history.filter(pk=latest.pk).update(
                history_change_reason=link_changes[:100]
            )
        curation.article_edited(form.instance, form.changed_data, bool(link_changes))

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        curation.announce_entity_articles([pk])

    def delete_queryset(self, request, queryset):
        article_ids = self.selected_ids(queryset)
        super().delete_queryset(request, queryset)
        curation.announce_entity_articles(article_ids)

    # Actions ---------------------------------------------------------------------------------

    @admin.action(description="发布所选文章", permissions=["change"])
    def publish(self, request, queryset):
        self.change_status(request, queryset, Article.Status.PUBLISHED, "已发布 {} 篇文章。")

    @admin.action(description="隐藏所选文章", permissions=["change"])
    def hide(self, request, queryset):
        self.change_status(
            request, queryset, Article.Status.HIDDEN, "已隐藏 {} 篇文章，读者不再看到它们。"
        )

    def change_status(self, request, queryset, status, done):
        """A few articles change at once; many are queued for the worker, and the message
        links to the change's progress page."""
        result = curation.change_status(self.selected_ids(queryset), status, request.user)
        if isinstance(result, BulkStatusChange):
            url = reverse("admin:archive_bulkstatuschange_change", args=[result.pk])
            self.report(
                request,
                format_html(
                    '已排队：{} 篇文章将在后台分批设为{}。<a href="{}">查看进度</a>',
                    result.total,
                    result.get_status_display(),
                    url,
                ),
            )
        else:
            self.report(request, done.format(result) + _index_progress())

    @admin.action(description="标为重复稿…", permissions=["change"])
    def mark_duplicate(self, request, queryset):
        form = DuplicateForm(
            request.POST if "apply" in request.POST else None, admin_site=self.admin_site
        )
        if form.is_bound and form.is_valid():
            primary = form.cleaned_data["primary"]
            try:
                count = curation.mark_duplicates(self.selected_ids(queryset), primary, request.user)
            except curation.CurationError as error:
                self.report(request, str(error), messages.ERROR)
                return None
            self.report(request, f"已将 {count} 篇文章标为「{primary.title}」的重复稿。")
            return None
        return self.action_page(request, queryset, form, "标为重复稿：选择主稿")

    @admin.action(description="设定地区、单位或专项行动…", permissions=["change"])
    def set_links(self, request, queryset):
        form = LinkForm(
            request.POST if "apply" in request.POST else None, admin_site=self.admin_site
        )
        if form.is_bound and form.is_valid():
            links = curation.LinkRequest(**form.cleaned_data)
            count = curation.link_entities(self.selected_ids(queryset), links, request.user)
            self.report(request, f"已为 {count} 篇文章设定{links.describe()}（人工设定）。")
            return None
        return self.action_page(request, queryset, form, "批量设定地区、单位或专项行动")

    @admin.action(description="认定为公安新闻（公开）", permissions=["change"])
    def accept_in_scope(self, request, queryset):
        count = curation.decide_scope(self.selected_ids(queryset), True, request.user)
        self.report(request, f"已认定 {count} 篇文章为公安新闻；疑非公安新闻而隐藏的已公开。")

    @admin.action(description="认定为非公安新闻（隐藏）", permissions=["change"])
    def reject_out_of_scope(self, request, queryset):
        count = curation.decide_scope(self.selected_ids(queryset), False, request.user)
        self.report(request, f"已认定 {count} 篇文章为非公安新闻，读者看不到它们。")

    @admin.action(description="重新识别地区、单位和专项行动", permissions=["change"])
    def rerun_extraction(self, request, queryset):
        summary = curation.rerun_extraction(self.selected_ids(queryset))
        self.report(
            request,
            f"已重新识别 {summary.articles} 篇文章，其中 {len(summary.changed)} 篇的关联有变化"
            "（人工设定的关联保持不变）。",
        )


def describe_link_changes(formsets):
    """ "+地区 周口市；-单位 某派出所" for the links a change form added, changed or removed."""
    parts = []
    for formset in formsets:
        target = getattr(formset.model, "target_field", None)
        if target is None or not hasattr(formset, "new_objects"):
            continue
        label = formset.model._meta.verbose_name
        for sign, links in (
            ("+", formset.new_objects),
            ("~", [link for link, _ in formset.changed_objects]),
            ("-", formset.deleted_objects),
        ):
            parts.extend(f"{sign}{label} {getattr(link, target)}" for link in links)
    return "；".join(parts)


admin.site.register(Article, ArticleAdmin)


@admin.register(ArticleForReview)
class ArticleForReviewAdmin(ArticleAdmin):
    """The review queue: flagged articles, oldest import first, with the reasons.

    Its rows are concrete Article instances (see get_queryset): saving a proxy instance sends
    post_save with the proxy as sender, which history and the search index do not listen to.
    """

    list_display = ["title", "reasons", "review_note", "date_display", "source", "created_at"]
    list_filter = [ReviewFlagFilter, "status", "script"]
    date_hierarchy = None
    ordering = ["created_at", "pk"]
    actions = [
        "clear_flags",
        "accept_in_scope",
        "reject_out_of_scope",
        "set_links",
        "rerun_extraction",
        "mark_duplicate",
        "publish",
        "hide",
    ]

    def rows(self, request):
        queryset = Article.objects.needing_review()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def history_view(self, request, object_id, extra_context=None):
        return HttpResponseRedirect(reverse("admin:archive_article_history", args=[object_id]))

    @admin.action(description="审阅完毕：清除标记…", permissions=["change"])
    def clear_flags(self, request, queryset):
        present = sorted(
            {flag for flags in queryset.values_list("review_flags", flat=True) for flag in flags}
        )
        form = ClearFlagsForm(
            request.POST if "apply" in request.POST else None, present_flags=present
        )
        if form.is_bound and form.is_valid():
            count = curation.clear_review_flags(
                self.selected_ids(queryset),
                form.cleaned_data["flags"],
                request.user,
                form.cleaned_data["note"],
            )
            self.report(request, f"已清除 {count} 篇文章的审核标记。")
            return None
        return self.action_page(request, queryset, form, "审阅完毕：清除审核标记")


# ---------------------------------------------------------------------------------------------
# Regions, agencies, initiatives


@admin.register(Region)
class RegionAdmin(AliasesMixin, AnnounceEntityMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "level",
        "parent",
        "short_name",
        "aliases_display",
        "article_links",
    ]
    list_filter = ["level"]
    ordering = ["code"]
    announced_fields = {"name", "short_name", "code", "parent", "level"}
    search_fields = ["name", "short_name", "=code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "aliases"]}),
        ("区划", {"fields": ["code", "level", "parent"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=article_count_subquery(ArticleRegion, "region"))
        )

    @admin.display(description="文章", ordering="article_count")
    def article_links(self, region):
        return articles_link(region, "region", region.article_count)


class MergeActionMixin:
    """The merge action of agencies and initiatives: choose the one kept, see the counts of
    what will change, confirm."""

    merge_template = "admin/archive/merge_confirm.html"

    def has_merge_permission(self, request):
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="合并所选条目…", permissions=["merge"])
    def merge(self, request, queryset):
        candidates = self.with_counts(
            self.model.objects.filter(pk__in=self.selected_ids(queryset)).order_by("pk")
        )
        if len(candidates) < 2:
            self.report(request, "请至少选择两个条目进行合并。", messages.WARNING)
            return None
        bound = "preview" in request.POST or "confirm" in request.POST
        form = MergeForm(request.POST if bound else None, candidates=candidates)
        if not (bound and form.is_valid()):
            return self.action_page(
                request,
                queryset,
                form,
                f"合并{self.model._meta.verbose_name}：选择保留的条目",
                submit_name="preview",
                submit_label="预览变化",
            )
        keep = form.cleaned_data["keep"]
        others = [candidate for candidate in candidates if candidate.pk != keep.pk]
        if "confirm" not in request.POST:
            plan = curation.plan_merge(keep, others)
            return self.action_page(
                request,
                queryset,
                form,
                f"确认合并到「{keep.name}」",
                template=self.merge_template,
                plan=plan,
            )
        try:
            plan = curation.merge(keep, others, request.user)
        except curation.CurationError as error:
            self.report(request, str(error), messages.ERROR)
            return None
        self.report(
            request,
            f"已将 {plan.deleted} 个条目合并到「{keep.name}」：移动 {plan.links_moved} 条文章关联，"
            f"合并 {plan.links_combined} 条重复关联，移动 {plan.children_moved} 个下级单位，"
            f"新增别名 {len(plan.aliases_added)} 个。",
        )
        return None


@admin.register(Agency)
class AgencyAdmin(
    AliasesMixin, AnnounceEntityMixin, MergeActionMixin, ActionPagesMixin, SimpleHistoryAdmin
):
    list_display = [
        "name",
        "kind",
        "region",
        "parent",
        "aliases_display",
        "article_links",
        "sub_units",
    ]
    list_filter = ["kind", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "region__name"]
    ordering = ["name", "pk"]
    announced_fields = {"name", "kind", "parent", "region"}
    list_select_related = ["region", "parent"]
    autocomplete_fields = ["region", "parent"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "aliases"]}),
        ("隶属", {"fields": ["region", "parent"]}),
        ("记录", {"classes": ["collapse"], "fields": ["created_at"]}),
    ]
    actions = ["merge"]

    def get_queryset(self, request):
        return self.with_counts(super().get_queryset(request))

    @staticmethod
    def with_counts(queryset):
        return queryset.annotate(
            article_count=article_count_subquery(ArticleAgency, "agency"),
            children_count=Count("children", distinct=True),
        )

    @admin.display(description="文章", ordering="article_count")
    def article_links(self, agency):
        return articles_link(agency, "agency", agency.article_count)

    @admin.display(description="下级单位", ordering="children_count")
    def sub_units(self, agency):
        if not agency.children_count:
            return 0
        url = reverse("admin:archive_agency_changelist") + f"?parent__id__exact={agency.pk}"
        return format_html('<a href="{}">{}</a>', url, agency.children_count)


@admin.register(Initiative)
class InitiativeAdmin(
    AliasesMixin, AnnounceEntityMixin, MergeActionMixin, ActionPagesMixin, SimpleHistoryAdmin
):
    list_display = ["name", "status", "slug", "aliases_display", "article_links", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "description"]
    ordering = ["name"]
    announced_fields = {"name", "slug", "status", "description"}
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "status", "aliases", "description"]}),
        ("记录", {"classes": ["collapse"], "fields": ["created_at"]}),
    ]
    actions = ["accept", "reject", "merge"]

    def get_queryset(self, request):
        return self.with_counts(super().get_queryset(request))

    @staticmethod
    def with_counts(queryset):
        return queryset.annotate(
            article_count=article_count_subquery(ArticleInitiative, "initiative")
        )

    @admin.display(description="文章", ordering="article_count")
    def article_links(self, initiative):
        return articles_link(initiative, "initiative", initiative.article_count)

    @admin.action(description="收录所选专项行动", permissions=["change"])
    def accept(self, request, queryset):
        count, articles = curation.set_initiative_status(
            self.selected_ids(queryset), Initiative.Status.ACCEPTED, request.user
        )
        self.report(
            request, f"已收录 {count} 个专项行动，并重新识别了提及它们的 {articles} 篇文章。"
        )

    @admin.action(description="驳回所选专项行动", permissions=["change"])
    def reject(self, request, queryset):
        count, articles = curation.set_initiative_status(
            self.selected_ids(queryset), Initiative.Status.REJECTED, request.user
        )
        self.report(request, f"已驳回 {count} 个专项行动，并重新识别了相关的 {articles} 篇文章。")


# ---------------------------------------------------------------------------------------------
# Imports


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class BatchRecordInline(ReadOnlyMixin, admin.TabularInline):
    model = ImportRecord
    extra = 0
    fields = ["record_link", "outcome", "article_link", "encoding", "file_format", "error"]
    readonly_fields = fields
    verbose_name_plural = "逐个文件的导入结果"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article").order_by("pk")

    @admin.display(description="文件")
    def record_link(self, record):
        url = reverse("admin:archive_importrecord_change", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, record.path)

    @admin.display(description="文章")
    def article_link(self, record):
        return record_article_link(record)


def record_article_link(record):
    if record.article_id is None:
        return "—"
    url = reverse("admin:archive_article_change", args=[record.article_id])
    return format_html('<a href="{}">{}</a>', url, record.article.title)


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "started_at",
        "finished_at",
        "origin",
        "imported",
        "updated",
        "unchanged",
        "failed",
        "records",
    ]
    list_filter = ["origin"]
    date_hierarchy = "started_at"
    inlines = [BatchRecordInline]
    change_list_template = "admin/archive/importbatch/change_list.html"

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="archive_importbatch_upload"), *super().get_urls()]

    def has_upload_permission(self, request):
        # "Add" on a batch means: may import files (see archive.roles).
        return super(ReadOnlyMixin, self).has_add_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": self.has_upload_permission(request)}
        return super().changelist_view(request, extra_context)

    @admin.display(description="文件")
    def records(self, batch):
        url = reverse("admin:archive_importrecord_changelist") + f"?batch__id__exact={batch.pk}"
        total = batch.imported + batch.updated + batch.unchanged + batch.failed
        return format_html('<a href="{}">{} 个</a>', url, total)

    def upload_view(self, request):
        """Upload files or zips: checked at once (a refused upload stores nothing), then
        imported by the worker while staff watch the upload's page."""
        if not self.has_upload_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                upload = curation.queue_uploads(form.cleaned_data["files"], request.user)
            except UploadRejected as error:
                self.message_user(request, f"已拒绝上传：{error}未导入任何文件。", messages.ERROR)
            else:
                self.message_user(request, f"已收到 {upload.files} 个文件，正在后台导入。")
                return HttpResponseRedirect(
                    reverse("admin:archive_queuedupload_change", args=[upload.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "从文件导入文章",
            "opts": self.model._meta,
            "form": form,
            "max_files": MAX_FILES,
            "max_megabytes": MAX_TOTAL_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/archive/importbatch/upload.html", context)


@admin.register(ImportRecord)
class ImportRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "path",
        "outcome",
        "article_link",
        "batch_link",
        "encoding",
        "file_format",
        "size",
        "created_at",
    ]
    list_filter = ["outcome", "file_format", "encoding"]
    search_fields = ["path", "=sha256", "error"]
    list_select_related = ["batch", "article"]
    date_hierarchy = "created_at"

    @admin.display(description="文章")
    def article_link(self, record):
        return record_article_link(record)

    @admin.display(description="批次")
    def batch_link(self, record):
        url = reverse("admin:archive_importbatch_change", args=[record.batch_id])
        return format_html('<a href="{}">{}</a>', url, record.batch)


# ---------------------------------------------------------------------------------------------
# Work queued for the worker: read-only pages staff watch


class QueuedWorkAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A queued bulk change or upload: its state, progress and error. The page reloads
    itself until the work is finished."""

    change_form_template = "admin/archive/queued_work_form.html"
    list_select_related = ["requested_by"]
    date_hierarchy = "requested_at"

    @admin.display(description="状态")
    def state(self, work):
        return work.state

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["unfinished"] = obj is not None and obj.finished_at is None
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


def progress_bar(done, total):
    return format_html(
        '<progress max="{}" value="{}"></progress> {} / {}', total, done, done, total
    )


@admin.register(BulkStatusChange)
class BulkStatusChangeAdmin(QueuedWorkAdmin):
    list_display = ["__str__", "progress", "state", "requested_by", "requested_at", "finished_at"]
    list_filter = ["status"]
    # Not the article ids: thousands of numbers are no help on the page.
    fields = [
        "status",
        "progress",
        "state",
        "requested_by",
        "requested_at",
        "progressed_at",
        "finished_at",
        "error",
    ]
    readonly_fields = fields

    @admin.display(description="进度")
    def progress(self, change):
        return progress_bar(change.done, change.total)


@admin.register(QueuedUpload)
class QueuedUploadAdmin(QueuedWorkAdmin):
    list_display = ["__str__", "files", "progress", "state", "requested_by", "requested_at"]
    fields = [
        "state",
        "progress",
        "batch_link",
        "requested_by",
        "requested_at",
        "progressed_at",
        "finished_at",
        "attempts",
        "error",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # Files done: the records of the importer's run so far.
        return (
            super()
            .get_queryset(request)
            .select_related("batch")
            .annotate(records=Count("batch__records"))
        )

    @admin.display(description="进度（文件）")
    def progress(self, upload):
        return progress_bar(upload.records, upload.files)

    @admin.display(description="导入批次")
    def batch_link(self, upload):
        batch = upload.batch
        if batch is None:
            return "尚未开始"
        url = reverse("admin:archive_importbatch_change", args=[batch.pk])
        figures = (
            f"新增 {batch.imported}，更新 {batch.updated}，未变 {batch.unchanged}，"
            f"失败 {batch.failed}"
            if batch.finished_at
            else "导入中"
        )
        return format_html('<a href="{}">{}</a>：{}', url, batch, figures)
