"""Saved HTML pages of news sites, read through trafilatura."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from archive.models import Article
from tests.conftest import IMPORT_FIXTURES, importer_flags

pytestmark = pytest.mark.django_db


def test_news_page_article_date_source_and_safe_body(run_import):
    summary, status, _ = run_import(IMPORT_FIXTURES / "news_page.html")
    assert (summary["imported"], status) == (1, 0)
    article = Article.objects.get()
    assert article.title == "滨州市公安局推出户籍业务“全城通办”"
    assert article.source == "滨州日报"
    assert article.via_site == "滨州市公安局"
    assert article.published_at == datetime(2021, 6, 18, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert article.date_precision == "exact"
    assert article.original_url == "https://gaj.binzhou.example.cn/news/2021/0618/1234.html"
    assert article.image_urls == ["https://gaj.binzhou.example.cn/uploads/2021/06/18/window.jpg"]
    body = article.body_text
    assert body.startswith("6月18日，记者从滨州市公安局获悉")
    assert body.endswith("让群众办事更方便、更快捷。")
    for chrome in ("首页", "警务公开", "上一篇", "分享到", "版权所有", "ICP备", "浏览次数", "字体"):
        assert chrome not in body, chrome
    for bad in ("javascript", "onerror", "iframe", "script"):
        assert bad not in article.body_html
    assert "<h3>延时服务不打烊</h3>" in article.body_html


def test_page_with_only_a_site_build_date_stays_undated(run_import):
    run_import(IMPORT_FIXTURES / "site_build_date_only.html")
    article = Article.objects.get()
    assert article.title == "社区民警上门为独居老人办理身份证"
    assert article.published_at is None
    assert article.date_precision == "unknown"
    assert importer_flags(article) == ["unknown_date"]
    assert "网站建设" not in article.body_text
