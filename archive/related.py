"""Related articles for the article page: more-like-this through the search backend, with a
plain PostgreSQL fallback (same bureau, then same region) when the index is empty, not built
yet, or fails. Isolated here so the search app can rewire it without touching the views."""

import logging

from django.db.models import Exists, OuterRef

from archive.models import Article, ArticleAgency, ArticleRegion

logger = logging.getLogger(__name__)


def related_articles(article, limit=5):
    """Up to ``limit`` published articles like ``article``, never itself nor its copies."""
    try:
        found = _from_search(article, limit)
    except Exception as error:  # noqa: BLE001 - any backend failure falls back to the database
        logger.warning("more-like-this failed for article %s: %r", article.pk, error)
        found = []
    return found or _from_database(article, limit)


def _from_search(article, limit):
    from haystack.query import SearchQuerySet

    ids = []
    for result in SearchQuerySet().more_like_this(article)[: limit * 2]:
        if result is not None and result.model is Article and str(result.pk) != str(article.pk):
            ids.append(int(result.pk))
    if not ids:
        return []
    found = Article.objects.published().exclude(duplicate_of=article).for_listing().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found][:limit]


# Up to this many articles sharing a bureau or region are sorted by date directly; beyond
# it they are common enough that walking the newest articles finds ``limit`` of them soon.
SPARSE = 2000


def _from_database(article, limit):
    """Newest published articles sharing a bureau, else a region (four queries at most).

    The plan depends on how many articles share the link: walking the newest articles until
    ``limit`` share it read all 10,000 when none did (61 ms); sorting all that share it is
    slow for a province. So the sharers' ids are read from the link index first, up to
    ``SPARSE``: fewer are sorted as a literal list, more mean the walk ends early."""
    others = Article.objects.published().exclude(pk=article.pk).exclude(duplicate_of=article)
    for link_model, field in ((ArticleAgency, "agency_id"), (ArticleRegion, "region_id")):
        mine = link_model.objects.filter(article=article).values(field)
        sharers = list(
            link_model.objects.filter(**{f"{field}__in": mine})
            .exclude(article_id=article.pk)
            .values_list("article_id", flat=True)[: SPARSE + 1]
        )
        if not sharers:
            continue
        if len(sharers) <= SPARSE:
            candidates = others.filter(pk__in=sharers)
        else:
            shared = link_model.objects.filter(article=OuterRef("pk"), **{f"{field}__in": mine})
            candidates = others.filter(Exists(shared))
        found = list(candidates.newest().for_listing()[:limit])
        if found:
            return found
    return []
