"""Admin page latency on a large archive: the lists staff work in all day.

    python bench/admin.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 10000

Stories become Article rows (bulk-inserted, not imported: this measures the admin, not the
importer), each linked to one of a few hundred regions and agencies, one in ten flagged for
review. Every page is fetched through Django's test client as a superuser, in a scratch
database (``bench_admin`` by default) created and dropped on the same PostgreSQL. The admin
index page, whose cost does not grow with the archive, is the baseline of the same run.
Without ``--corpus``, stories are generated from a few fixed sentences.
"""

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
# As in production: a bulk action leaves its work to the worker (timed apart below).
os.environ["OWED_WORK_AT_COMMIT"] = "0"

BEIJING = timezone(timedelta(hours=8))
GENERATED_SENTENCES = [
    "民警深入辖区企业走访，了解企业在生产经营中遇到的困难。",
    "派出所推出户籍业务“全城通办”，群众可就近选择户籍窗口办理。",
    "交警大队在城区主要路口开展夜查行动，严查酒驾醉驾等交通违法行为。",
    "反诈民警走进社区，向群众讲解电信网络诈骗的常见手法。",
]
FLAGS = ["inferred_title", "unknown_date", "no_region", "no_agency", "suspected_duplicate"]


def stories(corpus, limit):
    if corpus:
        with open(corpus, encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if number >= limit:
                    return
                yield json.loads(line)
        return
    rng = random.Random(1)
    for number in range(limit):
        day = date(2022, 1, 1) + timedelta(days=number % 1500)
        body = "".join(f"<p>{rng.choice(GENERATED_SENTENCES)}</p>" for _ in range(8))
        yield {
            "id": f"gen-{number}",
            "date": day.isoformat(),
            "title": f"公安简讯{number}",
            "body": body,
        }


def load(corpus, limit):
    from archive.chinese import to_simplified
    from archive.models import Agency, Article, ArticleAgency, ArticleRegion, Region

    rng = random.Random(7)
    regions = Region.objects.bulk_create(
        [Region(code=f"99{n:04d}", name=f"测试市{n}", level="city") for n in range(300)]
    )
    agencies = Agency.objects.bulk_create(
        [Agency(name=f"测试市{n}公安局", region=regions[n % 300]) for n in range(600)]
    )
    articles = []
    for story in stories(corpus, limit):
        text = re.sub(r"<[^>]+>", "\n", story["body"]).strip()
        day = date.fromisoformat(story["date"])
        articles.append(
            Article(
                title=story["title"][:300],
                title_simplified=to_simplified(story["title"][:300]),
                body_text=text,
                body_html=story["body"],
                body_simplified=to_simplified(text),
                content_hash=hashlib.sha256(story["id"].encode()).hexdigest(),
                published_at=datetime.combine(day, clock(8), BEIJING),
                date_precision="day",
                review_flags=[rng.choice(FLAGS)] if rng.random() < 0.1 else [],
            )
        )
    Article.objects.bulk_create(articles, batch_size=1000)
    ArticleRegion.objects.bulk_create(
        [ArticleRegion(article=a, region=rng.choice(regions)) for a in articles], batch_size=5000
    )
    ArticleAgency.objects.bulk_create(
        [ArticleAgency(article=a, agency=rng.choice(agencies)) for a in articles], batch_size=5000
    )
    return articles, regions


def measure(client, url, repeat):
    from django.db import connection

    client.get(url)  # warm caches (templates, ContentTypes)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"queries": len(queries), "p50_ms": statistics.median(times), "p95_ms": p95}


def bulk_publish(client, articles):
    """The admin's "publish" action on every article (hidden first), as staff run it: the
    time the request takes to answer, then the time the worker takes for what it queued
    (``archive.pipeline.work_owed`` until nothing is owed: the status changes, a chunk per
    transaction, and the index documents)."""
    from archive import pipeline
    from archive.models import Article

    Article.objects.update(status=Article.Status.HIDDEN)
    # "Select all N articles": one id is sent, the action applies to the whole changelist.
    data = {"action": "publish", "select_across": "1", "index": "0",
            "_selected_action": [str(articles[0].pk)]}  # fmt: skip
    start = time.perf_counter()
    response = client.post("/admin/archive/article/", data)
    answered = time.perf_counter() - start
    start = time.perf_counter()
    changed = indexed = 0
    while done := pipeline.work_owed():
        changed += done.articles_changed
        indexed += done.documents_indexed
    worked = time.perf_counter() - start
    return {
        "articles": Article.objects.published().count(),
        "status": response.status_code,
        "answer_s": round(answered, 3),
        "changed": changed,
        "indexed": indexed,
        "background_s": round(worked, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="JSONL with title, body and date")
    parser.add_argument("--limit", type=int, default=10000, help="articles (default 10000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed fetches per page")
    parser.add_argument("--database", default="bench_admin", help="scratch database name")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = args.database
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        start = time.perf_counter()
        articles, regions = load(args.corpus, args.limit)
        loaded = time.perf_counter() - start
        client = Client()
        client.force_login(User.objects.create_superuser("bench", password=None))
        year = articles[len(articles) // 2].published_at.year
        pages = {
            "admin index (baseline)": "/admin/",
            "article list": "/admin/archive/article/",
            "  filtered: any review flag": "/admin/archive/article/?review=any",
            "  filtered: year": f"/admin/archive/article/?year={year}",
            "  filtered: region": f"/admin/archive/article/?regions__id__exact={regions[0].pk}",
            "  searched: 公安": "/admin/archive/article/?q=公安",
            "  searched: 濱州 (folded)": "/admin/archive/article/?q=濱州",
            "review queue": "/admin/archive/articleforreview/",
            "article change form": f"/admin/archive/article/{articles[0].pk}/change/",
            "agency list": "/admin/archive/agency/",
            "agency autocomplete": "/admin/autocomplete/?app_label=archive&model_name=articleagency"
            "&field_name=agency&term=测试市1",
        }
        results = {name: measure(client, url, args.repeat) for name, url in pages.items()}
        bulk = bulk_publish(client, articles)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    baseline = results["admin index (baseline)"]["p50_ms"]
    print(f"{len(articles)} articles loaded in {loaded:.1f} s; {args.repeat} fetches per page\n")
    print(f"{'page':32} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'p50 / baseline':>15}")
    for name, row in results.items():
        row["ratio"] = row["p50_ms"] / baseline
        print(
            f"{name:32} {row['queries']:>7} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['ratio']:>14.1f}×"
        )
    print(
        f"\nbulk publish of {bulk['articles']} articles: answered in {bulk['answer_s']:.2f} s "
        f"(HTTP {bulk['status']}); the worker changed {bulk['changed']} and indexed "
        f"{bulk['indexed']} of them in {bulk['background_s']:.1f} s"
    )
    print(
        json.dumps(
            {
                "articles": len(articles),
                "bulk_publish": bulk,
                "pages": {
                    name.strip(): {key: round(value, 2) for key, value in row.items()}
                    for name, row in results.items()
                },
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
