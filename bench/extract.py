"""Extraction throughput: articles per second for ``archive.extraction.extract`` (one
automaton pass + compiled patterns per article) against the naive baseline of one regular
expression per gazetteer entry, measured in the same run on the same articles.

    LOCAL_PG_PORT=… .venv/bin/python bench/extract.py --corpus ../shared/corpus/xwlb-stories.jsonl --limit 10000

Reads the catalogue (regions, agencies, initiatives) from the database, so run
``manage.py migrate`` first. Without ``--corpus`` it generates articles from a few sentences.
"""

import argparse
import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from archive.chinese import to_simplified  # noqa: E402
from archive.extraction.catalog import Catalog  # noqa: E402
from archive.extraction.dedup import find_duplicates, signature  # noqa: E402
from archive.extraction.extract import extract  # noqa: E402
from archive.extraction.linking import extract_articles  # noqa: E402
from archive.models import Article  # noqa: E402

TAGS = re.compile(r"<[^>]+>")
SENTENCES = [
    "周口市公安局川汇区分局荷花路派出所民警走访辖区企业。",
    "武汉公安持续优化政务服务，实行“一网通办”“跨省通办”。",
    "山城区公安分局开展“护航经济发展”专项行动。",
    "今年以来，全市公安机关深入开展“我为群众办实事”实践活动。",
    "会议强调，要坚持和发展新时代“枫桥经验”。",
]


def read_corpus(path, limit):
    articles = []
    with open(path, encoding="utf-8") as handle:
        for line in itertools.islice(handle, limit):
            record = json.loads(line)
            body = TAGS.sub("\n", record.get("body", ""))
            articles.append((to_simplified(record.get("title", "")), to_simplified(body)))
    return articles


def generate(limit):
    rng = random.Random(1)
    return [("生成的文章", "".join(rng.choices(SENTENCES, k=20))) for _ in range(limit)]


def naive_patterns(catalog):
    """The baseline: one compiled pattern per name in the catalogue."""
    names = {name for region in catalog.regions.values() for name in region.names}
    names |= {agency.name for agency in catalog.agencies.values()}
    names |= catalog.known_initiative_names
    return [re.compile(re.escape(name)) for name in sorted(names)]


def naive(title, body, patterns):
    text = f"{title}\n{body}"
    return [match.group() for pattern in patterns for match in pattern.finditer(text)]


def rate(function, articles):
    started = time.perf_counter()
    for title, body in articles:
        function(title, body)
    elapsed = time.perf_counter() - started
    return len(articles) / elapsed, elapsed


class RolledBack(Exception):
    pass


def stored_rate(articles):
    """Articles/s for what an import adds per article: links written, copies looked up.
    Everything happens in one transaction that is rolled back, so the database is unchanged."""
    result = {}
    try:
        with transaction.atomic():
            rows = Article.objects.bulk_create(
                Article(
                    title=title[:300] or "无题",
                    title_simplified=title[:300] or "无题",
                    body_text=body,
                    body_html="",
                    body_simplified=body,
                    content_hash=f"bench-{index}",
                )
                for index, (title, body) in enumerate(articles)
            )
            ids = [row.pk for row in rows]
            started = time.perf_counter()
            extract_articles(ids, catalog=Catalog.load())
            result["link"] = len(ids) / (time.perf_counter() - started)
            started = time.perf_counter()
            find_duplicates(ids)
            result["dedup"] = len(ids) / (time.perf_counter() - started)
            raise RolledBack
    except RolledBack:
        return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="JSONL with title and body (and date)")
    parser.add_argument("--limit", type=int, default=10000)
    parser.add_argument("--baseline-sample", type=int, default=300)
    parser.add_argument(
        "--db", type=int, default=1000, help="articles to link and deduplicate in PostgreSQL"
    )
    args = parser.parse_args()

    articles = read_corpus(args.corpus, args.limit) if args.corpus else generate(args.limit)
    characters = sum(len(title) + len(body) for title, body in articles)
    started = time.perf_counter()
    catalog = Catalog.load()
    catalog_seconds = time.perf_counter() - started
    patterns = naive_patterns(catalog)

    extract_rate, extract_seconds = rate(lambda t, b: extract(t, b, catalog), articles)
    sample = articles[: args.baseline_sample]
    sample_rate, _ = rate(lambda t, b: extract(t, b, catalog), sample)
    naive_rate, _ = rate(lambda t, b: naive(t, b, patterns), sample)
    dedup_rate, _ = rate(lambda t, b: signature(b), articles[:2000])
    stored = stored_rate(articles[: args.db]) if args.db else {"link": 0.0, "dedup": 0.0}

    rows = [
        ("articles", f"{len(articles)}", f"{characters / len(articles):.0f} characters each"),
        ("catalogue load", f"{catalog_seconds * 1000:.0f} ms", f"{len(patterns)} names"),
        ("extract (all)", f"{extract_rate:.0f} articles/s", f"{extract_seconds:.1f} s"),
        ("extract (sample)", f"{sample_rate:.0f} articles/s", f"{len(sample)} articles"),
        ("naive regex per name", f"{naive_rate:.1f} articles/s", f"{len(sample)} articles"),
        ("ratio extract / naive", f"×{sample_rate / naive_rate:.0f}", "same sample"),
        ("MinHash signature", f"{dedup_rate:.0f} articles/s", "first 2,000 articles"),
        ("extract + write links", f"{stored['link']:.0f} articles/s", f"{args.db} in PostgreSQL"),
        ("near-duplicate lookup", f"{stored['dedup']:.0f} articles/s", f"{args.db} in PostgreSQL"),
    ]
    width = max(len(row[0]) for row in rows)
    print(f"{'measure':{width}}  {'value':>20}  note")
    for name, value, note in rows:
        print(f"{name:{width}}  {value:>20}  {note}")
    print(
        json.dumps(
            {
                "articles": len(articles),
                "catalog_load_ms": round(catalog_seconds * 1000),
                "names": len(patterns),
                "extract_articles_per_s": round(extract_rate, 1),
                "baseline_sample": len(sample),
                "extract_sample_articles_per_s": round(sample_rate, 1),
                "naive_articles_per_s": round(naive_rate, 2),
                "ratio": round(sample_rate / naive_rate, 1),
                "minhash_articles_per_s": round(dedup_rate, 1),
                "db_articles": args.db,
                "link_articles_per_s": round(stored["link"], 1),
                "dedup_articles_per_s": round(stored["dedup"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
