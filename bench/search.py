"""Search benchmark: import real articles, build the index, measure recall and latency.

    .venv/bin/python bench/search.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 10000
    .venv/bin/python bench/search.py --corpus ../shared/corpus/xwlb-stories.jsonl --scale 100000
    .venv/bin/python bench/search.py --corpus ../shared/corpus/xwlb-stories.jsonl --backend whoosh,postgres

    .venv/bin/python bench/search.py --corpus ../shared/corpus/xwlb-stories.jsonl --scale 1000000 --keep-db --rate 20

Works in a scratch database (``bench_search``, or ``--db``) of the embedded PostgreSQL and a
scratch index under var/bench/<database>/, both recreated each run unless ``--keep-db`` finds the articles loaded by an
earlier run with the same corpus, size and seed (a build at a million articles takes tens of
minutes; re-measuring should not). ``--backend`` names one search engine or several, each
built on the same articles and timed on the same queries in the same run; a kept build keeps
each engine's index too, so a later run adds only the engines it lacks. ``--scale N`` reuses
the stories under new ids with dates shifted by whole years. Prints a table, then one line of
JSON with the same figures.

Latency is measured through Django's test client on ``/api/search/`` (facets included),
next to a PostgreSQL ``ILIKE`` scan and the peers of ``bench/peers.py`` (``pg_trgm``, Tantivy)
for the same queries on the same data, in the same run; every system's recall is checked
against a brute-force scan of the folded text. With ``--rate R`` every system is timed at R
queries a second, each latency counted from the moment its query was due, so a slow answer
delays the ones behind it and shows in their figures too; without it, back to back. Last,
each engine is asked again right after each of a few writes (``after_write``): the first
search of a new index generation, which rebuilds what is kept per generation.
"""

import argparse
import datetime
import gc
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

import common
import peers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ENGINES = ("whoosh", "postgres")
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
    parser.add_argument(
        "--peers",
        type=peer_names,
        default=[peer.name for peer in PEERS],
        help="the peers to measure, comma-separated (pg_trgm needs a server that ships it)",
    )
    parser.add_argument(
        "--db", default="bench_search", help="scratch database (and var/bench/ folder) name"
    )
    parser.add_argument("--rate", type=float, help="queries a second for every timed system")
    parser.add_argument(
        "--backend",
        type=engine_names,
        default=["whoosh"],
        help="search engines, comma-separated: whoosh, postgres or both",
    )
    return parser.parse_args()


def engine_names(value):
    """``--backend``'s engines, in the order given."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(ENGINES))
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"choose among {', '.join(ENGINES)}; not {unknown}")
    return list(dict.fromkeys(names))


def workdir(args):
    """The folder of this run's scratch index and of the stamp of a kept build."""
    return ROOT / "var" / "bench" / args.db


def build_key(args):
    """What decides the scratch articles: a kept build is reused only for the same key."""
    corpus = str(args.corpus.resolve()) if args.corpus else None
    return {"corpus": corpus, "limit": args.limit, "scale": args.scale, "seed": args.seed}


def kept_build(args):
    """The kept build this run may reuse (its articles' count and load figures, and each
    engine's index figures), or None."""
    stamp_path = workdir(args) / "build.json"
    if not args.keep_db or not stamp_path.exists():
        return None
    stamp = json.loads(stamp_path.read_text())
    return stamp if stamp.get("key") == build_key(args) else None


def use_engine(name):
    """Make ``name`` the engine the site and ``search.engine.engine()`` use from now on."""
    from django.conf import settings
    from haystack import connections

    connections.connections_info["default"] = settings.SEARCH_ENGINES[name]
    connections.reload("default")


def peak_rss_mb(who=resource.RUSAGE_SELF):
    """The peak resident memory of this process (or of its largest finished child)."""
    return round(resource.getrusage(who).ru_maxrss / 1024)


def setup_django(args, recreate=True):
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
            connection.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
            connection.execute(f'CREATE DATABASE "{args.db}"')
    scratch = make_conninfo(**{**server, "dbname": args.db})
    os.environ["DATABASE_URL"] = "postgresql://{user}@{host}:{port}/{dbname}".format(
        **conninfo_to_dict(scratch)
    )
    os.environ["SEARCH_INDEX_PATH"] = str(workdir(args) / "index")
    os.environ["STATIC_ROOT"] = str(workdir(args) / "static")  # the search page's stylesheet
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)


PEERS = (peers.TrigramPeer, peers.TantivyPeer)


def peer_names(value):
    """``--peers``: known peer names, comma-separated; none with an empty value."""
    names = [name for name in value.split(",") if name]
    known = [peer.name for peer in PEERS]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown peer {', '.join(unknown)}; the peers are {', '.join(known)}"
        )
    return names


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

    from archive import counts
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
    counts.rebuild()  # bulk_create bypasses the browse counts the site keeps
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
    """Load the articles, or reuse the kept ones that match ``args``; returns (articles,
    figures of the load, the stamp to record each engine's index in)."""
    from archive.models import Article

    stamp = kept_build(args)
    if stamp is not None:
        articles = list(Article.objects.only("pk", "title", "body_text").order_by("pk"))
        if len(articles) != stamp["articles"]:
            sys.exit("the kept build is incomplete; run again without --keep-db to rebuild it")
        return articles, {**stamp["load"], "reused_build": True}, stamp
    (workdir(args) / "build.json").unlink(missing_ok=True)
    stories = read_stories(args, rng)
    total = args.scale or min(args.limit, len(stories))
    started = time.perf_counter()
    articles = load(stories, total, rng)
    figures = {"import_s": round(time.perf_counter() - started, 1)}
    stamp = {"key": build_key(args), "articles": total, "load": figures, "indexes": {}}
    return articles, figures, stamp


def build_index(name, args, articles, stamp):
    """The engine ``name``'s index of ``articles``: the kept one when ``stamp`` has it and it
    is whole, else built now (and recorded in the stamp when ``--keep-db``)."""
    from search.engine import engine

    use_engine(name)
    kept = stamp["indexes"].get(name)
    if kept is not None and engine().document_count() == len(articles):
        return {**kept, "reused_index": True}
    started = time.perf_counter()
    indexed = engine().rebuild(batch_size=1000, procs=args.procs)
    index_seconds = time.perf_counter() - started
    figures = {
        "index_s": round(index_seconds, 1),
        "import_plus_index_s": round(stamp["load"]["import_s"] + index_seconds, 1),
        "index_docs_per_s": round(indexed / index_seconds, 1),
        "index_chars_per_s": round(sum(len(a.body_text) for a in articles) / index_seconds),
        "build_peak_rss_mb": max(peak_rss_mb(), peak_rss_mb(resource.RUSAGE_CHILDREN)),
    }
    if args.keep_db:
        stamp["indexes"][name] = figures
        workdir(args).mkdir(parents=True, exist_ok=True)
        (workdir(args) / "build.json").write_text(json.dumps(stamp))
    return figures


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
    """Bytes the index takes: Whoosh's files, or the PostgreSQL engine's tables (its rows and
    postings) with their indexes and TOAST."""
    if search_backend == "postgres":
        from search.models import IndexedArticle, IndexPosting

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size(%s) + pg_total_relation_size(%s)",
                [IndexedArticle._meta.db_table, IndexPosting._meta.db_table],
            )
            return cursor.fetchone()[0]
    index_dir = Path(os.environ["SEARCH_INDEX_PATH"])
    return sum(p.stat().st_size for p in index_dir.glob("*") if p.is_file())


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    setup_django(args, recreate=kept_build(args) is None)
    from django.db import connection

    from search.analysis import fold

    articles, load_figures, stamp = build(args, rng)
    body_bytes = sum(len(a.body_text.encode()) for a in articles)

    # their own generator: a kept build asks the same queries as the run that built it
    queries = pick_queries(articles, args.queries, random.Random(args.seed))
    folded = [(a.pk, fold(a.title), fold(a.body_text)) for a in articles]
    expected = {}  # the brute-force scan every system is checked against
    for query in queries:
        needles = [fold(word) for word in query.split()]
        expected[query] = {pk for pk, t, b in folded if all(n in t or n in b for n in needles)}
    short = [q for q in queries if len(q.split()) <= 2]
    # This process holds every article twice (the rows, the folded texts the scan reads):
    # millions of objects that each full pass of the garbage collector would walk, pauses of
    # tens of milliseconds landing on random timed requests. A gunicorn worker holds none of
    # them; so they are frozen out of the collector's passes before anything is timed.
    gc.collect()
    gc.freeze()

    figures = {
        "articles": len(articles),
        **load_figures,
        "body_text_mb": round(body_bytes / 1e6, 1),
        "queries": len(queries),
        "rate": args.rate or "back to back",
        "mean_hits": round(statistics.mean(len(expected[q]) for q in queries), 1),
    }
    figures["engines"] = {}
    for name in args.backend:
        engine_figures = build_index(name, args, articles, stamp)
        engine_figures["index_mb"] = round(index_size(name, connection) / 1e6, 1)
        engine_figures["index_vs_text"] = round(engine_figures["index_mb"] * 1e6 / body_bytes, 2)
        engine_figures.update(measure_engine(queries, short, expected, args.rate))
        engine_figures["served"] = served_figures(name, queries)
        figures["engines"][name] = engine_figures
    figures.update(ilike_figures(connection, queries))
    first = figures["engines"][args.backend[0]]
    figures["ilike_over_api_p95"] = round(figures["ilike_p95_ms"] / first["api_p95_ms"], 1)

    figures["peers"] = {
        peer.name: peers.measure(peer, folded, queries, expected, percentile, timed, args.rate)
        for peer in (kind(connection) for kind in PEERS if kind.name in args.peers)
    }
    for figure in figures["peers"].values():
        if figure["available"]:
            figure["p95_vs_archive_find"] = round(figure["p95_ms"] / first["find"]["p95_ms"], 2)
    figures["by_class"] = by_class(queries, first["find"].pop("ms_by_query"), figures["peers"])
    for engine_figures in figures["engines"].values():
        engine_figures["find"].pop("ms_by_query", None)

    width = max(len(key) for key in figures)
    for key, value in figures.items():
        if key not in ("peers", "engines"):
            print(f"{key:<{width}}  {value}")
    for name, engine_figures in figures["engines"].items():
        print(f"\n{name}")
        width = max(len(key) for key in engine_figures)
        for key, value in engine_figures.items():
            if key != "find":
                print(f"  {key:<{width}}  {value}")
    print_systems(figures)
    print_by_class(figures["by_class"])
    print(json.dumps(figures, ensure_ascii=False))


def measure_engine(queries, short, expected, rate):
    """The engine in use (``use_engine``) on ``queries``: recall and false hits against
    ``expected``, the engine alone timed as the peers are, then ``/api/search/`` with facets."""
    from django.test import Client

    from search.engine import engine
    from search.query import parse

    backend = engine()
    recall_hits = recall_total = false_hits = 0
    for query in queries:
        found = set(backend.find(parse(query)))
        recall_hits += len(expected[query] & found)
        recall_total += len(expected[query])
        false_hits += len(found - expected[query])

    # the engine alone, as the peers are measured: every match, no page
    find_ms = timed(
        [lambda query=query: backend.find(parse(query)).article_ids() for query in queries], rate
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
            queries, timed([lambda query=query: ask(query) for query in queries], rate), strict=True
        )
    )
    figures = {
        "search_peak_rss_mb": peak_rss_mb(),
        "search_rss_growth_mb": peak_rss_mb() - rss_before_api,
        "recall": round(recall_hits / recall_total, 4) if recall_total else 1.0,
        "false_hits": false_hits,
        "api_p50_ms": round(percentile(list(api_ms.values()), 0.5), 1),
        "api_p95_ms": round(percentile([api_ms[q] for q in short], 0.95), 1),
        "api_p99_ms": round(percentile([api_ms[q] for q in short], 0.99), 1),
        "api_max_ms": round(max(api_ms.values()), 1),
        "api_over_100ms": sum(1 for q in short if api_ms[q] > 100),
        "api_over_1s": sum(1 for ms in api_ms.values() if ms > 1000),
        "slowest_api": {
            q: round(ms, 1) for q, ms in sorted(api_ms.items(), key=lambda item: -item[1])[:5]
        },
        "find": {
            "p50_ms": round(percentile(find_ms, 0.5), 2),
            "p95_ms": round(percentile(find_ms, 0.95), 2),
            "p99_ms": round(percentile(find_ms, 0.99), 2),
            "ms_by_query": dict(zip(queries, find_ms, strict=True)),  # for by_class
        },
    }
    figures.update(after_write_figures(queries, ask))
    if hasattr(backend, "searched_common_runs"):  # the Whoosh engine's list of common runs
        figures["common_runs"] = len(backend.searched_common_runs())
    return figures


AFTER_WRITES = 10


def after_write_figures(queries, ask):
    """``/api/search/`` asked right after a write, ``AFTER_WRITES`` times: an article rewritten
    through the engine (as the write pipeline's worker does), then one query. The first
    search of a new generation pays for what is kept per generation (the date order, the
    facet bitmaps, a reopened searcher), which the warm figures above never show."""
    from archive.models import Article
    from search.engine import engine

    article_ids = Article.objects.published().order_by("pk").values_list("pk", flat=True)
    write_ms, search_ms = [], []
    for n, article_id in enumerate(article_ids[:AFTER_WRITES]):
        started = time.perf_counter()
        engine().update_articles([article_id])
        write_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        ask(queries[n % len(queries)])
        search_ms.append((time.perf_counter() - started) * 1000)
    return {
        "write_p50_ms": round(percentile(write_ms, 0.5), 1),
        "after_write_p50_ms": round(percentile(search_ms, 0.5), 1),
        "after_write_max_ms": round(max(search_ms), 1),
    }


def served_figures(name, queries):
    """The search page and ``/api/search/`` served by gunicorn (2 workers) with engine
    ``name``, each query asked once of each: latency over HTTP, and how much memory each
    worker reached (the archive's limit is per worker; this process holds the benchmark's
    own copies of every article)."""
    from urllib.parse import urlencode

    env = {**os.environ, "SEARCH_BACKEND": name, "ALLOWED_HOSTS": "127.0.0.1"}
    timings = {"search_page": [], "api": []}
    with common.gunicorn(env, workers=2) as port:
        for query in queries:
            for page, path in (("search_page", "/search/"), ("api", "/api/search/")):
                status, elapsed, _ = common.get(port, f"{path}?{urlencode({'q': query})}")
                if status != 200:
                    raise RuntimeError(f"{path} answered {status} for {query!r}")
                timings[page].append(elapsed)
        workers = common.workers_memory_mb(port)
    figures = {"worker_memory_mb": workers}
    for page, values in timings.items():
        figures[f"{page}_p50_ms"] = round(percentile(values, 0.5), 1)
        figures[f"{page}_p95_ms"] = round(percentile(values, 0.95), 1)
    return figures


ILIKE_QUERIES = 20  # each is a scan of every article: seconds apiece at a million


def ilike_figures(connection, queries):
    """A plain ``ILIKE`` scan of the published articles for the first ``ILIKE_QUERIES``
    queries: the floor a Django user without a search engine starts from."""
    ilike_ms = []
    with connection.cursor() as cursor:
        for query in queries[:ILIKE_QUERIES]:
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
            ilike_ms.append((time.perf_counter() - started) * 1000)
    return {
        "ilike_queries": len(ilike_ms),
        "ilike_p50_ms": round(percentile(ilike_ms, 0.5), 1),
        "ilike_p95_ms": round(percentile(ilike_ms, 0.95), 1),
    }


def query_class(query):
    """The kinds of query the mix holds (``pick_queries``), for ``by_class``."""
    if len(query.split()) > 1:
        return "two words"
    return "two characters" if len(query) <= 2 else "three or more characters"


def by_class(queries, archive_ms, peer_figures):
    """For each kind of query: how many, the first engine's p50 alone and each peer's, and on
    how many of them the peer answered sooner than the engine (which queries a peer is
    faster on, as the README says). Takes the peers' per-query timings out of their figures."""
    peer_ms = {
        name: figure.pop("ms_by_query")
        for name, figure in peer_figures.items()
        if figure["available"]
    }
    table = {}
    for kind in ("two characters", "three or more characters", "two words"):
        members = [query for query in queries if query_class(query) == kind]
        if not members:
            continue
        row = {
            "queries": len(members),
            "archive_find_p50_ms": round(percentile([archive_ms[q] for q in members], 0.5), 2),
        }
        for name, ms in peer_ms.items():
            row[f"{name}_p50_ms"] = round(percentile([ms[q] for q in members], 0.5), 2)
            row[f"{name}_faster_on"] = sum(1 for q in members if ms[q] < archive_ms[q])
        table[kind] = row
    return table


def print_by_class(table):
    if not table:
        return
    columns = list(next(iter(table.values())))
    print(f"\n{'kind of query':<26}" + "".join(f"{c:>22}" for c in columns))
    for kind, row in table.items():
        print(f"{kind:<26}" + "".join(f"{row[c]:>22}" for c in columns))


def print_systems(figures):
    """Each engine of the archive (through the API and alone) beside each peer: one row
    each, the same columns."""
    columns = ("recall", "false_hits", "p50_ms", "p95_ms", "p99_ms", "build_s", "index_mb",
               "build_rss_mb")  # fmt: skip
    print(f"\n{'system':<16}" + "".join(f"{c:>13}" for c in columns))
    for name, engine in figures["engines"].items():
        api = {
            "recall": engine["recall"], "false_hits": engine["false_hits"],
            "p50_ms": engine["api_p50_ms"], "p95_ms": engine["api_p95_ms"],
            "p99_ms": engine["api_p99_ms"], "build_s": engine["index_s"],
            "index_mb": engine["index_mb"], "build_rss_mb": engine["build_peak_rss_mb"],
        }  # fmt: skip
        print(f"{name + ' api':<16}" + "".join(f"{api[c]:>13}" for c in columns))
        find = {**api, **engine["find"]}
        print(f"{name + ' find':<16}" + "".join(f"{find[c]:>13}" for c in columns))
    for name, figure in figures["peers"].items():
        if figure["available"]:
            print(f"{name:<16}" + "".join(f"{figure[c]:>13}" for c in columns))
        else:
            print(f"{name:<16}  not measured: {figure['reason']}")


if __name__ == "__main__":
    main()
