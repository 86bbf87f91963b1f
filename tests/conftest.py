"""Shared fixtures. Each area keeps its fixtures under its own header (the lead merges)."""

import base64
import html
import io
import json
import os
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import settings as hypothesis_settings

# CI explores the same examples on every run, so that a red build names a case anyone can
# reproduce; runs on a developer's machine keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

# browse


@pytest.fixture(autouse=True)
def _fresh_browse_counts():
    """Chart drawings are cached by the digest of their figures: each test starts empty.
    (Pages are cached in the database, which each test gets fresh.)"""
    caches["default"].clear()
    yield
    caches["default"].clear()


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


# What Chromium reports for a request it dropped itself because the page moved on (the
# favicon of a page the test has already left): not an answer the server failed to give.
CANCELLED_BY_THE_BROWSER = "net::ERR_ABORTED"


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
            lambda request: (
                request.failure != CANCELLED_BY_THE_BROWSER
                and self.items.append(f"failed: {request.url} {request.failure}")
            ),
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


# --- Importer -------------------------------------------------------------------------------

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "articles"
IMPORT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importing"


def seed(number):
    """Path of seed file ``NNN_…`` in fixtures/articles/."""
    return next(SEEDS.glob(f"{number:03d}_*"))


@pytest.fixture
def run_import():
    """Run ``import_articles --json`` in-process; return (summary, exit status, stdout)."""

    def run(*paths, options=()):
        stdout, stderr = io.StringIO(), io.StringIO()
        status = 0
        try:
            call_command(
                "import_articles",
                *map(str, paths),
                "--json",
                *options,
                stdout=stdout,
                stderr=stderr,
            )
        except CommandError as exc:
            status = exc.returncode
        output = stdout.getvalue()
        summary = json.loads(output.strip().splitlines()[-1]) if output.strip() else None
        return summary, status, output

    return run


_CHROME = (
    "您现在的位置",
    "版权所有",
    "ICP备",
    "访问量",
    "发布时间",
    "来源：",
    "来源:",
    "编辑:",
    "編輯:",
)
_PINYIN_NOTE = re.compile(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


IMPORTER_FLAGS = ("inferred_title", "unknown_date", "encoding_damage")


def importer_flags(article):
    """The review flags the importer owns, in order; extraction and dedup own the others."""
    return [flag for flag in article.review_flags if flag in IMPORTER_FLAGS]


def assert_clean_body(body, unterminated=()):
    """No site chrome, no reading aids, and no line that stops in mid-sentence: every line
    ends a sentence or is a short heading, except ``unterminated`` paragraphs that the
    source itself leaves open."""
    for chrome in _CHROME:
        assert chrome not in body, chrome
    assert not _PINYIN_NOTE.search(body)
    for line in body.splitlines():
        assert line == line.strip() and line, repr(line)
        assert line[-1] in "。！？!?”）)…" or len(line) <= 30 or line in unterminated, line


# search

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "articles"


def seed_texts():
    """(title, body) of each seed file: front matter title or first line, tags stripped."""
    texts = []
    for path in sorted(FIXTURES.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        title = None
        front = re.match(r"---\n(.*?)\n---\n", raw, re.S)
        if front:
            found = re.search(r"^title:\s*'?(.*?)'?\s*$", front.group(1), re.M)
            title = found.group(1) if found else None
            raw = raw[front.end() :]
        text = html.unescape(re.sub(r"<[^>]+>", "\n", raw))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if title is None:
            title = lines.pop(0)
        texts.append((title[:300], "\n".join(lines)))
    return texts


@pytest.fixture(params=["whoosh", "postgres"])
def search_backend(request, settings):
    """The test once on each search engine (``SEARCH_ENGINES``): the contract both keep
    (``search.engine``). A module asks for it with ``usefixtures``.

    haystack's connections read the dict they were made with, not the setting: both are
    switched, and both restored before the reload (the settings fixture restores the setting
    only after this fixture ends, which would leave the connection on this test's engine)."""
    from haystack import connections

    original_setting, original_info = settings.HAYSTACK_CONNECTIONS, connections.connections_info
    chosen = {"default": settings.SEARCH_ENGINES[request.param]}
    settings.HAYSTACK_CONNECTIONS = connections.connections_info = chosen
    connections.reload("default")
    yield request.param
    settings.HAYSTACK_CONNECTIONS = original_setting
    connections.connections_info = original_info
    connections.reload("default")


@pytest.fixture
def search_index(request):
    """The real index of this test session (Whoosh's, or PostgreSQL's rows under
    ``search_backend``), emptied for this test.

    Needs the test's own ``django_db`` mark: asking for ``db`` here would turn a
    ``transaction=True`` test into one wrapped in a transaction."""
    from search.engine import engine

    if "search_backend" in request.fixturenames:
        request.getfixturevalue("search_backend")  # the engine is chosen first

    backend = engine()
    backend.clear()
    return backend


@pytest.fixture
def reindex(search_index):
    """Call to index every published article now (tests run inside a transaction)."""
    from search.engine import engine

    return engine().rebuild


# --- Curation (admin) -----------------------------------------------------------------------

STAFF_PASSWORD = "Kx9-警讯-admin-test"


def _staff(username, group=None, **fields):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(
        username=username, password=STAFF_PASSWORD, is_staff=True, **fields
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def region(code, name, level="city", parent=None):
    """The region with this GB/T 2260 code: the gazetteer's row when it is loaded, else a new one."""
    from archive.models import Region

    found, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return found


@pytest.fixture
def editor(db):
    """A member of 编辑: curates, imports, may not manage users."""
    from archive.roles import EDITOR

    return _staff("editor", EDITOR)


@pytest.fixture
def reviewer(db):
    """A member of 审阅: sees everything in the admin, changes nothing."""
    from archive.roles import REVIEWER

    return _staff("reviewer", REVIEWER)


@pytest.fixture
def superuser(db):
    return _staff("root", is_superuser=True)


def _client_of(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor_client(editor):
    return _client_of(editor)


@pytest.fixture
def reviewer_client(reviewer):
    return _client_of(reviewer)


@pytest.fixture
def announced(monkeypatch):
    """Every id list handed to ``archive.pipeline.changed`` while the test runs (sorted)."""
    from archive import pipeline

    received = []
    changed = pipeline.changed

    def recording(article_ids):
        received.append(sorted(set(article_ids)))
        changed(article_ids)

    monkeypatch.setattr(pipeline, "changed", recording)
    return received


# --- Hardening -------------------------------------------------------------------------------


def pytest_terminal_summary(terminalreporter):
    """Show what the hardening tests counted (inputs tried, kills survived, edits checked,
    payloads tried) after every run, not only when they fail: pytest hides a passing test's
    output."""
    reports = [
        report
        for report in terminalreporter.stats.get("passed", [])
        if "test_harden_" in report.nodeid and report.when == "call" and report.capstdout
    ]
    if not reports:
        return
    terminalreporter.section("hardening counts")
    for report in reports:
        terminalreporter.write_line(report.nodeid)
        terminalreporter.write(report.capstdout.rstrip() + "\n")
