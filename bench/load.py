"""Mixed load on gunicorn at rising concurrency: requests/s, latency and errors per level,
and the level where throughput stops growing; each page's p95 and cache share per level.

    python bench/load.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 10000

Loads ``--limit`` articles into a scratch database (bench/common.py; ``archive_bench_load``,
dropped afterwards unless ``--keep-db``), builds the search index when the search app
registers one, serves the site with gunicorn (2 sync workers by default) on 127.0.0.1 only,
and drives it from a small asyncio client in this process (so the load generator shares the
machine with the server, as the target demands). Each concurrency level runs for
``--seconds`` or ``--max-requests``, whichever ends first. Throughput "stops growing" at the
first level whose next level gains less than 5 %. As a floor measured in the same run,
/healthz is driven at that concurrency, and the mix's throughput is given as a share of it.

With ``--replica``, the run is of several hosts: a throwaway primary and its streaming
replica (config.localdb.primary_and_replica) instead of the embedded cluster, the
PostgreSQL search engine (rows both hosts share), and two gunicorns, host A on the primary
alone and host B with ``DATABASE_REPLICA_URL``; the clients send their requests to A and B
in turn, and the replica's share of the reads and its lag are reported.

URLs are drawn at random from pools spread over the archive (``mix_urls``), and the levels
walk on through one sequence: anonymous pages come from the page cache (archive.pagecache)
only as often as the pools repeat, and each level reports the share of answers it gave.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import statistics
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import common

# What the load mixes, by weight: each page's URLs come from common.page_urls() (pools of
# regions, bureaus, date archives and random articles), and search from the queries below
# followed by words from random titles (search_queries). Add a page here and give it URLs in mix_urls().
MIX = {
    "home": 1,
    "region": 2,
    "agency": 2,
    "archive": 1,
    "article": 4,
    "search": 2,
}
SEARCH_QUERIES = ["派出所", "反诈", "民警", "户籍", "交通安全", "便民服务", "扫黑除恶", "110"]
GROWTH = 1.05  # less than 5 % more requests/s than the level before: the knee


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_corpus_arguments(parser)
    parser.add_argument(
        "--levels",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2, 4, 8, 16, 32],
        help="concurrency levels, comma-separated",
    )
    parser.add_argument("--seconds", type=float, default=10, help="longest run of a level")
    parser.add_argument("--max-requests", type=int, default=20000, help="most requests a level")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before a request fails")
    parser.add_argument(
        "--replica",
        action="store_true",
        help="two hosts, on a throwaway primary and its streaming replica, PostgreSQL search",
    )
    args = parser.parse_args(argv)
    if args.replica and (args.keep_db or args.reuse_db):
        parser.error("--replica runs on throwaway clusters: nothing to keep or reuse")
    return args


def mix_urls(popularity, seed=7, length=50000):
    """The URL sequence the clients walk through: a page drawn by weight, then a URL drawn
    from that page's pool (common.page_urls: hundreds of regions, bureaus and months,
    thousands of random articles), with a fixed seed so that every run asks for the same
    things. The page cache is as warm as this reuse makes it, and no warmer."""
    rng = random.Random(seed)
    pools = {
        **common.page_urls(seed=seed, popularity=popularity),
        "search": [f"/search/?q={quote(query)}" for query in search_queries(rng)],
    }
    draws = {page: common.drawer(urls, popularity, rng) for page, urls in pools.items()}
    pages = rng.choices(list(MIX), weights=list(MIX.values()), k=length)
    return [(page, draws[page]()) for page in pages]


def search_queries(rng, count=300):
    """The police words above, then words from random titles (two to four Han characters),
    as readers type them: the search pages' pool."""
    from archive.models import Article

    titles = sorted(Article.objects.published().values_list("title", flat=True))
    titles = rng.sample(titles, min(count, len(titles)))
    queries = list(SEARCH_QUERIES)
    for title in titles:
        run = max(re.findall(r"[\u4e00-\u9fff]+", title) or ["民警"], key=len)
        size = min(len(run), rng.randint(2, 4))
        start = rng.randrange(len(run) - size + 1)
        queries.append(run[start : start + size])
    return list(dict.fromkeys(queries))


async def fetch(port, path, timeout):
    """(status, whether the page cache answered) of one GET on a fresh connection
    (gunicorn's sync workers close it)."""

    async def exchange():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            response = await reader.read()
        finally:
            writer.close()
        head = response.split(b"\r\n\r\n", 1)[0].lower()
        return int(response[9:12]), b"\r\nx-cache: hit" in head

    return await asyncio.wait_for(exchange(), timeout)


def _percentile(ordered, share):
    return round(ordered[max(0, int(len(ordered) * share + 0.5) - 1)], 1) if ordered else None


async def run_level(ports, sequence, concurrency, seconds, max_requests, timeout):
    """``concurrency`` clients sending back-to-back requests from the iterator ``sequence``
    of (page, URL) until time or requests run out, to each of ``ports`` in turn."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    latencies, errors = [], {}
    by_page = {}  # page -> [latencies of its 200s, cache hits]
    sent = hits = 0
    hosts = itertools.cycle(ports)

    async def client():
        nonlocal sent, hits
        while loop.time() < deadline and sent < max_requests:
            sent += 1
            page, url = next(sequence)
            started = time.perf_counter()
            try:
                status, hit = await fetch(next(hosts), url, timeout)
            except (TimeoutError, OSError, ValueError) as error:
                status, hit = type(error).__name__, False
            hits += hit
            if status == 200:
                elapsed = (time.perf_counter() - started) * 1000
                latencies.append(elapsed)
                page_figures = by_page.setdefault(page, [[], 0])
                page_figures[0].append(elapsed)
                page_figures[1] += hit
            else:
                key = f"{page} {status}"
                errors[key] = errors.get(key, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "concurrency": concurrency,
        "requests": len(latencies) + sum(errors.values()),
        "seconds": round(wall, 2),
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": _percentile(latencies, 0.95),
        "p99_ms": _percentile(latencies, 0.99),
        "cache_hit_share": round(hits / max(1, sent), 3),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "pages": {page: _page_figures(*figures) for page, figures in sorted(by_page.items())},
    }


def _page_figures(latencies, hits):
    """One page's answers at a level: how many, p50 and p95, and the cache's share of them."""
    latencies.sort()
    return {
        "answers": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": _percentile(latencies, 0.95),
        "cached": round(hits / len(latencies), 3),
    }


def knee(levels):
    """The concurrency where throughput stops growing: the first level whose successor
    serves less than 5 % more; the last level if it never stops."""
    for level, following in itertools.pairwise(levels):
        if following["rps"] < level["rps"] * GROWTH:
            return level
    return levels[-1]


async def drive(ports, urls, args):
    """The levels walk on through one sequence: the page cache warms as a site's would."""
    for _, url in urls[:40]:  # warm-up: code, templates and plans in every worker
        for port in ports:
            await fetch(port, url, args.timeout)
    sequence = itertools.cycle(urls[40:])
    levels = []
    for concurrency in args.levels:
        levels.append(
            await run_level(
                ports, sequence, concurrency, args.seconds, args.max_requests, args.timeout
            )
        )
    best = knee(levels)
    floor = await run_level(
        ports,
        itertools.cycle([("/healthz", "/healthz")]),
        best["concurrency"],
        min(args.seconds, 5),
        args.max_requests,
        args.timeout,
    )
    return levels, best, floor


def replica_reads(replica_url):
    """Transactions the replica has committed: every read it answered is one."""
    import psycopg

    with psycopg.connect(replica_url, autocommit=True) as connection:
        return connection.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()[0]


def replica_lag(primary_url):
    """(bytes, milliseconds) the replica's replay trails the primary by, as the primary sees it."""
    import psycopg

    with psycopg.connect(primary_url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), "
            "EXTRACT(EPOCH FROM COALESCE(replay_lag, '0'::interval)) * 1000 "
            "FROM pg_stat_replication"
        ).fetchone()
    return (int(row[0]), round(float(row[1]), 1)) if row else (None, None)


def healthz_replica(port):
    """The replica section of a host's /healthz (200 or 503 alike)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        body = error.read()
    return json.loads(body).get("replica")


@contextlib.contextmanager
def hosts(env, workers, replica_url=None):
    """Yield the ports the clients send to, and a dict that each worker's memory and the
    replica's figures fill when the hosts stop (with ``replica_url``: host B reads it, host A
    does not)."""
    if replica_url is None:
        figures = {}
        with common.gunicorn(env, workers) as port:
            yield [port], figures
            figures["worker_memory_mb"] = common.workers_memory_mb(port)
        return
    figures = {}
    reads_before = replica_reads(replica_url)
    with (
        common.gunicorn(env, workers) as port_a,
        common.gunicorn({**env, "DATABASE_REPLICA_URL": replica_url}, workers) as port_b,
    ):
        yield [port_a, port_b], figures
        figures["worker_memory_mb"] = common.workers_memory_mb(port_a) + common.workers_memory_mb(
            port_b
        )
        figures["replica_transactions"] = replica_reads(replica_url) - reads_before
        figures["lag_bytes"], figures["lag_ms"] = replica_lag(env["DATABASE_URL"])
        figures["host_b_healthz_replica"] = healthz_replica(port_b)


def main(argv=None):
    from config import localdb

    args = parse_args(argv)
    database = args.db or "archive_bench_load"
    with contextlib.ExitStack() as stack:
        clusters = stack.enter_context(localdb.primary_and_replica()) if args.replica else None
        env = stack.enter_context(
            common.scratch_site(
                database=database,
                keep_db=args.keep_db,
                reuse_db=args.reuse_db,
                server=clusters.primary if clusters else None,
                **({"SEARCH_BACKEND": "postgres"} if clusters else {}),
            )
        )
        filled = common.fill_or_reuse(args)
        index = common.build_search_index(reuse=args.reuse_db)
        urls = mix_urls(args.popularity)
        settled = common.settle()
        load = os.getloadavg()
        replica_url = clusters.replica.rsplit("/", 1)[0] + f"/{database}" if clusters else None
        with hosts(env, args.workers, replica_url) as (ports, replica):
            levels, best, floor = asyncio.run(drive(ports, urls, args))
        memory = replica.pop("worker_memory_mb")

    up_to_knee = [level for level in levels if level["concurrency"] <= best["concurrency"]]
    errors_to_knee = sum(level["errors"] for level in up_to_knee)
    print(
        f"{args.limit} articles ({filled.described()}), search index {index}, "
        f"load average before the run {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"(after {settled} s of settling), "
        f"{len(ports)} host(s) of {args.workers} gunicorn workers"
        f"{' (A on the primary, B with its streaming replica; PostgreSQL search)' if replica else ''}, "
        f"mix {MIX}, {args.popularity} popularity, levels of {args.seconds:g} s"
    )
    print(
        f"{'clients':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'cached':>6} {'errors':>6}"
    )
    for level in levels:
        print(
            f"{level['concurrency']:>7} {level['requests']:>8} {level['rps']:>7.1f} "
            f"{level['p50_ms']:>7} {level['p95_ms']:>7} {level['p99_ms']:>7} "
            f"{level['cache_hit_share']:>6.0%} {level['errors']:>6}"
        )
    print("p95 ms of each page (the cache's share of its answers) at each level:")
    print(f"{'page':>8} " + " ".join(f"{level['concurrency']:>12}" for level in levels))
    for page in MIX:
        cells = []
        for level in levels:
            figures = level["pages"].get(page)
            cells.append(
                f"{figures['p95_ms']:>7} ({figures['cached']:>3.0%})" if figures else " " * 12
            )
        print(f"{page:>8} " + " ".join(f"{cell:>12}" for cell in cells))
    for level in levels:
        if level["error_kinds"]:
            print(f"errors at {level['concurrency']} clients: {level['error_kinds']}")
    share = best["rps"] / floor["rps"] if floor["rps"] else None
    print(
        f"throughput stops growing at {best['concurrency']} clients: {best['rps']:.1f} req/s "
        f"({errors_to_knee} errors up to there); /healthz at {best['concurrency']} clients: "
        f"{floor['rps']:.1f} req/s, the mix {share:.2f} of it"
    )
    print(f"each worker's memory (MB: peak, its own, mapped files): {memory}")
    if replica:
        print(
            f"replica: {replica['replica_transactions']} transactions answered on it; "
            f"replay {replica['lag_bytes']} bytes and {replica['lag_ms']} ms behind at the end; "
            f"host B's /healthz replica section: {replica['host_b_healthz_replica']}"
        )
    print(
        json.dumps(
            {
                "articles": args.limit,
                "links": filled.linked_by,
                "load_average": [round(x, 2) for x in load],
                "settled_seconds": settled,
                "search_index": index,
                "hosts": len(ports),
                "workers": args.workers,
                "replica": replica or None,
                "mix": MIX,
                "popularity": args.popularity,
                "seconds_per_level": args.seconds,
                "levels": levels,
                "knee_concurrency": best["concurrency"],
                "knee_rps": best["rps"],
                "errors_up_to_knee": errors_to_knee,
                "healthz_rps_at_knee": floor["rps"],
                "mix_share_of_healthz": round(share, 3) if share else None,
                "worker_memory_mb": memory,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
