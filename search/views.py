"""The search page and its JSON twin: read the form, call ``search.query.search``, render."""

from django import forms
from django.core.paginator import InvalidPage
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from archive import exports
from archive.pagecache import for_readers
from config.errors import api_error
from search.engine import SearchUnavailable, index_generation
from search.forms import SearchForm
from search.models import record_search
from search.query import ranked_ids, search

# The query parameters the results page reads, and how (the page cache's key: archive.pagecache).
PARAMETERS = {
    name: int if isinstance(field, forms.IntegerField) else str.strip
    for name, field in SearchForm().fields.items()
} | {"page": int}


def _run(request, record=True):
    """(form, outcome); outcome is None when the parameters are invalid.

    A search is counted for the admin's "what readers look for" report on its first page only,
    so that paging through results does not count as searching again.
    """
    form = SearchForm(request.GET)
    if not form.is_valid():
        return form, None
    page_number = request.GET.get("page") or 1
    try:
        outcome = search(form.cleaned_data, page_number)
    except InvalidPage as error:
        raise Http404(str(error)) from error
    if record and _first_page(request):
        record_search(request.GET.get("q", ""), _count(outcome))
    return form, outcome


def _first_page(request):
    return str(request.GET.get("page") or 1) == "1"


def _count(outcome):
    return outcome.paginator.count if outcome.paginator else 0


@for_readers(reads=PARAMETERS, variant=index_generation)
def _results_page(request):
    form, outcome = _run(request, record=False)
    context = {"form": form, "outcome": outcome, "query": request.GET.get("q", "")}
    response = render(request, "search/search.html", context, status=200 if outcome else 400)
    if outcome:
        response["X-Result-Count"] = str(_count(outcome))
    return response


@require_safe
def search_page(request):
    """The results page, from the page cache for anonymous readers (archive.pagecache); every
    first page served counts for the report, cached or not. With ``?format=csv`` or
    ``?format=jsonl``, every result instead (archive.exports). An index that cannot be read
    gives a page saying so (503), with the way to browse instead."""
    try:
        fmt = exports.requested_format(request)
        if fmt:
            return _export(request, fmt)
        response = _results_page(request)
    except SearchUnavailable:
        return render(request, "search/unavailable.html", status=503)
    if "X-Result-Count" in response and _first_page(request):
        record_search(request.GET.get("q", ""), int(response["X-Result-Count"]))
    return response


def _export(request, fmt):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return api_error(400, "检索参数无效。", errors=form.errors.get_json_data())
    chunks = exports.ranked_chunks(ranked_ids(form.cleaned_data), exports.site_origin(request))
    return exports.export_response(fmt, chunks, "search")


@require_safe
def search_api(request):
    try:
        form, outcome = _run(request)
    except Http404 as error:
        return api_error(404, str(error))
    except SearchUnavailable as error:
        return api_error(503, "搜索暂不可用。", reason=str(error))
    if outcome is None:
        return api_error(400, "检索参数无效。", errors=form.errors.get_json_data())
    page = outcome.page
    return JsonResponse(
        {
            "count": outcome.paginator.count if outcome.paginator else 0,
            "page": page.number if page else 1,
            "pages": outcome.paginator.num_pages if outcome.paginator else 0,
            "results": [_result(request, article) for article in (page or [])],
            "facets": outcome.facets or {"region": [], "agency": [], "initiative": [], "year": []},
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _result(request, article):
    regions = list(article.regions.all())
    return {
        "id": article.pk,
        "title": article.title,
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "published": article.published_at.isoformat() if article.published_at else None,
        "region": regions[0].name if regions else None,
        "agencies": [agency.name for agency in article.agencies.all()],
        "initiatives": [initiative.name for initiative in article.initiatives.all()],
        "snippet": str(article.snippet),
    }
