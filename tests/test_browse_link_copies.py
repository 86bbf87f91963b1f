"""Lists read from the links (browse.LinkedArticles): each link keeps a copy of its article's
date and status, kept by database triggers whoever writes (migration 0009), and a page read
from those copies holds the same articles, in the same order, as the QuerySet it stands for."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from archive import browse, counts, trees
from archive.models import Article, ArticleAgency, ArticleInitiative, ArticleRegion, Region
from tests.factories import make_article

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_links_follow_their_article_whoever_writes(browse_world):
    a1, a2 = browse_world["articles"]["a1"], browse_world["articles"]["a2"]
    assert ArticleRegion.objects.filter(article=a1).exists()
    assert counts.link_copy_discrepancies() == []

    a1.published_at = datetime(2019, 6, 1, tzinfo=SHANGHAI)  # a save
    a1.save()
    Article.objects.filter(pk=a2.pk).update(status=Article.Status.HIDDEN)  # a bulk update
    with connection.cursor() as cursor:  # written-out SQL
        cursor.execute(
            "UPDATE archive_article SET date_precision = 'unknown' WHERE id = %s", [a1.pk]
        )
    assert counts.link_copy_discrepancies() == []
    link = ArticleRegion.objects.get(article=a1, region=browse_world["regions"]["zhoukou"])
    assert (link.article_published_at, link.article_is_dated) == (a1.published_at, False)
    assert not ArticleRegion.objects.filter(article=a2, article_is_published=True).exists()

    # A link saved from a stale instance still reads its article.
    link.article_published_at, link.article_is_published = None, False
    link.save()
    link.refresh_from_db()
    assert (link.article_published_at, link.article_is_published) == (a1.published_at, True)


def test_a_link_written_before_its_article_reads_it_when_it_comes(db):
    """The foreign keys are checked at commit, so a writer may insert links first."""
    zhoukou = Region.objects.get(code="411600")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('archive_article', 'id'))")
        (pk,) = cursor.fetchone()
        ArticleRegion.objects.create(article_id=pk, region=zhoukou)
        make_article(
            "先有链接的文章", "正文。", pk=pk, published_at=datetime(2021, 1, 2, tzinfo=SHANGHAI)
        )
    link = ArticleRegion.objects.get(article_id=pk)
    assert link.article_is_published and link.article_published_at.year == 2021
    assert counts.link_copy_discrepancies() == []


@pytest.fixture
def crowd(db):
    """120 articles of every status and date precision, linked at random to a province, its
    city and district (often to several at once), three bureaus and two campaigns."""
    rng = random.Random(5)
    henan = Region.objects.get(code="410000")
    zhoukou = Region.objects.get(code="411600")
    chuanhui = Region.objects.get(code="411602")
    regions = [henan, zhoukou, chuanhui]
    from archive.models import Agency, Initiative

    top = Agency.objects.create(name="周口市公安局", kind=Agency.Kind.CITY_BUREAU, region=zhoukou)
    agencies = [top] + [
        Agency.objects.create(name=f"分局{n}", kind=Agency.Kind.SUB_BUREAU, parent=top)
        for n in range(2)
    ]
    initiatives = [
        Initiative.objects.create(name=f"行动{n}", slug=f"xing-dong-{n}") for n in range(2)
    ]
    start = datetime(2019, 1, 1, tzinfo=SHANGHAI)
    for n in range(120):
        dated = rng.random() < 0.9
        article = make_article(
            f"文章{n}",
            f"正文{n}。",
            status=rng.choice([Article.Status.PUBLISHED] * 4 + [Article.Status.HIDDEN]),
            # Some share a moment: ties are broken by id.
            published_at=start + timedelta(days=rng.randrange(900) // 3 * 3) if dated else None,
            date_precision=rng.choice(list(Article.DatePrecision)) if dated else "unknown",
        )
        for region in rng.sample(regions, rng.randint(1, 3)):
            ArticleRegion.objects.create(article=article, region=region)
        for agency in rng.sample(agencies, rng.randint(0, 2)):
            ArticleAgency.objects.create(article=article, agency=agency)
        for initiative in rng.sample(initiatives, rng.randint(1, 2)):
            ArticleInitiative.objects.create(article=article, initiative=initiative)
    return {"province": henan, "agency": top, "initiative": initiatives[0]}


def _lists(crowd, year):
    return {
        "region": browse.LinkedArticles(
            ArticleRegion, trees.subtree_ids(crowd["province"]), year=year
        ),
        "agency": browse.LinkedArticles(
            ArticleAgency, trees.subtree_ids(crowd["agency"]), year=year
        ),
        "initiative": browse.LinkedArticles(ArticleInitiative, [crowd["initiative"].pk], year=year),
    }


@pytest.mark.parametrize("year", [None, 2020])
def test_pages_from_the_links_are_the_querysets_pages(crowd, monkeypatch, year):
    for name, articles in _lists(crowd, year).items():
        expected = list(articles.queryset().newest().values_list("pk", flat=True))
        assert len(expected) >= 10, name  # enough to page through
        assert len(set(expected)) == len(expected)
        for offset, stop in [(0, 7), (7, 14), (3, 40), (0, len(expected) + 5)]:
            page = [article.pk for article in articles[offset:stop]]
            assert page == expected[offset:stop], (name, offset, stop)
        monkeypatch.setattr(browse, "LINK_WALK_BUDGET", 0)  # every page read as a QuerySet
        assert [a.pk for a in articles[3:11]] == expected[3:11]
        monkeypatch.undo()


def test_a_page_from_the_links_is_one_query_and_shows_the_same_cards(
    crowd, django_assert_num_queries
):
    articles = _lists(crowd, None)["region"]
    with django_assert_num_queries(1):  # the page's ids and cards together
        page = articles[0:20]
    through_orm = browse.ArticleList(articles.queryset())[0:20]

    def cards(listed):
        return [(a.pk, a.title, a.date_label, a.source, a.card_regions) for a in listed]

    assert len(page) == 20 and cards(page) == cards(through_orm)
    assert any(len(article.card_regions) > 1 for article in page)


def test_who_reported_what_counts_published_articles_only(crowd):
    """A bureau's campaigns (kept counts) and a campaign's bureaus (counted from the links'
    copies) equal counts over the articles themselves."""
    from archive.models import Agency, Initiative

    bureau_ids = trees.subtree_ids(crowd["agency"])
    Initiative.objects.create(name="待审行动", slug="dai-shen", status=Initiative.Status.SUGGESTED)
    expected = {
        initiative.name: Article.objects.published()
        .filter(initiatives=initiative, agencies__id__in=bureau_ids)
        .distinct()
        .count()
        for initiative in Initiative.objects.filter(status=Initiative.Status.ACCEPTED)
    }
    found = {initiative.name: n for initiative, n in counts.agency_initiatives(crowd["agency"])}
    assert found == {name: n for name, n in expected.items() if n} and len(found) == 2

    initiative = crowd["initiative"]
    expected = {
        agency.name: Article.objects.published()
        .filter(initiatives=initiative, agencies=agency)
        .count()
        for agency in Agency.objects.all()
    }
    found = browse.initiative_agencies(initiative)
    assert {agency.name: n for agency, n in found} == {k: n for k, n in expected.items() if n}
    assert [n for _, n in found] == sorted((n for _, n in found), reverse=True)
    assert found[0][0].get_absolute_url() == f"/agencies/{found[0][0].pk}/"


def test_copies_left_wrong_are_found_and_mended(browse_world):
    """With the triggers off (a restore with --disable-triggers), a copy can go stale:
    ``rebuild_counts --check`` names it, ``rebuild_counts`` mends it."""
    article = browse_world["articles"]["a1"]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks pending: ALTER may run
        cursor.execute("ALTER TABLE archive_article DISABLE TRIGGER archive_article_write_links")
        cursor.execute("UPDATE archive_article SET status = 'hidden' WHERE id = %s", [article.pk])
        cursor.execute("ALTER TABLE archive_article ENABLE TRIGGER archive_article_write_links")
    counts.refresh([article.pk])  # the counts follow: only the copies are wrong
    stale = counts.link_copy_discrepancies()
    assert stale and {article_id for _, _, article_id in stale} == {article.pk}
    with pytest.raises(CommandError, match="links differ from their article"):
        call_command("rebuild_counts", "--check", verbosity=0)
    call_command("rebuild_counts", verbosity=0)
    assert counts.link_copy_discrepancies() == []
    assert not ArticleRegion.objects.filter(article=article, article_is_published=True).exists()
    call_command("rebuild_counts", "--check", verbosity=0)
