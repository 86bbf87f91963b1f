"""Classes of error the labelled dev set showed, each on small cases written here: what
real files from many feeds and sites do that the five seeds did not. Parsing only (no
database): the fields a file yields are what is checked."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from archive.importing.reading import parse_bytes


def parse(text, name="post.md"):
    result = parse_bytes(text.encode("utf-8"), name)
    assert not result.error, result.error
    return result.article


def hexo(title, body, author="晨报快讯", extra=""):
    return (
        f"---\ntitle: '{title}'\ncategories:\n - 新媒体\n - 晨报快讯\n - 分类\n"
        f"author: {author}\ndate: Fri, 19 Nov 2021 08:57:44 GMT\n{extra}---\n\n{body}\n"
    )


SHANGHAI = ZoneInfo("Asia/Shanghai")
BODY = "<div><p>11月17日上午，某市公安局集中销毁一批假冒药品，民警现场清点。</p></div>"


# Titles


@pytest.mark.parametrize(
    ("written", "restored"),
    [
        ("还原_9·18_案件始末", "还原“9·18”案件始末"),
        ("网传_屠宰场有死猪， 有猪瘟_视频", "网传“屠宰场有死猪， 有猪瘟”视频"),
        ('"传家宝"被保洁员卖掉', "“传家宝”被保洁员卖掉"),
        ("''不能报警''!男子被骗", "“不能报警”!男子被骗"),
        ("10元_条!倒卖个人信息获刑", "10元/条!倒卖个人信息获刑"),
        ("竞争失败 半夜闯租客家_猪狗不如", "竞争失败 半夜闯租客家:猪狗不如"),
    ],
)
def test_feed_mirror_title_marks_are_restored_in_pairs(written, restored):
    written = written.replace("'", "''")  # as YAML writes a quote inside a quoted value
    assert parse(hexo(written, BODY)).title == restored


# Who wrote it and which feed it came through


def test_feed_mirror_author_is_the_via_site_not_a_reporter():
    article = parse(hexo("民警销毁假药", BODY))
    assert article.via_site == "晨报快讯"
    assert article.authors == ""


def test_front_matter_byline_and_outlet_desk():
    byline = parse(hexo("民警销毁假药", BODY, author="記者陳小明"))
    assert (byline.authors, byline.via_site) == ("陳小明", "")
    desk = parse(hexo("民警销毁假药", BODY, author="晨光新聞中國組"))
    assert (desk.authors, desk.source) == ("", "晨光新聞")


def test_post_saved_through_an_archive_host_came_through_it():
    extra = (
        "url: 'https://archive.example.org/web/2021/https://news.example.com/a/1'\n"
        "original_url: 'https://news.example.com/a/1'\n"
    )
    article = parse(hexo("民警销毁假药", BODY, author="記者陳小明", extra=extra))
    assert article.via_site == "archive.example.org"


# Markdown posts with HTML blocks, a repeated title and a site footer


def test_markdown_post_with_html_blocks_keeps_markdown_and_drops_footer():
    body = (
        '# 民警销毁假药\n\n{{< video src="https://v.example.com/1" >}}\n\n'
        "**某市公安局昨日集中销毁一批假冒药品。**\n\n民警在现场清点，并向群众讲解[辨别方法](https://example.com/x)。\n\n"
        '<figure>\n<img src="https://img.example.com/1.jpg" alt="">\n'
        "<figcaption>民警清点药品。</figcaption>\n</figure>\n\n---\n\n"
        "欢迎订阅本站月刊，支持我们的工作。\n\n订阅 [网址](https://example.com/sub)\n"
    )
    article = parse(hexo("民警销毁假药", body, author="記者陳小明"))
    assert article.body_text == (
        "某市公安局昨日集中销毁一批假冒药品。\n民警在现场清点，并向群众讲解辨别方法。\n"
        "民警清点药品。"
    )
    assert "video" not in article.body_html


def test_a_rule_inside_the_article_is_not_a_footer():
    body = "第一段，民警出警。\n\n---\n\n" + "第二段很长，" * 40 + "案件正在办理中。\n"
    article = parse(hexo("民警出警", body, author="記者陳小明"))
    assert article.body_text.endswith("案件正在办理中。")


# Plain text with labelled fields


def test_labelled_text_with_title_and_content_lines():
    text = (
        "category:诈骗\ntitle:骗子冒充民警来电 老人被骗十万\n"
        "content:骗子冒充民警来电老人被骗十万\n上周，一位老人接到自称民警的电话。\n"
        "警方提醒，民警不会电话要求转账。\n"
    )
    article = parse(text, "a.txt")
    assert article.title == "骗子冒充民警来电 老人被骗十万"
    assert not article.title_inferred
    assert article.body_text == (
        "上周，一位老人接到自称民警的电话。\n警方提醒，民警不会电话要求转账。"
    )


def test_labelled_text_in_chinese_with_page_title_chrome():
    text = (
        "标题:警方通报一起纵火案 - 社会 - 晨光网 - 独立视角\n发布时间:2016-05-10 18:27\n"
        "正文:某市公安局今日通报，一起纵火案已告破。\n嫌疑人已被刑事拘留。\n"
    )
    article = parse(text, "b.txt")
    assert article.title == "警方通报一起纵火案"
    assert (article.published_at.year, article.date_precision) == (2016, "exact")
    assert article.body_text.startswith("某市公安局今日通报")
    keywords = parse(text.replace(" - 社会 - 晨光网 - 独立视角", "-纵火,案件,警方,,"), "c.txt")
    assert keywords.title == "警方通报一起纵火案"


def test_corpus_doc_record_is_dated_by_its_url():
    text = (
        "<doc>\n<url>http://news.example.com/a/20120601/1083918.html</url>\n"
        "<docno>1</docno>\n<contenttitle>山东一男子被刑拘</contenttitle>\n"
        "<content>某县公安局日前抓获一名盗窃嫌疑人，案件正在办理中。</content>\n</doc>\n"
    )
    article = parse(text, "d.txt")
    assert article.title == "山东一男子被刑拘"
    assert article.published_at.astimezone(SHANGHAI).date() == date(2012, 6, 1)
    assert article.date_precision == "day"
    assert article.body_text == "某县公安局日前抓获一名盗窃嫌疑人，案件正在办理中。"
    assert article.via_site == "news.example.com"
