"""Merging agencies and initiatives: links, sub-units and aliases move, the old name stays
as an alias, the old row goes; all in one transaction, after a page that counts the changes."""

import pytest

from archive import curation
from archive.models import Agency, ArticleAgency, ArticleInitiative, Initiative, LinkOrigin
from tests.factories import make_article

pytestmark = pytest.mark.django_db
AGENCIES = "/admin/archive/agency/"


@pytest.fixture
def bureaus():
    keep = Agency.objects.create(name="武汉市公安局", aliases=["武汉公安"])
    other = Agency.objects.create(name="武汉警方", aliases=["江城警方", "武汉公安"], parent=None)
    child = Agency.objects.create(name="江岸分局", parent=other)
    only_other = make_article("只关联到武汉警方")
    both = make_article("两个名字都出现")
    only_keep = make_article("只关联到武汉市公安局")
    ArticleAgency.objects.create(article=only_other, agency=other, mentions=2)
    ArticleAgency.objects.create(article=both, agency=keep, mentions=1)
    ArticleAgency.objects.create(article=both, agency=other, mentions=3, origin=LinkOrigin.STAFF)
    ArticleAgency.objects.create(article=only_keep, agency=keep)
    return {
        "keep": keep,
        "other": other,
        "child": child,
        "only_other": only_other,
        "both": both,
        "only_keep": only_keep,
    }


def snapshot():
    return {
        "agencies": sorted(Agency.objects.values_list("pk", "name", "aliases", "parent_id")),
        "links": sorted(
            ArticleAgency.objects.values_list("article_id", "agency_id", "mentions", "origin")
        ),
    }


def merge_post(client, agencies, **extra):
    return client.post(
        AGENCIES,
        {
            "action": "merge",
            "_selected_action": [a.pk for a in agencies],
            "select_across": "0",
            **extra,
        },
    )


def test_merge_through_the_admin(
    editor_client, bureaus, announced, django_capture_on_commit_callbacks
):
    keep, other = bureaus["keep"], bureaus["other"]

    choose = merge_post(editor_client, [keep, other], index="0")
    assert choose.status_code == 200
    form = choose.context["form"]
    assert form["keep"].initial == keep.pk  # the one with more articles
    assert "武汉警方（#" in choose.content.decode()

    preview = merge_post(editor_client, [keep, other], keep=keep.pk, preview="预览变化")
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert (plan.links_moved, plan.links_combined, plan.articles) == (1, 1, 2)
    assert (plan.children_moved, plan.deleted) == (1, 1)
    assert plan.aliases_added == ["武汉警方", "江城警方"]
    html = preview.content.decode()
    assert "确认合并" in html and "江城警方" in html
    assert Agency.objects.filter(pk=other.pk).exists()  # nothing done yet

    with django_capture_on_commit_callbacks(execute=True):
        done = merge_post(editor_client, [keep, other], keep=keep.pk, confirm="确认合并")
    assert done.status_code == 302
    assert not Agency.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert keep.aliases == ["武汉公安", "武汉警方", "江城警方"]
    assert set(
        ArticleAgency.objects.values_list("article__title", "agency_id", "mentions", "origin")
    ) == {
        ("只关联到武汉警方", keep.pk, 2, "extracted"),
        ("两个名字都出现", keep.pk, 4, "staff"),
        ("只关联到武汉市公安局", keep.pk, 1, "extracted"),
    }
    bureaus["child"].refresh_from_db()
    assert bureaus["child"].parent == keep
    # The kept unit's own articles too: its sub-units (and their articles) changed.
    assert announced == [
        sorted([bureaus["only_other"].pk, bureaus["both"].pk, bureaus["only_keep"].pk])
    ]

    kept_record = keep.history.first()
    assert kept_record.history_user.username == "editor"
    assert kept_record.history_change_reason == "合并：武汉警方 → 武汉市公安局"
    deleted_record = Agency.history.filter(id=other.pk).first()
    assert (deleted_record.history_type, deleted_record.history_user.username) == ("-", "editor")
    message = [str(m) for m in editor_client.get(AGENCIES).context["messages"]]
    assert any("移动 1 条文章关联" in m for m in message)


@pytest.mark.django_db(transaction=True)
def test_a_failure_midway_changes_nothing(bureaus, editor, monkeypatch):
    before = snapshot()

    def fail(*args, **kwargs):
        raise RuntimeError("injected failure after links, children and aliases were written")

    # Only the failure is injected; everything before it runs against the real database.
    monkeypatch.setattr(curation, "_delete_merged", fail)
    with pytest.raises(RuntimeError):
        curation.merge(bureaus["keep"], [bureaus["other"]], editor)
    assert snapshot() == before
    assert not Agency.history.filter(history_change_reason__startswith="合并").exists()


def test_keeping_a_sub_unit_of_the_merged_one(editor, bureaus):
    province = Agency.objects.create(name="湖北省公安厅")
    other = bureaus["other"]
    other.parent = province
    other.save()
    child = bureaus["child"]  # under 武汉警方
    curation.merge(child, [other], editor)
    child.refresh_from_db()
    assert child.parent == province
    assert "武汉警方" in child.aliases


def test_merge_initiatives(editor_client):
    keep = Initiative.objects.create(name="测试专项行动", slug="ceshi")
    other = Initiative.objects.create(
        name="测试专项", slug="other", aliases=["测试行动"], status="suggested"
    )
    article = make_article("测试专项的文章")
    ArticleInitiative.objects.create(article=article, initiative=other)
    response = editor_client.post(
        "/admin/archive/initiative/",
        {
            "action": "merge",
            "_selected_action": [keep.pk, other.pk],
            "select_across": "0",
            "keep": keep.pk,
            "confirm": "确认合并",
        },
    )
    assert response.status_code == 302
    assert not Initiative.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert keep.aliases == ["测试专项", "测试行动"]
    assert list(article.initiatives.all()) == [keep]


def test_reviewer_cannot_merge(reviewer_client, bureaus):
    before = snapshot()
    response = merge_post(
        reviewer_client, [bureaus["keep"], bureaus["other"]], keep=bureaus["keep"].pk, confirm="1"
    )
    # They have no actions, so the post is read as a plain look at the list.
    assert response.status_code == 200
    assert response.context["cl"].model is Agency
    assert "merge" not in response.context["cl"].model_admin.get_actions(response.wsgi_request)
    assert snapshot() == before


def test_accepting_a_suggested_initiative_links_the_articles_naming_it(
    editor_client, announced, django_capture_on_commit_callbacks
):
    suggested = Initiative.objects.create(name="新见服务品牌", slug="xinjian", status="suggested")
    naming = make_article("推出“新见服务品牌”", "民警推出新见服务品牌，方便群众。")
    make_article("无关的文章", "正文。")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            "/admin/archive/initiative/",
            {"action": "accept", "_selected_action": [suggested.pk], "index": "0"},
        )
    suggested.refresh_from_db()
    assert suggested.status == Initiative.Status.ACCEPTED
    assert suggested.history.first().history_user.username == "editor"
    assert list(naming.initiatives.all()) == [suggested]
    assert [naming.pk] in announced
