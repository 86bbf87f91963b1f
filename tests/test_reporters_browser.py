"""Browser journey: from an article to its reporter's page."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_article_to_reporter(search_index, live_server, browse_world, browser_page):
    page = browser_page
    article = browse_world["articles"]["a1"]
    page.goto(live_server.url + article.get_absolute_url())
    page.locator(".article-meta").get_by_role("link", name="李四").click()
    page.wait_for_url("**/reporters/*/")
    assert page.locator("h1").inner_text() == "李四"
    assert page.locator(".article-card").all_inner_texts()[0].startswith(article.title)
    assert page.locator(".timeline-chart svg rect.bar").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.shot("reporter")
