"""Browser journey: a syndicated story is found once, and its page lists its copies."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_syndicated_story_once_with_its_copies(
    search_index, live_server, browse_world, browser_page
):
    page = browser_page
    page.goto(live_server.url + "/search/?q=便民利企")
    results = page.locator("article.result")
    assert results.count() == 1
    assert "另有 1 家转载" in results.first.inner_text()
    results.first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/articles/\d+/$"))
    assert (
        "首发：周口日报 · 2021年3月29日 · 另有 1 家转载"
        in page.locator(".syndication").inner_text()
    )
    assert "趣头条 · 2021年3月30日" in page.locator(".copies").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.shot("syndicated")
