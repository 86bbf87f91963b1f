"""Near-duplicate detection: syndicated copies found, same-topic stories kept apart."""

from datetime import UTC, datetime, timedelta

import pytest

from archive.extraction.dedup import find_duplicates, signature, similarity
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


SHOP_FRAME = (
    "本店所有商品均为正品，支持七天无理由退换货，全国包邮，下单后四十八小时内发货。\n"
    "售后服务：如有质量问题请联系在线客服，我们将在二十四小时内为您处理，感谢您的信任与支持。\n"
    "温馨提示：由于显示器不同，图片颜色可能与实物略有差异，请以收到的实物为准，敬请谅解。\n"
)


def test_two_products_from_one_shop_are_not_suspected_duplicates():
    first = make_article(
        "保温杯",
        "这款保温杯采用双层不锈钢内胆，保温时间长达十二小时，杯盖密封不漏水，适合上班通勤使用，"
        "杯身轻巧，一只手就能握住，还有五种颜色可选。\n" + SHOP_FRAME,
    )
    second = make_article(
        "登山包",
        "这款登山包容量四十升，背负系统贴合后背，面料防泼水耐磨损，适合周末徒步和短途旅行，"
        "侧袋能放下水壶，顶包还附有防雨罩。\n" + SHOP_FRAME,
    )
    find_duplicates([first.pk])
    find_duplicates([second.pk])
    second.refresh_from_db()
    assert second.status == Article.Status.PUBLISHED
    assert "suspected_duplicate" not in second.review_flags


def test_daily_round_ups_in_one_frame_are_different_stories():
    frame_top = (
        "大家早上好！早报依旧准时前来报到，下面看看今天有哪些新鲜内容吧。\n"
        "本栏目每天早上七点更新，汇集前一天最值得关注的新闻，帮助您用五分钟了解天下大事。\n"
        "阅读之前，别忘了点击上方蓝字关注我们，设为星标，每天第一时间收到推送，不错过任何一期。\n"
    )
    frame_end = (
        "以上就是今天早报的全部内容，欢迎在评论区留言交流，我们明天同一时间再见。\n"
        "本文由编辑部综合整理，转载请注明出处，欢迎关注我们的公众号获取更多资讯。\n"
        "如您有新闻线索，欢迎通过后台留言向我们提供，一经采用即有稿酬，期待您的参与和支持。\n"
    )
    monday = make_article(
        "【早报】一",
        frame_top + "某地举办马拉松比赛，近万名跑者参赛，赛道沿江而设，沿途风景秀丽。\n"
        "一款国产新能源汽车发布，续航里程超过七百公里，售价二十万元起。\n" + frame_end,
    )
    tuesday = make_article(
        "【早报】二",
        frame_top + "气象台发布寒潮预警，多地气温将骤降十度，请市民注意防寒保暖。\n"
        "一部国产动画电影票房突破十亿元，成为今年暑期档的最大黑马。\n" + frame_end,
    )
    assert similarity(signature(monday.body_simplified), signature(tuesday.body_simplified)) > 0.5
    find_duplicates([monday.pk])
    find_duplicates([tuesday.pk])
    tuesday.refresh_from_db()
    assert tuesday.status == Article.Status.PUBLISHED
    assert "suspected_duplicate" not in tuesday.review_flags
