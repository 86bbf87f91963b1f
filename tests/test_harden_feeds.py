"""Feed XML validity: every search feed, RSS and Atom, for queries and filters of every
shape (hostile characters, scripts, control characters in the articles), parses as XML and
has the structure feed readers rely on. Prints what it checked for the hardening counts."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from tests.factories import make_article

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
QUERIES = [
    "反诈", "反詐", "<script>alert(1)</script> 反诈", "反诈 & 户籍", "\"反诈宣传\"", "反诈 -户籍",
    "户籍 OR 反诈", "]]> 反诈", "😀 反诈", "ＡＰＰ", "12123", "'\"<>&", "",
]  # fmt: skip
FILTERS = [{}, {"sort": "date"}, {"from": "2021-01-01", "to": "2021-12-31"}, {"year": "2021"}]


@pytest.fixture
def hostile(reindex):
    when = timezone.make_aware(datetime.datetime(2021, 5, 1, 9))
    make_article(
        "反诈<b>宣传</b> & “户籍” ]]>",
        "反诈正文 <script>x</script> & 12123 ＡＰＰ。",
        published_at=when,
    )
    make_article("反诈 😀 表情", "反诈。", authors="张三<李四>", published_at=when)
    make_article("户籍\u200b新规", "户籍办理。", source="<来源>")
    reindex()


def _check_rss(content):
    channel = ET.fromstring(content).find("channel")
    assert channel.findtext("title") and channel.findtext("link")
    items = channel.findall("item")
    for item in items:
        assert item.findtext("title") and item.findtext("link") and item.findtext("guid")
    return len(items)


def _check_atom(content):
    root = ET.fromstring(content)
    assert (
        root.tag == f"{ATOM}feed" and root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}updated")
    )
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}title") is not None
        assert entry.findtext(f"{ATOM}updated")
    return len(entries)


def test_every_search_feed_is_valid_xml(client, hostile):
    feeds = entries = 0
    for q in QUERIES:
        for filters in FILTERS:
            params = {"q": q, **filters}
            rss = client.get("/search/rss.xml", params)
            atom = client.get("/search/atom.xml", params)
            assert rss.status_code == atom.status_code == 200, params
            entries += _check_rss(rss.content) + _check_atom(atom.content)
            feeds += 2
    assert entries > 0
    print(
        f"feeds: {feeds} search feeds (RSS and Atom) parsed as valid XML, {entries} entries checked"
    )
