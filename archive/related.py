"""Related articles for the article page: more-like-this through the search backend, with a
plain PostgreSQL fallback (same bureau, then same region) when the index is empty, not built
yet, or fails. Isolated here so the search app can rewire it without touching the views."""

import logging

from archive import sql
from archive.models import CARD_FIELDS, Article, ArticleAgency, ArticleRegion

logger = logging.getLogger(__name__)

# The found articles' cards, published and not copies of this one, written out: through the
# ORM (published().exclude(duplicate_of=…).for_listing().in_bulk()) they cost more, mostly
# spent building the query (docs/benchmarks.md, "Why the code is as it is").
_FOUND_SQL = """
SELECT {columns} FROM {article} a
WHERE a.id = ANY(%s) AND {published:a} AND a.duplicate_of_id IS DISTINCT FROM %s
"""


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
    query = sql.compose(_FOUND_SQL, columns=", ".join(f"a.{name}" for name in CARD_FIELDS))
    found = {a.pk: a for a in Article.objects.raw(query, [ids, article.pk])}
    return [found[pk] for pk in ids if pk in found][:limit]


def _from_database(article, limit):
    """Newest published articles sharing a bureau, else a region (four queries at most).

    ``in_agencies``/``in_regions`` pick the plan by how many articles share the link (walking
    the newest articles until ``limit`` share it read the whole archive when none did:
    docs/benchmarks.md, "Why the code is as it is")."""
    others = Article.objects.published().exclude(pk=article.pk).exclude(duplicate_of=article)
    sharing = (
        lambda: others.in_agencies(
            ArticleAgency.objects.filter(article=article).values("agency_id")
        ),
        lambda: others.in_regions(
            ArticleRegion.objects.filter(article=article).values("region_id")
        ),
    )
    for candidates in sharing:
        found = list(candidates().newest().for_listing()[:limit])
        if found:
            return found
    return []
