"""Exports of lists and searches (?format=csv, ?format=jsonl): every row, streamed in chunks."""

import csv
import io
import json

import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def _body(response):
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _jsonl(response):
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    return [json.loads(line) for line in _body(response).splitlines()]


def test_a_list_as_json_lines_with_stable_ids_and_links(client, browse_world):
    zhoukou = browse_world["regions"]["zhoukou"]
    response = client.get(f"/regions/{zhoukou.code}/", {"format": "jsonl", "page": "2"})
    assert 'filename="region-411600.jsonl"' in response["Content-Disposition"]
    records = _jsonl(response)
    assert [r["title"] for r in records] == [
        "川汇分局开展反诈宣传",
        "周口市公安机关便民利企服务遍地开花",
        "周口交警便民服务月报",
        "日期不详的周口派出所简讯",
    ]
    first = next(r for r in records if r["title"] == "周口市公安机关便民利企服务遍地开花")
    a1 = browse_world["articles"]["a1"]
    assert first["id"] == a1.pk and first["url"] == f"http://testserver/articles/{a1.pk}/"
    assert first["published"] == "2021-03-29" and first["precision"] == "day"
    assert first["reporters"] == ["张三", "李四"]
    assert {r["code"] for r in first["regions"]} == {"411600", "411602"}
    assert first["agencies"] == [
        {"id": browse_world["agencies"]["zhoukou"].pk, "name": "周口市公安局"}
    ]
    assert first["initiatives"] == [
        {"slug": "wo-wei-qun-zhong-ban-shi-shi", "name": "我为群众办实事"}
    ]
    undated = next(r for r in records if r["title"] == "日期不详的周口派出所简讯")
    assert undated["published"] is None


@pytest.fixture
def many(reindex, monkeypatch):
    """25 articles about 反诈 (more than a page, several export chunks) and one that is not."""
    from archive import exports

    monkeypatch.setattr(exports, "CHUNK", 4)
    for day in range(1, 26):
        make_article(
            f"反诈第{day}期", "反诈宣传。", published_at=f"2021-05-{day:02d}T09:00:00+08:00"
        )
    make_article("户籍新规", "户籍。", published_at="2021-06-01T09:00:00+08:00")
    reindex()


def test_a_search_exports_every_result_in_its_order(client, many):
    rows = list(
        csv.DictReader(
            io.StringIO(
                _body(client.get("/search/", {"q": "反诈", "sort": "date", "format": "csv"}))
            )
        )
    )
    assert [row["title"] for row in rows] == [f"反诈第{day}期" for day in range(25, 0, -1)]
    records = _jsonl(
        client.get("/search/", {"q": "反詐", "sort": "date", "format": "jsonl", "page": "3"})
    )
    assert [r["title"] for r in records] == [row["title"] for row in rows]


def test_a_list_exports_every_row_across_chunks(client, many):
    records = _jsonl(client.get("/articles/", {"format": "jsonl"}))
    assert len(records) == 26 and len({r["id"] for r in records}) == 26
    assert records[0]["title"] == "户籍新规"


def test_invalid_search_export_is_a_400(client, many):
    response = client.get("/search/", {"q": "反诈", "from": "昨天", "format": "csv"})
    assert response.status_code == 400 and "from" in response.json()["errors"]


def test_an_empty_search_exports_only_the_header(client, many):
    assert _body(client.get("/search/", {"q": "", "format": "csv"})).splitlines() == [
        "id,title,published,precision,source,regions,agencies,initiatives,url"
    ]


def test_pages_offer_both_formats(client, many):
    page = client.get("/search/", {"q": "反诈"}).content.decode()
    assert 'href="?q=%E5%8F%8D%E8%AF%88&amp;format=jsonl"' in page
    page = client.get("/articles/").content.decode()
    assert 'href="?format=csv"' in page and 'href="?format=jsonl"' in page
