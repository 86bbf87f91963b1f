"""One story, many outlets: the article page says where it first appeared and lists the
copies, search shows the story once with its count, and every copy comes as CSV."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from archive.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_the_page_names_the_first_appearance_and_the_copies(client, browse_world):
    a1 = browse_world["articles"]["a1"]
    page = client.get(a1.get_absolute_url()).content.decode()
    assert "首发：周口日报 · 2021年3月29日 · 另有 1 家转载" in page
    assert "趣头条 · 2021年3月30日" in page


def test_an_earlier_copy_is_the_first_appearance(client, browse_world):
    a1 = browse_world["articles"]["a1"]
    make_article(
        "周口便民（早一天的转载）", "转载。", status=Article.Status.DUPLICATE, duplicate_of=a1,
        published_at=datetime(2021, 3, 28, 7, tzinfo=ZoneInfo("Asia/Shanghai")),
        date_precision="day", source="河南日报",
    )  # fmt: skip
    page = client.get(a1.get_absolute_url()).content.decode()
    assert "首发：河南日报 · 2021年3月28日 · 另有 2 家转载" in page


def test_every_copy_as_csv(client, browse_world):
    a1 = browse_world["articles"]["a1"]
    response = client.get(f"/articles/{a1.pk}/copies.csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert [(r["role"], r["source"], r["published"]) for r in rows] == [
        ("首发", "周口日报", "2021-03-29"),
        ("转载", "趣头条", "2021-03-30"),
    ]
    hidden = browse_world["articles"]["hidden"]
    assert client.get(f"/articles/{hidden.pk}/copies.csv").status_code == 404


def test_search_shows_the_story_once_with_its_count(client, browse_world, reindex):
    reindex()
    page = client.get("/search/", {"q": "便民利企"}).content.decode()
    assert "找到 1 篇文章" in page and "另有 1 家转载" in page
