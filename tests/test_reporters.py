"""Reporters: bylines found by search in either script, the article page's links to each
reporter, and a reporter's page with its timeline."""

import datetime

import pytest
from django.utils import timezone

from tests.conftest import SEEDS
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]


def _day(*parts):
    return timezone.make_aware(datetime.datetime(*parts))


@pytest.fixture
def bylined(reindex):
    first = make_article(
        "社区民警上门办证", "民警为老人上门办理身份证。", authors="姜東良、李娜",
        published_at=_day(2021, 3, 5), date_precision="day", source="人民公安报",
    )  # fmt: skip
    second = make_article(
        "派出所夜间窗口", "派出所开设夜间服务窗口。", authors="姜东良",
        published_at=_day(2022, 7, 9), date_precision="day", source="法治日报",
    )  # fmt: skip
    mentioned = make_article("李娜获表彰", "民警李娜获表彰。", published_at=_day(2020, 1, 1))
    hidden = make_article(
        "已隐藏", "隐藏稿件。", authors="姜东良", status="hidden", published_at=_day(2023, 1, 1)
    )
    reindex()
    return {"first": first, "second": second, "mentioned": mentioned, "hidden": hidden}


def _found(client, q):
    data = client.get("/api/search/", {"q": q}).json()
    return sorted(result["title"] for result in data["results"])


def test_a_reporter_name_finds_their_articles_in_either_script(client, bylined):
    both = ["派出所夜间窗口", "社区民警上门办证"]
    assert _found(client, "姜东良") == both
    assert _found(client, "姜東良") == both
    # A two-character name matches the byline and the text alike.
    assert _found(client, "李娜") == ["李娜获表彰", "社区民警上门办证"]
    assert _found(client, "姜东良 夜间") == ["派出所夜间窗口"]
    assert _found(client, "姜东良 -夜间") == ["社区民警上门办证"]
    page = client.get("/search/", {"q": "姜東良"}).content.decode()
    assert "找到 2 篇文章" in page


def test_a_seed_reporter_is_found(client, run_import, reindex):
    summary, status, _ = run_import(SEEDS)
    assert status == 0, summary
    reindex()
    found = _found(client, "魏瑗")
    assert len(found) == 1 and found[0].startswith("护航发展显担当")


def test_the_article_page_links_each_reporter(client, bylined):
    page = client.get(bylined["first"].get_absolute_url()).content.decode()
    assert (
        '<a class="reporter" href="/reporters/%E5%A7%9C%E4%B8%9C%E8%89%AF/">姜東良</a>、'
        '<a class="reporter" href="/reporters/%E6%9D%8E%E5%A8%9C/">李娜</a>'
    ) in page


def test_the_reporter_page_lists_their_articles_with_a_timeline(client, bylined):
    response = client.get("/reporters/姜东良/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>姜东良</h1>" in page and "共 2 篇文章" in page
    assert page.index("派出所夜间窗口") < page.index("社区民警上门办证")
    assert "已隐藏" not in page and "李娜获表彰" not in page
    assert "<title>2021年3月：1 篇</title>" in page and "<title>2022年7月：1 篇</title>" in page
    assert "2021年3月至2022年7月共 2 篇" in page
    assert "人民公安报（1）" in page and "法治日报（1）" in page
    csv = b"".join(client.get("/reporters/姜东良/", {"format": "csv"}).streaming_content)
    assert csv.decode("utf-8-sig").count("\n") == 3


def test_one_url_per_reporter(client, bylined):
    response = client.get("/reporters/姜東良/")
    assert response.status_code == 301
    assert response["Location"] == "/reporters/%E5%A7%9C%E4%B8%9C%E8%89%AF/"
    assert client.get("/reporters/无此人/").status_code == 404
