"""The maintained browse counts equal a fresh recount after every kind of write."""

import hashlib
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from archive import counts, pipeline
from archive.models import (
    Agency,
    Article,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    BrowseCount,
    CountScope,
    LinkOrigin,
)
from tests.factories import make_article

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def assert_exact():
    assert counts.discrepancies() == []


def test_fixture_writes_are_counted(browse_world):
    assert_exact()
    assert BrowseCount.objects.filter(count__lte=0).count() == 0


def test_bulk_import_through_the_signals(django_capture_on_commit_callbacks, browse_world):
    # Staff links: the extraction (also in the pipeline) replaces only extracted ones.
    zhoukou = browse_world["regions"]["zhoukou"]
    branch = browse_world["agencies"]["chuanhui"]
    before = counts.region_counts()[zhoukou.pk]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        created = Article.objects.bulk_create(
            Article(
                title=f"批量{n}",
                body_text=f"第{n}条简讯",
                content_hash=hashlib.sha256(f"bulk{n}".encode()).hexdigest(),
                published_at=datetime(2023, 1 + n % 12, 2, 12, tzinfo=SHANGHAI),
                date_precision=Article.DatePrecision.DAY,
            )
            for n in range(30)
        )
        ids = [article.pk for article in created]
        ArticleRegion.objects.bulk_create(
            ArticleRegion(article_id=pk, region=zhoukou, origin=LinkOrigin.STAFF) for pk in ids
        )
        ArticleAgency.objects.bulk_create(
            ArticleAgency(article_id=pk, agency=branch, origin=LinkOrigin.STAFF) for pk in ids
        )
        pipeline.stored(ids)
    assert counts.region_counts()[zhoukou.pk] == before + 30
    assert counts.timeline().count_in_year(2023) == 30
    assert_exact()


def test_a_rolled_back_import_leaves_the_counts(browse_world):
    before = counts.timeline().total
    with pytest.raises(RuntimeError), transaction.atomic():
        make_article("会回滚", "正文")
        raise RuntimeError("the file was bad")
    assert counts.timeline().total == before
    assert_exact()


def test_edits_of_date_and_status(browse_world):
    a1, a5 = browse_world["articles"]["a1"], browse_world["articles"]["a5"]
    a1.published_at = datetime(2019, 7, 1, 9, tzinfo=SHANGHAI)
    a1.save()
    a5.published_at = datetime(2020, 2, 29, 23, 30, tzinfo=SHANGHAI)  # month in local time
    a5.date_precision = Article.DatePrecision.DAY
    a5.save()
    assert counts.timeline().count_in_month(2019, 7) == 1
    assert counts.timeline().count_in_month(2020, 2) == 1
    assert counts.timeline().undated == 0
    a1.status = Article.Status.HIDDEN
    a1.save()
    assert counts.timeline().count_in_month(2019, 7) == 0
    assert_exact()


def test_hide_by_queryset_update_needs_the_announcement(
    django_capture_on_commit_callbacks, browse_world
):
    a3 = browse_world["articles"]["a3"]
    wuhan = browse_world["regions"]["wuhan"]
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=a3.pk).update(status=Article.Status.HIDDEN)
        pipeline.changed([a3.pk])
    assert wuhan.pk not in counts.region_counts()
    assert_exact()


def test_link_changes_and_deletes(browse_world):
    a1, a2 = browse_world["articles"]["a1"], browse_world["articles"]["a2"]
    regions, agencies = browse_world["regions"], browse_world["agencies"]
    ArticleRegion.objects.filter(article=a1, region=regions["chuanhui"]).delete()
    ArticleRegion.objects.create(article=a1, region=regions["wuhan"])
    ArticleInitiative.objects.filter(article=a2).delete()
    assert counts.region_counts()[regions["chuanhui"].pk] == 1
    assert counts.region_counts()[regions["hubei"].pk] == 2
    a2.delete()
    assert agencies["chuanhui"].pk not in counts.agency_counts()
    Article.objects.filter(pk=browse_world["articles"]["a4"].pk).delete()
    assert_exact()


def test_moving_and_deleting_agencies(browse_world):
    agencies = browse_world["agencies"]
    branch = agencies["chuanhui"]
    branch.parent = agencies["wuhan"]
    branch.save()
    assert counts.agency_counts()[agencies["zhoukou"].pk] == 2
    assert counts.agency_counts()[agencies["wuhan"].pk] == 2
    assert_exact()
    agencies["wuhan"].delete()
    assert_exact()
    # The branch lost its parent: it counts its own article, 周口 no longer counts it.
    assert counts.agency_counts() == {agencies["zhoukou"].pk: 2, branch.pk: 1}


def test_a_bureaus_campaigns_follow_links_status_and_moves(browse_world):
    """A bureau's campaigns (kept per bureau and campaign) count its sub-units' articles and
    follow every kind of write: a campaign accepted, a unit moved, a link removed."""
    agencies, initiatives = browse_world["agencies"], browse_world["initiatives"]
    banshishi, suggested = initiatives["banshishi"], initiatives["suggested"]

    def campaigns(agency):
        return {initiative.pk: n for initiative, n in counts.agency_initiatives(agency)}

    assert campaigns(agencies["zhoukou"]) == {banshishi.pk: 2}  # a1, and a2 of its branch
    assert campaigns(agencies["chuanhui"]) == {banshishi.pk: 1}
    assert campaigns(agencies["wuhan"]) == {}  # a3's campaign is only suggested
    suggested.status = suggested.Status.ACCEPTED
    suggested.save()
    assert campaigns(agencies["wuhan"]) == {suggested.pk: 1}

    branch = agencies["chuanhui"]
    branch.parent = agencies["wuhan"]
    branch.save()
    assert campaigns(agencies["zhoukou"]) == {banshishi.pk: 1}
    assert campaigns(agencies["wuhan"]) == {suggested.pk: 1, banshishi.pk: 1}
    ArticleInitiative.objects.filter(article=browse_world["articles"]["a1"]).delete()
    assert campaigns(agencies["zhoukou"]) == {}
    assert_exact()


def test_refresh_twice_changes_nothing(browse_world):
    ids = [article.pk for article in browse_world["articles"].values()]
    assert counts.refresh(ids) == 0


def test_rebuild_counts_command_checks_and_repairs(browse_world):
    call_command("rebuild_counts", "--check", verbosity=0)
    BrowseCount.objects.filter(scope=CountScope.ALL, month=None).update(count=99)
    Agency.objects.filter(pk=browse_world["agencies"]["chuanhui"].pk).update(parent=None)
    errors = io.StringIO()
    with pytest.raises(CommandError, match="differ from a recount"):
        call_command("rebuild_counts", "--check", verbosity=0, stderr=errors)
    assert "all:0:total: kept 99, recounted 5" in errors.getvalue().splitlines()
    call_command("rebuild_counts", verbosity=0)
    assert counts.timeline().total == 5
    call_command("rebuild_counts", "--check", verbosity=0)
    assert_exact()


def test_rebuild_of_one_scope_leaves_the_others(browse_world):
    BrowseCount.objects.filter(scope=CountScope.ALL, month=None).update(count=99)
    call_command("rebuild_counts", "--scope", "region", verbosity=0)
    assert counts.timeline().total == 99 - 0  # the archive-wide total was not recounted
    call_command("rebuild_counts", "--scope", "all", verbosity=0)
    assert counts.timeline().total == 5
