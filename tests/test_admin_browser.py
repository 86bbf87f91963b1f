"""One journey through the real admin in Debian's Chromium: an editor edits a title and sees
it saved; a reviewer sees the same article but has nothing to save with."""

import os

import pytest

from archive.models import Article
from tests.conftest import STAFF_PASSWORD
from tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# live_server runs in a thread while sync Playwright holds an event loop in this one;
# Django's async-safety check would otherwise refuse the test's own queries.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser):
    """A fresh browser context whose page records console errors and failed requests."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.problems = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "favicon.ico" not in (m.location or {}).get("url", "")
            and page.problems.append(m.text)
        ),
    )
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("requestfailed", lambda r: page.problems.append(f"{r.url} {r.failure}"))
    # The browser asks for /favicon.ico on its own; the admin does not link one.
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and not r.url.endswith("/favicon.ico")
            and page.problems.append(f"{r.status} {r.url}")
        ),
    )
    return page


def log_in(page, base_url, username):
    page.goto(base_url + "/admin/")
    page.wait_for_url("**/admin/login/**")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base_url + "/admin/")


def test_editor_saves_a_title_reviewer_cannot(live_server, chromium, editor, reviewer):
    article = make_article("浏览器里修改前的标题", "正文。")
    change = f"{live_server.url}/admin/archive/article/{article.pk}/change/"

    page = open_page(chromium)
    log_in(page, live_server.url, "editor")
    page.goto(change)
    page.fill("#id_title", "浏览器里修改后的标题")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/archive/article/")
    assert "浏览器里修改后的标题" in page.locator(".messagelist .success").inner_text()
    assert page.locator("#result_list").get_by_text("浏览器里修改后的标题").count() == 1
    assert Article.objects.get(pk=article.pk).title == "浏览器里修改后的标题"
    assert page.problems == []

    page = open_page(chromium)
    log_in(page, live_server.url, "reviewer")
    page.goto(change)
    assert page.locator("h1").count() == 1
    assert "浏览器里修改后的标题" in page.locator("#content").inner_text()
    assert page.locator("#id_title").count() == 0  # shown as text, not as a field
    assert page.locator("input[name=_save]").count() == 0
    assert page.problems == []
