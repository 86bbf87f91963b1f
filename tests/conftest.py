"""Shared fixtures. Each area keeps its fixtures under its own header (the lead merges)."""

import base64
import json
import os
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

# browse


@pytest.fixture(autouse=True)
def _fresh_browse_counts():
    """Chart drawings are cached (by the digest of their figures): each test starts empty."""
    cache.clear()
    yield
    cache.clear()


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def browse_world(db):
    """A small archive: two provinces, a city with a district, bureaus with a sub-unit, an
    accepted and a suggested initiative, and articles dated to the day, to the month, undated,
    hidden and duplicated."""
    from archive.models import (
        Agency,
        Article,
        ArticleAgency,
        ArticleInitiative,
        ArticleRegion,
        Initiative,
        Region,
    )
    from tests.factories import make_article

    def region(code, name, level, parent=None):
        # The gazetteer migration loads real regions, but transactional tests flush them.
        return Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )[0]

    henan = region("410000", "河南省", Region.Level.PROVINCE)
    zhoukou = region("411600", "周口市", Region.Level.CITY, henan)
    chuanhui = region("411602", "川汇区", Region.Level.COUNTY, zhoukou)
    hubei = region("420000", "湖北省", Region.Level.PROVINCE)
    wuhan = region("420100", "武汉市", Region.Level.CITY, hubei)

    zk_bureau = Agency.objects.create(
        name="周口市公安局", kind=Agency.Kind.CITY_BUREAU, region=zhoukou
    )
    ch_branch = Agency.objects.create(
        name="川汇分局", kind=Agency.Kind.SUB_BUREAU, region=chuanhui, parent=zk_bureau
    )
    wh_bureau = Agency.objects.create(
        name="武汉市公安局", kind=Agency.Kind.CITY_BUREAU, region=wuhan
    )

    banshishi, _ = Initiative.objects.update_or_create(
        name="我为群众办实事",
        defaults={
            "slug": "wo-wei-qun-zhong-ban-shi-shi",
            "description": "公安队伍教育整顿中的便民实践活动。",
        },
    )
    suggested = Initiative.objects.create(
        name="待审行动", slug="dai-shen", status=Initiative.Status.SUGGESTED
    )

    def at(*parts):
        return datetime(*parts, tzinfo=SHANGHAI)

    day = Article.DatePrecision.DAY
    a1 = make_article(
        "周口市公安机关便民利企服务遍地开花",
        "周口日报记者昨日获悉，全市公安机关推出便民新举措。\n全城通办居民身份证补领、换领业务。",
        published_at=at(2021, 3, 29, 8, 0),
        date_precision=day,
        source="周口日报",
        authors="张三 李四",
        original_url="https://example.com/zk/1.html",
        body_html="<p>周口日报记者昨日获悉。</p><h1>户政部门</h1><p>全城通办。</p>"
        '<img src="https://example.com/a.jpg"><script>alert(1)</script>'
        '<p onclick="evil()">点击</p><a href="javascript:alert(1)">坏链接</a>',
    )
    a2 = make_article(
        "川汇分局开展反诈宣传",
        "川汇分局民警走进社区开展反诈宣传。",
        published_at=at(2021, 4, 2, 9, 0),
        date_precision=day,
        source="川汇发布",
    )
    a3 = make_article(
        "武汉警方推出户籍业务网上办",
        "武汉市公安局推出户籍业务网上办理。",
        published_at=at(2022, 1, 10, 10, 0),
        date_precision=day,
        source="长江日报",
    )
    a4 = make_article(
        "周口交警便民服务月报",
        "本月周口交警推出多项便民措施。",
        published_at=at(2021, 3, 1),
        date_precision=Article.DatePrecision.MONTH,
        source="周口日报",
    )
    a5 = make_article("日期不详的周口派出所简讯", "某派出所为群众办实事。", source="网络")
    hidden = make_article(
        "已隐藏的周口文章", "不应出现。", status=Article.Status.HIDDEN,
        published_at=at(2021, 5, 1), date_precision=day,
    )  # fmt: skip
    copy = make_article(
        "周口市公安机关便民利企服务遍地开花（转载）",
        "转载正文。",
        status=Article.Status.DUPLICATE,
        duplicate_of=a1,
        published_at=at(2021, 3, 30),
        date_precision=day,
        source="趣头条",
        original_url="https://example.com/copy.html",
    )

    for article, region, primary in [
        (a1, zhoukou, True),
        (a1, chuanhui, False),
        (a2, chuanhui, True),
        (a3, wuhan, True),
        (a4, zhoukou, True),
        (a5, zhoukou, True),
        (hidden, zhoukou, True),
    ]:
        ArticleRegion.objects.create(article=article, region=region, is_primary=primary)
    for article, agency in [
        (a1, zk_bureau),
        (a2, ch_branch),
        (a3, wh_bureau),
        (a4, zk_bureau),
        (hidden, zk_bureau),
    ]:
        ArticleAgency.objects.create(article=article, agency=agency)
    for article, initiative in [(a1, banshishi), (a2, banshishi), (a5, banshishi), (a3, suggested)]:
        ArticleInitiative.objects.create(article=article, initiative=initiative)

    return {
        "regions": {
            "henan": henan,
            "zhoukou": zhoukou,
            "chuanhui": chuanhui,
            "hubei": hubei,
            "wuhan": wuhan,
        },
        "agencies": {"zhoukou": zk_bureau, "chuanhui": ch_branch, "wuhan": wh_bureau},
        "initiatives": {"banshishi": banshishi, "suggested": suggested},
        "articles": {
            "a1": a1,
            "a2": a2,
            "a3": a3,
            "a4": a4,
            "a5": a5,
            "hidden": hidden,
            "copy": copy,
        },
    }


# browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
_PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright's sync API. The sync API runs an event loop in
    this thread, which makes Django refuse ORM calls unless told that is deliberate. The
    variable is removed afterwards: subprocesses of later tests (check --deploy) must not
    inherit it."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class PageProblems:
    """Console errors, page errors and failed or erroring requests seen by one page."""

    def __init__(self, page):
        self.items = []
        page.on(
            "console",
            lambda message: (
                message.type == "error" and self.items.append(f"console: {message.text}")
            ),
        )
        page.on("pageerror", lambda error: self.items.append(f"page error: {error}"))
        page.on(
            "requestfailed",
            lambda request: self.items.append(f"failed: {request.url} {request.failure}"),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and self.items.append(f"HTTP {response.status}: {response.url}")
            ),
        )


@pytest.fixture(params=[(1280, 900), (390, 844)], ids=["desktop", "phone"])
def browser_page(request, chromium):
    """A fresh page at desktop or phone width; the test fails on any console error or failed
    request. ``page.shot(name)`` saves a screenshot under test-artifacts/."""
    width, height = request.param
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    # Article bodies name images on other sites; the tests run offline, so those requests
    # get a 1×1 PNG instead of failing.
    context.route(
        lambda url: urlsplit(url).hostname not in {"127.0.0.1", "localhost"},
        lambda route: route.fulfill(status=200, content_type="image/png", body=_PIXEL),
    )
    page = context.new_page()
    problems = PageProblems(page)
    ARTIFACTS.mkdir(exist_ok=True)

    def shot(name):
        page.screenshot(
            path=str(ARTIFACTS / f"{name}-{request.node.callspec.id}.png"), full_page=True
        )

    page.shot = shot
    page.width = width
    yield page
    context.close()
    assert problems.items == [], problems.items


# --- Extraction ---------------------------------------------------------------------------
EXTRACTION_LABELS = Path(__file__).parent / "data" / "extraction_labels.json"


@pytest.fixture
def labelled_articles():
    """The five seeds as plain text with what a careful reader finds in each."""
    return json.loads(EXTRACTION_LABELS.read_text(encoding="utf-8"))["articles"]
