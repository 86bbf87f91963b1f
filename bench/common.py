"""What the benchmarks that serve the site share: a scratch database filled with articles
(from ``--corpus`` or generated), gunicorn serving it on 127.0.0.1, plain HTTP requests.

A benchmark calls ``scratch_site()`` (a context manager: creates ``archive_bench`` or the
database it names in the embedded cluster, sets Django up on it under the production settings, migrates, collects
static files; drops the database afterwards unless asked to keep it), then
``fill(stories, limit)``, then serves with ``gunicorn(env, workers)``.

Links: ``fill`` sends ``articles_stored`` as the importer does, so the extraction links the
articles; if that leaves no region links the articles are attached round-robin to a
synthetic gazetteer of 10 provinces × 5 cities × 4 districts with a bureau per city and a
sub-bureau per district. When more articles are asked for than the corpus holds, stories are
reused with new hashes and dates shifted by whole years.
"""

import hashlib
import html
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
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


def add_corpus_arguments(parser):
    parser.add_argument("--corpus", type=Path, help="JSONL with title, body (HTML) and date")
    parser.add_argument("--limit", type=int, default=10000, help="articles to load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")


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


def stories(args):
    """The stories ``--corpus`` names, or generated ones."""
    if args.corpus:
        return corpus_stories(args.corpus, args.limit)
    return generated_stories(args.limit)


def _years_earlier(day, years):
    if not years:
        return day
    return day.replace(year=day.year - years, day=min(day.day, 28) if day.month == 2 else day.day)


def load_articles(stories, limit):
    """Bulk-create ``limit`` articles (stories reused with shifted years beyond the corpus),
    announcing each batch of 1,000 as the importer announces a file: receivers expect
    batches (near-duplicate detection stores a batch's signatures in one UPDATE, whose cost
    grows with the square of its size: 100,000 at once ran for minutes)."""
    from django.db import transaction
    from django.utils import timezone

    from archive.chinese import to_simplified
    from archive.models import Article
    from archive.signals import announce_changed, articles_stored

    ids = []
    batch = []

    def store():
        created = [article.pk for article in Article.objects.bulk_create(batch)]
        articles_stored.send(sender="bench", article_ids=created)
        ids.extend(created)
        batch.clear()

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
                store()
        if batch:
            store()
        announce_changed("bench", ids)
    return ids


def link_round_robin(ids):
    """A synthetic gazetteer and round-robin links, when no extraction linked anything.
    Written in bulk, so the browse counts are refreshed explicitly."""
    from archive import counts
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
    counts.refresh(ids)


@dataclass
class Filled:
    ids: list
    linked_by: str
    seconds: float


def fill(stories, limit):
    """Load and link the articles, check that the maintained browse counts equal a recount
    (the bulk path the importer takes), then ANALYZE so that plans match a settled database."""
    from django.db import connection

    from archive import counts
    from archive.models import ArticleRegion

    started = time.perf_counter()
    ids = load_articles(stories, limit)
    linked_by = "extraction"
    if not ArticleRegion.objects.exists():
        link_round_robin(ids)
        linked_by = "round-robin"
    seconds = time.perf_counter() - started
    differences = counts.discrepancies()
    if differences:
        raise RuntimeError(
            f"{len(differences)} browse counts differ from a recount: {differences[:5]}"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Filled(ids, linked_by, seconds)


# The scratch site


def _admin_connection():
    import psycopg

    from config import localdb

    return psycopg.connect(
        host=localdb.HOST, port=localdb.PORT, user=localdb.USER, dbname="postgres", autocommit=True
    )


@contextmanager
def scratch_site(database=SCRATCH_DB, keep_db=False, **settings):
    """Yield the environment of a site on a fresh scratch database, Django set up on it
    (production settings, migrated, static files collected); ``settings`` add variables.
    Each benchmark names its own database, so two can run side by side."""
    from config import localdb

    localdb.ensure_running()
    with _admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        connection.execute(f'CREATE DATABASE "{database}"')
    workdir = Path(tempfile.mkdtemp(prefix="bench-site-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{localdb.USER}@{localdb.HOST}:{localdb.PORT}/{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(workdir / "static"),
        "SEARCH_INDEX_PATH": str(workdir / "index"),
        "LOG_LEVEL": "ERROR",
        **settings,
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        yield env
    finally:
        django.db.connections.close_all()
        if not keep_db:
            with _admin_connection() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}"')


def static_path(env):
    """The URL of the stylesheet under its hashed name: the static-file floor."""
    manifest = Path(env["STATIC_ROOT"]) / "staticfiles.json"
    return "/static/" + json.loads(manifest.read_text())["paths"]["css/site.css"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path):
    """(status, milliseconds) of one GET on a fresh connection."""
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    return response.status, elapsed


def _wait_until_up(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


@contextmanager
def gunicorn(env, workers):
    """Serve the site on 127.0.0.1 (loopback only) with ``workers`` sync workers; yield the port."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_until_up(port)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def page_urls():
    """Sample URLs of the loaded site for each browse page. The busiest province, city and
    district and the quietest district: big lists and small ones take different plans."""
    from archive import counts
    from archive.models import Article, Region

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
        "home": ["/"],
        "region": [f"/regions/{r.code}/" for r in region_list]
        + [f"/regions/{region_list[0].code}/?year={year}"],
        "agency": [f"/agencies/{pk}/" for pk in agency_ids] + ["/agencies/"],
        "archive": ["/archive/", f"/archive/{year}/", f"/archive/{month.year}/{month.month}/"],
        "article": [f"/articles/{pk}/" for pk in article_ids],
    }
