"""Browser journey: a reader subscribes to a search and sees a newly imported match in it."""

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_ARTICLE = """---
title: '周口便民服务再推新举措'
date: 2031-06-01 09:00:00
---
<p>周口市公安局今天推出便民服务新举措，户籍业务可在网上办理。</p>
"""


def test_subscribe_then_see_a_new_import(
    search_index, live_server, browse_world, browser_page, run_import, tmp_path
):
    page = browser_page
    page.goto(live_server.url + "/search/?q=便民")
    page.get_by_role("link", name="订阅").click()
    page.wait_for_url("**/search/rss.xml?*")
    assert parse_qs(urlsplit(page.url).query) == {"q": ["便民"]}
    assert "周口市公安机关便民利企服务遍地开花" in page.content()
    assert "周口便民服务再推新举措" not in page.content()
    etag = page.request.get(page.url).headers["etag"]
    unchanged = page.request.get(page.url, headers={"If-None-Match": etag})
    assert unchanged.status == 304

    (tmp_path / "new.md").write_text(NEW_ARTICLE, encoding="utf-8")
    summary, status, _ = run_import(tmp_path / "new.md")
    assert status == 0 and summary["imported"] == 1

    assert page.request.get(page.url, headers={"If-None-Match": etag}).status == 200
    page.reload()
    content = page.content()
    assert content.index("周口便民服务再推新举措") < content.index(
        "周口市公安机关便民利企服务遍地开花"
    )
