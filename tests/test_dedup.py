"""Near-duplicate detection: syndicated copies found, same-topic stories kept apart."""

from datetime import UTC, datetime, timedelta

import pytest

from archive.dedup import find_duplicates, signature, similarity
from archive.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db

WHEN = datetime(2021, 3, 29, 23, 54, tzinfo=UTC)


@pytest.fixture
def seeds(labelled_articles):
    return {item["file"][:3]: item for item in labelled_articles}


def store(item, body=None, **fields):
    article = make_article(item["title"] or "无题", body or item["body"], **fields)
    find_duplicates([article.pk])
    article.refresh_from_db()
    return article


def test_copy_with_other_images_date_and_footer_is_a_duplicate_of_the_earlier(seeds):
    item = seeds["000"]
    original = store(item, published_at=WHEN)
    body = (
        item["body"].replace("3月18日", "3月18日 ") + "\n（来源：周口网 编辑：李四）"
        "\nhttps://img.example.org/2021/03/30/abc123.jpg"
    )
    copy = store(item, body=body, published_at=WHEN + timedelta(seconds=40))
    assert copy.status == Article.Status.DUPLICATE
    assert copy.duplicate_of_id == original.pk
    original.refresh_from_db()
    assert original.status == Article.Status.PUBLISHED
    assert Article.objects.published().filter(pk=copy.pk).count() == 0


def test_an_earlier_copy_arriving_later_becomes_the_primary(seeds):
    item = seeds["002"]
    later = store(item, published_at=WHEN)
    earlier = store(
        item, body=item["body"] + "\n（责任编辑：王五）", published_at=WHEN - timedelta(days=1)
    )
    later.refresh_from_db()
    assert earlier.status == Article.Status.PUBLISHED
    assert later.status == Article.Status.DUPLICATE
    assert later.duplicate_of_id == earlier.pk


def test_same_topic_different_stories_are_not_duplicates(seeds):
    first = store(seeds["003"], published_at=WHEN)
    second = store(seeds["004"], published_at=WHEN)
    first.refresh_from_db()
    print(
        f"\n003 vs 004 similarity: {similarity(signature(first.body_simplified), signature(second.body_simplified)):.3f}"
    )
    assert first.status == second.status == Article.Status.PUBLISHED
    assert "suspected_duplicate" not in second.review_flags


def test_a_borderline_pair_is_flagged_for_review(seeds):
    item = seeds["000"]
    store(item, published_at=WHEN)
    paragraphs = item["body"].split("\n")
    half = (
        "\n".join(paragraphs[: len(paragraphs) * 2 // 3])
        + "\n另据报道，全市公安机关还将开展新一轮走访。"
    )
    partial = store(item, body=half, published_at=WHEN)
    score = similarity(signature(item["body"]), signature(partial.body_simplified))
    print(f"\nborderline similarity: {score:.3f}")
    assert partial.status == Article.Status.PUBLISHED
    assert "suspected_duplicate" in partial.review_flags


def test_detection_is_idempotent(seeds):
    item = seeds["001"]
    store(item, published_at=WHEN)
    copy = store(item, body=item["body"] + "\n编辑：赵六", published_at=WHEN)
    assert find_duplicates([copy.pk]) == []


def test_articles_too_short_to_compare_are_left_alone():
    first = make_article("图片", "图片新闻")
    second = make_article("图片", "图片新闻")
    assert find_duplicates([first.pk, second.pk]) == []
    second.refresh_from_db()
    assert second.status == Article.Status.PUBLISHED
    assert second.minhash is None
