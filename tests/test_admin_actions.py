"""The article actions: publish, hide, mark as duplicate, set links, clear review flags.

Each runs through the real changelist (and its intermediate page) as an editor, and is
checked in the database, in history, in what is announced to the index, and on the public
article page.
"""

import pytest

from archive.models import Agency, Article, ArticleAgency, ArticleRegion, LinkOrigin
from tests.conftest import region as make_region
from tests.factories import make_article

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/archive/article/"
QUEUE = "/admin/archive/articleforreview/"


def act(client, action, articles, url=CHANGELIST, **extra):
    data = {
        "action": action,
        "_selected_action": [a.pk for a in articles],
        "select_across": "0",
        "index": "0",
        **extra,
    }
    return client.post(url, data)


def apply(client, action, articles, url=CHANGELIST, **answer):
    """The second post: the intermediate page's form, as the browser sends it."""
    data = {
        "action": action,
        "_selected_action": [a.pk for a in articles],
        "select_across": "0",
        "apply": "确定",
        **answer,
    }
    return client.post(url, data)


def messages_of(client, response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the code and then its on-commit callbacks, as a real commit would."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def test_hide_then_publish(editor_client, announced, run_on_commit):
    first, second = make_article("要隐藏的第一篇"), make_article("要隐藏的第二篇")
    response = run_on_commit(act, editor_client, "hide", [first, second])
    assert response.status_code == 302
    assert {a.status for a in Article.objects.all()} == {Article.Status.HIDDEN}
    assert announced == [sorted([first.pk, second.pk])]
    assert editor_client.get(first.get_absolute_url()).status_code == 404
    record = first.history.first()
    assert (record.history_user.username, record.history_change_reason) == (
        "editor",
        "批量设为已隐藏",
    )
    page = editor_client.get(CHANGELIST)
    assert "已隐藏 2 篇文章" in " ".join(messages_of(editor_client, page))

    run_on_commit(act, editor_client, "publish", [first])
    first.refresh_from_db()
    assert first.status == Article.Status.PUBLISHED
    assert editor_client.get(first.get_absolute_url()).status_code == 200
    assert announced[-1] == [first.pk]


def test_select_across_acts_on_the_whole_filtered_list(editor_client):
    flagged = [make_article(f"待隐藏{n}", review_flags=["no_region"]) for n in range(3)]
    kept = make_article("不受影响")
    response = editor_client.post(
        CHANGELIST + "?review=no_region",
        {"action": "hide", "_selected_action": [flagged[0].pk], "select_across": "1", "index": "0"},
    )
    assert response.status_code == 302
    assert set(Article.objects.filter(status="hidden")) == set(flagged)
    kept.refresh_from_db()
    assert kept.status == Article.Status.PUBLISHED


def test_mark_as_duplicate_asks_for_the_primary(editor_client, announced, run_on_commit):
    primary = make_article("原稿")
    copy = make_article("转载稿", review_flags=["suspected_duplicate", "no_region"])
    copy_of_copy = make_article("转载的转载", status=Article.Status.DUPLICATE, duplicate_of=copy)

    page = act(editor_client, "mark_duplicate", [copy])
    assert page.status_code == 200
    html = page.content.decode()
    assert "选择主稿" in html and "转载稿" in html
    assert 'data-model-name="articleforreview"' not in html  # the autocomplete asks for articles

    response = run_on_commit(apply, editor_client, "mark_duplicate", [copy], primary=primary.pk)
    assert response.status_code == 302
    copy.refresh_from_db()
    copy_of_copy.refresh_from_db()
    assert (copy.status, copy.duplicate_of) == (Article.Status.DUPLICATE, primary)
    assert copy.review_flags == ["no_region"]
    assert copy_of_copy.duplicate_of == primary
    assert announced == [sorted([primary.pk, copy.pk, copy_of_copy.pk])]
    # Readers no longer see the copy: its page is gone, or sends them on to the primary.
    page = editor_client.get(copy.get_absolute_url())
    assert page.status_code == 404 or (
        page.status_code == 301 and page["Location"] == primary.get_absolute_url()
    )
    assert editor_client.get(primary.get_absolute_url()).status_code == 200
    assert copy.history.first().history_user.username == "editor"


def test_a_primary_inside_the_selection_is_refused(editor_client):
    first, second = make_article("甲"), make_article("乙")
    response = apply(editor_client, "mark_duplicate", [first, second], primary=first.pk)
    assert response.status_code == 302
    follow = editor_client.get(CHANGELIST)
    assert any("也在所选文章中" in m for m in messages_of(editor_client, follow))
    assert set(Article.objects.values_list("status", flat=True)) == {"published"}


def test_set_region_and_agency_on_many_articles(editor_client, announced, run_on_commit):
    region = make_region("411600", "周口市")
    agency = Agency.objects.create(name="周口市公安局", region=region)
    other = make_region("371600", "滨州市")
    first = make_article("无地区的文章", review_flags=["no_region", "no_agency", "unknown_date"])
    second = make_article("已自动识别单位的文章")
    ArticleAgency.objects.create(article=second, agency=agency, origin=LinkOrigin.EXTRACTED)
    ArticleRegion.objects.create(article=second, region=other, is_primary=True)

    page = act(editor_client, "set_links", [first, second])
    assert page.status_code == 200
    assert "批量设定地区、单位或专项行动" in page.content.decode()
    empty = apply(editor_client, "set_links", [first, second])
    assert "请至少选择一个地区、单位或专项行动" in empty.content.decode()

    response = run_on_commit(
        apply, editor_client, "set_links", [first, second], region=region.pk, agency=agency.pk
    )
    assert response.status_code == 302
    links = set(
        ArticleRegion.objects.values_list("article__title", "region__name", "origin", "is_primary")
    )
    assert links == {
        ("无地区的文章", "周口市", "staff", True),
        ("已自动识别单位的文章", "周口市", "staff", False),
        ("已自动识别单位的文章", "滨州市", "extracted", True),
    }
    assert set(ArticleAgency.objects.values_list("article__title", "origin")) == {
        ("无地区的文章", "staff"),
        ("已自动识别单位的文章", "staff"),
    }
    first.refresh_from_db()
    assert first.review_flags == ["unknown_date"]
    assert announced == [sorted([first.pk, second.pk])]
    reason = second.history.first().history_change_reason
    assert reason == "人工设定地区：周口市、单位：周口市公安局"


def test_review_queue_lists_flagged_articles_oldest_first_with_reasons(editor_client):
    older = make_article("先导入的", review_flags=["unknown_date"])
    newer = make_article("后导入的", review_flags=["inferred_title", "no_agency"])
    make_article("无需审核")
    response = editor_client.get(QUEUE)
    assert [a.title for a in response.context["cl"].result_list] == [older.title, newer.title]
    html = response.content.decode()
    assert "日期不详" in html and "标题系推断、未识别单位" in html


def test_clear_flags_from_the_queue(editor_client):
    article = make_article(
        "已核对", review_flags=["unknown_date", "no_agency"], review_note="原说明"
    )
    page = act(editor_client, "clear_flags", [article], url=QUEUE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="unknown_date"' in html and "checked" in html
    response = apply(
        editor_client,
        "clear_flags",
        [article],
        url=QUEUE,
        flags=["unknown_date"],
        note="原文确无日期",
    )
    assert response.status_code == 302
    assert response["Location"].startswith(QUEUE)
    article.refresh_from_db()
    assert article.review_flags == ["no_agency"]
    assert article.review_note == "原说明\n原文确无日期"
    record = article.history.first()
    assert (record.history_user.username, record.history_change_reason) == (
        "editor",
        "已审阅：日期不详",
    )


def test_saving_from_the_queue_keeps_history_and_returns_to_the_queue(editor_client):
    from tests.test_admin_roles import edit_post

    article = make_article("队列中改标题", review_flags=["inferred_title"])
    data = edit_post(article, "队列中改好的标题")
    data["review_flags"] = []
    response = editor_client.post(f"{QUEUE}{article.pk}/change/", data)
    assert response.status_code == 302
    assert response["Location"].startswith(QUEUE)
    article.refresh_from_db()
    assert article.title == "队列中改好的标题"
    # Flags are cleared as staff ticked them (extraction may add its own after the edit).
    assert "inferred_title" not in article.review_flags
    assert article.history.first().history_user.username == "editor"
    history = editor_client.get(f"{QUEUE}{article.pk}/history/")
    assert history["Location"] == f"/admin/archive/article/{article.pk}/history/"


def test_rerun_extraction_keeps_staff_links(editor_client, announced, run_on_commit):
    region = make_region("411600", "周口市")
    article = make_article("正文没有任何地名的文章", "今天天气很好。")
    ArticleRegion.objects.create(article=article, region=region, origin=LinkOrigin.STAFF)
    response = run_on_commit(act, editor_client, "rerun_extraction", [article])
    assert response.status_code == 302
    assert list(article.articleregion_set.values_list("region_id", "origin")) == [
        (region.pk, LinkOrigin.STAFF)
    ]
    message = " ".join(str(m) for m in editor_client.get(CHANGELIST).context["messages"])
    assert "已重新识别 1 篇文章" in message
    article.refresh_from_db()
    # Extraction found no unit in the text and says so; the article is announced as changed.
    assert "no_agency" in article.review_flags
    assert announced == [[article.pk]]


def test_publishing_many_articles_is_queued_and_its_progress_shown(editor_client, settings):
    from archive import curation
    from archive.models import BulkStatusChange

    settings.OWED_WORK_AT_COMMIT = False  # the worker's part is done below, step by step
    many = curation.QUEUE_ABOVE + 1
    articles = [make_article(f"待发布{n}", status=Article.Status.HIDDEN) for n in range(many)]
    data = {"action": "publish", "select_across": "1", "index": "0",
            "_selected_action": [articles[0].pk]}  # fmt: skip
    response = editor_client.post(CHANGELIST, data, follow=True)
    change = BulkStatusChange.objects.get()
    url = f"/admin/archive/bulkstatuschange/{change.pk}/change/"
    message = " ".join(messages_of(editor_client, response))
    assert f"已排队：{many} 篇文章将在后台分批设为已发布" in message and url in message
    assert not Article.objects.filter(status=Article.Status.PUBLISHED).exists()

    page = editor_client.get(url).content.decode()
    assert f'<progress max="{many}" value="0">' in page and "进行中" in page
    assert 'http-equiv="refresh"' in page
    while curation.advance_bulk_changes():
        pass
    page = editor_client.get(url).content.decode()
    assert f'<progress max="{many}" value="{many}">' in page and "已完成" in page
    listed = editor_client.get("/admin/archive/bulkstatuschange/").content.decode()
    assert f"批量设为已发布 #{change.pk}" in listed and "已完成" in listed
    assert Article.objects.filter(status=Article.Status.PUBLISHED).count() == many
    assert articles[0].history.first().history_user.username == "editor"
