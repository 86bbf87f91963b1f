"""docs/operations.md's backup and restore, run for real: pg_dump -Fc of the test database,
pg_restore into a fresh database, and every article, entity and link is found there."""

import subprocess

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from archive.models import (
    Agency,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    Initiative,
    LinkOrigin,
    Region,
)
from config.localdb import bin_path
from tests.factories import make_article
from tests.servers import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def _make_archive():
    # Transactional tests flush the gazetteer the migration loaded, so make what is missing.
    province, _ = Region.objects.get_or_create(
        code="370000", defaults={"name": "山东省", "level": Region.Level.PROVINCE}
    )
    city, _ = Region.objects.get_or_create(
        code="371600",
        defaults={"name": "滨州市", "level": Region.Level.CITY, "parent": province},
    )
    bureau = Agency.objects.create(
        name="滨州市公安局", kind=Agency.Kind.CITY_BUREAU, region=city, aliases=["滨州公安"]
    )
    station = Agency.objects.create(
        name="黄河路派出所", kind=Agency.Kind.STATION, parent=bureau, region=city
    )
    initiative, _ = Initiative.objects.get_or_create(
        name="我为群众办实事", defaults={"slug": "我为群众办实事"}
    )
    articles = []
    for number in range(12):
        article = make_article(
            f"滨州公安便民服务第{number}期",
            f"第{number}期正文。\n黄河路派出所为群众办理户籍业务。",
            review_flags=["no_agency"] if number % 3 == 0 else [],
            image_urls=[f"https://img.example.org/{number}.jpg"],
        )
        ArticleRegion.objects.create(article=article, region=city, is_primary=True, mentions=2)
        ArticleAgency.objects.create(article=article, agency=bureau)
        if number % 2:
            ArticleAgency.objects.create(article=article, agency=station, origin=LinkOrigin.STAFF)
            ArticleInitiative.objects.create(article=article, initiative=initiative)
        articles.append(article)
    return articles


def _rows(url, table):
    with psycopg.connect(url) as database:
        return database.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()


def test_dump_restores_every_article_and_link(tmp_path):
    articles = _make_archive()
    source = database_url()
    restored_name = f"{connection.settings_dict['NAME']}_restored"
    restored = database_url(restored_name)
    dump = tmp_path / "archive.dump"

    subprocess.run(
        [
            bin_path("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-unlogged-table-data",
            f"--file={dump}",
            source,
        ],
        check=True,
        capture_output=True,
    )
    with psycopg.connect(database_url("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        server.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        subprocess.run(
            [
                bin_path("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                f"--dbname={restored}",
                str(dump),
            ],
            check=True,
            capture_output=True,
        )
        compared = 0
        for model in apps.get_app_config("archive").get_models():
            table = model._meta.db_table
            assert _rows(restored, table) == _rows(source, table), table
            compared += 1
        assert compared >= 10  # articles, entities, links, provenance and their histories
        assert len(_rows(restored, "archive_article")) == len(articles)
        assert len(_rows(restored, "archive_articleregion")) == 12
        assert len(_rows(restored, "archive_articleagency")) == 18
        assert len(_rows(restored, "archive_articleinitiative")) == 6
        # Sequences come back too: the next article gets a new id, not a clash.
        with psycopg.connect(restored) as database:
            (next_id,) = database.execute(
                "SELECT nextval(pg_get_serial_sequence('archive_article', 'id'))"
            ).fetchone()
        assert next_id > max(article.pk for article in articles)
    finally:
        with psycopg.connect(database_url("postgres"), autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
