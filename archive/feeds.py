"""RSS and Atom feeds: newest articles, and those of one region, bureau or initiative.

``ArticleFeed`` is the base for every feed of articles, the search app's per-query feeds
included: a subclass says what the feed is about (``title``, ``link``, ``description``,
optionally ``get_object``) and which articles it holds (``articles(obj)``, a published
QuerySet); ordering, the limit, item fields and dates are shared. ``atom(FeedClass)`` gives
the Atom twin of any such feed.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from archive.models import Agency, Article, Initiative, Region
from archive.text import xml_safe
from archive.trees import subtree_ids


def _xml_safe(value):
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(item) for item in value)
    return value


class XmlSafeFeedMixin:
    """A feed writer that drops the characters XML forbids from every text it is given (the
    feed's and each item's): rows stored before import and save removed them, or written
    by SQL, must not take a feed down (Django's writer refuses them with an exception)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*_xml_safe(args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*_xml_safe(args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class XmlSafeRssFeed(XmlSafeFeedMixin, Rss201rev2Feed):
    pass


class XmlSafeAtomFeed(XmlSafeFeedMixin, Atom1Feed):
    pass


class ArticleFeed(Feed):
    feed_type = XmlSafeRssFeed
    limit = 30
    description_length = 200
    # What an item reads besides an article card's columns.
    item_fields = ("body_text", "authors", "updated_at")

    def articles(self, obj):
        """The feed's published articles, in any order; subclasses narrow this."""
        return Article.objects.published()

    def items(self, obj):
        return self.articles(obj).newest().for_listing(*self.item_fields)[: self.limit]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        lead = item.subtitle or item.body_text
        if len(lead) > self.description_length:
            lead = lead[: self.description_length] + "……"
        return f"{item.date_label}　{item.source}　{lead}".strip()

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        # An undated article gets no date rather than a false one.
        return item.published_at if item.is_dated else None

    def item_updateddate(self, item):
        """An edit shows as the entry's update; its id (the permalink) stays."""
        return item.updated_at

    def item_author_name(self, item):
        return item.authors or item.source or None


def atom(feed_class):
    """The Atom twin of an RSS feed class."""
    return type(
        f"{feed_class.__name__}Atom",
        (feed_class,),
        {"feed_type": XmlSafeAtomFeed, "subtitle": feed_class.description},
    )


class NewestFeed(ArticleFeed):
    title = "警讯档案 · 最新文章"
    link = "/"
    description = "公安便民服务新闻档案的最新文章"


class RegionFeed(ArticleFeed):
    def get_object(self, request, code):
        return get_object_or_404(Region, code=code)

    def title(self, obj):
        return f"警讯档案 · {obj.name}"

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return f"{obj.name}（含下辖区划）公安便民服务新闻"

    def articles(self, obj):
        return Article.objects.published().in_regions(subtree_ids(obj))


class AgencyFeed(ArticleFeed):
    def get_object(self, request, pk):
        return get_object_or_404(Agency, pk=pk)

    def title(self, obj):
        return f"警讯档案 · {obj.name}"

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return f"{obj.name}（含下属单位）的新闻"

    def articles(self, obj):
        return Article.objects.published().in_agencies(subtree_ids(obj))


class InitiativeFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Initiative, slug=slug, status=Initiative.Status.ACCEPTED)

    def title(self, obj):
        return f"警讯档案 · {obj.name}"

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return obj.description or f"“{obj.name}”相关新闻"

    def articles(self, obj):
        return Article.objects.published().in_initiative(obj)
