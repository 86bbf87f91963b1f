"""Hostile content: titles that a spreadsheet would run, and characters XML cannot carry.

Every CSV cell that would start a formula is neutralised; the characters XML 1.0 forbids are
removed by the importer and by every save, and feeds and sitemaps stay well-formed XML even
over rows stored with them. The property test prints what it drew:
``pytest -s tests/test_harden_hostile_content.py``.
"""

import csv
import io
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.importing.article import Draft, finish
from archive.importing.blocks import PARAGRAPH, Block
from archive.models import Agency, Article, Initiative, Region
from archive.text import xml_safe
from tests.factories import make_article
from tests.test_admin_roles import change_url, edit_post

pytestmark = pytest.mark.django_db

# C0 controls other than tab, newline and carriage return; the two non-characters; a lone
# surrogate half (reachable only from Python: no UTF-8 file or form can carry one).
XML_FORBIDDEN = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + [
    "\ufffe",
    "\uffff",
]
SURROGATE = "\ud83d"
FORMULAS = [
    '=HYPERLINK("http://evil.example","点击")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


def _feed_urls(world):
    """Every feed of the browse world, RSS and Atom."""
    paths = ["/rss.xml", "/atom.xml"]
    for obj in (
        world["regions"]["zhoukou"],
        world["agencies"]["zhoukou"],
        world["initiatives"]["banshishi"],
    ):
        paths += [obj.get_absolute_url() + "rss.xml", obj.get_absolute_url() + "atom.xml"]
    return paths


def _sitemap_urls(client):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    root = ET.fromstring(index.content)
    sections = [urlsplit(loc.text).path for loc in root.iter() if loc.tag.endswith("loc")]
    assert sections
    return ["/sitemap.xml", *sections]


def _parse_all(client, world):
    """Fetch every feed and sitemap; each must answer 200 with XML a parser accepts.
    Returns how many documents were parsed."""
    urls = _feed_urls(world) + _sitemap_urls(client)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        ET.fromstring(response.content)  # raises on malformed XML
    return len(urls)


def _assert_xml_clean(article):
    for field in (
        "title",
        "subtitle",
        "authors",
        "source",
        "body_text",
        "body_html",
        "review_note",
    ):
        value = getattr(article, field)
        assert xml_safe(value) == value, (field, value)


# --- CSV injection ------------------------------------------------------------------------


def test_no_exported_cell_starts_a_formula(client, browse_world):
    """Every column of the export, fed a formula, comes out as text."""
    zhoukou = browse_world["regions"]["zhoukou"]
    bureau = browse_world["agencies"]["zhoukou"]
    initiative = browse_world["initiatives"]["banshishi"]
    Region.objects.filter(pk=zhoukou.pk).update(name=FORMULAS[2])
    Agency.objects.filter(pk=bureau.pk).update(name=FORMULAS[3])
    Initiative.objects.filter(pk=initiative.pk).update(name=FORMULAS[4])
    for index, formula in enumerate(FORMULAS):
        article = make_article(f"{formula}", f"正文{index}。", source=FORMULAS[index - 1])
        article.regions.add(zhoukou)
        article.agencies.add(bureau)
        article.initiatives.add(initiative)
    cells = 0
    for url in ("/articles/", f"/regions/{zhoukou.code}/", f"/agencies/{bureau.pk}/",
                f"/initiatives/{initiative.slug}/", "/archive/undated/"):  # fmt: skip
        response = client.get(url, {"format": "csv"})
        assert response.status_code == 200, url
        raw = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(raw)))
        assert len(rows) > 1, url
        for row in rows[1:]:
            for cell in row:
                cells += 1
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (url, cell)
        titles = {row[1] for row in rows[1:]}
        assert "'" + FORMULAS[0] in titles or url != "/articles/"
    print(f"\nCSV: {cells} cells checked over {len(FORMULAS)} formulas in every column")


# --- Characters XML forbids ---------------------------------------------------------------

HEXO = """---
title: "{title}"
author: "{author}"
date: 2021-03-29 08:00:00
---

<p>{body}</p>
"""


def _yaml_escaped(text):
    return "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x20 or c in '\ufffe\uffff"\\' else c for c in text
    )


def test_importer_removes_a_vertical_tab_and_feeds_stay_up(
    client, browse_world, run_import, tmp_path
):
    path = tmp_path / "vt.txt"
    path.write_text(
        HEXO.format(
            title=_yaml_escaped("周口市公安局\u000b户政\u001f便民新举措"),
            author=_yaml_escaped("张三\u000b"),
            body="周口市公安局户政部门推出便民新举措，全城通办身份证。",
        ),
        encoding="utf-8",
    )
    summary, status, output = run_import(path)
    assert status == 0, output
    article = Article.objects.get(title__contains="户政")
    assert article.title == "周口市公安局户政便民新举措"
    _assert_xml_clean(article)
    article.regions.add(browse_world["regions"]["zhoukou"])
    _parse_all(client, browse_world)


@pytest.mark.parametrize("character", ["\u000b", "\u001f", "\ufffe"])
def test_feeds_stay_well_formed_over_rows_stored_before(client, browse_world, character):
    """Rows written before the rule (or by SQL) keep their characters: every feed still
    answers 200 with XML a parser reads, the character left out."""
    a1 = browse_world["articles"]["a1"]
    hostile = f"周口{character}便民"
    Article.objects.filter(pk=a1.pk).update(
        title=hostile, source=hostile, authors=hostile, body_text=hostile
    )
    for model, obj in ((Region, browse_world["regions"]["zhoukou"]),
                       (Agency, browse_world["agencies"]["zhoukou"]),
                       (Initiative, browse_world["initiatives"]["banshishi"])):  # fmt: skip
        model.objects.filter(pk=obj.pk).update(name=obj.name + character)
    _parse_all(client, browse_world)
    rss = ET.fromstring(client.get("/rss.xml").content)
    assert "周口便民" in [item.findtext("title") for item in rss.iter("item")]


def test_save_removes_what_xml_forbids_lone_surrogates_included(db):
    article = Article.objects.create(
        title="周口\u000b便民" + SURROGATE,
        body_text="正文\ufffe。\u0007",
        body_html="<p>正文\ufffe。</p>",
        content_hash="0" * 64,
    )
    article.refresh_from_db()
    assert (article.title, article.body_text) == ("周口便民", "正文。")
    assert article.title_simplified == "周口便民"


def test_finish_removes_what_xml_forbids_from_every_text():
    record = finish(
        Draft(
            title="标题\u000b" + SURROGATE,
            subtitle="副\u001f标题",
            authors=["张\u0008三"],
            source="来源\uffff",
            blocks=[Block.plain(PARAGRAPH, "正文\u000c第一段" + SURROGATE + "。")],
        )
    )
    assert (record.title, record.subtitle, record.authors, record.source) == (
        "标题", "副标题", "张三", "来源",
    )  # fmt: skip
    assert record.body_text == "正文第一段。" and "第一段。" in record.body_html
    assert all(xml_safe(v) == v for v in record.model_fields().values() if isinstance(v, str))


HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from([*"周口公安便民服务户政", *XML_FORBIDDEN]), min_size=1, max_size=24
).filter(lambda text: text.replace("\x00", "").strip(" \x1c\x1d\x1e\x1f"))


def test_hostile_strings_through_importer_admin_feeds_and_sitemaps(
    client, editor_client, browse_world, run_import, tmp_path
):
    """Strings of Chinese and forbidden characters, drawn at random, through the importer
    (YAML front matter and HTML body) and the admin's change form; after each, every feed
    and every sitemap section parses."""
    tried = {"importer": 0, "admin": 0, "documents": 0}
    files = iter(range(10**6))
    target = browse_world["articles"]["a2"]

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
    )
    @given(title=HOSTILE_TEXT, body=HOSTILE_TEXT)
    def one(title, body):
        path = tmp_path / f"{next(files)}.txt"
        # In the body as character references: raw control characters make the file binary.
        referenced = "".join(f"&#{ord(c)};" if c in XML_FORBIDDEN else c for c in body)
        path.write_text(
            HEXO.format(
                title=_yaml_escaped(title),
                author=_yaml_escaped(body),
                body=f"周口市公安局{referenced}便民服务。",
            ),
            encoding="utf-8",
        )
        summary, status, output = run_import(path)
        assert status == 0, output
        tried["importer"] += 1
        for article in Article.objects.all():
            _assert_xml_clean(article)
        response = editor_client.post(
            change_url(target),
            {
                **edit_post(target, title.replace("\x00", "")),
                "source": body.replace("\x00", ""),
                "review_note": body.replace("\x00", ""),
            },
        )
        assert response.status_code in (200, 302)
        tried["admin"] += response.status_code == 302
        target.refresh_from_db()
        _assert_xml_clean(target)
        tried["documents"] += _parse_all(client, browse_world)

    one()
    print(
        f"\nXML-forbidden characters: {tried['importer']} files imported, {tried['admin']} admin "
        f"edits saved, {tried['documents']} feeds and sitemaps parsed"
    )
    assert tried["admin"] > 0
