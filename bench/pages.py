"""Latency of the browse pages served by gunicorn, against floors measured in the same run.

    python bench/pages.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 10000
    python bench/pages.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 100000

Loads ``--limit`` articles into a scratch database (bench/common.py: ``archive_bench`` in the
embedded cluster, dropped afterwards unless ``--keep-db``; up to ``--extract`` of them through
extraction, the rest SQL copies with shifted dates), builds the search index (an article's
related articles come from it), serves the site with gunicorn on
127.0.0.1 under the production settings, and times sequential requests to the home, region,
agency, archive and article pages. Each request draws a URL at random from a pool spread
over the archive (common.page_urls: hundreds of regions, bureaus and months, thousands of
random articles), so anonymous pages come from the page cache (archive.pagecache) only as
often as the pool repeats itself: the table gives the share of hits and the p95 of the
misses (pages rendered). A static file and /healthz are timed the same way as floors, and
every page is also given as a ratio to each floor. Without ``--corpus`` articles are
generated.
"""

import argparse
import json
import os
import random
import statistics

import common


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_corpus_arguments(parser)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    return parser.parse_args(argv)


def _p95(ordered):
    return round(ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)], 2) if ordered else None


def time_pages(port, pages, requests, popularity, seed=11):
    """``requests`` GETs a page, each to a URL drawn from its pool; every answer must be 200.
    Warm-up: a few URLs of each page, twice, so both workers have loaded code and templates
    (not the pools: a warm-up over every URL would fill the page cache)."""
    rng = random.Random(seed)
    for urls in pages.values():
        for url in urls[:2] * 2:
            common.get(port, url)
    results = {}
    for name, urls in pages.items():
        draw = common.drawer(urls, popularity, rng)
        timings, misses, hits = [], [], 0
        for _ in range(requests):
            url = draw()
            status, elapsed, cache = common.get(port, url)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
            timings.append(elapsed)
            if cache == "hit":
                hits += 1
            elif cache == "miss":
                misses.append(elapsed)
        timings.sort()
        misses.sort()
        results[name] = {
            "urls": len(urls),
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": _p95(timings),
            "hit_share": round(hits / requests, 3),
            "miss_p95_ms": _p95(misses),
        }
    return results


def main(argv=None):
    args = parse_args(argv)
    with common.scratch_site(
        args.db or common.SCRATCH_DB, keep_db=args.keep_db, reuse_db=args.reuse_db
    ) as env:
        filled = common.fill_or_reuse(args)
        index = common.build_search_index(reuse=args.reuse_db)
        settled = common.settle()
        load = os.getloadavg()
        pages = {
            "static file": [common.static_path(env)],
            "/healthz": ["/healthz"],
            **common.page_urls(popularity=args.popularity),
        }
        with common.gunicorn(env, args.workers) as port:
            results = time_pages(port, pages, args.requests, args.popularity)
            memory = common.workers_memory_mb(port)

    # Two floors: a static file (gunicorn and WhiteNoise only) and /healthz (Django plus one
    # trivial query). On a shared machine both move with the load; the ratios move less.
    static, health = results["static file"], results["/healthz"]
    for figures in results.values():
        figures["p50_x_static"] = round(figures["p50_ms"] / static["p50_ms"], 2)
        figures["p95_x_static"] = round(figures["p95_ms"] / static["p95_ms"], 2)
        figures["p50_x_healthz"] = round(figures["p50_ms"] / health["p50_ms"], 2)
        figures["p95_x_healthz"] = round(figures["p95_ms"] / health["p95_ms"], 2)
    print(
        f"{args.limit} articles ({filled.described()}), search index {index}, "
        f"{args.workers} gunicorn workers, "
        f"{args.requests} sequential requests a page ({args.popularity} popularity), "
        f"load average before timing "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (after {settled} s of settling)"
    )
    print(
        f"{'page':<12} {'URLs':>5} {'p50 ms':>7} {'p95 ms':>7} {'hits':>5} {'miss p95':>8} "
        f"{'p50 ×static':>11} {'p95 ×static':>11} {'p50 ×healthz':>12} {'p95 ×healthz':>12}"
    )
    for name, f in results.items():
        miss = f"{f['miss_p95_ms']:.2f}" if f["miss_p95_ms"] is not None else "-"
        print(
            f"{name:<12} {f['urls']:>5} {f['p50_ms']:>7.2f} {f['p95_ms']:>7.2f} "
            f"{f['hit_share']:>5.0%} {miss:>8} "
            f"{f['p50_x_static']:>11.2f} {f['p95_x_static']:>11.2f} "
            f"{f['p50_x_healthz']:>12.2f} {f['p95_x_healthz']:>12.2f}"
        )
    print(f"each worker's memory (MB: peak, its own, mapped files): {memory}")
    print(
        json.dumps(
            {
                "articles": args.limit,
                "extracted": filled.extracted,
                "links": filled.linked_by,
                "fill_seconds": round(filled.seconds, 1),
                "search_index": index,
                "workers": args.workers,
                "requests": args.requests,
                "popularity": args.popularity,
                "load_average": [round(x, 2) for x in load],
                "settled_seconds": settled,
                "counts": "maintained",
                "page_cache": "anonymous pages in one PostgreSQL table for every worker, keyed by content generation",
                "floors": ["static file", "/healthz"],
                "pages": results,
                "worker_memory_mb": memory,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
