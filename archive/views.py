"""Browse pages. Thin: queries live on the models' QuerySets, in archive.browse and in
archive.counts (cached counts and timelines)."""

from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from archive import browse, counts, exports, trees
from archive.browse import FILTERED_LIST, LIST, PAGED
from archive.forms import ListFilterForm
from archive.models import (
    Agency,
    Article,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    Initiative,
    Region,
)
from archive.pagecache import for_readers
from archive.related import related_articles
from archive.reporters import reporter_links
from archive.syndication import first_appearance
from archive.thisday import this_day_url

FIRST_YEAR, LAST_YEAR = 1949, 2100


def _article_list(request, template, articles, context, csv_name, known_count=None):
    """Render one page of ``articles`` (a browse.ArticleList), or all of them as CSV or
    JSON Lines (?format=csv, ?format=jsonl)."""
    fmt = exports.requested_format(request)
    if fmt:
        return exports.list_export(request, fmt, articles.queryset(), csv_name)
    page = browse.paginate(request, articles, known_count)
    return render(request, template, {**context, "page": page})


def _filters(request, region_ids):
    """Year and bureau filters from the query string; a malformed value, or a bureau outside
    the region (``region_ids``: it and the regions below it), is a 404, so a filtered list
    only ever has one URL."""
    form = ListFilterForm(request.GET)
    if not form.is_valid():
        raise Http404("筛选条件无效")
    year, agency_id = form.cleaned_data["year"], form.cleaned_data["agency"]
    agency = None
    if agency_id is not None:
        agency = (
            Agency.objects.filter(pk=agency_id, region_id__in=region_ids).only("id", "name").first()
        )
        if agency is None:
            raise Http404("这个地区没有这个单位")
    return year, agency


@require_safe
@for_readers
def home(request):
    return render(
        request,
        "archive/home.html",
        {
            "articles": Article.objects.published().newest().for_listing().with_region_names()[:10],
            "totals": counts.totals(),
            "timeline": counts.timeline(),
            "top_cities": counts.top_regions(Region.Level.CITY),
            "provinces": counts.top_regions(Region.Level.PROVINCE, limit=34),
            "top_agencies": counts.top_agencies(),
            "top_initiatives": counts.top_initiatives(),
            "this_day": this_day_url(),
        },
    )


@require_safe
@for_readers(reads=LIST)
def article_list(request):
    return _article_list(
        request,
        "archive/article_list.html",
        browse.ArticleList(Article.objects.published()),
        {"breadcrumbs": [("全部文章", None)]},
        "articles",
        known_count=counts.timeline().total,
    )


@require_safe
@for_readers
def article_detail(request, pk, slug=None):
    """Duplicates answer with a permanent redirect to their primary; hidden articles do not
    exist for readers. Any slug is accepted: the canonical link names the permalink."""
    article = browse.read_article(pk)
    if article is None:
        raise Http404("文章不存在")
    if article.status == Article.Status.DUPLICATE and article.duplicate_of_id is not None:
        primary = article.duplicate_of
        if primary.status == Article.Status.PUBLISHED:
            return redirect(primary, permanent=True)
    if article.status != Article.Status.PUBLISHED:
        raise Http404("文章不存在")
    permalink = request.build_absolute_uri(article.get_absolute_url())
    copies = browse.article_copies(article) if article.has_copies else []
    links = article.links
    crumbs = [("全部文章", reverse("archive:article_list"))]
    if links["regions"]:
        crumbs.append((links["regions"][0].name, links["regions"][0].get_absolute_url()))
    crumbs.append((article.title, None))
    return render(
        request,
        "archive/article_detail.html",
        {
            "article": article,
            "reporters": reporter_links(article),
            **links,
            "permalink": permalink,
            "citation": browse.citation(article, permalink),
            "copies": copies,
            "first": first_appearance(article, copies),
            "related": related_articles(article),
            "breadcrumbs": crumbs,
        },
    )


@require_safe
@for_readers
def region_list(request):
    return render(
        request,
        "archive/region_list.html",
        {"tree": browse.region_tree(), "breadcrumbs": [("地区", None)]},
    )


@require_safe
@for_readers(reads=FILTERED_LIST)
def region_detail(request, code):
    region = browse.region_by_code(code)
    if region is None:
        raise Http404("没有这个地区")
    timeline = counts.timeline("region", region)
    subtree = trees.subtree_ids(region)
    agencies = browse.agencies_in_region(subtree)
    year, agency = _filters(request, subtree)
    articles = browse.LinkedArticles(ArticleRegion, subtree, timeline.total, year)
    known_count = timeline.count_in_year(year) if year else timeline.total
    if agency:  # rare: read as a QuerySet
        agency_ids = trees.subtree_ids(agency)
        articles = browse.ArticleList(articles.queryset().in_agencies(agency_ids))
        known_count = None
    return _article_list(
        request,
        "archive/region_detail.html",
        articles,
        {
            "region": region,
            "children": browse.region_children(region),
            "agencies": agencies,
            "timeline": timeline,
            "year": year,
            "agency": agency,
            "breadcrumbs": browse.region_crumbs(region),
        },
        f"region-{region.code}",
        known_count,
    )


@require_safe
@for_readers(reads=PAGED)
def agency_list(request):
    page = browse.paginate(request, browse.agency_groups(), per_page=100)
    return render(
        request,
        "archive/agency_list.html",
        {"page": page, "breadcrumbs": [("公安单位", None)]},
    )


@require_safe
@for_readers(reads=LIST)
def agency_detail(request, pk):
    agency = browse.agency_by_id(pk)
    if agency is None:
        raise Http404("没有这个单位")
    timeline = counts.timeline("agency", agency)
    subtree = trees.subtree_ids(agency)
    return _article_list(
        request,
        "archive/agency_detail.html",
        browse.LinkedArticles(ArticleAgency, subtree, timeline.total),
        {
            "agency": agency,
            "sub_units": browse.agency_sub_units(agency),
            "initiatives": counts.agency_initiatives(agency),
            "timeline": timeline,
            "breadcrumbs": browse.agency_crumbs(agency),
        },
        f"agency-{agency.pk}",
        timeline.total,
    )


@require_safe
@for_readers(reads=PAGED)
def initiative_list(request):
    page = browse.paginate(request, browse.accepted_initiatives(), per_page=50)
    return render(
        request,
        "archive/initiative_list.html",
        {"page": page, "breadcrumbs": [("专项行动", None)]},
    )


@require_safe
@for_readers(reads=LIST)
def initiative_detail(request, slug):
    initiative = get_object_or_404(Initiative, slug=slug, status=Initiative.Status.ACCEPTED)
    timeline = counts.timeline("initiative", initiative)
    return _article_list(
        request,
        "archive/initiative_detail.html",
        browse.LinkedArticles(ArticleInitiative, [initiative.pk], timeline.total),
        {
            "initiative": initiative,
            "agencies": browse.initiative_agencies(initiative),
            "timeline": timeline,
            "breadcrumbs": [
                ("专项行动", reverse("archive:initiative_list")),
                (initiative.name, None),
            ],
        },
        f"initiative-{initiative.pk}",
        timeline.total,
    )


@require_safe
@for_readers
def date_archive(request):
    return render(
        request,
        "archive/date_archive.html",
        {"timeline": counts.timeline(), "breadcrumbs": [("按日期", None)]},
    )


def _check_period(year, month=None):
    if not FIRST_YEAR <= year <= LAST_YEAR or (month is not None and not 1 <= month <= 12):
        raise Http404("没有这个日期")


@require_safe
@for_readers(reads=LIST)
def year_archive(request, year):
    _check_period(year)
    timeline = counts.timeline()
    return _article_list(
        request,
        "archive/year_archive.html",
        browse.ArticleList(browse.filter_by_year(Article.objects.published(), year)),
        {
            "year": year,
            "months": [(m, n) for m, n in timeline.months if m.year == year],
            "timeline": timeline,
            "breadcrumbs": [("按日期", reverse("archive:date_archive")), (f"{year}年", None)],
        },
        f"archive-{year}",
        timeline.count_in_year(year),
    )


@require_safe
@for_readers(reads=LIST)
def month_archive(request, year, month):
    _check_period(year, month)
    timeline = counts.timeline()
    return _article_list(
        request,
        "archive/month_archive.html",
        browse.ArticleList(browse.filter_by_month(Article.objects.published(), year, month)),
        {
            "year": year,
            "month": date(year, month, 1),
            "breadcrumbs": [
                ("按日期", reverse("archive:date_archive")),
                (f"{year}年", reverse("archive:year_archive", args=[year])),
                (f"{month}月", None),
            ],
        },
        f"archive-{year}-{month:02d}",
        timeline.count_in_month(year, month),
    )


@require_safe
@for_readers(reads=LIST)
def undated(request):
    return _article_list(
        request,
        "archive/undated.html",
        browse.ArticleList(Article.objects.published().undated()),
        {
            "breadcrumbs": [("按日期", reverse("archive:date_archive")), ("日期不详", None)],
        },
        "undated",
        counts.timeline().undated,
    )


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /*format=csv",
        "Disallow: /*format=jsonl",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
