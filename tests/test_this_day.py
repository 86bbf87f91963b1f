"""历史上的今天: /archive/<month>/<day>/ lists every year's articles of that day."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def _at(*parts):
    return timezone.make_aware(datetime.datetime(*parts))


@pytest.fixture
def days(db):
    make_article(
        "2019年的今天", "一。", published_at=_at(2019, 3, 29, 23, 30), date_precision="day"
    )
    make_article(
        "2021年的今天", "二。", published_at=_at(2021, 3, 29, 0, 10), date_precision="exact"
    )
    make_article("三月廿八", "三。", published_at=_at(2021, 3, 28, 23, 59), date_precision="day")
    make_article("只知月份", "四。", published_at=_at(2020, 3, 29), date_precision="month")
    make_article(
        "已隐藏", "五。", published_at=_at(2018, 3, 29), date_precision="day", status="hidden"
    )
    make_article("闰日", "六。", published_at=_at(2020, 2, 29, 12), date_precision="day")


def test_every_year_of_the_day_newest_year_first(client, days):
    response = client.get("/archive/3/29/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>历史上的今天：3月29日</h1>" in page and "报道的 2 篇文章" in page
    assert page.index("2021年</h2>") < page.index("2021年的今天") < page.index("2019年</h2>")
    assert page.index("2019年</h2>") < page.index("2019年的今天")
    for absent in ("三月廿八", "只知月份", "已隐藏"):
        assert absent not in page
    assert 'href="/archive/3/28/"' in page and 'href="/archive/3/30/"' in page


def test_leap_day_and_impossible_days(client, days):
    assert "闰日" in client.get("/archive/2/29/").content.decode()
    assert client.get("/archive/2/30/").status_code == 404
    assert client.get("/archive/13/1/").status_code == 404
    assert client.get("/archive/2021/3/").status_code == 200  # the month archive still


def test_the_home_page_links_today(client, days):
    today = timezone.localdate()
    page = client.get("/").content.decode()
    assert f'href="/archive/{today.month}/{today.day}/">历史上的今天' in page
