"""Hostile and broken files: every input ends as an article or as a clear per-file error.

Thousands of generated files go through the parse path (no database); a few hundred go
through the whole import, in batches, where nothing may be half-written. Each test prints
what it tried and how it ended: ``pytest -s tests/test_harden_fuzz_importer.py``.
"""

import re
import time
from collections import Counter
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.importing.batch import find_files, run_import
from archive.importing.reading import parse_bytes
from archive.models import Article, ImportBatch, ImportRecord
from tests.hostile_files import hostile_files

pytestmark = pytest.mark.slow

PARSE_EXAMPLES = 3000
STORE_BATCHES, STORE_BATCH_SIZE = 15, 20
# A parser bug caught by the importer's last-resort handler reads "unreadable FORMAT: Error: …".
_PARSER_BUG = re.compile(r"^unreadable [\w-]+: [A-Z]\w*(Error|Exception)\b")


def _reason(error):
    """The error without its details (sizes, characters), for counting."""
    return re.split(r"[:：(（0-9]", error, maxsplit=1)[0].strip() or error[:40]


def _assert_clear_error(error):
    assert error and len(error) <= 500, error
    assert "Traceback" not in error and "\n" not in error, error
    assert not _PARSER_BUG.match(error), f"parser bug surfaced as an error: {error}"


def _assert_sound_article(article):
    assert article.title.strip() and article.body_text.strip()
    assert len(article.content_hash) == 64
    assert "<script" not in article.body_html.lower()
    assert "javascript:" not in article.body_html.lower()


def test_parse_path_never_crashes():
    tried, articles, errors, slowest = Counter(), Counter(), Counter(), Counter()

    @settings(max_examples=PARSE_EXAMPLES, deadline=None, database=None)
    @given(hostile_files())
    def parse_one(kind_raw):
        kind, raw = kind_raw
        tried[kind] += 1
        started = time.monotonic()
        result = parse_bytes(raw, f"/fuzz/{kind}.txt")
        slowest[kind] = max(slowest[kind], time.monotonic() - started)
        assert (result.article is None) != (not result.error), result
        if result.article is not None:
            _assert_sound_article(result.article)
            articles[kind] += 1
        else:
            _assert_clear_error(result.error)
            errors[_reason(result.error)] += 1

    parse_one()
    print(f"\nparse path: {sum(tried.values())} inputs tried, {sum(articles.values())} articles")
    for kind, number in sorted(tried.items()):
        print(
            f"  {kind:28} tried {number:5}  articles {articles[kind]:5}  "
            f"slowest {slowest[kind]:.2f} s"
        )
    for reason, number in errors.most_common():
        print(f"  error {number:5}  {reason}")
    assert sum(tried.values()) >= PARSE_EXAMPLES * 0.9
    assert sum(articles.values()) and sum(errors.values())


@pytest.mark.django_db
def test_store_path_leaves_articles_or_errors_and_nothing_half_written(tmp_path):
    tried, outcomes, errors = Counter(), Counter(), Counter()
    folders = count()

    @settings(
        max_examples=STORE_BATCHES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(hostile_files(), min_size=STORE_BATCH_SIZE, max_size=STORE_BATCH_SIZE))
    def import_batch(files):
        folder = tmp_path / f"batch{next(folders)}"
        folder.mkdir()
        for number, (kind, raw) in enumerate(files):
            (folder / f"{number:03d}.txt").write_bytes(raw)
            tried[kind] += 1
        paths, unmatched = find_files([str(folder)])
        assert len(paths) == len(files) and not unmatched
        summary = run_import(paths, workers=1)
        records = ImportRecord.objects.filter(batch_id=summary.batch_id)
        assert records.count() == len(files)
        assert summary.imported + summary.updated + summary.unchanged + len(summary.failed) == len(
            files
        )
        for failure in summary.failed:
            _assert_clear_error(failure["error"])
            errors[_reason(failure["error"])] += 1
        for record in records:
            outcomes[record.outcome] += 1
            if record.outcome == "failed":
                assert record.article_id is None and record.error
            else:
                assert record.article_id is not None and not record.error
        batch = ImportBatch.objects.get(pk=summary.batch_id)
        assert batch.finished_at is not None
        assert batch.failed == len(summary.failed)

    import_batch()
    # Nothing half-written: every article came from a recorded file and reads back whole.
    assert not Article.objects.filter(import_records__isnull=True).exists()
    for article in Article.objects.all():
        _assert_sound_article(article)
    files = sum(tried.values())
    print(
        f"\nstore path: {files} files tried in batches of {STORE_BATCH_SIZE}, "
        f"{Article.objects.count()} articles, outcomes {dict(outcomes)}"
    )
    for reason, number in errors.most_common():
        print(f"  error {number:5}  {reason}")
    assert files >= STORE_BATCHES * STORE_BATCH_SIZE * 0.5


def test_a_file_parsing_too_long_is_a_per_file_error():
    giant = ("公安局便民服务" * 200_000).encode()
    result = parse_bytes(giant, "/fuzz/giant.txt", time_limit=0.05)
    assert result.article is None
    assert result.error == "gave up: parsing took longer than 0.05 s"
    # The timer is gone afterwards: the next file parses normally.
    assert parse_bytes("标题\n\n正文第一段。\n".encode(), "/fuzz/ok.txt").article is not None


def test_only_web_addresses_become_original_urls():
    page = "---\ntitle: 标题\noriginal_url: '{}'\n---\n<p>正文第一段，民警为群众办实事。</p>\n"
    for url, kept in [
        ("https://example.org/a.html", "https://example.org/a.html"),
        ("HTTP://example.org/", "HTTP://example.org/"),
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(1)", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("http://exa mple.org/", ""),
    ]:
        article = parse_bytes(page.format(url).encode(), "/fuzz/url.md").article
        assert article.original_url == kept, url
