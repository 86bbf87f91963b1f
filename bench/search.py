"""Search benchmark: import real articles, build the index, measure recall and latency.

    .venv/bin/python bench/search.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 10000
    .venv/bin/python bench/search.py --corpus ../shared/corpus/xwlb-stories.jsonl --scale 100000
    .venv/bin/python bench/search.py --corpus ../shared/corpus/xwlb-stories.jsonl --backend postgres

    .venv/bin/python bench/search.py --corpus ../shared/corpus/xwlb-stories.jsonl --scale 1000000 --keep-db --rate 20

Works in a scratch database (``bench_search``) of the embedded PostgreSQL and a scratch index
under var/bench/, both recreated each run unless ``--keep-db`` finds them built by an earlier
run with the same corpus, size and seed (a build at a million articles takes tens of minutes;
re-measuring should not). ``--scale N`` reuses the stories under new ids with dates shifted by
whole years. Prints a table, then one line of JSON with the same figures.

Latency is measured through Django's test client on ``/api/search/`` (facets included),
next to a PostgreSQL ``ILIKE`` scan and the peers of ``bench/peers.py`` (``pg_trgm``, Tantivy)
for the same queries on the same data, in the same run; every system's recall is checked
against a brute-force scan of the folded text. With ``--rate R`` every system is timed at R
queries a second, each latency counted from the moment its query was due, so a slow answer
delays the ones behind it and shows in their figures too; without it, back to back.
"""

import argparse
import datetime
import hashlib
import html
import json
import os
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

import peers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "bench_search"
# Han queries only: the substring guarantee is for Han text (Latin and digits match whole
# tokens, so 110 does not find 11000).
POLICE_WORDS = [
    "公安",
    "派出所",
    "民警",
    "反诈",
    "户籍",
    "交警",
    "警察",
    "消防",
    "身份证",
    "电信诈骗",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="JSONL with title, body (HTML) and date")
    parser.add_argument("--limit", type=int, default=10000, help="stories to load")
    parser.add_argument("--scale", type=int, help="articles to create, reusing stories")
    parser.add_argument("--procs", type=int, default=2, help="indexing processes")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the scratch database and index, and reuse them when they match this run",
    )
    parser.add_argument("--rate", type=float, help="queries a second for every timed system")
    parser.add_argument(
        "--backend", choices=("whoosh", "postgres"), default="whoosh", help="search engine"
    )
    return parser.parse_args()


STAMP = ROOT / "var" / "bench" / "search_build.json"


def build_key(args):
    """What decides the scratch data: a kept build is reused only for the same key."""
    corpus = str(args.corpus.resolve()) if args.corpus else None
    return {
        "corpus": corpus,
        "limit": args.limit,
        "scale": args.scale,
        "seed": args.seed,
        "backend": args.backend,
    }


def kept_build(args):
    """The figures of the kept build this run may reuse, or None."""
    if not args.keep_db or not STAMP.exists():
        return None
    stamp = json.loads(STAMP.read_text())
    return stamp if stamp.get("key") == build_key(args) else None


def peak_rss_mb(who=resource.RUSAGE_SELF):
    """The peak resident memory of this process (or of its largest finished child)."""
    return round(resource.getrusage(who).ru_maxrss / 1024)


def setup_django(search_backend, recreate=True):
    """The scratch database on the server DATABASE_URL names (Debian's PostgreSQL, say, which
    ships pg_trgm), else on the embedded one; dropped and made anew when ``recreate``."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    if os.environ.get("DATABASE_URL"):
        server = conninfo_to_dict(os.environ["DATABASE_URL"])
    else:
        from config import localdb

        localdb.ensure_running()
        server = {"host": localdb.HOST, "port": localdb.port(), "user": localdb.USER}
    if recreate:
        with psycopg.connect(**{**server, "dbname": "postgres"}, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
            connection.execute(f'CREATE DATABASE "{BENCH_DB}"')
    scratch = make_conninfo(**{**server, "dbname": BENCH_DB})
    os.environ["DATABASE_URL"] = "postgresql://{user}@{host}:{port}/{dbname}".format(
        **conninfo_to_dict(scratch)
    )
    os.environ["SEARCH_INDEX_PATH"] = str(ROOT / "var" / "bench" / "search_index")
    os.environ["SEARCH_BACKEND"] = search_backend
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def html_to_text(body):
    text = re.sub(r"</p>|<br\s*/?>", "\n", body)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def generated_stories(count, rng):
    words = [
        "公安",
        "分局",
        "派出所",
        "民警",
        "户籍",
        "办理",
        "群众",
        "便民",
        "服务",
        "反诈",
        "宣传",
    ]
    for _ in range(count):
        body = "，".join("".join(rng.choices(words, k=4)) for _ in range(40)) + "。"
        yield {
            "title": "".join(rng.choices(words, k=5)),
            "body": f"<p>{body}</p>",
            "date": "2023-01-01",
        }


def read_stories(args, rng):
    if args.corpus is None:
        return list(generated_stories(args.limit, rng))
    stories = []
    with args.corpus.open(encoding="utf-8") as handle:
        for line in handle:
            stories.append(json.loads(line))
            if len(stories) >= args.limit and not args.scale:
                break
    return stories


def load(stories, total, rng):
    """Bulk-create ``total`` articles (cycling through ``stories``) with region/agency links."""
    from django.utils import timezone

    from archive.models import (
        Agency,
        Article,
        ArticleAgency,
        ArticleInitiative,
        ArticleRegion,
        Initiative,
        Region,
    )

    # The gazetteer migration loads real regions and initiatives; make them only if absent.
    cities = list(Region.objects.filter(level=Region.Level.CITY).order_by("code")[:50])
    if not cities:
        province = Region.objects.create(code="990000", name="测试省", level="province")
        cities = [
            Region.objects.create(
                code=f"99{c:02d}00", name=f"测试市{c}", level="city", parent=province
            )
            for c in range(1, 51)
        ]
    agencies = [
        Agency.objects.get_or_create(name=f"{city.name}公安局", region=city)[0] for city in cities
    ]
    initiatives = [
        Initiative.objects.get_or_create(name=name, defaults={"slug": f"bench-{n}"})[0]
        for n, name in enumerate(["我为群众办实事", "放管服", "海燕直通车", "一网通办", "平安守护"])
    ]
    articles = []
    for n in range(total):
        story = stories[n % len(stories)]
        copy = n // len(stories)
        day = datetime.date.fromisoformat(story["date"]) - datetime.timedelta(days=365 * copy)
        body = html_to_text(story["body"])
        title = story["title"] if copy == 0 else f"{story['title']}（{copy}）"
        articles.append(
            Article(
                title=title[:300],
                body_text=body,
                body_html=story["body"],
                title_simplified=title[:300],
                body_simplified=body,
                published_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(19))),
                date_precision="day",
                content_hash=hashlib.sha256(f"{n}\n{title}\n{body}".encode()).hexdigest(),
            )
        )
    created = []
    for start in range(0, len(articles), 2000):
        created.extend(Article.objects.bulk_create(articles[start : start + 2000]))
    regions, agency_links, initiative_links = [], [], []
    for article in created:
        city = rng.randrange(len(cities))
        regions.append(ArticleRegion(article=article, region=cities[city], is_primary=True))
        if rng.random() < 0.6:
            agency_links.append(ArticleAgency(article=article, agency=agencies[city]))
        if rng.random() < 0.1:
            initiative_links.append(
                ArticleInitiative(article=article, initiative=rng.choice(initiatives))
            )
    for model, rows in (
        (ArticleRegion, regions),
        (ArticleAgency, agency_links),
        (ArticleInitiative, initiative_links),
    ):
        model.objects.bulk_create(rows, batch_size=5000)
    return created


def pick_queries(articles, count, rng):
    """Half single words (police words and Han substrings of bodies), half two-word queries."""
    from search.analysis import HAN_RUN

    pieces = []
    while len(pieces) < count * 2:
        runs_ = HAN_RUN.findall(rng.choice(articles).body_text)
        long_runs = [r for r in runs_ if len(r) >= 4]
        if long_runs:
            run = rng.choice(long_runs)
            size = rng.choice([2, 2, 3, 4])
            start = rng.randrange(len(run) - size + 1)
            pieces.append(run[start : start + size])
    queries = list(POLICE_WORDS)
    queries += pieces[: count // 2 - len(queries)]
    queries += [
        f"{a} {b}"
        for a, b in zip(pieces[count // 2 :: 2], pieces[count // 2 + 1 :: 2], strict=False)
    ]
    return queries[:count]


def build(args, rng):
    """Load the articles and build the index, or reuse a kept build that matches ``args``.
    Returns (articles, figures of the build)."""
    from archive.models import Article
    from search.engine import engine

    stamp = kept_build(args)
    if stamp is not None:
        articles = list(Article.objects.only("pk", "title", "body_text").order_by("pk"))
        if len(articles) == stamp["articles"] == engine().document_count():
            return articles, {**stamp["figures"], "reused_build": True}
        sys.exit("the kept build is incomplete; run again without --keep-db to rebuild it")
    STAMP.unlink(missing_ok=True)
    stories = read_stories(args, rng)
    total = args.scale or min(args.limit, len(stories))
    started = time.perf_counter()
    articles = load(stories, total, rng)
    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    indexed = engine().rebuild(batch_size=1000, procs=args.procs)
    index_seconds = time.perf_counter() - started
    figures = {
        "import_s": round(import_seconds, 1),
        "index_s": round(index_seconds, 1),
        "import_plus_index_s": round(import_seconds + index_seconds, 1),
        "index_docs_per_s": round(indexed / index_seconds, 1),
        "index_chars_per_s": round(sum(len(a.body_text) for a in articles) / index_seconds),
        "build_peak_rss_mb": max(peak_rss_mb(), peak_rss_mb(resource.RUSAGE_CHILDREN)),
    }
    if args.keep_db:
        STAMP.parent.mkdir(parents=True, exist_ok=True)
        STAMP.write_text(
            json.dumps({"key": build_key(args), "articles": total, "figures": figures})
        )
    return articles, figures


def timed(calls, rate=None):
    """Milliseconds each call took: back to back, or at ``rate`` calls a second counted from
    when each was due (bench/peers.py times the peers the same way)."""
    timings = []
    start = time.perf_counter()
    for n, call in enumerate(calls):
        due = start + n / rate if rate else time.perf_counter()
        if rate:
            time.sleep(max(0.0, due - time.perf_counter()))
        call()
        timings.append((time.perf_counter() - due) * 1000)
    return timings


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def index_size(search_backend, connection):
    """Bytes the index takes: Whoosh's files, or the PostgreSQL engine's table with its
    indexes and TOAST."""
    if search_backend == "postgres":
        from search.models import IndexedArticle

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [IndexedArticle._meta.db_table])
            return cursor.fetchone()[0]
    index_dir = Path(os.environ["SEARCH_INDEX_PATH"])
    return sum(p.stat().st_size for p in index_dir.glob("*") if p.is_file())


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    setup_django(args.backend, recreate=kept_build(args) is None)
    from django.db import connection
    from django.test import Client

    from search.analysis import fold
    from search.engine import engine
    from search.query import parse

    articles, build_figures = build(args, rng)
    total = len(articles)
    body_bytes = sum(len(a.body_text.encode()) for a in articles)
    index_bytes = index_size(args.backend, connection)

    # their own generator: a kept build asks the same queries as the run that built it
    queries = pick_queries(articles, args.queries, random.Random(args.seed))
    folded = [(a.pk, fold(a.title), fold(a.body_text)) for a in articles]
    expected = {}  # the brute-force scan every system is checked against
    for query in queries:
        needles = [fold(word) for word in query.split()]
        expected[query] = {pk for pk, t, b in folded if all(n in t or n in b for n in needles)}
    backend = engine()
    recall_hits = recall_total = false_hits = 0
    for query in queries:
        found = set(backend.find(parse(query)))
        recall_hits += len(expected[query] & found)
        recall_total += len(expected[query])
        false_hits += len(found - expected[query])

    # the engine alone, as the peers are measured: every match, no page
    engine_ms = timed(
        [lambda query=query: backend.find(parse(query)).article_ids() for query in queries],
        args.rate,
    )

    client = Client()
    for query in queries[:10]:  # warm up: jieba, the searcher, column caches, query plans
        client.get("/api/search/", {"q": query})
    rss_before_api = peak_rss_mb()

    def ask(query):
        response = client.get("/api/search/", {"q": query})
        assert response.status_code == 200, (query, response.status_code)

    api_ms = dict(
        zip(
            queries,
            timed([lambda query=query: ask(query) for query in queries], args.rate),
            strict=True,
        )
    )

    ilike_ms = {}
    with connection.cursor() as cursor:
        for query in queries:
            words = query.split()
            where = " AND ".join(["(title ILIKE %s OR body_text ILIKE %s)"] * len(words))
            params = [f"%{w}%" for w in words for _ in range(2)]
            started = time.perf_counter()
            cursor.execute(
                f"SELECT id FROM archive_article WHERE status = 'published' AND {where} "
                "ORDER BY published_at DESC",
                params,
            )
            cursor.fetchall()
            ilike_ms[query] = (time.perf_counter() - started) * 1000

    short = [q for q in queries if len(q.split()) <= 2]
    figures = {
        "backend": args.backend,
        "articles": total,
        **build_figures,
        "rate": args.rate or "back to back",
        "search_peak_rss_mb": peak_rss_mb(),
        "search_rss_growth_mb": peak_rss_mb() - rss_before_api,
        "body_text_mb": round(body_bytes / 1e6, 1),
        "index_mb": round(index_bytes / 1e6, 1),
        "index_vs_text": round(index_bytes / body_bytes, 2),
        "queries": len(queries),
        "recall": round(recall_hits / recall_total, 4) if recall_total else 1.0,
        "false_hits": false_hits,
        "api_p50_ms": round(percentile(list(api_ms.values()), 0.5), 1),
        "api_p95_ms": round(percentile([api_ms[q] for q in short], 0.95), 1),
        "api_p99_ms": round(percentile([api_ms[q] for q in short], 0.99), 1),
        "ilike_p50_ms": round(percentile(list(ilike_ms.values()), 0.5), 1),
        "ilike_p95_ms": round(percentile(list(ilike_ms.values()), 0.95), 1),
    }
    figures["ilike_over_api_p95"] = round(figures["ilike_p95_ms"] / figures["api_p95_ms"], 1)
    figures["api_over_100ms"] = sum(1 for q in short if api_ms[q] > 100)
    if args.backend == "whoosh":
        figures["common_runs"] = len(backend.searched_common_runs())
    slowest = sorted(api_ms.items(), key=lambda item: -item[1])[:5]
    figures["slowest_api"] = {q: round(ms, 1) for q, ms in slowest}
    figures["mean_hits"] = round(statistics.mean(len(backend.find(parse(q))) for q in queries), 1)

    figures["engine"] = {
        "p50_ms": round(percentile(engine_ms, 0.5), 2),
        "p95_ms": round(percentile(engine_ms, 0.95), 2),
        "p99_ms": round(percentile(engine_ms, 0.99), 2),
    }
    figures["peers"] = {
        peer.name: peers.measure(peer, folded, queries, expected, percentile, timed, args.rate)
        for peer in (peers.TrigramPeer(connection), peers.TantivyPeer())
    }
    for figure in figures["peers"].values():
        if figure["available"]:
            figure["p95_vs_archive_find"] = round(figure["p95_ms"] / figures["engine"]["p95_ms"], 2)

    width = max(len(key) for key in figures)
    for key, value in figures.items():
        if key not in ("peers", "engine"):
            print(f"{key:<{width}}  {value}")
    print_peers(figures)
    print(json.dumps(figures, ensure_ascii=False))


def print_peers(figures):
    """The archive beside each peer: one row each, the same columns."""
    columns = ("recall", "false_hits", "p50_ms", "p95_ms", "p99_ms", "build_s", "index_mb",
               "build_rss_mb")  # fmt: skip
    print(f"\n{'system':<12}" + "".join(f"{c:>13}" for c in columns))
    archive = {
        "recall": figures["recall"], "false_hits": figures["false_hits"],
        "p50_ms": figures["api_p50_ms"], "p95_ms": figures["api_p95_ms"],
        "p99_ms": figures["api_p99_ms"], "build_s": figures["index_s"],
        "index_mb": figures["index_mb"], "build_rss_mb": figures["build_peak_rss_mb"],
    }  # fmt: skip
    print(f"{'archive api':<12}" + "".join(f"{archive[c]:>13}" for c in columns))
    engine_row = {**archive, **figures["engine"]}
    print(f"{'archive find':<12}" + "".join(f"{engine_row[c]:>13}" for c in columns))
    for name, figure in figures["peers"].items():
        if figure["available"]:
            print(f"{name:<12}" + "".join(f"{figure[c]:>13}" for c in columns))
        else:
            print(f"{name:<12}  not measured: {figure['reason']}")


if __name__ == "__main__":
    main()
