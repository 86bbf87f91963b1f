"""Browser journeys through the browse site in Debian's Chromium, at desktop and phone width.

The browser_page fixture fails a test on any console error, page error or failed request and
saves screenshots under test-artifacts/."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_home_city_article_bureau_initiative(live_server, browse_world, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "警讯档案"
    assert page.locator(".timeline-chart svg rect.bar").count() == 11
    assert _fits_the_screen(page)
    page.shot("home")

    page.get_by_role("link", name="河南省 · 周口市").click()
    page.wait_for_url("**/regions/411600/")
    assert page.locator("h1").inner_text() == "周口市"
    assert page.locator(".article-card").count() == 4
    assert _fits_the_screen(page)
    page.shot("city")

    page.get_by_role("link", name="周口市公安机关便民利企服务遍地开花").click()
    page.wait_for_url(re.compile(r".*/articles/\d+/$"))
    assert "2021年3月29日" in page.locator(".article-meta").inner_text()
    image = page.locator(".article-body img")
    assert image.get_attribute("loading") == "lazy"
    assert image.get_attribute("referrerpolicy") == "no-referrer"
    assert "[N/OL]" in page.locator(".citation-text").inner_text()
    assert _fits_the_screen(page)
    page.shot("article")

    page.locator(".article-meta").get_by_role("link", name="周口市公安局").click()
    page.wait_for_url(re.compile(r".*/agencies/\d+/$"))
    assert page.locator("h1").inner_text() == "周口市公安局"
    assert page.get_by_role("link", name="川汇分局").first.is_visible()
    page.shot("bureau")

    page.get_by_role("link", name="我为群众办实事").first.click()
    page.wait_for_url("**/initiatives/wo-wei-qun-zhong-ban-shi-shi/")
    assert page.locator("h1").inner_text() == "我为群众办实事"
    assert page.locator(".article-card").count() == 3
    assert _fits_the_screen(page)
    page.shot("initiative")


def test_region_filter_keeps_a_stable_url(live_server, browse_world, browser_page):
    page = browser_page
    page.goto(live_server.url + "/regions/411600/")
    page.get_by_label("年份").select_option("2021")
    page.get_by_label("公安单位").select_option(label="川汇分局（1）")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/regions/411600/?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["year"] == ["2021"] and query["agency"] == [
        str(browse_world["agencies"]["chuanhui"].pk)
    ]
    assert page.locator(".article-card").all_inner_texts()[0].startswith("川汇分局开展反诈宣传")
    assert page.locator(".article-card").count() == 1
    page.shot("city-filtered")


def test_search_box_carries_the_query(live_server, browse_world, browser_page):
    page = browser_page
    page.goto(live_server.url + "/regions/")
    page.get_by_label("搜索").fill("户籍 迁移")
    page.get_by_label("搜索").press("Enter")
    page.wait_for_url("**/search/?*")
    assert urlsplit(page.url).path == "/search/"
    assert parse_qs(urlsplit(page.url).query)["q"] == ["户籍 迁移"]


def test_date_archive(live_server, browse_world, browser_page):
    page = browser_page
    page.goto(live_server.url + "/archive/")
    assert page.locator("h1").inner_text() == "按日期浏览"
    page.shot("archive")
    page.get_by_role("link", name="2021年", exact=True).click()
    page.wait_for_url("**/archive/2021/")
    assert page.locator(".article-card").count() == 3
    page.locator(".chips").get_by_role("link", name="3月", exact=True).click()
    page.wait_for_url("**/archive/2021/3/")
    cards = page.locator(".article-card").all_inner_texts()
    assert len(cards) == 2
    # The article known only to the month is shown as such, never as the 1st.
    assert any("周口交警便民服务月报" in c and "2021年3月" in c for c in cards)
    assert not any("2021年3月1日" in c for c in cards)
    page.shot("archive-month")
    page.goto(live_server.url + "/archive/")
    page.get_by_role("link", name="日期不详的文章").click()
    page.wait_for_url("**/archive/undated/")
    assert "日期不详" in page.locator(".article-card").inner_text()
    assert _fits_the_screen(page)
