"""Accessibility of every page type: axe-core (bundled by axe-playwright-python) in Chromium
finds no serious or critical violation, at desktop and phone (390 px) width; each page fits
the phone's width, and a keyboard reaches the content first through the skip link. Prints
what was checked for the hardening counts."""

from collections import Counter
from urllib.parse import unquote

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page_types(world):
    a1 = world["articles"]["a1"]
    return {
        "home": "/",
        "articles": "/articles/",
        "article": a1.get_absolute_url(),
        "regions": "/regions/",
        "region": "/regions/411600/",
        "region filtered": "/regions/411600/?year=2021",
        "agencies": "/agencies/",
        "agency": world["agencies"]["zhoukou"].get_absolute_url(),
        "initiatives": "/initiatives/",
        "initiative": world["initiatives"]["banshishi"].get_absolute_url(),
        "date archive": "/archive/",
        "year": "/archive/2021/",
        "month": "/archive/2021/3/",
        "undated": "/archive/undated/",
        "this day": "/archive/3/29/",
        "reporter": "/reporters/张三/",
        "search": "/search/?q=便民",
        "search, nothing found": "/search/?q=不存在的词语",
        "search, no query": "/search/",
        "search, bad parameters": "/search/?q=便民&from=昨天",
        "not found": "/regions/000000/",
    }


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_type_passes_axe(search_index, live_server, browse_world, chromium, width):
    # Its own page rather than the browser_page fixture: this quick walk leaves pages while
    # Chromium still fetches their favicon, an abort that fixture counts as a failure.
    context = chromium.new_context(viewport={"width": width, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.width = width
    axe = Axe()
    impacts, checked, failures = Counter(), 0, []
    errors = {"search, bad parameters": 400, "not found": 404}
    for name, path in _page_types(browse_world).items():
        url = live_server.url + path
        if name in errors:
            # The error page as served, handed to the browser as a 200: the page fixture
            # counts every failed response as a problem, and here failing is the point.
            assert page.request.get(url).status == errors[name], name
            page.route(
                lambda asked, url=url: unquote(asked) == url,
                lambda route: route.fulfill(response=route.fetch(), status=200),
            )
        assert page.goto(url).status == 200, name
        results = axe.run(page).response
        for violation in results["violations"]:
            impacts[violation["impact"]] += 1
            if violation["impact"] in ("serious", "critical"):
                nodes = [n["target"] for n in violation["nodes"]][:3]
                failures.append(f"{name}: {violation['id']} ({violation['impact']}) {nodes}")
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if not fits:
            failures.append(f"{name}: wider than {page.width} px")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        if focused != "跳到正文":
            failures.append(f"{name}: the first Tab reaches {focused!r}, not the skip link")
        page.keyboard.press("Enter")
        if page.evaluate("document.activeElement.id") != "main":
            failures.append(f"{name}: the skip link does not move focus to the content")
        checked += 1
    context.close()
    assert failures == [], "\n".join(failures)
    print(
        f"axe-core {results['testEngine']['version']} at {page.width} px: {checked} page types, "
        f"0 serious, 0 critical, {impacts['moderate']} moderate, {impacts['minor']} minor"
    )
