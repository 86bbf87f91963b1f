"""Reporters: the people an article's byline names, as readers look for them.

A byline is stored as written (``Article.authors``, names joined by 、), and
``Article.reporters`` reads the names out of it. The search index holds each article's reporters folded to one script
(``search.search_indexes``), so a reporter's name finds their articles in search, and their
page lists them, whichever script a byline or a reader uses. One URL per reporter: the name
in simplified script; a traditional spelling redirects there.
"""

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from archive import browse, exports
from archive.chinese import to_simplified
from archive.counts import Timeline
from archive.models import Article
from archive.pagecache import for_readers
from search.engine import index_generation
from search.query import reporter_article_ids


def reporter_url(name):
    return reverse("archive:reporter_detail", args=[to_simplified(name)])


def reporter_links(article):
    """[(name as written, URL of the reporter's page)] of the article's byline."""
    return [(name, reporter_url(name)) for name in article.reporters]


def reporter_timeline(articles):
    """A ``Timeline`` of ``articles`` (a QuerySet of a few hundred at most), one query."""
    months = (
        articles.dated()
        .annotate(month=TruncMonth("published_at"))
        .values_list("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    return Timeline(
        months=[(month.date(), n) for month, n in months], undated=articles.undated().count()
    )


def reporter_sources(articles, limit=10):
    """[(source, count)]: where the reporter's articles were published, most first."""
    rows = (
        articles.exclude(source="")
        .values_list("source")
        .annotate(n=Count("id"))
        .order_by("-n", "source")[:limit]
    )
    return list(rows)


@require_safe
@for_readers(reads=browse.LIST, variant=index_generation)
def reporter_detail(request, name):
    """The articles whose byline names ``name``, newest first, with a timeline."""
    if to_simplified(name) != name:
        return redirect(reporter_url(name), permanent=True)
    articles = Article.objects.published().filter(pk__in=reporter_article_ids(name))
    timeline = reporter_timeline(articles)
    if not timeline.total:
        raise Http404("档案中没有这位记者的文章")
    fmt = exports.requested_format(request)
    if fmt:
        return exports.list_export(request, fmt, articles, "reporter")
    page = browse.paginate(request, browse.ArticleList(articles), timeline.total)
    return render(
        request,
        "archive/reporter_detail.html",
        {
            "name": name,
            "page": page,
            "timeline": timeline,
            "sources": reporter_sources(articles),
            "breadcrumbs": [(f"记者：{name}", None)],
        },
    )
