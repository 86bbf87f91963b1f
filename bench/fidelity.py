"""Fidelity: what the importer and extraction make of real, hand-labelled articles.

    LOCAL_PG_PORT=… .venv/bin/python bench/fidelity.py --devset ../shared/devset
    .venv/bin/python bench/fidelity.py --devset ../shared/devset --show agencies,title

Reads ``labels.jsonl`` and ``articles/`` of the dev set by path (never copied into the
project), imports every file into a scratch database (``archive_fidelity``) through the real
importer and extraction (``run_import``: parse, store, link), then compares each stored
article with its gold record, as the dev set's README says: both sides folded to simplified
script, dates at the precision the gold gives, an agency found when a linked unit's name or
alias equals the gold name. Prints a table per field (accuracy) and per entity type
(precision, recall, with the wrong and missed strings), then one line of JSON.

What counts:

* **title**: equal after folding and collapsing white space; a file with no title (gold
  ``null``) is right when the archive flagged its title as inferred.
* **date**: the same instant when the gold has a time, the same local day when it has only a
  day, undated when it has none.
* **reporters / source / via-site**: the same set of names, the same string (white space
  removed), empty where the gold is ``null``; *feed as reporter* counts articles whose
  reporters include a site or channel name (any gold ``via_site`` or ``source``).
* **body**: *complete* when the gold's first and last 20 characters are in the body in
  that order (no paragraph lost at either end), *clean* when none of the gold's boilerplate
  strings is; *edges* when the body starts and ends exactly there.
* **regions**: by division code where the gold has one (by name where that code belongs to
  another division), else by name.
* **regions / agencies, implied parents**: a link with no mention of its own is a parent the
  archive adds for a named child (the city of a named district; 上海市公安局 written only as
  the start of 上海市公安局普陀分局). The gold lists what the text names, so such a link is
  right when the gold lists it and otherwise not counted; *strict precision* counts it wrong.
* **initiatives**: linked accepted initiatives; *with suggestions* also counts the campaigns
  extraction proposed to staff for that article (suggested, not yet public).
* **off-topic**: the ``off_topic`` review flag against the gold's ``is_china_police_news``.
"""

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIDELITY_DB = "archive_fidelity"
_SPACE = re.compile(r"\s+")
OFF_TOPIC_FLAG = "off_topic"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devset", type=Path, required=True, help="folder with labels.jsonl")
    parser.add_argument(
        "--show",
        default="",
        help="comma-separated fields whose per-file mismatches to print "
        "(title,date,reporters,source,via,body,off_topic; regions,agencies,initiatives list "
        "each file's wrong and missed names), or all",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    labels = [json.loads(line) for line in (args.devset / "labels.jsonl").open(encoding="utf-8")]
    show = set(filter(None, args.show.split(",")))

    from common import scratch_site

    with scratch_site(FIDELITY_DB, keep_db=args.keep_db):
        started = time.monotonic()
        stored, failures = import_devset(args.devset, labels)
        seconds = time.monotonic() - started
        report = score(labels, stored, failures)
    print_report(report, labels, seconds, show)


def import_devset(devset, labels):
    """Import every labelled file through the real importer; {file: article facts}."""
    from archive.importing.batch import run_import
    from archive.models import ImportRecord

    paths = [str((devset / "articles" / label["file"]).resolve()) for label in labels]
    summary = run_import(paths, workers=1, origin="fidelity")
    failures = {Path(f["path"]).name: f["error"] for f in summary.failed}
    records = ImportRecord.objects.filter(batch_id=summary.batch_id, article__isnull=False)
    stored = {}
    for record in records.select_related("article"):
        stored[Path(record.path).name] = facts(record.article)
    return stored, failures


def facts(article):
    """What a reader sees of ``article``, in the shape of a gold record."""
    from archive.models import Initiative

    initiatives = article.initiatives.all()
    return {
        "title": article.title,
        "title_inferred": article.title_inferred,
        "published_at": article.published_at,
        "is_dated": article.is_dated,
        "local_date": article.local_published_at.date() if article.is_dated else None,
        "date_precision": article.date_precision,
        "authors": [name for name in article.authors.split("、") if name],
        "source": article.source,
        "via_site": article.via_site,
        "body": article.body_text,
        "regions": [
            (link.region.code, link.region.name, link.mentions)
            for link in article.articleregion_set.select_related("region")
        ],
        "agencies": [
            ([link.agency.name, *link.agency.aliases], link.mentions)
            for link in article.articleagency_set.select_related("agency")
        ],
        "initiatives": [
            [i.name, *i.aliases] for i in initiatives if i.status == Initiative.Status.ACCEPTED
        ],
        "suggested": [
            [i.name, *i.aliases] for i in initiatives if i.status == Initiative.Status.SUGGESTED
        ],
        "flags": list(article.review_flags),
    }


def fold(text):
    from archive.chinese import to_simplified

    return _SPACE.sub(" ", to_simplified(text or "")).strip()


def squeeze(text):
    """Folded, with no white space at all: for comparing names and body edges."""
    return _SPACE.sub("", fold(text))


def title_right(gold, got):
    if gold["title"] is None:
        return got["title_inferred"]
    return fold(gold["title"]) == fold(got["title"])


def date_right(gold, got):
    if not gold["date"]:
        return not got["is_dated"]
    if not got["is_dated"]:
        return False
    if "T" in gold["date"]:
        return datetime.fromisoformat(gold["date"]) == got["published_at"] and (
            got["date_precision"] == "exact"
        )
    return date.fromisoformat(gold["date"]) == got["local_date"]


def names_right(gold_names, got_names):
    return {squeeze(n) for n in gold_names} == {squeeze(n) for n in got_names}


def one_name_right(gold_name, got_name):
    return squeeze(gold_name) == squeeze(got_name)


def body_checks(gold, body):
    text = squeeze(body)
    first, last = squeeze(gold["body_first"]), squeeze(gold["body_last"])
    start = text.find(first) if first else 0
    complete = start >= 0 and (not last or text.find(last, start) >= 0)
    leftovers = [b for b in gold["boilerplate"] if squeeze(b) and squeeze(b) in text]
    edges = text.startswith(first) and text.endswith(last)
    return complete, not leftovers, edges, leftovers


class Matches:
    """Precision and recall of one entity type over the whole set, with the strings."""

    def __init__(self):
        self.right = self.wrong_count = self.missed_count = 0
        self.wrong, self.missed = Counter(), Counter()
        self.errors = []  # (file, wrong strings, missed strings)
        self.implied = Counter()  # implied parents the gold does not list

    @property
    def strict_precision(self):
        """Precision counting implied parents the gold does not list as wrong."""
        found = self.right + self.wrong_count + self.implied.total()
        return self.right / found if found else 1.0

    def add(self, file, gold_keys, got_items, implied=()):
        """``gold_keys``: {key: shown name}; ``got_items``: [(keys of one found item, shown)];
        ``implied``: items of the same shape linked with no mention of their own (see
        ``implied_parents``)."""
        found = set()
        wrong, missed = [], []
        items = [(keys, shown, True) for keys, shown in implied]
        items += [(keys, shown, False) for keys, shown in got_items]
        for keys, shown, is_implied in items:
            hit = [key for key in keys if key in gold_keys]
            if hit:
                self.right += 1
                found.update(hit)
            elif is_implied:
                self.implied[shown] += 1
            else:
                self.wrong_count += 1
                self.wrong[shown] += 1
                wrong.append(shown)
        for key, shown in gold_keys.items():
            if key not in found:
                self.missed_count += 1
                self.missed[shown] += 1
                missed.append(shown)
        if wrong or missed:
            self.errors.append((file, wrong, missed))

    @property
    def precision(self):
        found = self.right + self.wrong_count
        return self.right / found if found else 1.0

    @property
    def recall(self):
        # Each found item matches one gold entry; recall counts gold entries found.
        gold = self.right + self.missed_count
        return min(1.0, self.right / gold) if gold else 1.0


def region_keys(gold, names_by_code):
    """Gold regions by code; by name where the gold's code belongs to another division in
    the gazetteer (a slip in the label, 天峻县 written with 都兰县's code)."""
    return {
        (
            r["code"]
            if r["code"] and squeeze(names_by_code.get(r["code"], "")) == squeeze(r["name"])
            else squeeze(r["name"])
        ): r["name"]
        for r in gold["regions"]
    }


def implied_parents(items):
    """Split ``[(keys, shown, mentions)]`` into named items and implied ones: linked with no
    mention of their own, a parent the archive adds for a named child (the city of a named
    district, 上海市公安局 in 上海市公安局普陀分局). The gold lists what the text names, so an
    implied parent it does not list is neither right nor wrong; ``strict`` counts it wrong."""
    items = list(items)
    named = [(keys, shown) for keys, shown, mentions in items if mentions]
    implied = [(keys, shown) for keys, shown, mentions in items if not mentions]
    return named, implied


def score(labels, stored, failures):
    fields = defaultdict(list)  # field → [(file, format, right)]
    by_entity = {
        "regions": Matches(),
        "agencies": Matches(),
        "initiatives": Matches(),
        "initiatives+suggested": Matches(),
    }
    feed_names = {squeeze(g["via_site"]) for g in labels if g["via_site"]} | {
        squeeze(g["source"]) for g in labels if g["source"]
    }
    from archive.models import Region

    names_by_code = dict(Region.objects.values_list("code", "name"))
    mismatches = defaultdict(list)
    feed_reporters, leftovers_seen = [], Counter()
    off_topic = {"negatives": 0, "caught": 0, "positives": 0, "false": 0}
    flags = Counter()
    for gold in labels:
        file, fmt = gold["file"], gold["format"]
        got = stored.get(file)
        if got is None:
            for name in ("title", "date", "reporters", "source", "via", "body"):
                fields[name].append((file, fmt, False))
            mismatches["import"].append((file, failures.get(file, "not stored")))
            continue
        flags.update(got["flags"])

        def check(name, right, expected, actual, _file=file, _fmt=fmt):
            fields[name].append((_file, _fmt, right))
            if not right:
                mismatches[name].append((_file, f"{expected!r} ≠ {actual!r}"))

        check("title", title_right(gold, got), gold["title"], got["title"])
        check(
            "date",
            date_right(gold, got),
            gold["date"],
            f"{got['published_at'] and got['published_at'].isoformat()} ({got['date_precision']})",
        )
        check(
            "reporters",
            names_right(gold["authors"], got["authors"]),
            gold["authors"],
            got["authors"],
        )
        check(
            "source",
            one_name_right(gold["source"] or "", got["source"]),
            gold["source"],
            got["source"],
        )
        check(
            "via",
            one_name_right(gold["via_site"] or "", got["via_site"]),
            gold["via_site"],
            got["via_site"],
        )
        feeds = [n for n in got["authors"] if squeeze(n) in feed_names]
        if feeds:
            feed_reporters.append((file, feeds))
        complete, clean, edges, leftovers = body_checks(gold, got["body"])
        leftovers_seen.update(leftovers)
        check(
            "body complete",
            complete,
            (gold["body_first"], gold["body_last"]),
            got["body"][:40] + " … " + got["body"][-40:],
        )
        check("body clean", clean, [], leftovers)
        check("body clean and complete", clean and complete, "", "")
        check(
            "body edges",
            edges,
            (gold["body_first"], gold["body_last"]),
            got["body"][:40] + " … " + got["body"][-40:],
        )

        by_entity["regions"].add(
            file,
            region_keys(gold, names_by_code),
            *implied_parents(
                ((code, squeeze(name)), name, mentions) for code, name, mentions in got["regions"]
            ),
        )
        by_entity["agencies"].add(
            file,
            {squeeze(name): name for name in gold["agencies"]},
            *implied_parents(
                ({squeeze(n) for n in names}, names[0], mentions)
                for names, mentions in got["agencies"]
            ),
        )
        initiatives = {squeeze(name): name for name in gold["initiatives"]}
        linked = [({squeeze(n) for n in names}, names[0]) for names in got["initiatives"]]
        suggested = [({squeeze(n) for n in names}, names[0]) for names in got["suggested"]]
        by_entity["initiatives"].add(file, initiatives, linked)
        by_entity["initiatives+suggested"].add(file, initiatives, linked + suggested)

        flagged = OFF_TOPIC_FLAG in got["flags"]
        if gold["is_china_police_news"]:
            off_topic["positives"] += 1
            off_topic["false"] += flagged
            if flagged:
                mismatches["off_topic"].append((file, "police news flagged off-topic"))
        else:
            off_topic["negatives"] += 1
            off_topic["caught"] += flagged
            if not flagged:
                mismatches["off_topic"].append(
                    (file, f"not flagged ({gold.get('negative_reason')})")
                )
    return {
        "fields": fields,
        "entities": by_entity,
        "mismatches": mismatches,
        "feed_reporters": feed_reporters,
        "leftovers": leftovers_seen,
        "off_topic": off_topic,
        "flags": flags,
        "failures": failures,
    }


def accuracy(rows):
    return sum(right for _, _, right in rows) / len(rows) if rows else 1.0


def print_report(report, labels, seconds, show):
    formats = sorted({g["format"] for g in labels})
    fields = report["fields"]
    print(f"Fidelity on {len(labels)} labelled articles ({seconds:.1f} s to import and extract)")
    print()
    header = f"{'field':<24}{'all':>7}" + "".join(f"{fmt:>13}" for fmt in formats)
    print(header)
    print("-" * len(header))
    for name, rows in fields.items():
        cells = []
        for fmt in formats:
            subset = [row for row in rows if row[1] == fmt]
            cells.append(f"{accuracy(subset):>9.2f} ({len(subset):>2})" if subset else f"{'':>13}")
        print(f"{name:<24}{accuracy(rows):>7.3f}" + "".join(cells))
    print()
    print(f"{'entities':<24}{'precision':>10}{'recall':>8}{'wrong':>7}{'missed':>8}")
    for name, m in report["entities"].items():
        print(
            f"{name:<24}{m.precision:>10.3f}{m.recall:>8.3f}{m.wrong_count:>7}{m.missed_count:>8}"
        )
    for name, m in report["entities"].items():
        if m.implied:
            print(
                f"  {name} implied parents the gold does not list (not counted; strict precision "
                f"{m.strict_precision:.3f}): "
                + "、".join(f"{k}×{v}" if v > 1 else k for k, v in m.implied.most_common())
            )
        if m.wrong:
            print(
                f"  {name} wrong: "
                + "、".join(f"{k}×{v}" if v > 1 else k for k, v in m.wrong.most_common())
            )
        if m.missed:
            print(
                f"  {name} missed: "
                + "、".join(f"{k}×{v}" if v > 1 else k for k, v in m.missed.most_common())
            )
    off = report["off_topic"]
    caught = off["caught"] / off["negatives"] if off["negatives"] else 1.0
    false_share = off["false"] / off["positives"] if off["positives"] else 0.0
    print()
    print(
        f"off-topic flag: caught {off['caught']} of {off['negatives']} negatives ({caught:.2f}), "
        f"set on {off['false']} of {off['positives']} police articles ({false_share:.2f})"
    )
    print(
        f"feed or site names among reporters: {len(report['feed_reporters'])} articles "
        + "、".join(f"{f} {n}" for f, n in report["feed_reporters"])
    )
    print("review flags set: " + ", ".join(f"{k} {v}" for k, v in report["flags"].most_common()))
    if report["leftovers"]:
        print("boilerplate left in bodies: " + " | ".join(report["leftovers"]))
    if report["failures"]:
        print(
            "files that failed to import: "
            + "; ".join(f"{k}: {v}" for k, v in report["failures"].items())
        )
    names = {"title", "date", "reporters", "source", "via", "body", "off_topic", "import"}
    wanted = names | set(report["entities"]) if "all" in show else show
    for name, rows in report["mismatches"].items():
        if name in wanted or name.split()[0] in wanted:
            print(f"\n{name}:")
            for file, text in rows:
                print(f"  {file}: {text}")
    for name, m in report["entities"].items():
        if name in wanted and m.errors:
            print(f"\n{name} (+ wrong, - missed):")
            for file, wrong, missed in m.errors:
                print(
                    f"  {file}: " + " ".join([f"+{w}" for w in wrong] + [f"-{w}" for w in missed])
                )
    summary = {
        "articles": len(labels),
        "seconds": round(seconds, 1),
        "fields": {name: round(accuracy(rows), 3) for name, rows in fields.items()},
        "entities": {
            name: {
                "precision": round(m.precision, 3),
                "recall": round(m.recall, 3),
                "strict_precision": round(m.strict_precision, 3),
            }
            for name, m in report["entities"].items()
        },
        "off_topic": {"caught": round(caught, 3), "false_positive": round(false_share, 3)},
        "feed_reporters": len(report["feed_reporters"]),
        "failed": len(report["failures"]),
    }
    print()
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
