"""Scope: articles that are not Chinese police news are flagged off_topic and kept from
readers until staff decide; staff's answer survives re-import and re-extraction."""

import pytest

from archive import curation
from archive.extraction.linking import extract_articles
from archive.extraction.scope import is_police_news
from archive.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db

POLICE = (
    "鹤壁市公安局山城区分局红旗街派出所民警接到群众求助后迅速出警，"
    "在辖区一处工地抓获盗窃电缆的犯罪嫌疑人两名，目前二人已被依法刑事拘留，案件正在进一步侦办中。"
)

# One small case per class of article that is not Chinese police news.
NOT_POLICE = {
    "警 as a warning": (
        "经销商库存预警指数回升",
        "中国汽车流通协会发布的经销商库存预警指数为52.5%，位于警戒线之上。协会提示经销商"
        "关注警示信号，合理安排库存，防范经营风险，市场的警报尚未解除。",
    ),
    "foreign police": (
        "多伦多警方通缉两名枪击案嫌犯",
        "多伦多警方周一表示，两名涉嫌在汉密尔顿枪杀一名男子的嫌犯已在匈牙利被捕。"
        "警方称，两人在案发后逃离加拿大，引渡程序正在进行中，当地警察将配合调查。",
    ),
    "court story, the police in passing": (
        "男子盗窃朋友跑车获刑三年",
        "近日，某区人民法院审结一起盗窃案。被告人趁朋友不备开走其跑车并转移至外地，失主"
        "多次联系未果后报警。法院审理认为，被告人以非法占有为目的窃取他人财物，数额特别"
        "巨大，其行为已构成盗窃罪，依法判处有期徒刑三年，并处罚金。被告人当庭表示认罪"
        "悔罪，不再上诉。法官提醒，朋友之间也应守住法律底线，切勿因一时贪念触犯法律。",
    ),
    "a round-up whose police item is not in its title": (
        "【早报】某公司发布新款手机；多地迎来降温天气",
        "大家早上好，今天的早报来了。\n"
        "某公司发布新款手机\n某公司昨日发布新款手机，起售价三千元，首批备货充足，"
        "多款配色同步开售，官方表示将持续优化供货，满足消费者需求。\n"
        "多地迎来降温天气\n气象台发布寒潮蓝色预警，多地气温将下降八到十度，请注意防寒保暖，"
        "出行的朋友合理安排时间，农业生产注意防范低温冻害。\n"
        "女子落水获救\n某地一女子落水，民警跳入河中将其救起，随后送回家中。\n"
        "新电影定档\n一部国产动画电影宣布定档暑期，片方发布了新的海报与预告片，预售"
        "同步开启，影迷可在各大平台购票，首映礼将在上海举行。",
    ),
}


@pytest.mark.parametrize("case", sorted(NOT_POLICE))
def test_articles_that_are_not_police_news_are_flagged_and_hidden(case):
    title, body = NOT_POLICE[case]
    article = make_article(title, body)
    extract_articles([article.pk])
    article.refresh_from_db()
    assert "off_topic" in article.review_flags
    assert article.status == Article.Status.HIDDEN
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert "疑非公安新闻" in article.review_reasons()


@pytest.mark.parametrize(
    "title, body",
    [
        ("民警抓获盗窃嫌疑人", POLICE),
        # The title alone says so: a short note.
        ("警方通报：涉事男子已被刑拘", "详情见通报。"),
        # A brief that names the police once.
        ("户籍业务全程网办", "武汉市公安局推出户籍业务网上办理。"),
        # A criminal charge in the title.
        ("青海锂业巨头实控人涉嫌非法采矿罪", "公司公告称，实控人因涉嫌非法采矿罪被立案。"),
        # Hong Kong's police, no mainland word, no place the gazetteer knows.
        (
            "警方拘捕一名涉洗黑钱男子",
            "警方昨日拘捕一名30岁男子，涉嫌以众筹为名洗黑钱。总督察表示，警方将继续调查资金来源。",
        ),
        # A round-up whose title names its police item.
        (
            "【早报】某公司发布新款手机；男子驾车撞人被刑拘",
            "大家早上好。\n某公司发布新款手机\n某公司昨日发布新款手机，起售价三千元。"
            "\n男子驾车撞人被刑拘\n某市公安局通报，犯罪嫌疑人刘某驾车冲撞路人，已被刑事拘留。"
            "\n新电影定档\n" + "一部国产动画电影宣布定档暑期，片方发布了新的海报与预告片。" * 5,
        ),
    ],
)
def test_police_news_is_not_flagged(title, body):
    article = make_article(title, body)
    extract_articles([article.pk])
    article.refresh_from_db()
    assert "off_topic" not in article.review_flags
    assert article.status == Article.Status.PUBLISHED


def test_warning_words_alone_are_not_police_vocabulary():
    assert not is_police_news("暴雨预警", "气象台发布暴雨预警，提醒市民注意警示标志，警钟长鸣。", 3)
    assert is_police_news("民警巡逻", "民警在辖区巡逻，派出所提醒群众注意安全。", 1)


def test_staff_acceptance_publishes_and_survives_re_extraction(editor):
    title, body = NOT_POLICE["警 as a warning"]
    article = make_article(title, body)
    extract_articles([article.pk])
    assert curation.decide_scope([article.pk], True, editor) == 1
    article.refresh_from_db()
    assert (article.in_scope, article.status) == (True, Article.Status.PUBLISHED)
    assert "off_topic" not in article.review_flags
    extract_articles([article.pk])
    article.refresh_from_db()
    assert "off_topic" not in article.review_flags
    assert article.status == Article.Status.PUBLISHED
    assert article.history.first().history_change_reason == "认定为公安新闻"


def test_staff_rejection_keeps_it_hidden_without_asking_again(editor):
    title, body = NOT_POLICE["foreign police"]
    article = make_article(title, body)
    extract_articles([article.pk])
    curation.decide_scope([article.pk], False, editor)
    extract_articles([article.pk])
    article.refresh_from_db()
    assert (article.in_scope, article.status) == (False, Article.Status.HIDDEN)
    assert "off_topic" not in article.review_flags


def test_an_article_staff_hid_stays_hidden_when_it_reads_as_police_news():
    article = make_article("民警抓获盗窃嫌疑人", POLICE, status=Article.Status.HIDDEN)
    extract_articles([article.pk])
    article.refresh_from_db()
    assert article.status == Article.Status.HIDDEN


HEXO = "---\ntitle: {title}\ndate: 2021-05-01 08:00:00\n---\n\n<p>{body}</p>\n"


def test_acceptance_survives_re_import_of_an_edited_file(tmp_path, run_import, editor):
    title, body = NOT_POLICE["警 as a warning"]
    path = tmp_path / "post.md"
    path.write_text(HEXO.format(title=title, body=body), encoding="utf-8")
    run_import(path)
    article = Article.objects.get()
    assert article.status == Article.Status.HIDDEN and "off_topic" in article.review_flags
    curation.decide_scope([article.pk], True, editor)

    path.write_text(HEXO.format(title=title, body=body + "协会将按月发布。"), encoding="utf-8")
    summary, _status, _ = run_import(path)
    assert summary["updated"] == 1
    article.refresh_from_db()
    assert article.body_text.endswith("协会将按月发布。")
    assert article.status == Article.Status.PUBLISHED
    assert "off_topic" not in article.review_flags


def test_review_queue_shows_the_reason_and_accepts(editor_client):
    title, body = NOT_POLICE["警 as a warning"]
    article = make_article(title, body)
    extract_articles([article.pk])
    queue = "/admin/archive/articleforreview/"
    assert "疑非公安新闻" in editor_client.get(queue).content.decode()
    response = editor_client.post(
        queue,
        {
            "action": "accept_in_scope",
            "_selected_action": [article.pk],
            "select_across": "0",
            "index": "0",
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and article.in_scope is True
    assert editor_client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("how", ["publish", "clear the flag"])
def test_publishing_or_clearing_the_flag_is_an_answer_that_lasts(how, editor):
    title, body = NOT_POLICE["警 as a warning"]
    article = make_article(title, body)
    extract_articles([article.pk])
    if how == "publish":
        curation.set_status([article.pk], Article.Status.PUBLISHED, editor)
    else:
        curation.clear_review_flags([article.pk], ["off_topic"], editor)
    extract_articles([article.pk])
    article.refresh_from_db()
    assert (article.in_scope, article.status) == (True, Article.Status.PUBLISHED)
    assert "off_topic" not in article.review_flags


def test_an_article_staff_linked_to_a_police_unit_is_police_news(browse_world):
    from archive.models import ArticleAgency, LinkOrigin

    title, body = NOT_POLICE["警 as a warning"]
    article = make_article(title, body)
    ArticleAgency.objects.create(
        article=article, agency=browse_world["agencies"]["chuanhui"], origin=LinkOrigin.STAFF
    )
    extract_articles([article.pk])
    article.refresh_from_db()
    assert "off_topic" not in article.review_flags
    assert article.status == Article.Status.PUBLISHED
