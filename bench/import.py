"""Importer throughput: parsing alone, parse+store, memory at two chunk sizes, and a naive
per-row baseline measured in the same run (so the ratio survives a noisy machine).

    python bench/import.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 10000

Each story is written as a Hexo Markdown file (front matter + the story's HTML ``<p>``
paragraphs) to a temporary directory, so the files take the same path as real ones:
read, decode, detect, parse, sanitize, hash, store. Storing goes into a scratch database
(``bench_import`` by default) on the same PostgreSQL, created and dropped by this script.
Every measurement runs in its own process, so that peak RSS belongs to that measurement;
parse+store runs parse in the importer's worker processes (as the command does), whose
largest peak RSS is shown apart. "parse only" is one process, i.e. the rate per core.
Without ``--corpus``, stories are generated from a few fixed sentences.
"""

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

BEIJING = timezone(timedelta(hours=8))
WORKERS = 2
GENERATED_SENTENCES = [
    "民警深入辖区企业走访，了解企业在生产经营中遇到的困难。",
    "派出所推出户籍业务“全城通办”，群众可就近选择户籍窗口办理。",
    "交警大队在城区主要路口开展夜查行动，严查酒驾醉驾等交通违法行为。",
    "反诈民警走进社区，向群众讲解电信网络诈骗的常见手法。",
    "出入境窗口推行延时服务，为企业员工开通绿色通道。",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="JSONL with title, body and date")
    parser.add_argument("--limit", type=int, default=10000, help="articles (default 10000)")
    parser.add_argument(
        "--chunk-sizes", default="200,1000", help="chunk sizes (files per transaction) to compare"
    )
    parser.add_argument("--baseline", type=int, default=1000, help="articles for the baseline")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; best kept")
    parser.add_argument("--database", default="bench_import", help="scratch database name")
    parser.add_argument(
        "--child", nargs=3, metavar=("MODE", "ARG", "LIMIT"), help=argparse.SUPPRESS
    )
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    chunk_sizes = [int(size) for size in args.chunk_sizes.split(",")]
    # (files, chunk size, parsing workers) per parse+store run: in-process and with workers
    # at the first chunk size, the other chunk sizes with workers, and a tenth of the files
    # at the first chunk size, to show that memory does not grow with the number of files.
    files = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        count = render_stories(args.corpus, args.limit, files)
        small = max(1, count // 10)
        configs = [(count, chunk_sizes[0], 1), (count, chunk_sizes[0], WORKERS)]
        configs += [(count, size, WORKERS) for size in chunk_sizes[1:]]
        configs.append((small, chunk_sizes[0], 1))

        def best(mode, arg, limit):
            # Helpers share the machine: the fastest of a few runs is the least disturbed.
            runs = [run_child(env, files, mode, arg, limit) for _ in range(args.repeat)]
            return max(runs, key=lambda result: result["per_second"])

        with scratch_database(args.database) as database_url:
            env = {**os.environ, "DATABASE_URL": database_url}
            parse = best("parse", "0", count)
            stores = {
                (n, size, workers): best("store", f"{size}x{workers}", n)
                for n, size, workers in configs
            }
            baseline = best("baseline", "0", min(args.baseline, count))
    finally:
        shutil.rmtree(files, ignore_errors=True)

    full = {key: result for key, result in stores.items() if key[0] == count}
    best_store = max(full.values(), key=lambda result: result["per_second"])
    rows = [("parse only, 1 process", count, parse)]
    rows += [
        (f"parse+store, chunk {size}, workers {workers}", n, result)
        for (n, size, workers), result in stores.items()
    ]
    rows.append(("baseline: per-row create()", min(args.baseline, count), baseline))
    print(
        f"{'measurement':<38}{'articles':>9}{'articles/s':>12}{'peak RSS MB':>13}"
        f"{'worker RSS MB':>15}"
    )
    for name, articles, result in rows:
        print(
            f"{name:<38}{articles:>9}{result['per_second']:>12.0f}"
            f"{result['peak_rss_mb']:>13.1f}{result['worker_peak_rss_mb']:>15.1f}"
        )
    ratio = best_store["per_second"] / baseline["per_second"]
    print(
        f"best parse+store is {ratio:.1f}x the per-row baseline; outcomes "
        f"{best_store['outcomes']}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )

    def key(n, size, workers):
        return f"{n}_files_chunk_{size}_workers_{workers}"

    print(
        json.dumps(
            {
                "articles": count,
                "parse_per_s": round(parse["per_second"], 1),
                "store_per_s": {key(*k): round(r["per_second"], 1) for k, r in stores.items()},
                "baseline_per_s": round(baseline["per_second"], 1),
                "store_vs_baseline": round(ratio, 2),
                "peak_rss_mb": {key(*k): r["peak_rss_mb"] for k, r in stores.items()},
                "worker_peak_rss_mb": {key(*k): r["worker_peak_rss_mb"] for k, r in stores.items()},
                "parse_peak_rss_mb": parse["peak_rss_mb"],
                "outcomes": best_store["outcomes"],
                "load_average": round(os.getloadavg()[0], 1),
            },
            ensure_ascii=False,
        )
    )


def render_stories(corpus, limit, directory):
    """Write ``limit`` stories as Hexo Markdown files; return how many were written."""
    count = 0
    for count, story in enumerate(stories(corpus, limit), start=1):
        day = date.fromisoformat(story["date"])
        # The evening news airs at 19:00 Beijing time.
        published = format_datetime(datetime(day.year, day.month, day.day, 19, 0, tzinfo=BEIJING))
        text = (
            f"---\ntitle: {json.dumps(story['title'], ensure_ascii=False)}\n"
            f"date: {published}\nauthor: 新闻联播\n---\n<div>{story['body']}</div>\n"
        )
        (directory / f"{count:06d}.md").write_text(text, encoding="utf-8")
    return count


def stories(corpus, limit):
    if corpus:
        with open(corpus, encoding="utf-8") as handle:
            for line, _ in zip(handle, range(limit), strict=False):
                yield json.loads(line)
        return
    rng = random.Random(7)
    for number in range(limit):
        body = "".join(
            f"<p>{''.join(rng.sample(GENERATED_SENTENCES, 3))}</p>"
            for _ in range(rng.randint(2, 6))
        )
        yield {"title": f"生成的新闻第{number}篇", "body": body, "date": "2024-01-01"}


class scratch_database:
    """Create the scratch database with Django's test-database machinery, drop it after."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        from config.localdb import ensure_running_if_needed

        ensure_running_if_needed()
        import django
        from django.conf import settings

        settings.DATABASES["default"]["TEST"] = {"NAME": self.name}
        django.setup()
        from django.db import connection

        self.connection = connection
        self.old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        db = connection.settings_dict
        user = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgresql://{user}@{db['HOST']}:{db['PORT']}/{self.name}"

    def __exit__(self, *exc):
        self.connection.creation.destroy_test_db(self.old_name, verbosity=0)


def run_child(env, files, mode, arg, limit):
    process = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(arg), str(limit), "--files", str(files)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode:
        raise SystemExit(f"{mode} run failed:\n{process.stderr}")
    return json.loads(process.stdout.splitlines()[-1])


def child(args):
    import django

    django.setup()
    from django.db import connection

    from archive.importing.batch import find_files, run_import
    from archive.importing.reading import read_file
    from archive.models import Article, ImportBatch, ImportRecord

    mode, arg, limit = args.child[0], args.child[1], int(args.child[2])
    paths = find_files([str(args.files)])[0][:limit]
    count, outcomes = len(paths), {}
    read_file(paths[0])  # loads OpenCC's dictionaries once per process, as a server would
    if mode != "parse":
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE archive_article, archive_importrecord, archive_importbatch, "
                "archive_historicalarticle RESTART IDENTITY CASCADE"
            )
    watcher = _WorkerMemory()
    watcher.start()
    start = time.perf_counter()
    if mode == "parse":
        failed = sum(1 for path in paths if read_file(path).error)
        outcomes = {"failed": failed}
    elif mode == "store":
        size, workers = (int(number) for number in arg.split("x"))
        summary = run_import(paths, chunk_size=size, workers=workers)
        outcomes = {**summary.as_json(), "failed": len(summary.failed)}
    else:  # the naive importer: one row, one statement, one commit at a time
        batch = ImportBatch.objects.create()
        for path in paths:
            result = read_file(path)
            if Article.objects.filter(content_hash=result.article.content_hash).exists():
                continue
            article = Article.objects.create(**result.article.model_fields())
            ImportRecord.objects.create(
                batch=batch, path=result.path, size=result.size, sha256=result.sha256,
                encoding=result.encoding, file_format=result.file_format, outcome="imported",
                article=article,
            )  # fmt: skip
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peak = watcher.stop()
    print(
        json.dumps(
            {
                "per_second": count / elapsed,
                "seconds": elapsed,
                "peak_rss_mb": round(peak, 1),
                "worker_peak_rss_mb": round(worker_peak, 1),
                "outcomes": outcomes,
            }
        )
    )


class _WorkerMemory(threading.Thread):
    """Largest peak RSS (VmHWM) among this process's descendants: the parsing workers are
    children of multiprocessing's fork server, so RUSAGE_CHILDREN does not see them."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.2):
            for pid in _descendants(os.getpid()):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))

    def stop(self):
        self.done.set()
        self.join()
        return round(self.peak_kb / 1024, 1)


def _descendants(root):
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The command name in parentheses may hold spaces: split after it.
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


if __name__ == "__main__":
    main()
