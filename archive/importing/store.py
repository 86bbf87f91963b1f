"""Writing parsed files: chunked bulk writes, one transaction per file's worth of truth.

A chunk of parsed files is written in one transaction with a handful of bulk statements
(that is what makes the import fast: docs/benchmarks.md, "Why the code is as it is"). If
anything in the chunk fails, the chunk is rolled back and redone file by file, each in its
own transaction, so one bad file never takes the others down and never leaves half an
article behind.

Upsert rules, keyed on ``content_hash`` (the simplified, whitespace-free title and body):

* the path was imported before and the file now says something its article does not
  (new text, or only a corrected date, byline or source) → ``updated``;
* the hash is known → ``unchanged``: the same text from another path or in another
  encoding is the same article, and nothing is written to it;
* otherwise → ``imported``: a new article.

An update overwrites what the importer derives from the file (title, subtitle, bylines,
source, dates, body text and HTML, images, script, simplified copies, hash) and the
importer's own review flags. It deliberately keeps what people and extraction decided:
``status`` and ``duplicate_of``, ``review_note``, review flags the importer did not set,
and every region/agency/initiative link (extraction, step 1 of ``archive.pipeline``,
replaces its own links; staff links are never touched). Updates are written to the article's
history (django-simple-history); new articles are not, to keep bulk imports fast: their
provenance is the ImportRecord and the file's SHA-256.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from archive import pipeline
from archive.models import Article, ImportBatch, ImportRecord

from .article import IMPORTER_FLAGS, ArticleData
from .reading import FileResult

IMPORTED, UPDATED, UNCHANGED, FAILED = "imported", "updated", "unchanged", "failed"
# (result, outcome, error), in the order the results came.
Outcome = tuple[FileResult, str, str]
# Rows per INSERT: beyond a few hundred the statement (bodies included) costs memory and
# client-side parameter work without saving round trips worth having.
_ROWS_PER_STATEMENT = 200
_UPDATED_FIELDS = [
    "title", "title_inferred", "subtitle", "authors", "editor", "source", "via_site",
    "original_url", "published_at", "date_precision", "body_text", "body_html", "image_urls",
    "script", "title_simplified", "body_simplified", "content_hash", "review_flags",
    "updated_at",
]  # fmt: skip


def store_results(results: list[FileResult], batch: ImportBatch | None) -> list[Outcome]:
    """Store one chunk of :class:`~archive.importing.reading.FileResult`; return outcomes.

    Outcomes come back in input order as ``(result, outcome, error)``.
    """
    try:
        with transaction.atomic():
            return _store(results, batch)
    except Exception:  # any error, in the database or a listener: redo file by file
        outcomes = []
        for result in results:
            try:
                with transaction.atomic():
                    outcomes += _store([result], batch)
            except Exception as exc:  # reported against this file; the batch goes on
                error = f"could not store: {exc}".strip()
                with transaction.atomic():
                    ImportRecord.objects.create(**_record(result, batch, FAILED, None, error))
                outcomes.append((result, FAILED, error))
        return outcomes


def _store(results: list[FileResult], batch: ImportBatch | None) -> list[Outcome]:
    good = [(r, r.article) for r in results if r.article is not None]
    hashes = {data.content_hash for _, data in good}
    known = dict(Article.objects.filter(content_hash__in=hashes).values_list("content_hash", "id"))
    previous = _previous_articles([r.path for r, _ in good])
    # Articles this chunk may rewrite: those of files imported before from the same path,
    # whether their text changed (new hash) or only their metadata (same hash).
    own_ids = {
        previous[r.path]
        for r, data in good
        if r.path in previous and known.get(data.content_hash, previous[r.path]) == previous[r.path]
    }
    own = Article.objects.in_bulk(own_ids) if own_ids else {}

    plan: list[tuple[FileResult, str, Article | int | None]] = []
    new_articles: list[Article] = []
    updated_articles: list[Article] = []
    now = timezone.now()
    for result in results:
        if result.article is None:
            plan.append((result, FAILED, None))
            continue
        data = result.article
        article = own.pop(previous.get(result.path), None)
        if article is not None and _differs(article, data):
            _overwrite(article, data, now)
            updated_articles.append(article)
            known[data.content_hash] = article
            plan.append((result, UPDATED, article))
        elif article is not None or data.content_hash in known:
            plan.append((result, UNCHANGED, article or known[data.content_hash]))
        else:
            article = Article(**data.model_fields())
            new_articles.append(article)
            known[data.content_hash] = article
            plan.append((result, IMPORTED, article))

    if new_articles:
        Article.objects.bulk_create(new_articles, batch_size=_ROWS_PER_STATEMENT)
    if updated_articles:
        # Staff read an article's history in the admin: an import that rewrote it shows there.
        bulk_update_with_history(
            updated_articles, Article, _UPDATED_FIELDS, batch_size=_ROWS_PER_STATEMENT,
            default_change_reason="导入：文件已修改",
        )  # fmt: skip
    records: list[ImportRecord] = []
    outcomes: list[Outcome] = []
    for result, outcome, stored in plan:
        article_id = stored if isinstance(stored, int | None) else stored.pk
        records.append(ImportRecord(**_record(result, batch, outcome, article_id, result.error)))
        outcomes.append((result, outcome, result.error))
    ImportRecord.objects.bulk_create(records, batch_size=_ROWS_PER_STATEMENT)
    changed = [a.pk for a in new_articles + updated_articles]
    if changed:
        pipeline.stored(changed)
    return outcomes


def _differs(article: Article, data: ArticleData) -> bool:
    """Whether the file now says something the article does not (text or metadata)."""
    fields = data.model_fields()
    flags = fields.pop("review_flags")
    if sorted(f for f in article.review_flags if f in IMPORTER_FLAGS) != sorted(flags):
        return True
    return any(getattr(article, name) != value for name, value in fields.items())


def _overwrite(article: Article, data: ArticleData, now: datetime) -> None:
    kept_flags = [flag for flag in article.review_flags if flag not in IMPORTER_FLAGS]
    for name, value in data.model_fields().items():
        setattr(article, name, value)
    article.review_flags = kept_flags + data.review_flags
    article.updated_at = now


def _previous_articles(paths: list[str]) -> dict[str, int]:
    """path → id of the article its latest successful import produced."""
    rows = (
        ImportRecord.objects.filter(path__in=paths, article__isnull=False)
        .order_by("path", "-created_at", "-id")
        .distinct("path")
        .values_list("path", "article_id")
    )
    return dict(rows)


def _record(
    result: FileResult, batch: ImportBatch | None, outcome: str, article_id: int | None, error: str
) -> dict[str, Any]:
    return {
        "batch": batch,
        "path": result.path[:1000],
        "size": result.size,
        "sha256": result.sha256,
        "encoding": result.encoding,
        "file_format": result.file_format,
        "outcome": outcome,
        "error": error,
        "article_id": article_id,
    }
