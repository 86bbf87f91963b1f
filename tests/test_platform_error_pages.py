"""Error pages: Chinese, in the site's look, and never a traceback (DEBUG is off in tests)."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.template import loader
from django.template.loader_tags import ExtendsNode
from django.test import Client
from django.urls import include, path

from tests.servers import free_port

pytestmark = pytest.mark.django_db


def _raise_error(request):
    raise RuntimeError("secret-internal-detail")


def _forbidden(request):
    raise PermissionDenied


# The project's URLs plus two views that fail on purpose (used through pytest.mark.urls).
urlpatterns = [
    path("boom/", _raise_error),
    path("forbidden/", _forbidden),
    path("", include("config.urls")),
]


def test_unknown_url_gives_the_chinese_404_page(client):
    response = client.get("/this/does/not/exist/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert "site.css" in page
    assert 'lang="zh-Hans"' in page


@pytest.mark.urls(__name__)
def test_view_raising_an_exception_gives_the_500_page_without_traceback():
    assert settings.DEBUG is False
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "服务器出错了" in page
    assert "site.css" in page
    for leak in ("secret-internal-detail", "Traceback", "RuntimeError", "_raise_error"):
        assert leak not in page


@pytest.mark.urls(__name__)
def test_permission_denied_gives_the_chinese_403_page(client):
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_unknown_host_gives_the_chinese_400_page(client):
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


def test_form_without_csrf_token_gives_the_chinese_403_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "表单已失效" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "heading"), [("500.html", "服务器出错了"), ("503.html", "服务暂时不可用")]
)
def test_server_error_pages_render_with_the_database_down(name, heading):
    """As Django's server_error renders them: no request, no context, no database (pointed
    at a port where nothing listens). Their base, error_base.html, needs none of them."""
    saved = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", free_port()
    try:
        template = loader.get_template(name)
        page = template.render()
        with pytest.raises(OperationalError):
            connection.ensure_connection()
    finally:
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = saved
    assert heading in page and "site.css" in page and 'lang="zh-Hans"' in page
    (extends,) = template.template.nodelist.get_nodes_by_type(ExtendsNode)
    assert extends.parent_name.var == "error_base.html"
