"""Crash in the middle: ``import_articles`` SIGKILLed at random points of a large batch, again
and again, then run to the end, leaves the database exactly as one clean run leaves a fresh one.

"Exactly" is compared on canonical dumps of the archive tables: every row without its
database ids and timestamps, foreign keys replaced by what they point at (an article by its
content hash, a region by its code, an agency by its name and place). The counts print with
``pytest -s tests/test_harden_crash_import.py``.
"""

import os
import random
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from django.db import connection

from tests.hostile_files import SEED_TEXTS
from tests.servers import ROOT, child_env, database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FILES = 480
KILLS = 10
CHUNK_SIZE = 40


def _write_batch(folder, rng):
    """``FILES`` article files from the seeds, each made distinct by a numbered paragraph;
    one in twelve repeats an earlier file under another name, one in forty is garbage."""
    written = []
    for number in range(FILES):
        path = folder / f"{number // 100:02d}" / f"{number:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        if number % 40 == 39:
            path.write_bytes(rng.randbytes(300))
        elif number % 12 == 11:
            path.write_bytes(written[rng.randrange(len(written))].read_bytes())
        else:
            text = SEED_TEXTS[number % len(SEED_TEXTS)]
            extra = f"第{number}号通报：民警提醒群众注意防范电信网络诈骗，编号{number * 7919}。"
            # In the middle of the body, where no parser takes it for a byline or a footer.
            if "</p>" in text:
                at = text.index("</p>", len(text) // 2) + len("</p>")
                text = f"{text[:at]}<p>{extra}</p>{text[at:]}"
            else:
                at = text.index("\n", len(text) // 2)
                text = f"{text[:at]}\n\n{extra}\n{text[at:]}"
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return folder


def _env(url, index):
    return child_env(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        SEARCH_INDEX_PATH=str(index),
        OWED_WORK_AT_COMMIT="0",  # as in production: the worker does the owed work
    )


def _check_index(url, index, *options):
    return _manage(url, index, "check_index", *options)


def _manage(url, index, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(url, index),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _command(folder, url):
    env = _env(url, folder.parent / f"{folder.name}-index")
    args = [sys.executable, "manage.py", "import_articles", str(folder)]
    args += ["--chunk-size", str(CHUNK_SIZE), "--verbosity", "1"]
    # A session of its own: SIGKILL goes to the whole group, parsing workers included,
    # as when the machine loses power.
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _run_to_end(folder, url):
    started = time.monotonic()
    process = _command(folder, url)
    out, err = process.communicate(timeout=600)
    # 1: some files failed (the garbage ones), the others are stored.
    assert process.returncode in (0, 1), err.decode()[-3000:]
    assert b"Traceback" not in err, err.decode()[-3000:]
    return time.monotonic() - started, out.decode()


def _kill_after(process, target, rng):
    """SIGKILL ``process`` once its batch has ``target`` files recorded; return that count,
    or None if it finished first."""
    with psycopg.connect(database_url(), autocommit=True) as db:
        (before,) = db.execute("SELECT coalesce(max(id), 0) FROM archive_importbatch").fetchone()
        stored = 0
        while stored < target:
            assert process.poll() is None, "the import ended before it could be killed"
            time.sleep(0.05)
            (stored,) = db.execute(
                "SELECT count(*) FROM archive_importrecord WHERE batch_id > %s", [before]
            ).fetchone()
    time.sleep(rng.uniform(0, 0.5))
    if process.poll() is not None:
        return None
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return stored


CANONICAL = {
    "articles": """
        SELECT a.title, a.title_inferred, a.subtitle, a.authors, a.editor, a.source,
               a.via_site, a.original_url, a.published_at, a.date_precision, a.body_text,
               a.body_html, a.image_urls, a.script, a.title_simplified, a.body_simplified,
               a.content_hash, a.status, d.content_hash, a.review_flags, a.review_note,
               a.minhash, a.minhash_bands
        FROM archive_article a LEFT JOIN archive_article d ON d.id = a.duplicate_of_id""",
    "regions": """
        SELECT r.code, r.name, r.level, p.code
        FROM archive_region r LEFT JOIN archive_region p ON p.id = r.parent_id""",
    "agencies": """
        SELECT g.name, g.aliases, g.kind, p.name, r.code
        FROM archive_agency g LEFT JOIN archive_agency p ON p.id = g.parent_id
        LEFT JOIN archive_region r ON r.id = g.region_id""",
    "initiatives": "SELECT name, slug, aliases, description, status FROM archive_initiative",
    "article regions": """
        SELECT a.content_hash, r.code, l.origin, l.mentions, l.is_primary
        FROM archive_articleregion l JOIN archive_article a ON a.id = l.article_id
        JOIN archive_region r ON r.id = l.region_id""",
    "article agencies": """
        SELECT a.content_hash, g.name, r.code, l.origin, l.mentions
        FROM archive_articleagency l JOIN archive_article a ON a.id = l.article_id
        JOIN archive_agency g ON g.id = l.agency_id
        LEFT JOIN archive_region r ON r.id = g.region_id""",
    "article initiatives": """
        SELECT a.content_hash, i.slug, l.origin, l.mentions
        FROM archive_articleinitiative l JOIN archive_article a ON a.id = l.article_id
        JOIN archive_initiative i ON i.id = l.initiative_id""",
    # What each file became in its latest batch that stored it.
    "files": """
        SELECT DISTINCT ON (rec.path) rec.path, rec.sha256, rec.encoding, rec.file_format,
               a.content_hash, rec.error <> ''
        FROM archive_importrecord rec LEFT JOIN archive_article a ON a.id = rec.article_id
        ORDER BY rec.path, rec.created_at DESC, rec.id DESC""",
    "article history": "SELECT content_hash, history_type FROM archive_historicalarticle",
}


def _canonical(url):
    with psycopg.connect(url) as db:
        dump = {
            name: sorted(db.execute(sql).fetchall(), key=repr) for name, sql in CANONICAL.items()
        }
        (orphans,) = db.execute(
            "SELECT count(*) FROM archive_article a WHERE NOT EXISTS "
            "(SELECT 1 FROM archive_importrecord r WHERE r.article_id = a.id)"
        ).fetchone()
        # A killed run's batch is closed as failed by the next run (its session lock is free).
        (unfinished,) = db.execute(
            "SELECT count(*) FROM archive_importbatch WHERE finished_at IS NULL OR error <> ''"
        ).fetchone()
    # File paths differ between the two folders only in their folder.
    dump["files"] = sorted((p.rsplit("/", 2)[-2:], *rest) for p, *rest in dump["files"])
    return dump, orphans, unfinished


def test_killed_imports_end_as_one_clean_run(tmp_path):
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261122")))
    test_db = connection.settings_dict["NAME"]
    fresh_db = f"{test_db}_fresh"
    # A fresh database in the state the test database starts in: its template copy.
    connection.close()
    with psycopg.connect(database_url("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{fresh_db}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{fresh_db}" TEMPLATE "{test_db}"')
    try:
        clean_folder = _write_batch(tmp_path / "clean", random.Random(1))
        crash_folder = _write_batch(tmp_path / "crash", random.Random(1))
        clean_seconds, _ = _run_to_end(clean_folder, database_url(fresh_db))

        kills, runs = [], 0
        while len(kills) < KILLS:
            runs += 1
            assert runs <= 2 * KILLS, f"only {len(kills)} of {runs} runs could be killed"
            # Kill once this run has stored a random number of files, a moment later, so
            # that kills land anywhere: between chunks, inside one, while workers parse.
            target = rng.randrange(1, FILES - CHUNK_SIZE)
            stored = _kill_after(_command(crash_folder, database_url(test_db)), target, rng)
            if stored is not None:
                kills.append(stored)
        _, output = _run_to_end(crash_folder, database_url(test_db))
        # The index of the killed runs: every stored chunk committed the index work it owes,
        # so the worker alone brings the index in line, with no check_index --fix.
        crash_index = tmp_path / "crash-index"
        for url, index in ((test_db, crash_index), (fresh_db, tmp_path / "clean-index")):
            paid = _manage(database_url(url), index, "run_worker", "--once")
            assert paid.returncode == 0, paid.stderr[-2000:]
        checked = _check_index(database_url(test_db), crash_index)
        clean_check = _check_index(database_url(fresh_db), tmp_path / "clean-index")

        expected, expected_orphans, _ = _canonical(database_url(fresh_db))
        got, orphans, unfinished = _canonical(database_url(test_db))
    finally:
        with psycopg.connect(database_url("postgres"), autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{fresh_db}" WITH (FORCE)')

    print(f"check_index after the kills and the worker: {checked.stdout.strip()}")
    print(
        f"\ncrash test: {FILES} files, clean run {clean_seconds:.1f} s; {len(kills)} kills "
        f"survived, after {kills} files stored ({unfinished} batches closed as cut short); last run: {output.strip()}; "
        f"{len(got['articles'])} articles, {len(got['article regions'])} region links, "
        f"{len(got['article agencies'])} agency links"
    )
    assert len(expected["articles"]) > FILES * 0.8
    assert orphans == expected_orphans == 0
    differing = [name for name in CANONICAL if got[name] != expected[name]]
    for name in differing:
        extra = [row for row in got[name] if row not in expected[name]]
        missing = [row for row in expected[name] if row not in got[name]]
        print(f"{name}: {len(extra)} rows more, {len(missing)} rows fewer", extra[:2], missing[:2])
    assert differing == []
    assert checked.returncode == 0 and clean_check.returncode == 0, checked.stderr
    assert unfinished == len(kills)  # every kill landed while a batch was being imported
