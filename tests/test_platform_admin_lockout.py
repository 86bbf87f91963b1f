"""django-axes through the real admin login form: after AXES_FAILURE_LIMIT wrong passwords
even the right one is refused, while other accounts can still sign in."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings

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


def _fail_until_locked(client, **headers):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN_URL, {"username": "editor", "password": "wrong"}, **headers)


@override_settings(TRUSTED_PROXY_COUNT=1, TRUSTED_PROXIES=["10.0.0.0/24"])
def test_behind_a_proxy_the_forwarded_client_is_locked_not_the_proxy(client, editors):
    def log_in_from(forwarded_for):
        return client.post(
            LOGIN_URL,
            {"username": "editor", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    _fail_until_locked(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    # The attacker cannot escape by prepending addresses of its own choosing…
    assert log_in_from("198.51.100.1, 203.0.113.7").status_code == 429
    # …while the same editor from another client address is let in.
    assert log_in_from("203.0.113.99").status_code == 302


def test_without_trusted_proxies_forwarded_addresses_are_ignored(client, editors):
    _fail_until_locked(client, HTTP_X_FORWARDED_FOR="203.0.113.7")
    response = client.post(
        LOGIN_URL,
        {"username": "editor", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 429
