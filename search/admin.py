"""What readers look for: the most asked queries and those that found nothing, last 30 days."""

from django.contrib import admin
from django.template.response import TemplateResponse

from search.models import OwedIndexUpdate, SearchQueryLog

REPORT_DAYS = 30
REPORT_ROWS = 50


@admin.register(SearchQueryLog)
class SearchQueryLogAdmin(admin.ModelAdmin):
    """Read-only: the rows are written by ``record_search``; the changelist is the report."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # answers 403
        recent = SearchQueryLog.objects.since_days(REPORT_DAYS)
        context = {
            **self.admin_site.each_context(request),
            "title": f"读者检索：最近 {REPORT_DAYS} 天",
            "opts": self.model._meta,
            "days": REPORT_DAYS,
            "frequent": recent.frequent()[:REPORT_ROWS],
            "without_results": recent.without_results()[:REPORT_ROWS],
            "total": sum(recent.values_list("count", flat=True)),
        }
        return TemplateResponse(request, "admin/search/searchquerylog/report.html", context)


@admin.register(OwedIndexUpdate)
class OwedIndexUpdateAdmin(admin.ModelAdmin):
    """The index work committed writes still owe (``search.outbox``): what staff see of a
    bulk action's progress. Read-only: the worker deletes rows as it pays them."""

    list_display = ("article_id", "owed_at")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
