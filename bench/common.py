"""What the benchmarks that serve the site share: a scratch database filled with articles
(from ``--corpus`` or generated), gunicorn serving it on 127.0.0.1, plain HTTP requests.

A benchmark calls ``scratch_site()`` (a context manager: creates ``archive_bench`` or the
database it names in the embedded cluster, sets Django up on it under the production settings, migrates, collects
static files; drops the database afterwards unless asked to keep it), then
``fill(stories, limit, extract)``, then serves with ``gunicorn(env, workers)``.

Links: ``fill`` stores up to ``--extract`` stories (10,000 by default) and sends
them through the write pipeline as the importer does, so the extraction links them; if that leaves no
region links they are attached round-robin to a synthetic gazetteer of 10 provinces × 5
cities × 4 districts with a bureau per city and a sub-bureau per district. Beyond those,
articles are copies made by SQL (one statement per table): each copy of a story has a new
id, a new hash, its date shifted back by whole years and its original's links. Extraction
runs at ~100 articles/s, so 100,000 articles load in a few minutes instead of half an hour;
the browse counts are then rebuilt once and checked against a recount.
"""

import hashlib
import html
import itertools
import json
import os
import random
import re
import shutil
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
    parser.add_argument(
        "--extract",
        type=int,
        default=10000,
        help="stories stored through extraction; the rest of --limit are SQL copies of them",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--db",
        help="the scratch database's name (each benchmark has its own by default); with "
        "--reuse-db, a site another benchmark kept, bench/search.py's say",
    )
    parser.add_argument(
        "--popularity",
        choices=["uniform", "zipf"],
        default="uniform",
        help="how requests pick URLs: uniformly from pools of a few hundred regions, bureaus "
        "and months and 3,000 articles (the cache's worst case), or from every page of the "
        "site with Zipf weights, 1/rank, as readers do",
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="serve a database kept by --keep-db as it is when it holds --limit articles "
        "(to iterate on pages; figures to report come from a fresh fill)",
    )


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
    """The stories ``--corpus`` names, or generated ones: as many as will be extracted."""
    wanted = min(args.limit, args.extract)
    if args.corpus:
        return corpus_stories(args.corpus, wanted)
    return generated_stories(wanted)


def load_articles(stories):
    """Bulk-create an article per story, announcing each batch of 1,000 as the importer
    hands a file to the write pipeline: it expects batches (near-duplicate detection stores a batch's
    signatures in one UPDATE, whose cost grows with the square of its size).

    Each is stored as in scope, as staff who chose the corpus would mark it: a benchmark
    corpus of general news (新闻联播) would otherwise be hidden as off-topic but for the
    few police stories in it, and the pages would be timed on a site of a few dozen."""
    from django.db import transaction
    from django.utils import timezone

    from archive import pipeline
    from archive.chinese import to_simplified
    from archive.models import Article

    ids = []
    batch = []

    def store():
        created = [article.pk for article in Article.objects.bulk_create(batch)]
        pipeline.stored(created)
        ids.extend(created)
        batch.clear()

    with transaction.atomic():
        for n, (title, body_html, day) in enumerate(stories):
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
                    in_scope=True,
                    content_hash=hashlib.sha256(f"{n}\n{title}\n{text}".encode()).hexdigest(),
                )
            )
            if len(batch) == 1000:
                store()
        if batch:
            store()
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

    def region(code, **defaults):  # the migrated gazetteer may hold the code already
        return Region.objects.get_or_create(code=code, defaults=defaults)[0]

    def agency(name, **defaults):
        return Agency.objects.get_or_create(name=name, defaults=defaults)[0]

    districts = []
    for p, province_name in enumerate(PROVINCES, start=41):
        province = region(f"{p}0000", name=province_name, level="province")
        for c in range(1, 6):
            city = region(
                f"{p}{c:02d}00", name=f"{province_name[:2]}{c}市", level="city", parent=province
            )
            bureau = agency(f"{city.name}公安局", kind="city_bureau", region=city)
            for d in range(1, 5):
                district = region(
                    f"{p}{c:02d}{d:02d}", name=f"{city.name}{d}区", level="county", parent=city
                )
                branch = agency(
                    f"{district.name}分局", kind="sub_bureau", region=district, parent=bureau
                )
                districts.append((city, district, branch))
    initiatives = [
        Initiative.objects.get_or_create(name=name, defaults={"slug": f"initiative-{n}"})[0]
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


def copy_articles(ids, wanted):
    """Add ``wanted`` articles copied from ``ids`` by SQL: copy k of article i gets id
    i + k × span (no clash with any original), a new hash, its date k years earlier, no
    near-duplicate signature, and the original's region, bureau and initiative links.
    Returns the new ids. Nothing is announced: the caller rebuilds the counts."""
    from django.db import connection, transaction

    from archive.models import Article, ArticleAgency, ArticleInitiative, ArticleRegion

    if wanted <= 0:
        return []
    low, high = min(ids), max(ids)
    span, rounds = high - low + 1, -(-wanted // len(ids))
    replaced = {
        "id": "a.id + k * %(span)s",
        "published_at": "a.published_at - make_interval(years => k)",
        "content_hash": "encode(sha256(convert_to(a.content_hash || ':' || k, 'UTF8')), 'hex')",
        "duplicate_of_id": "a.duplicate_of_id + k * %(span)s",
        "minhash": "NULL",
        "minhash_bands": "'{}'",
        "created_at": "now()",
        "updated_at": "now()",
    }
    columns = [field.column for field in Article._meta.concrete_fields]
    values = ", ".join(replaced.get(column, f"a.{column}") for column in columns)
    articles_sql = f"""
        INSERT INTO archive_article ({", ".join(columns)})
        SELECT {values} FROM (
            SELECT a.*, k, row_number() OVER (ORDER BY k, a.id) AS n
            FROM archive_article a CROSS JOIN generate_series(1, %(rounds)s) AS k
            WHERE a.id = ANY(%(ids)s)
        ) a WHERE n <= %(wanted)s
        RETURNING id"""
    params = {"span": span, "rounds": rounds, "ids": list(ids), "wanted": wanted}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(articles_sql, params)
        created = [pk for (pk,) in cursor.fetchall()]
        for model in (ArticleRegion, ArticleAgency, ArticleInitiative):
            link_columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
            link_values = ", ".join(
                "l.article_id + k * %(span)s" if c == "article_id" else f"l.{c}"
                for c in link_columns
            )
            cursor.execute(
                f"""INSERT INTO {model._meta.db_table} ({", ".join(link_columns)})
                SELECT {link_values}
                FROM {model._meta.db_table} l CROSS JOIN generate_series(1, %(rounds)s) AS k
                WHERE l.article_id = ANY(%(ids)s)
                  AND EXISTS (SELECT 1 FROM archive_article a WHERE a.id = l.article_id + k * %(span)s)""",
                params,
            )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('archive_article', 'id'), "
            "(SELECT max(id) FROM archive_article))"
        )
    return created


@dataclass
class Filled:
    ids: list
    linked_by: str
    extracted: int | None  # None: a kept database, whose making this run did not see
    seconds: float

    def described(self):
        """How the articles came to be, for a benchmark's header line."""
        if self.extracted is None:
            return "a kept database, reused as it is"
        return (
            f"{self.extracted} through extraction, {self.linked_by} links, "
            f"loaded in {self.seconds:.0f} s"
        )


def fill_or_reuse(args):
    """``fill`` the scratch database, or with ``--reuse-db`` take the kept one as it is (it
    must hold ``--limit`` articles), its page cache emptied and its statistics fresh (a
    kept database may come from another benchmark that never analysed it: autovacuum leaves
    a table of a few dozen rows, the initiatives say, without any)."""
    from django.db import connection

    from archive import pagecache
    from archive.models import Article

    ids = list(Article.objects.values_list("pk", flat=True))
    if args.reuse_db and ids:
        if len(ids) != args.limit:
            raise RuntimeError(f"the kept database holds {len(ids)} articles, not {args.limit}")
        # The page cache is a table of the database: it would serve the last run's pages.
        pagecache.bump()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return Filled(ids, "reused", None, 0.0)
    return fill(stories(args), args.limit)


def fill(stories, limit):
    """Load and link the stories (through extraction), copy them by SQL up to ``limit``,
    rebuild the browse counts and check them against a recount (and the links' copies of
    their articles against the articles), then VACUUM and ANALYZE so
    that pages and plans are those of a settled database."""
    from django.db import connection

    from archive import counts
    from archive.models import ArticleRegion

    started = time.perf_counter()
    extracted = load_articles(stories)
    linked_by = "extraction"
    if not ArticleRegion.objects.exists():
        link_round_robin(extracted)
        linked_by = "round-robin"
    ids = extracted + copy_articles(extracted, limit - len(extracted))
    if len(ids) > len(extracted):
        counts.rebuild()  # also replaces the page cache's generation
    seconds = time.perf_counter() - started
    differences = counts.discrepancies()
    if differences:
        raise RuntimeError(
            f"{len(differences)} browse counts differ from a recount: {differences[:5]}"
        )
    stale_links = counts.link_copy_discrepancies()
    if stale_links:  # the lists read them (archive.browse.LinkedArticles)
        raise RuntimeError(f"{len(stale_links)} links differ from their article: {stale_links[:5]}")
    with connection.cursor() as cursor:
        # VACUUM too: rows just loaded carry no hint bits, so the first reads of each page
        # write it back (article pages took twice as long on a fresh fill as a day later).
        cursor.execute("VACUUM (ANALYZE)")
    return Filled(ids, linked_by, len(extracted), seconds)


# The scratch site


def _admin_connection(server=None):
    """A connection to the ``postgres`` database of ``server`` (a URL), by default of the
    embedded cluster (config.localdb)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from config import localdb

    if server is None:
        localdb.ensure_running()
        server = localdb.url()
    return psycopg.connect(**{**conninfo_to_dict(server), "dbname": "postgres"}, autocommit=True)


@contextmanager
def scratch_site(database=SCRATCH_DB, keep_db=False, reuse_db=False, server=None, **settings):
    """Yield the environment of a site on a fresh scratch database (or the kept one, with
    ``reuse_db``) of ``server`` (a PostgreSQL URL; the embedded cluster by default), Django
    set up on it (production settings, migrated, static files collected); ``settings`` add
    variables. Each benchmark names its own database, so two can run side by side."""
    from psycopg.conninfo import conninfo_to_dict

    with _admin_connection(server) as connection:
        address = conninfo_to_dict(connection.info.dsn)
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not (reuse_db and exists):
            connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
            connection.execute(f'CREATE DATABASE "{database}"')
    # A kept database keeps its index and static files beside it (var/bench/<database>), so
    # that --reuse-db serves them again; otherwise they go with the scratch database.
    kept = keep_db or reuse_db
    workdir = (
        ROOT / "var" / "bench" / database if kept else Path(tempfile.mkdtemp(prefix="bench-site-"))
    )
    if kept and not reuse_db:
        shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://{user}@{host}:{port}/{database}".format(
            **address, database=database
        ),
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
        if not kept:
            with _admin_connection(server) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
            shutil.rmtree(workdir, ignore_errors=True)


def static_path(env):
    """The URL of the stylesheet under its hashed name: the static-file floor."""
    manifest = Path(env["STATIC_ROOT"]) / "staticfiles.json"
    return "/static/" + json.loads(manifest.read_text())["paths"]["css/site.css"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path):
    """(status, milliseconds, X-Cache header or "") of one GET on a fresh connection."""
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    return response.status, elapsed, response.getheader("X-Cache", "")


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


def _pid_file(port):
    return Path(tempfile.gettempdir()) / f"bench-gunicorn-{port}.pid"


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
            "--pid",
            str(_pid_file(port)),
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


def workers_memory_mb(port):
    """Each worker's memory (MB) of the gunicorn serving ``port``: its peak resident set
    (VmHWM) and, now, the part of it that is its own (RssAnon) and the part that is pages of
    files it maps (RssFile: the Whoosh index's segments, shared with the other workers and
    the page cache)."""
    master = _pid_file(port).read_text().strip()
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    workers = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kilobytes = {
            name: int(re.search(rf"^{name}:\s+(\d+) kB", status, re.M).group(1))
            for name in ("VmHWM", "RssAnon", "RssFile")
        }
        workers.append({
            "peak": round(kilobytes["VmHWM"] / 1024),
            "own": round(kilobytes["RssAnon"] / 1024),
            "mapped_files": round(kilobytes["RssFile"] / 1024),
        })  # fmt: skip
    return workers


def build_search_index(reuse=False):
    """Index the articles (two processes) when the search app has registered an index, unless
    ``reuse`` (--reuse-db) and the kept site's index holds every published article; say
    which. A fill's own writes are owed to the index (search.outbox) and paid by the
    rebuild, so a fresh fill is always rebuilt, as an operator would (common runs are sampled only then). Pages that
    use the index (an article's related articles, search) are timed on it."""
    from django.core.management import call_command
    from haystack import connections

    from archive.models import Article

    if not connections["default"].get_unified_index().get_indexed_models():
        return "none registered"
    from search.engine import engine

    if reuse and engine().document_count() == Article.objects.published().count():
        return "reused"
    call_command("index_articles", procs=2, verbosity=0)
    return "built"


def settle(below=1.0, longest=120):
    """Before timing: write out what the fill and the index build left in PostgreSQL's
    buffers (CHECKPOINT), then wait until the machine's 1-minute load average falls below
    ``below`` (at most ``longest`` seconds), so that the figures are not those of the
    background work a fill leaves behind. Returns the seconds waited."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    while os.getloadavg()[0] >= below and time.monotonic() - started < longest:
        time.sleep(2)
    return round(time.monotonic() - started)


def page_urls(seed=7, popularity="uniform", per_page=300):
    """Pools of URLs of the loaded site for each browse page, spread over the whole archive so
    that a page cache is only as warm as real reuse makes it: up to ``per_page`` regions (of
    every level, with and without a year filter, first and second pages), bureaus, date
    archives (every year and month) and ten times as many random articles; with ``zipf``
    popularity every region, bureau and article, in random order (the order is the rank)."""
    from archive import browse, counts
    from archive.models import Article, Region

    rng = random.Random(seed)

    def sample(items, size):
        items = sorted(items)
        return rng.sample(items, len(items) if popularity == "zipf" else min(size, len(items)))

    timeline = counts.timeline()
    years = [year for year, _ in timeline.years()]
    region_counts = counts.region_counts()
    regions = Region.objects.in_bulk(list(region_counts))
    region_codes = sample([r.code for r in regions.values()], per_page)
    by_code = {region.code: region_counts[pk] for pk, region in regions.items()}
    region_urls = []
    for n, code in enumerate(region_codes):
        suffix = ["", "?page=2", f"?year={rng.choice(years)}" if years else ""][n % 3]
        if suffix == "?page=2" and by_code[code] <= browse.PER_PAGE + browse.ORPHANS:
            suffix = ""  # no second page
        region_urls.append(f"/regions/{code}/{suffix}")
    agency_counts = counts.agency_counts()
    agency_ids = sample(agency_counts, per_page)
    agency_urls = ["/agencies/"] + [f"/agencies/{pk}/" for pk in agency_ids]
    archive_urls = ["/archive/"] + [f"/archive/{year}/" for year in years]
    archive_urls += [f"/archive/{month.year}/{month.month}/" for month, _ in timeline.months]
    article_ids = list(Article.objects.published().values_list("pk", flat=True))
    article_urls = [f"/articles/{pk}/" for pk in sample(article_ids, per_page * 10)]
    return {
        "home": ["/"],
        "region": region_urls,
        "agency": agency_urls,
        "archive": archive_urls,
        "article": article_urls,
    }


def drawer(urls, popularity, rng):
    """A function drawing one of ``urls``: uniformly, or the n-th with weight 1/n (Zipf)."""
    if popularity == "uniform":
        return lambda: rng.choice(urls)
    weights = list(itertools.accumulate(1 / rank for rank in range(1, len(urls) + 1)))
    return lambda: rng.choices(urls, cum_weights=weights)[0]
