"""Web-page text dumps (seed 003): the article without the site around it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from archive.models import Article
from tests.conftest import assert_clean_body, importer_flags, seed

pytestmark = pytest.mark.django_db


def test_seed_003_fields_and_clean_body(run_import):
    run_import(seed(3))
    article = Article.objects.get()
    assert article.title == "武汉公安:竭尽全力办好群众“身边事”"
    assert article.source == "长江日报"
    assert article.via_site == "信用武汉"
    assert article.subtitle == article.authors == ""
    assert article.published_at == datetime(2022, 12, 2, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert article.date_precision == "day"
    assert importer_flags(article) == []
    body = article.body_text
    assert body.startswith("今年以来,武汉公安紧紧围绕以人民为中心的根本立场")
    assert body.endswith("不断把为民服务品牌做实、叫响、擦亮。")
    for chrome in (
        "信用信息", "站内文章", "您现在的位置", "发布时间", "访问量", "版权所有", "ICP备",
        "主办", "意见建议", "■", "\xa0",
    ):  # fmt: skip
        assert chrome not in body, chrome
    assert "<h3>力推“放管服” 便民利企跑出“加速度”</h3>" in article.body_html
    assert_clean_body(body)


def test_dump_without_meta_line_has_no_date(tmp_path, run_import):
    dump = tmp_path / "dump.txt"
    dump.write_text(
        "您现在的位置: 首页 > 警务动态\n\n交警夜查酒驾\n\n昨晚，交警大队在城区开展夜查行动，查处酒驾3起。\n\n"
        "©版权所有:某市公安局 | 网站访问量: 12345\n"
    )
    run_import(dump)
    article = Article.objects.get()
    assert article.published_at is None
    assert "unknown_date" in article.review_flags
    assert "版权所有" not in article.body_text and "您现在的位置" not in article.body_text
