"""Lists of the articles linked to a region, bureau or initiative (ArticleQuerySet.linked_through):
fetched by id when they are few, found by walking the newest articles when they are many;
the same articles, in the same order, either way."""

import pytest

from archive import models, trees
from archive.models import Article

pytestmark = pytest.mark.django_db


def _listed(articles):
    return list(articles.newest().values_list("pk", flat=True))


@pytest.mark.parametrize(
    "make",
    [
        lambda world: Article.objects.published().in_regions(
            trees.subtree_ids(world["regions"]["henan"])
        ),
        lambda world: Article.objects.published().in_agencies(
            trees.subtree_ids(world["agencies"]["zhoukou"])
        ),
        lambda world: Article.objects.published().in_initiative(world["initiatives"]["banshishi"]),
    ],
    ids=["region", "agency", "initiative"],
)
def test_few_or_many_the_list_is_the_same(browse_world, monkeypatch, make):
    by_id = _listed(make(browse_world))
    monkeypatch.setattr(models, "SPARSE_LINKS", 0)  # every list counts as many
    walked = _listed(make(browse_world))
    assert by_id == walked
    assert len(by_id) >= 1


def test_a_count_known_to_be_large_skips_reading_the_links(browse_world, django_assert_num_queries):
    ids = trees.subtree_ids(browse_world["regions"]["henan"])
    with django_assert_num_queries(2):  # the link ids, then the page
        _listed(Article.objects.published().in_regions(ids))
    with django_assert_num_queries(1):
        _listed(Article.objects.published().in_regions(ids, expected=models.SPARSE_LINKS + 1))
