"""CSV export of the browse lists (?format=csv): every row, UTF-8 with a BOM for Excel."""

import csv
import io

import pytest

pytestmark = pytest.mark.django_db


def _rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_region_list_as_csv(client, browse_world):
    zhoukou = browse_world["regions"]["zhoukou"]
    response = client.get(f"/regions/{zhoukou.code}/", {"format": "csv"})
    assert 'filename="region-411600.csv"' in response["Content-Disposition"]
    rows = _rows(response)
    assert list(rows[0]) == [
        "id", "title", "published", "precision", "source", "regions", "agencies", "initiatives", "url",
    ]  # fmt: skip
    first = next(row for row in rows if row["title"] == "周口市公安机关便民利企服务遍地开花")
    assert first["published"] == "2021-03-29" and first["precision"] == "day"
    assert set(first["regions"].split("；")) == {"周口市", "川汇区"}
    assert first["agencies"] == "周口市公安局" and first["initiatives"] == "我为群众办实事"
    assert first["url"] == f"http://testserver/articles/{first['id']}/"
    undated = next(row for row in rows if row["title"] == "日期不详的周口派出所简讯")
    assert undated["published"] == "" and undated["precision"] == "unknown"


def test_csv_holds_every_row_not_one_page(client, browse_world):
    from tests.factories import make_article

    for index in range(45):
        make_article(f"批量{index}", "正文")
    rows = _rows(client.get("/articles/?format=csv&page=2"))
    assert len(rows) == 50


def test_csv_respects_filters_and_keeps_initiatives_public(client, browse_world):
    zhoukou = browse_world["regions"]["zhoukou"]
    rows = _rows(client.get(f"/regions/{zhoukou.code}/?year=2022&format=csv"))
    assert rows == []
    rows = _rows(client.get("/archive/2022/?format=csv"))
    assert [row["initiatives"] for row in rows] == [""]  # the suggested one stays private


def test_csv_with_an_empty_database(client, db):
    assert _rows(client.get("/archive/undated/?format=csv")) == []
