"""Who may do what in the admin: anonymous, 编辑 (editor), 审阅 (reviewer), superuser."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from archive.models import Article
from archive.roles import EDITOR, REVIEWER
from tests.conftest import STAFF_PASSWORD
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def change_url(article):
    return f"/admin/archive/article/{article.pk}/change/"


def edit_post(article, title):
    """The change form's fields, as the browser posts them (with empty inlines)."""
    data = {
        "title": title,
        "subtitle": article.subtitle,
        "status": article.status,
        "published_at_0": "",
        "published_at_1": "",
        "date_precision": article.date_precision,
        "source": article.source,
        "via_site": "",
        "original_url": "",
        "authors": "",
        "editor": "",
        "script": article.script,
        "review_note": "",
        "_save": "保存",
    }
    for prefix in (
        "articleregion_set",
        "articleagency_set",
        "articleinitiative_set",
        "import_records",
    ):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_roles_exist_with_their_permissions():
    editor = set(Group.objects.get(name=EDITOR).permissions.values_list("codename", flat=True))
    reviewer = set(Group.objects.get(name=REVIEWER).permissions.values_list("codename", flat=True))
    assert {"change_article", "delete_agency", "add_importbatch"} <= editor
    assert not {"change_user", "view_user", "change_group"} & editor
    assert reviewer and all(codename.startswith("view_") for codename in reviewer)


def test_anonymous_is_sent_to_login():
    article = make_article("匿名访问测试")
    client = Client()
    for url in ("/admin/", change_url(article), "/admin/archive/importbatch/upload/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def test_editor_logs_in_through_the_login_form(client, editor):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": STAFF_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert "文章" in index.content.decode()


def test_editor_changes_an_article_but_sees_no_users(editor_client):
    article = make_article("编辑修改前的标题")
    response = editor_client.post(change_url(article), edit_post(article, "编辑修改后的标题"))
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.title == "编辑修改后的标题"
    assert article.title_simplified == "编辑修改后的标题"
    assert editor_client.get("/admin/auth/user/").status_code == 403
    assert editor_client.get("/admin/auth/group/").status_code == 403
    assert "auth/user" not in editor_client.get("/admin/").content.decode()


def test_reviewer_views_but_cannot_change(reviewer_client):
    article = make_article("审阅人只能查看")
    page = reviewer_client.get(change_url(article))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert "审阅人只能查看" in html
    response = reviewer_client.post(change_url(article), edit_post(article, "审阅人改了标题"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "审阅人只能查看"
    # No actions are offered, and the bulk actions refuse a forged request.
    changelist = reviewer_client.get("/admin/archive/article/").content.decode()
    assert 'name="action"' not in changelist
    response = reviewer_client.post(
        "/admin/archive/article/", {"action": "hide", "_selected_action": [article.pk]}
    )
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert reviewer_client.get("/admin/archive/importbatch/upload/").status_code == 403
    assert reviewer_client.get("/admin/auth/user/").status_code == 403


def test_superuser_manages_users(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/auth/user/").status_code == 200
    assert client.get("/admin/auth/group/").status_code == 200


def test_repeated_wrong_passwords_lock_the_login(client, editor):
    for _ in range(5):
        client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "editor", "password": STAFF_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
def test_roles_come_back_after_a_flush():
    """Browser tests empty the database between tests; the roles must not vanish with it."""
    call_command("flush", interactive=False, verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) == {EDITOR, REVIEWER}
    assert Group.objects.get(name=EDITOR).permissions.filter(codename="change_article").exists()
