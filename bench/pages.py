"""Latency of the browse pages served by gunicorn, against floors measured in the same run.

    python bench/pages.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 10000

Loads ``--limit`` articles into a scratch database (bench/common.py: ``archive_bench`` in the
embedded cluster, dropped afterwards unless ``--keep-db``), links them to regions, bureaus
and initiatives, serves the site with gunicorn on 127.0.0.1 under the production settings,
and times sequential requests to the home, region, agency, archive and article pages. A
static file and /healthz are timed the same way as floors, and every page is also given as a
ratio to each floor. Counts and timelines come from the maintained tables (archive.counts),
so there is no cold and warm case to tell apart. Without ``--corpus`` articles are generated.
"""

import argparse
import json
import statistics

import common


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_corpus_arguments(parser)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    return parser.parse_args(argv)


def time_pages(port, pages, requests):
    """Round-robin over each page's URLs; every response must be 200."""
    results = {}
    for name, urls in pages.items():
        for url in urls * 3:  # warm-up: both workers, every URL
            common.get(port, url)
        timings = []
        for n in range(requests):
            url = urls[n % len(urls)]
            status, elapsed = common.get(port, url)
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


def main(argv=None):
    args = parse_args(argv)
    with common.scratch_site(keep_db=args.keep_db) as env:
        filled = common.fill(common.stories(args), args.limit)
        pages = {
            "static file": [common.static_path(env)],
            "/healthz": ["/healthz"],
            **common.page_urls(),
        }
        with common.gunicorn(env, args.workers) as port:
            results = time_pages(port, pages, args.requests)

    # Two floors: a static file (gunicorn and WhiteNoise only) and /healthz (Django plus one
    # trivial query). On a shared machine both move with the load; the ratios move less.
    static, health = results["static file"], results["/healthz"]
    for figures in results.values():
        figures["p50_x_static"] = round(figures["p50_ms"] / static["p50_ms"], 2)
        figures["p95_x_static"] = round(figures["p95_ms"] / static["p95_ms"], 2)
        figures["p50_x_healthz"] = round(figures["p50_ms"] / health["p50_ms"], 2)
        figures["p95_x_healthz"] = round(figures["p95_ms"] / health["p95_ms"], 2)
    print(
        f"{args.limit} articles ({filled.linked_by} links, loaded in {filled.seconds:.0f} s), "
        f"{args.workers} gunicorn workers, {args.requests} sequential requests a page"
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
                "links": filled.linked_by,
                "workers": args.workers,
                "requests": args.requests,
                "counts": "maintained",
                "floors": ["static file", "/healthz"],
                "pages": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
