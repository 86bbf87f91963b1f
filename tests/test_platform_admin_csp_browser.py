"""The Django admin works in a real browser under the site's Content-Security-Policy.

Chromium reports every blocked script, style or form target on the console; the admin pages
must produce none, and the admin's own JavaScript must visibly run (the permission picker is
built by SelectFilter2.js, the theme toggle by theme.js).
"""

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor():
    return get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)


@pytest.fixture
def page(editor, chromium):
    """A fresh page in the shared browser (tests/conftest.py); the editor exists first."""
    page = chromium.new_page()
    yield page
    page.close()


def _watch_console(page):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    return messages


def test_admin_pages_run_without_policy_violations(live_server, editor, page):
    messages = _watch_console(page)

    response = page.goto(f"{live_server.url}/admin/login/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("#user-tools").is_visible()

    page.goto(f"{live_server.url}/admin/auth/user/{editor.pk}/change/")
    page.wait_for_selector("#id_user_permissions_from", timeout=10_000)  # built by JS
    assert page.locator("#id_user_permissions_to").count() == 1
    assert page.locator("button.theme-toggle").is_visible()

    for path in ("/admin/auth/user/", "/admin/auth/user/add/", "/admin/auth/group/add/"):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("#content").is_visible()

    violations = [
        text for text in messages if "Content Security Policy" in text or "Refused to" in text
    ]
    assert violations == []
    assert [text for text in messages if "Error" in text] == []
