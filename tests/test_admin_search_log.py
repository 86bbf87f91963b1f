"""What readers look for: searches counted per query and day, shown to staff for 30 days."""

from datetime import timedelta

import pytest
from django.utils import timezone

from search.models import SearchQueryLog, record_search

pytestmark = pytest.mark.django_db
REPORT = "/admin/search/searchquerylog/"


def test_searches_are_counted_per_query_and_day():
    record_search("户籍", 12)
    record_search("  户籍 ", 11)
    record_search("户籍\u3000办理", 0)
    record_search("户籍 办理", 0)
    record_search("", 0)
    record_search("   ", 0)
    rows = sorted(SearchQueryLog.objects.values_list("query", "count", "result_count", "day"))
    today = timezone.localdate()
    assert rows == [("户籍", 2, 11, today), ("户籍 办理", 2, 0, today)]
    field_names = {field.name for field in SearchQueryLog._meta.get_fields()}
    assert field_names == {"id", "query", "day", "count", "result_count"}  # nothing about who


def test_report_shows_frequent_and_zero_result_queries_of_the_last_30_days(
    editor_client, reviewer_client
):
    today = timezone.localdate()
    SearchQueryLog.objects.bulk_create(
        [
            SearchQueryLog(query="反诈", day=today, count=5, result_count=40),
            SearchQueryLog(query="反诈", day=today - timedelta(days=3), count=4, result_count=38),
            SearchQueryLog(query="海燕直通车", day=today, count=3, result_count=2),
            SearchQueryLog(
                query="无人机执照", day=today - timedelta(days=1), count=2, result_count=0
            ),
            SearchQueryLog(
                query="很久以前", day=today - timedelta(days=45), count=99, result_count=0
            ),
        ]
    )
    for client in (editor_client, reviewer_client):
        response = client.get(REPORT)
        assert response.status_code == 200
        frequent = [
            (row["query"], row["searches"], row["last_results"])
            for row in response.context["frequent"]
        ]
        assert frequent == [("反诈", 9, 40), ("海燕直通车", 3, 2), ("无人机执照", 2, 0)]
        assert [row["query"] for row in response.context["without_results"]] == ["无人机执照"]
        html = response.content.decode()
        assert "很久以前" not in html
        assert "没有结果的检索" in html


def test_report_is_read_only(editor_client):
    SearchQueryLog.objects.create(query="户籍", day=timezone.localdate(), count=1)
    assert editor_client.get(REPORT + "add/").status_code == 403
    row = SearchQueryLog.objects.get()
    assert editor_client.get(f"{REPORT}{row.pk}/delete/").status_code == 403
