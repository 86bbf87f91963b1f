"""Migration 0015 counts the articles a database already holds per bureau and campaign, with
SQL frozen in the migration: what it writes must equal what ``archive.counts`` recounts."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from archive import counts
from archive.models import BrowseCount, CountedKey, CountScope

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("archive", "0014_queued_bulk_work")]
AFTER = [("archive", "0015_agency_initiative_counts")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_the_migration_counts_stored_articles_as_the_code_does(browse_world):
    campaigns = counts.agency_initiatives(browse_world["agencies"]["zhoukou"])
    assert [n for _, n in campaigns] == [2]
    try:
        _migrate(BEFORE)  # the pair scope and its column gone, as in the release before
        _migrate(AFTER)
        assert counts.discrepancies() == []
        assert counts.agency_initiatives(browse_world["agencies"]["zhoukou"]) == campaigns
        # a1 and a2 under 周口, a2 under its branch 川汇, a3 under 武汉 (a suggested campaign:
        # counted, shown once accepted).
        assert CountedKey.objects.filter(scope=CountScope.AGENCY_INITIATIVE).count() == 4
        assert BrowseCount.objects.filter(scope=CountScope.AGENCY_INITIATIVE).exists()
    finally:
        _migrate(AFTER)
