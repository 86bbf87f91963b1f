"""Hexo Markdown exports (seeds 000 and 004): front matter, HTML body, reposting noise."""

from datetime import UTC, datetime

import pytest

from archive.models import Article
from tests.conftest import assert_clean_body, importer_flags, seed

pytestmark = pytest.mark.django_db


def test_seed_000_fields(run_import):
    summary, status, _ = run_import(seed(0))
    assert (summary["imported"], status) == (1, 0)
    article = Article.objects.get()
    assert article.title == "周口市公安机关便民利企服务遍地开花"
    assert article.subtitle == ""
    assert article.authors == "侯国防"
    assert article.source == "周口日报·周道客户端"
    assert article.via_site == "趣头条"
    assert article.published_at == datetime(2021, 3, 29, 23, 54, 52, tzinfo=UTC)
    assert article.date_precision == "exact"
    assert article.script == "simplified"
    assert importer_flags(article) == []
    assert article.image_urls == ["https://picsum.photos/400/300?random=1480"]
    assert article.body_text.startswith("周口日报·周道客户端记者昨日获悉，连日来，")
    assert "户政部门——开启便民利企新举措\n全城通办" in article.body_text
    assert "<h3>户政部门——开启便民利企新举措</h3>" in article.body_html
    assert_clean_body(article.body_text)


def test_seed_004_title_quotes_source_and_loose_paragraphs(run_import):
    run_import(seed(4))
    article = Article.objects.get()
    assert article.title == "我为群众办实事｜武汉公安加大力度完善利企惠民举措当好“金牌店小二”"
    assert article.source == "人民公安报"
    assert article.via_site == "趣头条"
    assert article.authors == ""
    assert article.published_at == datetime(2021, 10, 10, 4, 35, 37, tzinfo=UTC)
    # The loose text after the <p>s is cut into paragraphs at its runs of spaces.
    assert "高质高效，落实利企惠民政策\n武汉公安持续优化政务服务" in article.body_text
    for heading in (
        "高质高效，落实利企惠民政策",
        "因企施策，打防并举护平安",
        "精准发力，筑牢企业反诈防线",
    ):
        assert f"<h3>{heading}</h3>" in article.body_html
    assert article.body_text.endswith("积极提升其“反诈免疫力”。")
    for noise in ("来源", "版权归原作者所有", "向原创致敬", "   "):
        assert noise not in article.body_text
    # The standfirst is a <p> of its own in the source, without a full stop.
    standfirst = article.body_text.splitlines()[0]
    assert standfirst.endswith("从快从严打击涉企违法犯罪")
    assert_clean_body(article.body_text, unterminated=[standfirst])
    image = article.image_urls[0]
    assert image.startswith("https://cors.zfour.workers.dev/?http://static.1sapp.com/")
    assert article.image_urls == [image]  # head image and body image are one
    # Written in one fixed order, so that a re-import finds the same HTML.
    assert f'<img src="{image}" alt="" loading="lazy" referrerpolicy="no-referrer">' in (
        article.body_html
    )


def test_truncated_front_matter_is_a_clear_error(tmp_path, run_import):
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: '只有开头'\ndate: Mon, 29 Mar 2021 23:54:52 GMT\n<p>正文</p>\n")
    summary, status, _ = run_import(broken)
    assert status == 1
    assert summary["failed"] == [
        {"path": str(broken), "error": "truncated front matter: no closing '---' line"}
    ]
    assert not Article.objects.exists()


def test_hostile_markup_is_sanitized(tmp_path, run_import):
    post = tmp_path / "hostile.md"
    post.write_text(
        "---\ntitle: '&ldquo;净化&rdquo;测试'\ndate: 2021-05-01 08:00:00\n---\n"
        '<div><p onclick="steal()">民警提醒：<script>alert(1)</script>谨防诈骗。</p>'
        '<iframe src="https://evil.example/"></iframe><p style="color:red">'
        '<a href="javascript:alert(2)">点击</a>查看。</p>'
        '<img src="javascript:alert(3)"><img src="data:image/png;base64,AAAA">'
        '<img src="http://img.example.cn/a.jpg" onerror="x()"></div>'
    )
    run_import(post)
    article = Article.objects.get()
    assert article.title == "“净化”测试"
    assert article.date_precision == "exact"
    html = article.body_html
    for bad in ("script", "alert", "onclick", "onerror", "iframe", "javascript", "style", "data:"):
        assert bad not in html
    assert "<p>民警提醒：谨防诈骗。</p>" in html
    assert article.image_urls == ["http://img.example.cn/a.jpg"]


def test_markdown_body(tmp_path, run_import):
    post = tmp_path / "markdown.md"
    post.write_text(
        "---\ntitle: 交警护学岗\ndate: 2023-09-01\nauthor: 某某\n---\n\n"
        "开学第一天，交警在校门口设立护学岗，\n疏导交通。\n\n## 护航上学路\n\n"
        "![民警指挥交通](https://img.example.cn/a.jpg)\n\n**家长**纷纷点赞。\n"
    )
    run_import(post)
    article = Article.objects.get()
    assert article.authors == "某某"
    assert article.date_precision == "day"
    assert (
        article.body_text
        == "开学第一天，交警在校门口设立护学岗，疏导交通。\n护航上学路\n家长纷纷点赞。"
    )
    assert "<h3>护航上学路</h3>" in article.body_html
    assert "<p><strong>家长</strong>纷纷点赞。</p>" in article.body_html
    assert article.image_urls == ["https://img.example.cn/a.jpg"]
