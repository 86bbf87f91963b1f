"""Every search is a feed: ``/search/rss.xml`` and ``/search/atom.xml`` take the parameters
of ``/search/`` and hold its newest matches, newest first.

Feed readers poll, so a poll must be cheap: each answer carries an ``ETag`` (a digest of
the entries' ids and edit times, and of the release) and a ``Last-Modified`` (the newest
edit among them), and a poll that names them gets a 304 before any XML is written. These
feeds are not in the page cache: its key changes with every write anywhere in the archive,
whereas this ETag changes only when the entries do. An entry is identified by its article's
permalink (Atom ``id``, RSS ``guid``), which an edit does not change; an edit shows as the
entry's ``updated`` date.
"""

import hashlib
from dataclasses import dataclass

from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from archive.feeds import ArticleFeed, atom
from archive.models import Agency, Initiative, Region
from archive.pagecache import release
from search.forms import SearchForm
from search.query import newest_matches


@dataclass
class Selection:
    """One search as a feed: its cleaned parameters, the query string it came with, and
    its newest matching articles."""

    params: dict
    query_string: str
    articles: list

    def validators(self):
        """(ETag, Last-Modified as a timestamp or None) of these entries."""
        digest = hashlib.blake2b(release().encode(), digest_size=16)
        for article in self.articles:
            digest.update(f"{article.pk}:{article.updated_at.isoformat()};".encode())
        newest = max((a.updated_at for a in self.articles), default=None)
        return f'"{digest.hexdigest()}"', int(newest.timestamp()) if newest else None

    def label(self):
        """What the search is, in words: 反诈 · 四川省 · 2021年."""
        params = self.params
        parts = [params["q"]] if params.get("q") else []
        if params.get("region"):
            parts += Region.objects.filter(code=params["region"]).values_list("name", flat=True)
        if params.get("agency"):
            parts += Agency.objects.filter(pk=params["agency"]).values_list("name", flat=True)
        if params.get("initiative"):
            slug = params["initiative"]
            parts += Initiative.objects.filter(slug=slug).values_list("name", flat=True)
        if params.get("year"):
            parts.append(f"{params['year']}年")
        if params.get("from") or params.get("to"):
            start, end = params.get("from") or "", params.get("to") or ""
            parts.append(f"{start}至{end}")
        return " · ".join(parts)


class SearchFeed(ArticleFeed):
    """The RSS feed of one search; ``atom(SearchFeed)`` is its Atom twin."""

    def __call__(self, request):
        form = SearchForm(request.GET)
        if not form.is_valid():
            errors = "；".join(e for errors in form.errors.values() for e in errors)
            return HttpResponseBadRequest(
                f"搜索条件有误：{errors}", content_type="text/plain; charset=utf-8"
            )
        query = request.GET.copy()
        query.pop("page", None)
        selection = Selection(
            form.cleaned_data,
            query.urlencode(),
            newest_matches(form.cleaned_data, self.limit, self.item_fields),
        )
        etag, last_modified = selection.validators()
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None:
            feed = self.get_feed(selection, request)
            response = HttpResponse(content_type=feed.content_type)
            feed.write(response, "utf-8")
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        return response

    def items(self, selection):
        return selection.articles

    def title(self, selection):
        return f"警讯档案 · 搜索：{selection.label()}"

    def link(self, selection):
        return f"{reverse('search:search')}?{selection.query_string}"

    def description(self, selection):
        return f"警讯档案中符合“{selection.label()}”的最新文章"


SearchAtomFeed = atom(SearchFeed)
