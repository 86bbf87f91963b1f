"""The one search index: published articles, with what the search page filters and ranks on.

Each field names the Whoosh field it needs (``whoosh_field``, from ``search.whoosh.fields``,
read by ``search.whoosh.backend.ChineseWhooshBackend``); other haystack backends ignore it.
"""

import hashlib
from collections.abc import Iterator
from functools import partial
from typing import Any

from django.db.models import Prefetch, QuerySet
from haystack import connections, indexes

from archive import trees
from archive.models import Agency, Article, Initiative, Region
from search.analysis import fold
from search.whoosh import fields as whoosh_fields


def _whoosh(field, factory, *args, **kwargs):
    field.whoosh_field = partial(factory, *args, **kwargs)
    return field


class Ancestry:
    """Region codes and agency ids with all their ancestors, loaded once per indexing run."""

    def __init__(self):
        self.region_parent = dict(Region.objects.values_list("id", "parent_id"))
        self.region_code = dict(Region.objects.values_list("id", "code"))
        self.agency_parent = dict(Agency.objects.values_list("id", "parent_id"))

    def region_codes(self, region_ids):
        return sorted(self.region_code[r] for r in trees.climb(region_ids, self.region_parent))

    def agency_ids(self, agency_ids):
        return sorted(str(a) for a in trees.climb(agency_ids, self.agency_parent))


SAMPLE_SIZE = 2000  # articles read to choose the common runs (search.analysis)

# Bump when the analyzers, the schema, the postings format or what a field holds change: every indexed article's
# fingerprint then differs from the database's, so check_index reports the index stale and
# --fix rewrites it (and `make data` runs that).
INDEX_FORMAT = "4"


def fingerprint(article, region_ids, agency_ids, initiative_ids):
    """What check_index compares: changes whenever the indexed content or links change."""
    parts = [
        INDEX_FORMAT,
        article.updated_at.isoformat() if article.updated_at else "",
        article.status,
        ",".join(map(str, sorted(region_ids))),
        ",".join(map(str, sorted(agency_ids))),
        ",".join(map(str, sorted(initiative_ids))),
    ]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


class ArticleIndex(indexes.SearchIndex, indexes.Indexable):
    """Title and body as written; the analyzers fold them. ``Article.save`` keeps the
    ``*_simplified`` columns that ``search.substrings`` confirms against in step."""

    text = _whoosh(indexes.CharField(document=True), whoosh_fields.words)
    bigrams = _whoosh(indexes.CharField(), whoosh_fields.bigrams)
    title = _whoosh(indexes.CharField(model_attr="title"), whoosh_fields.words, field_boost=3.0)
    title_bigrams = _whoosh(indexes.CharField(model_attr="title"), whoosh_fields.bigrams)
    common_runs = _whoosh(indexes.CharField(), whoosh_fields.common_runs)
    article_id = _whoosh(indexes.IntegerField(model_attr="pk"), whoosh_fields.column)
    published_ts = _whoosh(indexes.IntegerField(), whoosh_fields.column)
    year = _whoosh(indexes.CharField(), whoosh_fields.exact, stored=False)
    region_codes = _whoosh(indexes.MultiValueField(), whoosh_fields.keywords)
    agency_ids = _whoosh(indexes.MultiValueField(), whoosh_fields.keywords)
    initiative_slugs = _whoosh(indexes.MultiValueField(), whoosh_fields.keywords)
    reporters = _whoosh(indexes.MultiValueField(), whoosh_fields.keywords)
    fingerprint = _whoosh(indexes.CharField(indexed=False), whoosh_fields.stored)

    ancestry = None

    def get_model(self):
        return Article

    def index_queryset(self, using=None):
        return (
            Article.objects.published()
            # What prepare() and fingerprint() read: not the HTML, nor the folded copies
            # (the analyzers fold), nor the near-duplicate signature.
            .only(
                "title",
                "body_text",
                "authors",
                "published_at",
                "date_precision",
                "status",
                "updated_at",
            )
            .prefetch_related(
                # Plain lists (to_attr): reading a prefetched manager clones a queryset, which
                # was a large share of preparing a document (docs/benchmarks.md, "Why the code
                # is as it is").
                Prefetch("articleregion_set", to_attr="region_links"),
                Prefetch("articleagency_set", to_attr="agency_links"),
                # Accepted only: a suggested initiative is linked for staff, not for readers.
                Prefetch(
                    "initiatives",
                    queryset=Initiative.objects.filter(status=Initiative.Status.ACCEPTED),
                    to_attr="initiative_list",
                ),
            )
            .order_by("pk")
        )

    def read_queryset(self, using=None):
        return Article.objects.published()

    def reset_ancestry(self):
        self.ancestry = Ancestry()

    def _links(self, obj):
        if not hasattr(obj, "region_links"):  # not from index_queryset()
            obj = self.index_queryset().get(pk=obj.pk)
        return (
            [link.region_id for link in obj.region_links],
            [link.agency_id for link in obj.agency_links],
            obj.initiative_list,
        )

    def prepare(self, obj):
        if self.ancestry is None:
            self.reset_ancestry()
        region_ids, agency_ids, initiatives = self._links(obj)
        data = super().prepare(obj)
        content = f"{obj.title}\n{obj.body_text}"
        # The model's rule for a known date (Article.is_dated): an article whose date
        # precision is unknown has no year to filter or count by, as on the browse pages.
        published = obj.local_published_at
        data.update(
            text=content,
            bigrams=content,
            common_runs=content,
            published_ts=int(published.timestamp()) if published else 0,
            year=str(published.year) if published else "",
            region_codes=self.ancestry.region_codes(region_ids),
            agency_ids=self.ancestry.agency_ids(agency_ids),
            initiative_slugs=[initiative.slug for initiative in initiatives],
            reporters=[fold(name) for name in obj.reporters],
            fingerprint=fingerprint(
                obj, region_ids, agency_ids, [initiative.pk for initiative in initiatives]
            ),
        )
        return data


def article_index(backend: Any) -> Any:
    """The haystack ``ArticleIndex`` of ``backend``'s connection."""
    return connections[backend.connection_alias].get_unified_index().get_index(Article)


def iter_batches(queryset: QuerySet[Article], batch_size: int) -> Iterator[list[Article]]:
    """Keyset pagination by primary key: each batch costs the same, unlike OFFSET."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last)[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def sample_texts(size: int = SAMPLE_SIZE) -> list[str]:
    """Title and body of up to ``size`` published articles chosen at random: what a rebuild
    chooses the common runs from (``search.analysis.find_common_runs``), in either engine."""
    rows = Article.objects.published().order_by("?").values_list("title", "body_text")[:size]
    return [f"{title}\n{body}" for title, body in rows]
