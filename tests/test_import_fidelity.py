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


# Credits and boilerplate at the edges of a body


ARTICLE = [
    "11月17日上午，某市公安局联合市场监管部门集中销毁一批假冒药品。",
    "民警介绍，这批药品涉案金额达180余万元，已全部依法处理。",
]


def post(*paragraphs, title="民警销毁假药"):
    body = "<div>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"
    return parse(hexo(title, body))


def test_closing_credit_lines_become_fields_and_leave_the_body():
    article = post(
        *ARTICLE,
        "图片由记者张小明拍摄",
        "记者：张小明",
        "统筹：李大伟 王芳",
        "审核：赵强",
        "责任编辑：刘洋",
    )
    assert article.authors == "张小明"
    assert article.editor == "李大伟 王芳"
    assert article.body_text == "\n".join(ARTICLE)


@pytest.mark.parametrize(
    ("line", "authors", "source"),
    [
        ("晨光日报记者 张小明 李大伟", "张小明、李大伟", "晨光日报"),
        ("（晨光每日电讯记者邵小文、杨文）", "邵小文、杨文", "晨光每日电讯"),
        ("晨光商报记者张贻明张明明通讯员朱杰杨敏捷", "张贻明、张明明、朱杰、杨敏捷", "晨光商报"),
        ("(央视记者窦伟张赛崔世杰)", "窦伟、张赛、崔世杰", "中央电视台"),
        ("采写：南都见习记者 林小沛", "林小沛", "南方都市报"),
        ("作者：陈佳嘉雷琳", "陈佳嘉、雷琳", ""),
        ("文/王小明", "王小明", ""),
    ],
)
def test_byline_paragraph_is_read(line, authors, source):
    article = post(*ARTICLE, line)
    assert (article.authors, article.source) == (authors, source)
    assert article.body_text == "\n".join(ARTICLE)


@pytest.mark.parametrize(
    ("closing", "authors", "source"),
    [
        ("(李宝)", "李宝", ""),
        ("（晨光网Cindy）", "Cindy", "晨光网"),
        ("（第一财经）", "", "第一财经"),
        ("记者韩小玮实习生高鸿鹏 （来源：晨光网）", "韩小玮、高鸿鹏", "晨光网"),
    ],
)
def test_credit_closing_the_last_paragraph_is_read_and_cut(closing, authors, source):
    article = post(ARTICLE[0], ARTICLE[1] + closing)
    assert (article.authors, article.source) == (authors, source)
    assert article.body_text == "\n".join(ARTICLE)


def test_a_closing_parenthesis_that_is_not_a_credit_stays():
    last = "受害人王某（化名）已报警。"
    article = post(ARTICLE[0], last)
    assert article.body_text.endswith(last)
    assert article.authors == ""


@pytest.mark.parametrize(
    ("opening", "authors", "source"),
    [
        ("晨光网北京8月26日电 某市公安局今日通报一起案件。", "", "晨光网"),
        (
            "中新网杭州7月23日电(见习记者邵小翊通讯员陈福郑朝晖)某市警方通报。",
            "邵小翊、陈福、郑朝晖",
            "中国新闻网",
        ),
        ("晨光日报讯（记者严小广 通讯员王一凡）某市警方通报。", "严小广、王一凡", "晨光日报"),
        ("晨光经纬 10 月 1 日电 ( 熊小丽 ) 某市警方通报。", "熊小丽", "晨光经纬"),
        ("晨光之家 8 月 22 日消息 某市警方通报。", "", "晨光之家"),
    ],
)
def test_dateline_is_read_and_kept_in_the_text(opening, authors, source):
    article = post(opening, *ARTICLE)
    assert (article.authors, article.source) == (authors, source)
    assert article.body_text.startswith(opening.split("。")[0])


def test_source_statements_are_read_and_removed():
    wechat = post(
        "本文来自微信公众号：晨光观察 （ID：chenguang），作者：唐小俊，头图来源：IC photo",
        *ARTICLE,
        "本文来自微信公众号：晨光观察 （ID：chenguang），作者：唐小俊",
    )
    assert (wechat.source, wechat.authors, wechat.body_text) == (
        "晨光观察",
        "唐小俊",
        "\n".join(ARTICLE),
    )
    for line, source in (
        ("本文转自【晨光新闻网】；", "晨光新闻网"),
        ("【本文结束】如需转载请务必注明出处：晨光科技", "晨光科技"),
        ("晨光经济新闻综合上市公司公告、公开消息", "晨光经济新闻"),
        ("来源：晨光在线责任编辑：邱小颖", "晨光在线"),
    ):
        article = post(*ARTICLE, line)
        assert (article.source, article.body_text) == (source, "\n".join(ARTICLE)), line


@pytest.mark.parametrize(
    "noise",
    [
        "海量资讯、精准解读，尽在晨光财经APP",
        "以上内容为晨光APP出于传递信息的目的进行刊载，不构成任何投资建议。投资者据此操作，风险自担。",
        "网友评论仅供其表达个人看法，并不表明本站立场。",
        "特别声明：以上内容(如有图片或视频亦包括在内)为自媒体平台用户上传并发布，本平台仅提供信息存储服务。",
        "图片来自网络，如有侵权，请联系删除。",
        "晨光经纬版权所有，未经书面授权，任何单位及个人不得转载、摘编以其它方式使用。",
        "- THE END -",
        "题图来源：视觉中国",
        "封面图片来源：某图网",
        "扫一扫在手机打开当前页",
        "部分设备无法播放视频请点击这里观看",
        "本篇新闻热门关键词:",
        "（原标题：某市警方通报一起案件）",
        "請加入成為晨光新聞的月費訂戶，長期支持我們的工作。",
    ],
)
def test_boilerplate_paragraph_is_removed(noise):
    assert post(noise, *ARTICLE, noise).body_text == "\n".join(ARTICLE)


@pytest.mark.parametrize(
    "paragraph",
    [
        "民警提醒，转载他人作品须注明出处，侵犯版权所有人权益的行为将被依法追究。",
        "警方表示，以上内容为初步调查结果，不构成最终结论，案件仍在进一步侦办中。",
        "记者从市公安局了解到，此类案件今年已发生十余起，民警提醒群众提高警惕。",
    ],
)
def test_article_paragraph_that_mentions_copyright_or_reporters_stays(paragraph):
    assert paragraph in post(ARTICLE[0], paragraph, ARTICLE[1]).body_text


def test_teaser_block_after_the_article_goes():
    article = post(
        *ARTICLE,
        "推荐阅读",
        "某地开展交通安全宣传周活动近日，某地交警走进校园。",
        "某市警方提醒：谨防冒充客服诈骗",
    )
    assert article.body_text == "\n".join(ARTICLE)
    related = post(
        ARTICLE[0] + "相关链接＞＞今天上午！某市集中销毁假药",
        ARTICLE[1],
        "《某市警方通报一起案件》",
    )
    assert related.body_text == "\n".join(ARTICLE)


def test_a_story_cut_off_after_the_editor_credit_is_a_teaser():
    article = post(
        *ARTICLE,
        "责任编辑：王小明",
        "某地警方：夜间示威未发生伤亡<br>某地医院表示，当晚有包括三名伤者在内的多人因参…",
    )
    assert article.body_text == "\n".join(ARTICLE)
    assert article.editor == "王小明"
    # In the article, above its credits, a paragraph ending in … stays.
    kept = post(ARTICLE[0], "民警说：“我们一直在找…", ARTICLE[1])
    assert "民警说：“我们一直在找…" in kept.body_text


def test_a_heading_like_recommended_reading_early_in_the_article_stays():
    article = post("相关新闻", *ARTICLE, *ARTICLE)
    assert article.body_text.startswith("相关新闻")


def test_feed_column_title_makes_the_feed_the_source():
    article = post(*ARTICLE, title="【晨报快讯早报】某市警方通报一起案件")
    assert article.source == "晨报快讯"


def test_excerpt_label_and_ellipsis_go():
    article = post("摘要: " + ARTICLE[0] + "民警 ...", "点击阅读全文 @news.example.com")
    assert article.body_text == ARTICLE[0] + "民警"
    assert article.source == "news.example.com"


# Rendered pages


LONG = "某市公安局今日通报，一起盗窃案已告破，两名嫌疑人被依法刑事拘留，被盗财物已全部追回。"


def page(head="", before="", article="", after="", title="某市警方破获一起盗窃案", suffix=""):
    article = article or "".join(f"<p>{LONG}民警提醒群众注意防范第{i}次。</p>" for i in range(6))
    return (
        f"<!DOCTYPE html><html><head><title>{title}{suffix}</title>{head}</head><body>"
        f"{before}<article><h1>{title}</h1>{article}</article>{after}</body></html>"
    )


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<div class="meta"><p>发布于：2022年3月30日</p></div>', date(2022, 3, 30)),
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"pubDate": "2019-09-11T02:46:57"}</script>',
            date(2019, 9, 11),
        ),
        ('<a class="post-date">2019年09月11日</a>', date(2019, 9, 11)),
    ],
)
def test_rendered_page_is_dated_by_its_own_statement(markup, expected):
    text = page(before=markup)
    article = parse(text, "p.html")
    assert article.published_at.astimezone(SHANGHAI).date() == expected


def test_date_and_time_on_the_line_under_the_headline():
    title = "某市警方破获一起盗窃案"
    body = "".join(f"<p>{LONG}</p>" for _ in range(4))
    text = (
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body><div><h1>{title}</h1>"
        f'<div class="sub"><span>晨光日报</span> <span>2019-09-09 16:01:46</span></div>'
        f"<div>{body}</div></div></body></html>"
    )
    article = parse(text, "p.html")
    assert article.published_at.astimezone(SHANGHAI).isoformat() == "2019-09-09T16:01:46+08:00"


def test_hidden_watermark_text_is_not_article_text():
    article_html = "".join(
        f'<p>{LONG}<font color="#F8F8F8">watermark.example</font></p>'
        f'<p>第{i}段。<span style="display:none">隐藏站名</span>民警提醒注意防范。</p>'
        for i in range(3)
    )
    for article in (parse(page(article=article_html), "p.html"), post(article_html)):
        assert "watermark" not in article.body_text
        assert "隐藏站名" not in article.body_text
        assert "民警提醒注意防范。" in article.body_text


def test_page_author_that_is_a_site_or_tool_is_not_a_reporter():
    byline = (
        '<div class="meta-item author"><a class="author" href="https://docs.example.org/">'
        "<p>FeedBot</p></a></div>"
    )
    article = parse(page(head='<meta name="author" content="FeedBot">', before=byline), "p.html")
    assert article.authors == ""


def test_feed_mirror_page_category_trail_gives_the_via_site_and_restored_title():
    trail = (
        '<div class="category"><a class="category-link" href="/c/a/">新媒体</a>'
        '<a class="category-link" href="/c/a/b/">晨报快讯</a>'
        '<a class="category-link" href="/c/a/b/c/">分类</a></div>'
    )
    article = parse(page(before=trail, title="陕西_铁笼_事件"), "p.html")
    assert article.via_site == "晨报快讯"
    assert article.title == "陕西“铁笼”事件"


def test_page_title_label_and_site_suffix_go():
    article = parse(page(title="[某某化妆品]某市警方破获一起盗窃案", suffix="-晨光传媒"), "p.html")
    assert article.title == "某市警方破获一起盗窃案"
    assert article.via_site == "晨光传媒"


def test_related_cards_after_the_article_are_not_article_text():
    cards = "".join(
        f'<div class="card"><h3>推荐新闻标题第{i}条</h3><span>|</span><span>跟贴{i}</span></div>'
        for i in range(6)
    )
    article = parse(page(after=cards), "p.html")
    assert "推荐新闻" not in article.body_text
    assert article.body_text.endswith("民警提醒群众注意防范第5次。")


def test_site_that_disclaims_the_text_is_the_via_site():
    article = parse(
        "标题:某市警方破获一起盗窃案\n正文:" + ARTICLE[0] + "\n" + ARTICLE[1] + "\n"
        "免责声明：本文仅代表作者个人观点，与晨光网无关。其原创性以及文中陈述文字和内容未经本站证实。\n",
        "d.txt",
    )
    assert article.via_site == "晨光网"
    assert article.body_text == "\n".join(ARTICLE)


def test_dateline_site_running_a_papers_story_is_the_via_site():
    article = post("晨光网8月30日讯(晨光晚报首席记者宋小国)某市警方今日通报一起案件。", *ARTICLE)
    assert (article.source, article.authors) == ("晨光晚报", "宋小国")
    # The hexo post's feed is its via-site already; a text file has none.
    text = parse(
        "标题:某市警方通报\n正文:晨光网8月30日讯(晨光晚报首席记者宋小国)某市警方今日通报一起案件。\n"
        + ARTICLE[1],
        "e.txt",
    )
    assert (text.source, text.via_site) == ("晨光晚报", "晨光网")
