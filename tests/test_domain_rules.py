"""Each domain rule says the same everywhere: an article whose date precision is unknown is
undated on browse pages, in search facets, in search filters, in feeds and in CSV alike;
"published" is asked of one QuerySet method, and the SQL written out by hand takes its
rules and tables from the models (archive.sql); a bureau's subtree is the same walking
down, walking up in SQL and climbing in Python (archive.trees)."""

import ast
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from archive import counts, curation, sql, trees
from archive.models import Agency, Article, ArticleAgency, ArticleQuerySet
from search.query import search
from search.search_indexes import Ancestry
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def vague(search_index, reindex):
    """A published article stored with a timestamp but an unknown date precision, beside a
    dated one of the same year."""
    when = datetime(2019, 6, 1, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    vague = make_article(
        "日期存疑的反诈通报", "民警提醒防范反诈骗局。", published_at=when,
        date_precision=Article.DatePrecision.UNKNOWN,
    )  # fmt: skip
    dated = make_article(
        "日期确定的反诈通报", "民警提醒防范反诈骗局。", published_at=when,
        date_precision=Article.DatePrecision.DAY,
    )  # fmt: skip
    reindex()
    return vague, dated


def test_unknown_precision_is_undated_everywhere(client, vague):
    vague, dated = vague
    # Search facets and the year filter.
    outcome = search({"q": "反诈"}, 1)
    assert dict((f["value"], f["count"]) for f in outcome.facets["year"]) == {"2019": 1}
    assert list(search({"q": "反诈", "year": 2019}, 1).page.object_list) == [dated]
    # Browse: the year's archive lists only the dated one; the article page says 日期不详.
    year_page = client.get("/archive/2019/").content.decode()
    assert dated.title in year_page and vague.title not in year_page
    assert "日期不详" in client.get(vague.get_absolute_url()).content.decode()
    # Feeds and CSV: no date given to it.
    feed = client.get("/rss.xml").content.decode()
    item = feed[feed.index(vague.title) :].split("</item>")[0]
    assert "<pubDate>" not in item
    csv_rows = b"".join(client.get("/articles/?format=csv").streaming_content)
    csv_rows = csv_rows.decode("utf-8-sig").splitlines()
    (row,) = [line for line in csv_rows if vague.title in line]
    assert "2019" not in row


LOOKUPS = {"filter", "exclude", "get"}


def _published_lookups(path):
    """(line, code) of ORM lookups that say "status is published" themselves."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in LOOKUPS:
            for keyword in node.keywords:
                value = keyword.value
                if (
                    (keyword.arg or "").endswith("status")
                    and isinstance(value, ast.Attribute)
                    and value.attr == "PUBLISHED"
                ):
                    found.append((node.lineno, ast.unparse(node)[:80]))
    return found


def test_published_is_defined_once():
    """Readers, feeds, the sitemap, the index and its checks ask ``Article.objects.published()``;
    a second ``filter(status=PUBLISHED)`` would be a second definition that can drift."""
    root = Path(settings.BASE_DIR)
    offenders = {
        str(path.relative_to(root)): found
        for folder in ("archive", "search", "config")
        for path in (root / folder).rglob("*.py")
        if "migrations" not in path.parts
        and (found := _published_lookups(path))
        and path != root / "archive" / "models.py"
    }
    assert offenders == {}
    (definition,) = _published_lookups(root / "archive" / "models.py")
    assert "self.filter" in definition[1]


def _compiled_again():
    sql.condition.cache_clear()
    sql.card_regions.cache_clear()
    sql.compose.cache_clear()


def test_sql_rules_are_compiled_from_the_queryset(monkeypatch):
    """Redefine "published" on the QuerySet alone: the counts written out in SQL follow."""
    make_article("已发布", "正文。")
    make_article("已隐藏", "正文。", status=Article.Status.HIDDEN)
    assert counts.discrepancies() == []
    assert "'published'" in sql.condition("published", "a")
    try:
        with monkeypatch.context() as patch:
            patch.setattr(
                ArticleQuerySet,
                "published",
                lambda self: self.filter(
                    status__in=[Article.Status.PUBLISHED, Article.Status.HIDDEN]
                ),
            )
            _compiled_again()
            assert "'hidden'" in sql.condition("published", "x")
            assert sql.condition("published", "x").startswith('x."status"')
            # The recount (SQL) now takes in the hidden article; the kept counts do not yet.
            assert ("all", 0, 0, None, 1, 2) in counts.discrepancies()
            counts.rebuild()
            assert counts.timeline().total == 2
    finally:
        _compiled_again()
    counts.rebuild()
    assert counts.timeline().total == 1


def test_compose_fills_tables_and_rules():
    composed = sql.compose("SELECT count(*) FROM {article} a WHERE {dated:a} AND {undated:a}")
    assert "archive_article a" in composed
    assert 'a."published_at" IS NOT NULL' in composed and "'unknown'" in composed
    with pytest.raises(ValueError):
        sql.compose("SELECT 1 FROM {article} a WHERE {published}")


# What hand-written SQL must not say itself: a table's name, or a rule's values and columns.
SQL_STATEMENT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]*\b(FROM|INTO|SET)\b")
SPELLED_OUT = re.compile(
    r"\b(archive|search)_[a-z]+\b|'(published|hidden|unknown)'|%\((published|unknown)\)s"
    r"|\bdate_precision\b|published_at IS (NOT )?NULL"
)
RULE_VALUES = {"PUBLISHED", "HIDDEN", "UNKNOWN"}


def _spelled_out_sql(path):
    """(line, text) of SQL strings naming a table or a rule, and of rule values passed as
    SQL parameters (``Article.Status.PUBLISHED`` in a module that writes SQL)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    strings = [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]  # fmt: skip
    found = [
        (node.lineno, match.group())
        for node in strings
        if SQL_STATEMENT.search(node.value)
        for match in SPELLED_OUT.finditer(node.value)
    ]
    if any(SQL_STATEMENT.search(node.value) for node in strings):
        found += [
            (node.lineno, ast.unparse(node))
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in RULE_VALUES
        ]
    return found


def test_hand_written_sql_takes_tables_and_rules_from_the_models():
    root = Path(settings.BASE_DIR)
    offenders = {
        str(path.relative_to(root)): found
        for folder in ("archive", "search", "config")
        for path in (root / folder).rglob("*.py")
        if "migrations" not in path.parts and (found := _spelled_out_sql(path))
    }
    assert offenders == {}
    # The check sees what it looks for.
    assert _spelled_out_sql(root / "archive" / "migrations" / "0009_link_newest_copies.py")


def test_a_bureau_subtree_is_the_same_down_up_and_in_python():
    """Down (pages, feeds, curation), up in SQL (counts) and climbing in Python (the index)
    stop at the same depth, so a unit too deep below a bureau is outside it everywhere."""
    chain = [Agency.objects.create(name="第0级")]
    for level in range(1, trees.MAX_DEPTH + 2):
        chain.append(Agency.objects.create(name=f"第{level}级", parent=chain[-1]))
    inside, outside = chain[trees.MAX_DEPTH], chain[trees.MAX_DEPTH + 1]
    near = make_article("最深的下级单位", "正文。")
    far = make_article("更深的下级单位", "正文。")
    ArticleAgency.objects.create(article=near, agency=inside)
    ArticleAgency.objects.create(article=far, agency=outside)
    counts.refresh([near.pk, far.pk])

    root = chain[0]
    assert set(trees.subtree_ids(root)) == {agency.pk for agency in chain[:-1]}
    assert counts.agency_counts()[root.pk] == 1
    assert counts.agency_counts()[chain[1].pk] == 2
    assert sorted(curation.linked_article_ids(root)) == [near.pk]
    ancestry = Ancestry()
    assert str(root.pk) in ancestry.agency_ids([inside.pk])
    assert str(root.pk) not in ancestry.agency_ids([outside.pk])
    assert str(chain[1].pk) in ancestry.agency_ids([outside.pk])
