"""Browse counts: roll-ups, timelines, and counts that follow writes at once."""

import pytest

from archive import counts, trees
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
    assert set(trees.subtree_ids(agencies["zhoukou"])) == {
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


def test_counted_lists_keep_or_leave_out_what_has_no_articles(browse_world):
    """A bureau's sub-units are all listed, with 0 for the quiet ones; a region's bureaus
    only when they have articles, busiest first."""
    from archive import browse

    zhoukou = browse_world["agencies"]["zhoukou"]
    quiet = Agency.objects.create(
        name="新设大队", parent=zhoukou, region=browse_world["regions"]["zhoukou"]
    )
    units = {unit.pk: n for unit, n in browse.agency_sub_units(zhoukou)}
    assert units[quiet.pk] == 0
    assert units[browse_world["agencies"]["chuanhui"].pk] > 0
    subtree = trees.subtree_ids(browse_world["regions"]["henan"])
    listed = browse.agencies_in_region(subtree)
    assert quiet.pk not in [agency.pk for agency, _ in listed]
    assert [n for _, n in listed] == sorted((n for _, n in listed), reverse=True)
    assert zhoukou.pk in [agency.pk for agency, _ in listed]
