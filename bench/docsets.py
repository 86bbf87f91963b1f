"""Set algebra for search at scale: the representation of result sets and facet tables.

    .venv/bin/python bench/docsets.py --documents 1000000

Search computes whole sets (every document holding a bigram, their intersection, what the
exclusions remove) and counts each facet value's members among the matches. This times those
operations on synthetic document numbers shaped like the archive's (bigram postings from one
in a thousand to two thirds of all documents; 340 cities, 3,000 bureaus, 25 years) in three
representations, in the same run: Python sets (the first release), ``pyroaring`` compressed
bitmaps and sorted numpy arrays. Prints a table, then one line of JSON.
"""

import argparse
import json
import random
import statistics
import sys
import time

import numpy as np
from pyroaring import BitMap

SHARES = (0.66, 0.3, 0.08, 0.01, 0.001)  # of all documents holding a bigram


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def synthetic(documents, rng):
    """Postings (sorted numpy arrays) for each share, and facet values partitioning documents."""
    generator = np.random.default_rng(rng.randrange(2**32))
    postings = {
        share: np.sort(generator.choice(documents, int(documents * share), replace=False))
        for share in SHARES
    }
    facets = {}
    for name, values in (("city", 340), ("bureau", 3000), ("year", 25)):
        owner = generator.zipf(1.3, documents) % values  # a few values hold most documents
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(values + 1))
        facets[name] = [np.sort(order[bounds[v] : bounds[v + 1]]) for v in range(values)]
    return postings, facets


class PythonSets:
    name = "python set"

    def make(self, array):
        return set(array.tolist())

    def intersect(self, parts):
        ordered = sorted(parts, key=len)
        return ordered[0].intersection(*ordered[1:])

    def union(self, parts):
        return set().union(*parts)

    def minus(self, a, b):
        return a - b

    def count(self, members, ids):
        return len(members & ids)


class Bitmaps:
    name = "pyroaring"

    def make(self, array):
        return BitMap(array)

    def intersect(self, parts):
        return BitMap.intersection(*parts)

    def union(self, parts):
        return BitMap.union(*parts)

    def minus(self, a, b):
        return a - b

    def count(self, members, ids):
        return members.intersection_cardinality(ids)


class SortedArrays:
    name = "numpy"

    def make(self, array):
        return array

    def intersect(self, parts):
        ordered = sorted(parts, key=len)
        found = ordered[0]
        for part in ordered[1:]:
            found = np.intersect1d(found, part, assume_unique=True)
        return found

    def union(self, parts):
        return np.unique(np.concatenate(parts))

    def minus(self, a, b):
        return np.setdiff1d(a, b, assume_unique=True)

    def count(self, members, ids):
        return int(np.count_nonzero(np.isin(members, ids, assume_unique=True)))


def timed(work, repeat):
    """Median milliseconds of ``repeat`` runs of ``work()``."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def measure(kind, postings, facets, repeat):
    sets = {share: kind.make(array) for share, array in postings.items()}
    tables = {name: [kind.make(v) for v in values] for name, values in facets.items()}
    common, half, rare = sets[0.66], sets[0.3], sets[0.001]
    broad = kind.intersect([common, half])  # a two-character query found in a fifth
    narrow = kind.intersect([half, sets[0.01]])

    def facet_counts(ids):
        return [[kind.count(members, ids) for members in values] for values in tables.values()]

    figures = {
        "and of two common bigrams": timed(lambda: kind.intersect([common, half]), repeat),
        "and with a rare bigram": timed(lambda: kind.intersect([common, half, rare]), repeat),
        "or of three": timed(lambda: kind.union([half, sets[0.08], sets[0.01]]), repeat),
        "exclusion (common minus 8 %)": timed(lambda: kind.minus(common, sets[0.08]), repeat),
        f"facets over {len(broad):,} matches": timed(lambda: facet_counts(broad), repeat),
        f"facets over {len(narrow):,} matches": timed(lambda: facet_counts(narrow), repeat),
    }
    return figures, [len(broad), len(narrow), facet_counts(broad), facet_counts(narrow)]


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    postings, facets = synthetic(args.documents, rng)
    results, checks = {}, {}
    for kind in (PythonSets(), Bitmaps(), SortedArrays()):
        results[kind.name], checks[kind.name] = measure(kind, postings, facets, args.repeat)
    if len({json.dumps(c) for c in checks.values()}) != 1:
        sys.exit(f"the representations disagree: {checks}")
    names = list(results)
    operations = list(results[names[0]])
    width = max(len(op) for op in operations)
    print(f"{args.documents:,} documents, median of {args.repeat} runs, milliseconds")
    print(f"{'operation':<{width}}" + "".join(f"{n:>14}" for n in names) + f"{'set/bitmap':>12}")
    for op in operations:
        row = [results[n][op] for n in names]
        ratio = row[0] / row[1] if row[1] else float("inf")
        print(f"{op:<{width}}" + "".join(f"{ms:>14.2f}" for ms in row) + f"{ratio:>11.0f}×")
    print(
        json.dumps(
            {
                "documents": args.documents,
                "repeat": args.repeat,
                "ms": {n: {op: round(ms, 3) for op, ms in results[n].items()} for n in names},
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
