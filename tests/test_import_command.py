"""``manage.py import_articles``: idempotence, updates, broken files, JSON and exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from archive import pipeline
from archive.models import (
    Article,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    ImportBatch,
    ImportRecord,
)
from tests.conftest import SEEDS, seed

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def _row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Article, ArticleRegion, ArticleAgency, ArticleInitiative)
    }


def test_reimport_changes_nothing(run_import):
    summary, status, _ = run_import(SEEDS)
    assert summary == {"imported": 5, "updated": 0, "unchanged": 0, "failed": []}
    stored = list(Article.objects.order_by("id").values())
    summary, status, output = run_import(SEEDS)
    assert summary == {"imported": 0, "updated": 0, "unchanged": 5, "failed": []}
    assert status == 0
    assert list(Article.objects.order_by("id").values()) == stored
    assert output.splitlines()[0] == "imported 0, updated 0, unchanged 5, failed 0"
    batch = ImportBatch.objects.latest()
    assert (batch.unchanged, batch.failed) == (5, 0) and batch.finished_at
    assert batch.records.count() == 5


def test_edited_file_updates_its_article_and_keeps_staff_decisions(tmp_path, run_import):
    path = tmp_path / "002.txt"
    path.write_text(seed(2).read_text(encoding="utf-8"), encoding="utf-8")
    run_import(path)
    article = Article.objects.get()
    article.status = Article.Status.HIDDEN
    article.review_note = "待核实"
    article.review_flags = [*article.review_flags, "no_region"]
    article.save()

    path.write_text(path.read_text().replace("护航发展显担当", "护航发展勇担当"))
    summary, status, _ = run_import(path)
    assert summary == {"imported": 0, "updated": 1, "unchanged": 0, "failed": []}
    assert status == 0
    updated = Article.objects.get()
    assert updated.pk == article.pk
    assert updated.title == "护航发展勇担当"
    assert updated.content_hash != article.content_hash
    assert updated.status == Article.Status.HIDDEN
    assert updated.review_note == "待核实"
    # unknown_date is the importer's to keep; no_region belongs to extraction, which re-ran
    # on the update and found the article's places.
    assert sorted(updated.review_flags) == ["unknown_date"]
    assert updated.regions.filter(name="鹤壁市").exists()
    record = ImportRecord.objects.filter(path=str(path)).first()
    assert (record.outcome, record.article_id, record.file_format) == (
        "updated",
        article.pk,
        "newspaper-text",
    )


def test_broken_files_fail_alone_and_leave_no_rows(tmp_path, run_import):
    good = tmp_path / "good"
    good.mkdir()
    for path in SEEDS.iterdir():
        (good / path.name).write_bytes(path.read_bytes())
    broken = {
        "binary.bin": (bytes(range(256)) * 64, "binary data"),
        "empty.txt": (b"", "empty file"),
        "blank.txt": (b" \n\r\n\t\n", "empty file"),
        "truncated.md": (
            "---\ntitle: '写到一半'\ndate: Mon, 29 Mar 2021 23:54:52 GMT\n".encode(),
            "truncated front matter",
        ),
        "undecodable.txt": (
            "民警提醒".encode() + b"\x80\xff\xfe\x81" + "谨防诈骗".encode(),
            "undecodable bytes",
        ),
        "junk.dat": (
            os.urandom(20 * 1024 * 1024),
            "file too large: 20.0 MB exceeds the 5.0 MB limit",
        ),
    }
    for name, (content, _) in broken.items():
        (tmp_path / name).write_bytes(content)
    before = _row_counts()

    summary, status, output = run_import(tmp_path)

    assert status == 1
    assert summary["imported"] == 5
    errors = {Path(item["path"]).name: item["error"] for item in summary["failed"]}
    assert set(errors) == set(broken)
    for name, (_, reason) in broken.items():
        assert reason in errors[name], (name, errors[name])
        assert str(tmp_path / name) in {item["path"] for item in summary["failed"]}
    after = _row_counts()
    assert after["Article"] == before["Article"] + 5
    # Extraction links the good articles in their transactions; every new link row belongs
    # to one of them, none to anything a broken file began.
    good = set(ImportRecord.objects.exclude(outcome="failed").values_list("article", flat=True))
    assert len(good) == 5
    for model in (ArticleRegion, ArticleAgency, ArticleInitiative):
        linked = set(model.objects.values_list("article", flat=True))
        assert linked <= good, model.__name__
        assert after[model.__name__] - before[model.__name__] == model.objects.count()
    failed = ImportRecord.objects.filter(outcome="failed")
    assert failed.count() == len(broken)
    assert not failed.filter(article__isnull=False).exists()
    assert ImportBatch.objects.get().failed == len(broken)
    assert json.loads(output.splitlines()[-1]) == summary


def test_a_file_failing_while_stored_is_rolled_back_alone(tmp_path, run_import, monkeypatch):
    """A chunk that fails in the database is redone file by file: the others are kept."""
    for number in (0, 2, 3):
        (tmp_path / seed(number).name).write_bytes(seed(number).read_bytes())

    stored = pipeline.stored

    def refuse_one(article_ids):
        if Article.objects.filter(pk__in=article_ids, title="护航发展显担当").exists():
            raise RuntimeError("extraction refused the article")
        stored(article_ids)

    monkeypatch.setattr(pipeline, "stored", refuse_one)
    summary, status, _ = run_import(tmp_path)
    assert status == 1
    assert summary["imported"] == 2
    assert summary["failed"] == [
        {
            "path": str(tmp_path / seed(2).name),
            "error": "could not store: extraction refused the article",
        }
    ]
    assert not Article.objects.filter(title="护航发展显担当").exists()
    assert Article.objects.count() == 2


def test_same_content_twice_in_one_run_is_one_article(tmp_path, run_import):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_bytes(seed(3).read_bytes())
    summary, _, _ = run_import(tmp_path)
    assert (summary["imported"], summary["unchanged"]) == (1, 1)
    assert Article.objects.count() == 1


def test_globs_dry_run_and_misuse(tmp_path, run_import):
    summary, status, _ = run_import(str(SEEDS / "00[0-2]_*.txt"), options=["--dry-run"])
    assert (summary["imported"], status) == (3, 0)
    assert not Article.objects.exists() and not ImportBatch.objects.exists()
    summary, status, _ = run_import(tmp_path / "nothing-*.txt")
    assert (summary, status) == (None, 2)


@pytest.mark.django_db(transaction=True)
def test_real_process_json_and_exit_codes(tmp_path):
    """The command line itself, in another process writing to the test database (hence a
    transactional test): JSON as the last stdout line, errors on stderr, exit codes."""
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
        ),
    }
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")

    def run(*args):
        return subprocess.run(
            [sys.executable, "manage.py", "import_articles", *map(str, args)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    process = run(seed(3), bad, "--json")
    assert process.returncode == 1
    last = json.loads(process.stdout.strip().splitlines()[-1])
    assert last == {
        "imported": 1,
        "updated": 0,
        "unchanged": 0,
        "failed": [{"path": str(bad), "error": "empty file"}],
    }
    assert f"{bad}: empty file" in process.stderr
    assert Article.objects.get().title == "武汉公安:竭尽全力办好群众“身边事”"
    again = run(seed(3), "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout.splitlines()[-1])["unchanged"] == 1
    assert run(tmp_path / "missing-*.txt", "--json").returncode == 2
    assert run(seed(3), "--chunk-size", "0").returncode == 2


def test_a_path_that_names_nothing_is_misuse(tmp_path, run_import):
    summary, status, _ = run_import(seed(0), tmp_path / "typo.txt")
    assert (summary, status) == (None, 2)
    assert not Article.objects.exists()


def test_update_is_recorded_in_history(tmp_path, run_import):
    path = tmp_path / "003.txt"
    path.write_bytes(seed(3).read_bytes())
    run_import(path)
    path.write_text(path.read_text().replace("竭尽全力", "全力以赴"))
    run_import(path)
    article = Article.objects.get()
    latest = article.history.latest()
    assert latest.title == "武汉公安:全力以赴办好群众“身边事”"
    assert latest.history_change_reason == "导入：文件已修改"


def test_corrected_date_alone_updates(tmp_path, run_import):
    path = tmp_path / "000.md"
    path.write_bytes(seed(0).read_bytes())
    run_import(path)
    path.write_text(path.read_text().replace("Mon, 29 Mar 2021", "Tue, 30 Mar 2021"))
    summary, _, _ = run_import(path)
    assert summary["updated"] == 1
    assert Article.objects.get().published_at.day == 30
    summary, _, _ = run_import(path)
    assert summary["unchanged"] == 1


def test_parsing_in_worker_processes_gives_the_same_articles(tmp_path, run_import):
    summary, status, _ = run_import(SEEDS, options=["--workers", "1"])
    in_process = dict(Article.objects.values_list("content_hash", "body_html"))
    Article.objects.all().delete()
    summary, status, _ = run_import(SEEDS, options=["--workers", "2", "--chunk-size", "1"])
    assert (summary["imported"], status) == (5, 0)
    assert dict(Article.objects.values_list("content_hash", "body_html")) == in_process
