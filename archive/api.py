"""The JSON API (``/api/``) and its OpenAPI 3 description (``/api/openapi.json``).

django-ninja builds the description from this module's code: each endpoint's path,
parameters (typed function arguments) and responses (the schemas below), so it cannot drift
from what the endpoints do. Articles are the records of ``archive.exports`` (the exports and
``export_dump`` write the same ones); ids are the archive's stable ids. ``/api/search/`` is
``search.views.search_api``, described here (its parameters are checked by the search form,
as on the search page). Only GET; nothing here writes.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError

from archive import browse, counts, exports, trees
from archive.models import Agency, Article, Initiative, Region
from search import views as search_views

api = NinjaAPI(
    title="警讯档案开放数据接口",
    version="1",
    description="公安便民服务新闻档案的文章、地区、公安单位、专项行动与搜索。只读。",
    urls_namespace="api",
    docs_url=None,  # the interactive page loads scripts from a CDN, which the CSP refuses
)

MAX_PER_PAGE = 100


class Error(Schema):
    detail: str


class RegionRef(Schema):
    code: str
    name: str


class AgencyRef(Schema):
    id: int
    name: str


class InitiativeRef(Schema):
    slug: str
    name: str


class ArticleOut(Schema):
    id: int
    url: str
    title: str
    subtitle: str
    published: str | None
    precision: str
    source: str
    via_site: str
    reporters: list[str]
    original_url: str
    regions: list[RegionRef]
    agencies: list[AgencyRef]
    initiatives: list[InitiativeRef]


class ArticleDetail(ArticleOut):
    body_text: str
    updated_at: str


class ArticlePage(Schema):
    count: int
    page: int
    pages: int
    results: list[ArticleOut]


class ArticleFilters(Schema):
    region: str | None = None
    agency: int | None = None
    initiative: str | None = None
    year: int | None = Query(None, ge=1900, le=2200)
    page: int = Query(1, ge=1)
    per_page: int = Query(20, ge=1, le=MAX_PER_PAGE)


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    articles: int
    url: str


class RegionDetail(RegionOut):
    children: list[RegionOut]


class AgencyOut(Schema):
    id: int
    name: str
    kind: str
    parent: int | None
    region: str | None
    articles: int
    url: str


class InitiativeOut(Schema):
    slug: str
    name: str
    aliases: list[str]
    description: str
    articles: int
    url: str


class Facet(Schema):
    value: str
    label: str
    count: int


class Facets(Schema):
    region: list[Facet]
    agency: list[Facet]
    initiative: list[Facet]
    year: list[Facet]


class SearchResult(Schema):
    id: int
    title: str
    url: str
    published: str | None
    region: str | None
    agencies: list[str]
    initiatives: list[str]
    snippet: str


class SearchOut(Schema):
    count: int
    page: int
    pages: int
    results: list[SearchResult]
    facets: Facets


class SearchErrors(Schema):
    errors: dict[str, list[dict[str, str]]]


class SearchParameters(Schema):
    q: str | None = Query(
        None, description='关键词：空格分隔表示同时包含，"…" 短语，-词 排除，OR 任选'
    )
    region: str | None = Query(None, description="区划代码（含下辖区划）")
    agency: str | None = Query(None, description="公安单位 id（含下属单位）")
    initiative: str | None = Query(None, description="专项行动网址名")
    year: str | None = None
    sort: str | None = Query(None, description="relevance（默认）或 date")
    start: str | None = Query(None, alias="from", description="起始日期 YYYY-MM-DD")
    end: str | None = Query(None, alias="to", description="截止日期 YYYY-MM-DD")
    page: str | None = None


def _origin(request):
    return exports.site_origin(request)


def _key(pk):
    """A path's id as the database can hold it: a bigint."""
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def _filtered(filters):
    articles = Article.objects.published()
    if filters.region is not None:
        region = get_object_or_404(Region, code=filters.region)
        articles = articles.in_regions(trees.subtree_ids(region))
    if filters.agency is not None:
        agency = get_object_or_404(Agency, pk=_key(filters.agency))
        articles = articles.in_agencies(trees.subtree_ids(agency))
    if filters.initiative is not None:
        initiative = get_object_or_404(
            Initiative, slug=filters.initiative, status=Initiative.Status.ACCEPTED
        )
        articles = articles.in_initiative(initiative)
    if filters.year is not None:
        articles = browse.filter_by_year(articles, filters.year)
    return articles


@api.get("/articles/", response={200: ArticlePage, 404: Error}, tags=["articles"])
def articles(request, filters: Query[ArticleFilters]):
    """Published articles, newest first, one page at a time; filters as on the browse pages
    (a region or bureau includes those below it)."""
    found = _filtered(filters)
    count = found.count()
    pages = max(1, -(-count // filters.per_page))
    if filters.page > pages:
        raise HttpError(404, "没有这一页")
    start = (filters.page - 1) * filters.per_page
    window = list(
        found.newest().for_listing(*exports.RECORD_FIELDS)[start : start + filters.per_page]
    )
    return {
        "count": count,
        "page": filters.page,
        "pages": pages,
        "results": exports.records(window, _origin(request)),
    }


@api.get("/articles/{article_id}/", response={200: ArticleDetail, 404: Error}, tags=["articles"])
def article(request, article_id: int):
    """One published article with its text."""
    found = get_object_or_404(
        Article.objects.published().for_listing(*exports.RECORD_FIELDS, "body_text", "updated_at"),
        pk=_key(article_id),
    )
    return exports.records([found], _origin(request), ("body_text", "updated_at"))[0]


def _region_out(request, region, parent_code, count):
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent": parent_code,
        "articles": count,
        "url": request.build_absolute_uri(region.get_absolute_url()),
    }


@api.get("/regions/", response=list[RegionOut], tags=["regions"])
def regions(request):
    """Every region with published articles (in it or below it), by code."""
    region_counts = counts.region_counts()
    found = Region.objects.filter(pk__in=list(region_counts)).select_related("parent")
    return [
        _region_out(request, r, r.parent.code if r.parent else None, region_counts[r.pk])
        for r in found.order_by("code")
    ]


@api.get("/regions/{code}/", response={200: RegionDetail, 404: Error}, tags=["regions"])
def region(request, code: str):
    """One region (any in the gazetteer) with its count and its children that have articles."""
    found = browse.region_by_code(code)
    if found is None:
        raise Http404
    total = counts.timeline("region", found).total
    parent = found.parent.code if found.parent else None
    return {
        **_region_out(request, found, parent, total),
        "children": [
            _region_out(request, child, found.code, n) for child, n in browse.region_children(found)
        ],
    }


def _agency_out(request, agency, count):
    return {
        "id": agency.pk,
        "name": agency.name,
        "kind": agency.kind,
        "parent": agency.parent_id,
        "region": agency.region.code if agency.region else None,
        "articles": count,
        "url": request.build_absolute_uri(agency.get_absolute_url()),
    }


@api.get("/agencies/", response=list[AgencyOut], tags=["agencies"])
def agencies(request):
    """Every police unit with published articles (its own or its sub-units')."""
    agency_counts = counts.agency_counts()
    found = Agency.objects.filter(pk__in=list(agency_counts)).select_related("region")
    return [_agency_out(request, a, agency_counts[a.pk]) for a in found.order_by("pk")]


@api.get("/agencies/{agency_id}/", response={200: AgencyOut, 404: Error}, tags=["agencies"])
def agency(request, agency_id: int):
    found = browse.agency_by_id(agency_id)
    if found is None:
        raise Http404
    return _agency_out(request, found, counts.timeline("agency", found).total)


def _initiative_out(request, initiative, count):
    return {
        "slug": initiative.slug,
        "name": initiative.name,
        "aliases": initiative.aliases,
        "description": initiative.description,
        "articles": count,
        "url": request.build_absolute_uri(initiative.get_absolute_url()),
    }


@api.get("/initiatives/", response=list[InitiativeOut], tags=["initiatives"])
def initiatives(request):
    """The accepted campaigns and service brands, busiest first."""
    return [_initiative_out(request, i, n) for i, n in browse.accepted_initiatives()]


@api.get("/initiatives/{slug}/", response={200: InitiativeOut, 404: Error}, tags=["initiatives"])
def initiative(request, slug: str):
    found = get_object_or_404(Initiative, slug=slug, status=Initiative.Status.ACCEPTED)
    return _initiative_out(request, found, counts.timeline("initiative", found).total)


@api.get("/search/", response={200: SearchOut, 400: SearchErrors}, tags=["search"])
def search(request, parameters: Query[SearchParameters]):
    """Search, as on the search page: the same parameters, ten results a page, facets over
    every match."""
    return search_views.search_api(request)
