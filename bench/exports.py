"""Exports and search feeds over a large archive: time to first byte, total time and the
serving worker's memory while every row streams.

    python bench/exports.py --limit 100000 --extract 2000

Fills a scratch database as bench/pages.py does (bench/common.py), builds the search index,
serves the site with one gunicorn worker on 127.0.0.1, then for each URL reads the whole
answer on one connection while sampling the worker's resident memory every 20 ms. Memory is
given as the peak above the worker's resident size just before the request: flat means the
same for an export of 10,000 rows as for one of 100,000. A feed is asked again with its
ETag, which must give a 304.
"""

import argparse
import json
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

import common


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_corpus_arguments(parser)
    parser.add_argument(
        "--lists-only",
        action="store_true",
        help="skip building the search index and the search's export and feed",
    )
    return parser.parse_args(argv)


def worker_pid(server_pid):
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return int(children[0])


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def fetch(port, path, pid, headers=None):
    """(status, first-byte ms, total ms, bytes, lines, peak RSS above the start in KiB)."""
    before = rss_kib(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    connection = HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    first = response.read(1)
    first_ms = (time.perf_counter() - start) * 1000
    size, lines = len(first), first.count(b"\n")
    while chunk := response.read(65536):
        size += len(chunk)
        lines += chunk.count(b"\n")
    total_ms = (time.perf_counter() - start) * 1000
    connection.close()
    done.set()
    sampler.join()
    return {
        "status": response.status,
        "etag": response.getheader("ETag"),
        "first_byte_ms": round(first_ms, 1),
        "total_ms": round(total_ms, 1),
        "bytes": size,
        "lines": lines,
        "rss_before_mib": round(before / 1024, 1),
        "rss_peak_above_mib": round((peak[0] - before) / 1024, 1),
    }


def main(argv=None):
    args = parse_args(argv)
    with common.scratch_site(
        args.db or common.SCRATCH_DB, keep_db=args.keep_db, reuse_db=args.reuse_db
    ) as env:
        filled = common.fill_or_reuse(args)
        index = "skipped" if args.lists_only else common.build_search_index(reuse=args.reuse_db)
        common.settle()
        from archive import counts

        busy = counts.top_regions("province", limit=1)[0][0]
        lists = {
            "CSV, a province": f"/regions/{busy.code}/?format=csv",
            "CSV, every article": "/articles/?format=csv",
            "JSON Lines, every article": "/articles/?format=jsonl",
        }
        searches = {
            "CSV, search 发展 (most)": "/search/?q=%E5%8F%91%E5%B1%95&format=csv",
            "RSS, search 发展": "/search/rss.xml?q=%E5%8F%91%E5%B1%95",
        }
        urls = lists if args.lists_only else {**lists, **searches}
        with common.gunicorn(env, workers=1) as port:
            import subprocess

            server = subprocess.run(
                ["pgrep", "-f", f"127.0.0.1:{port}", "-o"], capture_output=True, text=True
            )
            pid = worker_pid(int(server.stdout.split()[0]))
            common.get(port, "/healthz")
            results = {name: fetch(port, url, pid) for name, url in urls.items()}
            if not args.lists_only:
                feed = results["RSS, search 发展"]
                again = fetch(port, urls["RSS, search 发展"], pid, {"If-None-Match": feed["etag"]})
                results["RSS again with its ETag"] = again
    print(f"{args.limit} articles ({filled.described()}), search index {index}, 1 gunicorn worker")
    print(
        f"{'URL':<32} {'status':>6} {'first ms':>9} {'total ms':>9} {'lines':>7} {'peak+ MiB':>9}"
    )
    for name, r in results.items():
        print(
            f"{name:<32} {r['status']:>6} {r['first_byte_ms']:>9.1f} {r['total_ms']:>9.1f} "
            f"{r['lines']:>7} {r['rss_peak_above_mib']:>9.1f}"
        )
    print(json.dumps({"articles": args.limit, "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
