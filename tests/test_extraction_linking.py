"""Links written by extraction: idempotent, staff decisions kept, curation read back."""

import pytest
from django.core.management import call_command
from django.db import transaction

from archive import pipeline
from archive.extraction.linking import extract_articles
from archive.models import (
    Agency,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    Initiative,
    LinkOrigin,
    Region,
)
from tests.factories import make_article

pytestmark = pytest.mark.django_db

BODY = (
    "周口市公安局川汇区分局荷花路派出所民警走访企业，"
    "开展“我为群众办实事”活动，并推出“暖心驿站”服务品牌。"
)


def links(article):
    return {
        "regions": sorted(
            ArticleRegion.objects.filter(article=article).values_list(
                "id", "region_id", "origin", "mentions", "is_primary"
            )
        ),
        "agencies": sorted(
            ArticleAgency.objects.filter(article=article).values_list(
                "id", "agency_id", "origin", "mentions"
            )
        ),
        "initiatives": sorted(
            ArticleInitiative.objects.filter(article=article).values_list(
                "id", "initiative_id", "origin", "mentions"
            )
        ),
    }


def test_running_twice_gives_identical_links():
    article = make_article("周口", BODY)
    first = extract_articles([article.pk])
    before = links(article)
    agencies = Agency.objects.count()
    second = extract_articles([article.pk])
    assert first.changed == [article.pk]
    assert second.changed == []
    assert links(article) == before
    assert Agency.objects.count() == agencies


def test_staff_links_survive_re_extraction():
    article = make_article("周口", BODY)
    elsewhere = Region.objects.get(name="鹤壁市")
    ArticleRegion.objects.create(
        article=article, region=elsewhere, origin=LinkOrigin.STAFF, is_primary=True
    )
    zhoukou = Region.objects.get(name="周口市")
    ArticleRegion.objects.create(article=article, region=zhoukou, origin=LinkOrigin.STAFF)
    extract_articles([article.pk])
    extract_articles([article.pk])
    staff = ArticleRegion.objects.filter(article=article, origin=LinkOrigin.STAFF)
    assert {link.region.name for link in staff} == {"鹤壁市", "周口市"}
    # The staff choice of primary stands; extraction adds no second primary.
    assert list(
        ArticleRegion.objects.filter(article=article, is_primary=True).values_list(
            "region__name", flat=True
        )
    ) == ["鹤壁市"]


def test_a_removed_mention_removes_only_the_extracted_link():
    article = make_article("周口", BODY)
    extract_articles([article.pk])
    bureau = Agency.objects.get(name="周口市公安局")
    ArticleAgency.objects.filter(article=article, agency=bureau).update(origin=LinkOrigin.STAFF)
    type(article).objects.filter(pk=article.pk).update(body_simplified="明天有雨。")
    extract_articles([article.pk])
    assert list(article.agencies.all()) == [bureau]


def test_an_alias_added_by_staff_is_used_next_run():
    bureau = Agency.objects.create(
        name="周口市公安局", kind=Agency.Kind.CITY_BUREAU, region=Region.objects.get(name="周口市")
    )
    article = make_article("周口", "莲城警方提醒市民注意防范。")
    extract_articles([article.pk])
    assert not article.agencies.exists()
    bureau.aliases = ["莲城警方"]
    bureau.save()
    extract_articles([article.pk])
    assert list(article.agencies.all()) == [bureau]


def test_a_merged_agency_name_resolves_to_the_survivor():
    zhoukou = Region.objects.get(name="周口市")
    survivor = Agency.objects.create(
        name="周口港区公安分局", kind=Agency.Kind.SUB_BUREAU, region=zhoukou
    )
    article = make_article("周口", "周口市公安局通报，港区分局抓获嫌疑人。")
    extract_articles([article.pk])
    merged = Agency.objects.get(name="周口市公安局港区分局")
    # Staff merge: the duplicate's name becomes an alias of the survivor and the row goes.
    survivor.aliases = ["周口市公安局港区分局"]
    survivor.save()
    merged.delete()
    extract_articles([article.pk])
    assert survivor in article.agencies.all()
    assert not Agency.objects.filter(name="周口市公安局港区分局").exists()


def test_quoted_campaigns_become_suggestions_linked_for_staff():
    """Changed with issue 13: a suggestion is linked (staff see it per article); readers see
    it only once accepted (tests/test_browse_scope.py)."""
    article = make_article("周口", BODY)
    extract_articles([article.pk])
    suggestion = Initiative.objects.get(name="暖心驿站")
    assert suggestion.status == Initiative.Status.SUGGESTED
    assert ArticleInitiative.objects.filter(article=article, initiative=suggestion).exists()
    assert ArticleInitiative.objects.filter(
        article=article, initiative__name="我为群众办实事"
    ).exists()
    # A rejected one is unlinked by the next run, and never suggested again.
    suggestion.status = Initiative.Status.REJECTED
    suggestion.save()
    extract_articles([article.pk])
    assert not ArticleInitiative.objects.filter(initiative=suggestion).exists()
    assert Initiative.objects.filter(name="暖心驿站").count() == 1


def test_pipeline_extracts_inside_the_writers_transaction():
    with transaction.atomic():
        article = make_article("山城区", "山城区公安分局民警走访企业。")
        pipeline.stored([article.pk])
        assert article.agencies.filter(name="鹤壁市公安局山城区分局").exists()
    assert ArticleRegion.objects.get(article=article, is_primary=True).region.name == "鹤壁市"


def test_extract_entities_command(capsys):
    article = make_article("周口", BODY)
    call_command("extract_entities", "--article", str(article.pk))
    assert "1 articles read, 1 changed" in capsys.readouterr().out
    call_command("extract_entities", "--all")
    assert "1 articles read, 0 changed" in capsys.readouterr().out


def test_extract_entities_rejects_unknown_ids():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="999999"):
        call_command("extract_entities", "--article", "999999")


def test_a_rolled_back_import_leaves_no_stale_catalogue():
    class Failed(Exception):
        pass

    with pytest.raises(Failed), transaction.atomic():
        article = make_article("山城区", "山城区公安分局长风派出所民警走访企业。")
        pipeline.stored([article.pk])
        assert Agency.objects.filter(aliases__contains=["长风派出所"]).exists()
        raise Failed
    assert not Agency.objects.filter(aliases__contains=["长风派出所"]).exists()
    with transaction.atomic():
        article = make_article("山城区", "山城区公安分局长风派出所民警走访企业。")
        pipeline.stored([article.pk])
    assert article.agencies.filter(
        name="鹤壁市公安局山城区分局长风派出所", parent__name="鹤壁市公安局山城区分局"
    ).exists()
