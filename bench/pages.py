"""Latency of the browse pages served by gunicorn, against floors measured in the same run.

    python bench/pages.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 10000

Loads ``--limit`` articles into a scratch database (``archive_bench`` in the embedded cluster,
dropped afterwards unless ``--keep-db``), links them to regions, bureaus and initiatives,
serves the site with gunicorn on 127.0.0.1 under the production settings, and times
sequential requests to the home, region, agency, archive and article pages. A static file
and /healthz are timed the same way as floors, and every page is also given as a ratio to
each floor.

With ``--uncached`` the browse counts are never cached (BROWSE_COUNTS_SECONDS=0): the worst
case, every count and timeline computed on every request.

Links: the bench sends ``articles_stored`` as the importer does, so when the extraction is
installed it links the articles; if that leaves no region links (no extraction, or no
gazetteer loaded) the articles are attached round-robin to a synthetic gazetteer of
10 provinces × 5 cities × 4 districts with a bureau per city and a sub-bureau per district.
When more articles are asked for than the corpus holds, stories are reused with new hashes
and dates shifted by whole years. Without ``--corpus`` articles are generated.
"""

import argparse
import hashlib
import html
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH_DB = "archive_bench"
PROVINCES = [
    "河南省",
    "湖北省",
    "山东省",
    "江苏省",
    "广东省",
    "四川省",
    "浙江省",
    "河北省",
    "湖南省",
    "安徽省",
]
INITIATIVES = ["我为群众办实事", "放管服", "海燕直通车", "反诈宣传月", "一网通办"]
_TAGS = re.compile(r"<[^>]+>")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="JSONL with title, body (HTML) and date")
    parser.add_argument("--limit", type=int, default=10000, help="articles to load")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--uncached", action="store_true", help="never cache browse counts")
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


# Articles


def corpus_stories(path, limit):
    stories = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            stories.append((record["title"], record["body"], date.fromisoformat(record["date"])))
            if len(stories) >= limit:
                break
    return stories


def generated_stories(limit):
    rng = random.Random(7)
    words = ["户籍", "便民", "民警", "反诈", "派出所", "身份证", "交警", "服务", "群众", "办理"]
    return [
        (
            f"便民服务简讯{n}",
            "".join(f"<p>{''.join(rng.choices(words, k=40))}。</p>" for _ in range(5)),
            date(2022, 1, 1).fromordinal(date(2022, 1, 1).toordinal() + n % 1400),
        )
        for n in range(limit)
    ]


def _years_earlier(day, years):
    if not years:
        return day
    return day.replace(year=day.year - years, day=min(day.day, 28) if day.month == 2 else day.day)


def load_articles(stories, limit):
    """Bulk-create ``limit`` articles (stories reused with shifted years beyond the corpus)."""
    from django.db import transaction
    from django.utils import timezone

    from archive.chinese import to_simplified
    from archive.models import Article
    from archive.signals import announce_changed, articles_stored

    created = []
    batch = []
    with transaction.atomic():
        for n in range(limit):
            title, body_html, day = stories[n % len(stories)]
            day = _years_earlier(day, n // len(stories))
            text = html.unescape(_TAGS.sub("\n", body_html)).strip()
            batch.append(
                Article(
                    title=title,
                    body_html=body_html,
                    body_text=text,
                    title_simplified=to_simplified(title),
                    body_simplified=to_simplified(text),
                    published_at=timezone.make_aware(datetime(day.year, day.month, day.day, 19)),
                    date_precision=Article.DatePrecision.DAY,
                    source="新闻联播",
                    content_hash=hashlib.sha256(f"{n}\n{title}\n{text}".encode()).hexdigest(),
                )
            )
            if len(batch) == 1000:
                created += Article.objects.bulk_create(batch)
                batch = []
        created += Article.objects.bulk_create(batch)
        ids = [article.pk for article in created]
        articles_stored.send(sender="bench", article_ids=ids)
        announce_changed("bench", ids)
    return ids


def link_round_robin(ids):
    """A synthetic gazetteer and round-robin links, when no extraction linked anything."""
    from archive.models import (
        Agency,
        ArticleAgency,
        ArticleInitiative,
        ArticleRegion,
        Initiative,
        Region,
    )

    districts = []
    for p, province_name in enumerate(PROVINCES, start=41):
        province = Region.objects.create(code=f"{p}0000", name=province_name, level="province")
        for c in range(1, 6):
            city = Region.objects.create(
                code=f"{p}{c:02d}00",
                name=f"{province_name[:2]}{c}市",
                level="city",
                parent=province,
            )
            bureau = Agency.objects.create(
                name=f"{city.name}公安局", kind="city_bureau", region=city
            )
            for d in range(1, 5):
                district = Region.objects.create(
                    code=f"{p}{c:02d}{d:02d}", name=f"{city.name}{d}区", level="county", parent=city
                )
                branch = Agency.objects.create(
                    name=f"{district.name}分局", kind="sub_bureau", region=district, parent=bureau
                )
                districts.append((city, district, branch))
    initiatives = [
        Initiative.objects.create(name=name, slug=f"initiative-{n}")
        for n, name in enumerate(INITIATIVES)
    ]
    region_links, agency_links, initiative_links = [], [], []
    for n, article_id in enumerate(ids):
        city, district, branch = districts[n % len(districts)]
        region_links.append(ArticleRegion(article_id=article_id, region=district, is_primary=True))
        if n % 3 == 0:
            region_links.append(ArticleRegion(article_id=article_id, region=city))
        agency_links.append(ArticleAgency(article_id=article_id, agency=branch))
        if n % 7 == 0:
            initiative_links.append(
                ArticleInitiative(
                    article_id=article_id, initiative=initiatives[n % len(initiatives)]
                )
            )
    ArticleRegion.objects.bulk_create(region_links, batch_size=5000)
    ArticleAgency.objects.bulk_create(agency_links, batch_size=5000)
    ArticleInitiative.objects.bulk_create(initiative_links, batch_size=5000)


# Serving and timing


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path):
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    return response.status, elapsed


def wait_until_up(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def time_pages(port, pages, requests):
    """Round-robin over each page's URLs; every response must be 200."""
    results = {}
    for name, urls in pages.items():
        for url in urls * 3:  # warm-up: both workers, every URL
            get(port, url)
        timings = []
        for n in range(requests):
            url = urls[n % len(urls)]
            status, elapsed = get(port, url)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
            timings.append(elapsed)
        timings.sort()
        results[name] = {
            "urls": len(urls),
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        }
    return results


def page_urls(static_path):
    from archive import counts
    from archive.models import Article, Region

    # The busiest province, city and district, and the quietest district: the big lists and
    # the small ones take different query plans.
    region_counts = counts.region_counts()
    ranked = sorted(region_counts, key=region_counts.get, reverse=True)
    regions = Region.objects.in_bulk(ranked)
    region_list = []
    for level in ("province", "city", "county"):
        of_level = [pk for pk in ranked if regions[pk].level == level]
        region_list += [regions[pk] for pk in of_level[:1]]
    region_list.append(regions[ranked[-1]])
    agency_counts = counts.agency_counts()
    agencies = sorted(agency_counts, key=agency_counts.get, reverse=True)
    agency_ids = agencies[:3] + agencies[-2:]
    timeline = counts.timeline()
    year, month = timeline.months[len(timeline.months) // 2][0].year, timeline.months[-1][0]
    article_ids = list(Article.objects.published().order_by("?").values_list("pk", flat=True)[:50])
    return {
        "static file": [static_path],
        "/healthz": ["/healthz"],
        "home": ["/"],
        "region": [f"/regions/{r.code}/" for r in region_list]
        + [f"/regions/{region_list[0].code}/?year={year}"],
        "agency": [f"/agencies/{pk}/" for pk in agency_ids] + ["/agencies/"],
        "archive": ["/archive/", f"/archive/{year}/", f"/archive/{month.year}/{month.month}/"],
        "article": [f"/articles/{pk}/" for pk in article_ids],
    }


def main(argv=None):
    args = parse_args(argv)
    from config import localdb

    localdb.ensure_running()
    import psycopg

    with psycopg.connect(
        host=localdb.HOST, port=localdb.PORT, user=localdb.USER, dbname="postgres", autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}"')
        connection.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{localdb.USER}@{localdb.HOST}:{localdb.PORT}/{SCRATCH_DB}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(workdir / "static"),
        "SEARCH_INDEX_PATH": str(workdir / "index"),
        "BROWSE_COUNTS_SECONDS": "0" if args.uncached else "300",
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from archive.models import ArticleRegion

    server = None
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        started = time.perf_counter()
        stories = (
            corpus_stories(args.corpus, args.limit)
            if args.corpus
            else generated_stories(args.limit)
        )
        ids = load_articles(stories, args.limit)
        linked_by = "extraction"
        if not ArticleRegion.objects.exists():
            link_round_robin(ids)
            linked_by = "round-robin"
        load_seconds = time.perf_counter() - started
        with django.db.connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        static_path = (
            "/static/"
            + json.loads((workdir / "static" / "staticfiles.json").read_text())["paths"][
                "css/site.css"
            ]
        )
        pages = page_urls(static_path)
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(port)
        results = time_pages(port, pages, args.requests)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        django.db.connections.close_all()
        if not args.keep_db:
            with psycopg.connect(
                host=localdb.HOST,
                port=localdb.PORT,
                user=localdb.USER,
                dbname="postgres",
                autocommit=True,
            ) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}"')

    # Two floors: a static file (gunicorn and WhiteNoise only) and /healthz (Django plus one
    # trivial query). On a shared machine both move with the load; the ratios move less.
    static, health = results["static file"], results["/healthz"]
    for figures in results.values():
        figures["p50_x_static"] = round(figures["p50_ms"] / static["p50_ms"], 2)
        figures["p95_x_static"] = round(figures["p95_ms"] / static["p95_ms"], 2)
        figures["p50_x_healthz"] = round(figures["p50_ms"] / health["p50_ms"], 2)
        figures["p95_x_healthz"] = round(figures["p95_ms"] / health["p95_ms"], 2)
    mode = "uncached counts" if args.uncached else "cached counts"
    print(
        f"{args.limit} articles ({linked_by} links, loaded in {load_seconds:.0f} s), "
        f"{args.workers} gunicorn workers, {args.requests} sequential requests a page, {mode}"
    )
    print(
        f"{'page':<12} {'URLs':>4} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p50 ×static':>11} {'p95 ×static':>11} {'p50 ×healthz':>12} {'p95 ×healthz':>12}"
    )
    for name, f in results.items():
        print(
            f"{name:<12} {f['urls']:>4} {f['p50_ms']:>8.2f} {f['p95_ms']:>8.2f} "
            f"{f['p50_x_static']:>11.2f} {f['p95_x_static']:>11.2f} "
            f"{f['p50_x_healthz']:>12.2f} {f['p95_x_healthz']:>12.2f}"
        )
    print(
        json.dumps(
            {
                "articles": args.limit,
                "links": linked_by,
                "workers": args.workers,
                "requests": args.requests,
                "counts": "uncached" if args.uncached else "cached",
                "floors": ["static file", "/healthz"],
                "pages": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
