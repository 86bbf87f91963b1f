"""Compare the search index with the database and, with --fix, repair the difference.

Run it after restoring a backup, after a crash during an import, or from cron (daily is
plenty): the worker (run_worker) keeps the index current from the owed work each write
records; this catches what a restore or a damaged index left behind, and says when only a
rebuild (index_articles) helps.
"""

from django.core.management.base import BaseCommand, CommandError

from archive.models import Article, Initiative
from search.engine import SearchUnavailable, engine
from search.search_indexes import fingerprint


class Command(BaseCommand):
    help = "Compare indexed articles with published ones (ids and fingerprints); --fix repairs."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="re-index what differs")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, fix=False, batch_size=500, verbosity=1, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        search_engine = engine()
        try:
            indexed = search_engine.indexed_fingerprints()
            consistent = search_engine.self_consistent()
        except SearchUnavailable as error:
            if not fix:
                raise CommandError(f"索引无法读取（{error}）；用 --fix 重建。") from None
            self.stdout.write(f"索引无法读取（{error}），重建中…")
            total = search_engine.rebuild(batch_size=batch_size)
            self.stdout.write(self.style.SUCCESS(f"已重建，索引 {total} 篇。"))
            return
        if not consistent:
            if not fix:
                raise CommandError(
                    "常见字串表不属于当前索引；运行 manage.py index_articles 重建（或 --fix）。"
                )
            total = search_engine.rebuild(batch_size=batch_size)
            self.stdout.write(self.style.SUCCESS(f"已重建，索引 {total} 篇。"))
            return
        expected = database_fingerprints()
        missing = sorted(expected.keys() - indexed.keys())
        extra = sorted(indexed.keys() - expected.keys())
        stale = sorted(pk for pk in expected.keys() & indexed.keys() if expected[pk] != indexed[pk])
        self.stdout.write(
            f"数据库 {len(expected)} 篇，索引 {len(indexed)} 篇：缺失 {len(missing)}，"
            f"多余 {len(extra)}，过期 {len(stale)}"
        )
        if verbosity > 1:
            for label, ids in (("缺失", missing), ("多余", extra), ("过期", stale)):
                if ids:
                    self.stdout.write(f"{label}: {' '.join(map(str, ids))}")
        differences = missing + extra + stale
        if not differences:
            self.stdout.write(self.style.SUCCESS("索引与数据库一致。"))
            return
        if not fix:
            raise CommandError(f"索引与数据库有 {len(differences)} 处不一致；用 --fix 修复。")
        for start in range(0, len(differences), batch_size):
            search_engine.update_articles(differences[start : start + batch_size])
        self.stdout.write(self.style.SUCCESS(f"已修复 {len(differences)} 篇。"))


def database_fingerprints():
    """{id: fingerprint} of every published article, computed as the index computes it."""
    links = {}
    for model, field, indexed in (
        (Article.regions.through, "region_id", {}),
        (Article.agencies.through, "agency_id", {}),
        # The index lists accepted initiatives only (ArticleIndex.index_queryset).
        (
            Article.initiatives.through,
            "initiative_id",
            {"initiative__status": Initiative.Status.ACCEPTED},
        ),
    ):
        for article_id, target in model.objects.filter(
            article__in=Article.objects.published(), **indexed
        ).values_list("article_id", field):
            links.setdefault(article_id, {}).setdefault(field, []).append(target)
    result = {}
    for article in Article.objects.published().only("id", "updated_at", "status").iterator():
        own = links.get(article.pk, {})
        result[article.pk] = fingerprint(
            article,
            own.get("region_id", []),
            own.get("agency_id", []),
            own.get("initiative_id", []),
        )
    return result
