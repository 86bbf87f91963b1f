"""django-axes through the real admin login form: after AXES_FAILURE_LIMIT wrong passwords
even the right one is refused, while other accounts can still sign in."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def editors():
    users = get_user_model().objects
    return (
        users.create_superuser("editor", "editor@example.org", PASSWORD),
        users.create_superuser("other", "other@example.org", PASSWORD),
    )


def _log_in(client, username, password):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def test_right_password_signs_in_before_any_failure(client, editors):
    response = _log_in(client, "editor", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert "_auth_user_id" in client.session


def test_wrong_passwords_lock_the_account_out(client, editors):
    assert settings.AXES_FAILURE_LIMIT >= 2
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _log_in(client, "editor", "wrong password")
        assert response.status_code == 200  # the form again, with its error
        assert b'name="password"' in response.content
    response = _log_in(client, "editor", "wrong password")
    assert response.status_code == 429

    response = _log_in(client, "editor", PASSWORD)
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page

    # The lock is per username and address: another editor is not locked out.
    response = _log_in(client, "other", PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
