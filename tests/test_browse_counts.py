"""Browse counts: roll-ups, timelines, and counts that follow writes at once."""

import pytest

from archive import counts
from archive.models import Agency

pytestmark = pytest.mark.django_db


def test_region_counts_roll_up_without_double_counting(browse_world):
    regions = browse_world["regions"]
    by_id = counts.region_counts()
    # a1 is linked to both 周口市 and 川汇区: the city and province count it once.
    assert by_id[regions["zhoukou"].pk] == 4
    assert by_id[regions["henan"].pk] == 4
    assert by_id[regions["chuanhui"].pk] == 2
    assert by_id[regions["wuhan"].pk] == 1


def test_agency_counts_include_sub_units(browse_world):
    agencies = browse_world["agencies"]
    by_id = counts.agency_counts()
    assert by_id[agencies["zhoukou"].pk] == 3  # a1, a4 and the branch's a2; hidden left out
    assert by_id[agencies["chuanhui"].pk] == 1


def test_agency_cycle_does_not_hang(browse_world):
    agencies = browse_world["agencies"]
    agencies["zhoukou"].parent = agencies["chuanhui"]
    agencies["zhoukou"].save()
    subtree = Agency.objects.filter(pk__in=counts.agency_subtree(agencies["zhoukou"]))
    assert set(subtree.values_list("pk", flat=True)) == {
        agencies["zhoukou"].pk,
        agencies["chuanhui"].pk,
    }
    assert counts.agency_counts()[agencies["zhoukou"].pk] == 3


def test_timeline_keeps_month_precision_and_undated_apart(browse_world):
    timeline = counts.timeline()
    assert [(m.isoformat(), n) for m, n in timeline.months] == [
        ("2021-03-01", 2),
        ("2021-04-01", 1),
        ("2022-01-01", 1),
    ]
    assert timeline.undated == 1 and timeline.total == 5
    assert timeline.years() == [(2022, 1), (2021, 3)]


def test_counts_follow_a_write_at_once(browse_world):
    from tests.factories import make_article

    assert counts.timeline().total == 5
    make_article("新文章", "正文")
    assert counts.timeline().total == 6  # no cache to go stale: the save updated the table
