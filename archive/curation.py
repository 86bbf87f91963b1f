"""What staff do in the admin, as plain functions the admin actions call.

Each function writes in one transaction, records history with the acting user (simple_history
rows, also for bulk writes), and hands the articles it changed to ``archive.pipeline`` in the
same transaction: counts and cached pages follow with the commit, the search index as soon
as the worker has written the owed documents (seconds; the admin shows the backlog).

What would hold a request too long is queued in the request's transaction and done by the
worker (``archive.pipeline.work_owed``): publishing or hiding many articles
(``change_status``, ``advance_bulk_changes``) and importing uploads (``queue_uploads``,
``import_next_upload``); the admin shows their progress.
"""

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from archive import pipeline, trees
from archive.chinese import to_simplified
from archive.history import record_history
from archive.importing.uploads import stage_uploads
from archive.models import (
    Agency,
    Article,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    BulkStatusChange,
    ImportRecord,
    Initiative,
    LinkOrigin,
    QueuedUpload,
    QueuedUploadFile,
    Region,
)

logger = logging.getLogger(__name__)

# bulk_update writes one CASE over the whole batch per field, which PostgreSQL evaluates
# row by row: its cost grows with the square of the batch (docs/benchmarks.md, "Why the code
# is as it is").
_ROWS_PER_UPDATE = 500


class CurationError(Exception):
    """A curation request that cannot be carried out; the message is shown to staff."""


def _announce(article_ids):
    pipeline.changed(article_ids)


def _save_articles(articles, fields, user, reason):
    """Bulk-save ``articles`` with one history row each, naming the user and the reason."""
    now = timezone.now()
    for article in articles:
        article.updated_at = now
    bulk_update_with_history(
        articles,
        Article,
        [*fields, "updated_at"],
        batch_size=_ROWS_PER_UPDATE,
        default_user=user,
        default_change_reason=reason,
    )


def _locked_articles(article_ids, fields=None):
    """The articles, locked; only ``fields`` loaded when given (the others stay deferred)."""
    # Locked in id order, so that two editors acting on overlapping selections queue up
    # instead of deadlocking.
    articles = Article.objects.filter(pk__in=article_ids).order_by("pk").select_for_update()
    return list(articles.only(*fields) if fields else articles)


# ---------------------------------------------------------------------------------------------
# Articles


def article_edited(article, changed_fields, link_changes=False):
    """After an admin edit of one article, inside the admin's transaction.

    When text that extraction reads changed, the article goes through the whole pipeline
    again, extraction included (it keeps staff links by its own rule). The article is announced either way:
    its page and index document follow the edit.
    """
    if {"title", "subtitle"} & set(changed_fields):
        pipeline.stored([article.pk])
    elif changed_fields or link_changes:
        _announce([article.pk])


def set_status(article_ids, status, user):
    """Publish or hide articles. Publishing a copy of another story also detaches it from
    its primary, so that a published article is never also a duplicate; publishing one
    flagged off-topic answers the flag (``decide_scope``). Returns the number of articles
    changed; articles already so are left alone, so applying it twice is harmless.

    Reads and writes only the columns the change needs: the bodies stay in PostgreSQL,
    history rows included (``archive.history.record_history``).
    """
    label = _settable(status).label
    with transaction.atomic():
        answered, plain = [], []
        for article in _locked_articles(article_ids, _STATUS_FIELDS):
            if status == Article.Status.PUBLISHED and (
                Article.ReviewFlag.OFF_TOPIC in article.review_flags
            ):
                _answer_scope(article, True)
                article.status, article.duplicate_of = status, None
                answered.append(article)
            elif article.status != status or article.duplicate_of_id is not None:
                plain.append(article.pk)
        now = timezone.now()
        # Scope answers differ row by row (flags); they are few.
        for article in answered:
            article.updated_at = now
        Article.objects.bulk_update(
            answered,
            ["status", "duplicate_of", "in_scope", "review_flags", "updated_at"],
            batch_size=_ROWS_PER_UPDATE,
        )
        # Every other row gets the same values: one UPDATE (bulk_update's per-row CASE grows
        # with the square of the batch, above).
        Article.objects.filter(pk__in=plain).update(
            status=status, duplicate_of=None, updated_at=now
        )
        changed = [a.pk for a in answered] + plain
        record_history(changed, user, f"批量设为{label}", now)
        _announce(changed)
    return len(changed)


def _settable(status):
    """The status, if staff may set it by publishing or hiding."""
    if status not in (Article.Status.PUBLISHED, Article.Status.HIDDEN):
        raise CurationError(f"未知状态：{status}")
    return Article.Status(status)


_STATUS_FIELDS = ["status", "duplicate_of", "review_flags", "in_scope"]
# More articles than this are published or hidden by the worker, a chunk per transaction,
# instead of in the request.
QUEUE_ABOVE = 500


def change_status(article_ids, status, user):
    """Publish or hide articles, as staff ask in the admin: a few at once (``set_status``;
    returns how many changed), many in the background (returns the ``BulkStatusChange``
    stored in this transaction, which the worker applies: ``advance_bulk_changes``)."""
    article_ids = sorted(set(article_ids))
    if len(article_ids) <= QUEUE_ABOVE:
        return set_status(article_ids, status, user)
    _settable(status)
    with transaction.atomic():
        change = BulkStatusChange.objects.create(
            status=status, article_ids=article_ids, requested_by=user
        )
        pipeline.owe_work()
    return change


def advance_bulk_changes(rows=QUEUE_ABOVE):
    """Apply the next ``rows`` articles of the oldest unfinished bulk change that no other
    worker holds; how many articles that covered (0: none is waiting).

    The chunk and the change's ``done`` commit together: a worker killed mid-way leaves the
    change where the last commit put it. A chunk that fails is retried on the next call,
    its error kept on the change for staff and ``/healthz`` (no progress) meanwhile.
    """
    change = None
    try:
        with transaction.atomic():
            change = (
                BulkStatusChange.objects.select_for_update(skip_locked=True)
                .filter(finished_at__isnull=True)
                .order_by("pk")
                .first()
            )
            if change is None:
                return 0
            chunk = change.article_ids[change.done : change.done + rows]
            set_status(chunk, change.status, change.requested_by)
            change.done += len(chunk)
            change.error = ""
            if change.done >= change.total:
                change.finished_at = timezone.now()
            change.save(update_fields=["done", "error", "finished_at", "progressed_at"])
    except Exception as error:
        if change is None or isinstance(error, OperationalError | InterfaceError):
            raise  # the database is away (the worker waits for it), or nothing was claimed
        logger.exception("bulk change %s failed", change.pk)
        # Not progressed_at: the change did not progress.
        BulkStatusChange.objects.filter(pk=change.pk).update(
            error=f"{type(error).__name__}: {error}"
        )
        return 0
    return len(chunk)


def primary_of(article):
    """The article a chain of duplicates ends at (a copy of a copy points to the first)."""
    seen = {article.pk}
    while article.duplicate_of_id and article.duplicate_of_id not in seen:
        article = article.duplicate_of
        seen.add(article.pk)
    return article


def mark_duplicates(article_ids, primary, user):
    """Mark the articles as copies of ``primary`` (or of the article ``primary`` is itself a
    copy of). Copies of the marked articles move to the same primary, so no chain is left;
    the suspected-duplicate flag is cleared. Returns the number of articles marked."""
    primary = primary_of(primary)
    article_ids = set(article_ids)
    if primary.pk in article_ids:
        raise CurationError(f"主稿「{primary.title}」也在所选文章中，请勿同时选中。")
    reason = f"标为重复稿，主稿 #{primary.pk}"
    with transaction.atomic():
        marked = _locked_articles(article_ids)
        for article in marked:
            article.status = Article.Status.DUPLICATE
            article.duplicate_of = primary
            article.review_flags = _without(
                article.review_flags, [Article.ReviewFlag.SUSPECTED_DUPLICATE]
            )
        _save_articles(marked, ["status", "duplicate_of", "review_flags"], user, reason)
        copies = list(
            Article.objects.filter(duplicate_of__in=article_ids).order_by("pk").select_for_update()
        )
        for copy in copies:
            copy.duplicate_of = primary
        _save_articles(copies, ["duplicate_of"], user, reason)
        _announce([primary.pk, *article_ids, *(c.pk for c in copies)])
    return len(marked)


def _without(flags, removed):
    return [flag for flag in flags if flag not in removed]


@dataclass
class LinkRequest:
    region: object = None
    agency: object = None
    initiative: object = None

    def __bool__(self):
        return any((self.region, self.agency, self.initiative))

    def describe(self):
        parts = [
            f"{label}：{entity}"
            for label, entity in (
                ("地区", self.region),
                ("单位", self.agency),
                ("专项行动", self.initiative),
            )
            if entity
        ]
        return "、".join(parts)


def link_entities(article_ids, links, user):
    """Link every article to the requested region, agency and/or initiative, as staff links
    (an existing extracted link becomes a staff link, so re-extraction keeps it). A region
    becomes the article's primary region when it has none; the matching "no region" and "no
    agency" review flags are cleared. Returns the number of articles."""
    if not links:
        raise CurationError("请至少选择一个地区、单位或专项行动。")
    article_ids = sorted(set(article_ids))
    with transaction.atomic():
        articles = _locked_articles(article_ids)
        cleared = []
        if links.region:
            _upsert_links(ArticleRegion, "region", links.region, article_ids)
            has_primary = ArticleRegion.objects.filter(
                article_id__in=article_ids, is_primary=True
            ).values("article_id")
            ArticleRegion.objects.filter(article_id__in=article_ids, region=links.region).exclude(
                article_id__in=has_primary
            ).update(is_primary=True)
            cleared.append(Article.ReviewFlag.NO_REGION)
        if links.agency:
            _upsert_links(ArticleAgency, "agency", links.agency, article_ids)
            cleared.append(Article.ReviewFlag.NO_AGENCY)
        if links.initiative:
            _upsert_links(ArticleInitiative, "initiative", links.initiative, article_ids)
        for article in articles:
            article.review_flags = _without(article.review_flags, cleared)
        # Links are not fields of the article; the history row (with its reason) is the trail.
        _save_articles(articles, ["review_flags"], user, f"人工设定{links.describe()}")
        _announce(article_ids)
    return len(articles)


def _upsert_links(link_model, field_name, entity, article_ids):
    link_model.objects.bulk_create(
        [
            link_model(article_id=pk, origin=LinkOrigin.STAFF, **{field_name: entity})
            for pk in article_ids
        ],
        update_conflicts=True,
        unique_fields=["article", field_name],
        update_fields=["origin"],
    )


def clear_review_flags(article_ids, flags, user, note=""):
    """Clear the given review flags once staff have looked; a note is added to the article's
    review note. Clearing ``off_topic`` answers it: the article is police news after all
    (``decide_scope``). Returns the number of articles that had any of the flags."""
    flags = [Article.ReviewFlag(flag) for flag in flags]
    if not flags:
        raise CurationError("请至少选择一个要清除的审核标记。")
    labels = "、".join(flag.label for flag in flags)
    with transaction.atomic():
        changed = []
        announced = []
        for article in _locked_articles(article_ids):
            remaining = _without(article.review_flags, flags)
            if remaining == article.review_flags:
                continue
            if Article.ReviewFlag.OFF_TOPIC in flags and _answer_scope(article, True):
                announced.append(article.pk)
            article.review_flags = remaining
            if note:
                article.review_note = "\n".join(filter(None, [article.review_note, note]))
            changed.append(article)
        fields = ["review_flags", "review_note", "in_scope", "status"]
        _save_articles(changed, fields, user, f"已审阅：{labels}")
        # Review flags are neither shown to readers nor indexed; a status is.
        _announce(announced)
    return len(changed)


def decide_scope(article_ids, in_scope, user):
    """Staff's answer to the ``off_topic`` flag: Chinese police news (``in_scope`` True:
    published, as extraction hid it only while waiting) or not (False: kept hidden). The
    answer is stored on the article, so re-import and re-extraction never ask again; the
    flag goes. Returns the number of articles changed."""
    reason = "认定为公安新闻" if in_scope else "认定为非公安新闻"
    with transaction.atomic():
        changed = [a for a in _locked_articles(article_ids) if _answer_scope(a, in_scope)]
        _save_articles(changed, ["in_scope", "status", "review_flags"], user, reason)
        _announce(a.pk for a in changed)
    return len(changed)


def _answer_scope(article, in_scope):
    """Record staff's scope answer on ``article`` (unsaved); True if anything changed.
    Publishing a flagged article or clearing its flag is the same answer: it belongs."""
    status = article.status
    off_topic = Article.ReviewFlag.OFF_TOPIC
    if in_scope and off_topic in article.review_flags and status == Article.Status.HIDDEN:
        status = Article.Status.PUBLISHED
    elif not in_scope and status == Article.Status.PUBLISHED:
        status = Article.Status.HIDDEN
    flags = _without(article.review_flags, [off_topic])
    if (article.in_scope, status, flags) == (in_scope, article.status, article.review_flags):
        return False
    article.in_scope, article.status, article.review_flags = in_scope, status, flags
    return True


def rerun_extraction(article_ids):
    """Re-run entity extraction on the articles with the current names, aliases and merges
    (extraction keeps staff links by its own rule); returns extraction's Summary.

    The one place the admin calls into extraction.
    """
    from archive.extraction.linking import extract_articles

    summary = extract_articles(sorted(set(article_ids)))
    _announce(summary.changed)
    return summary


# ---------------------------------------------------------------------------------------------
# Agencies and initiatives


ENTITY_LINKS = {
    Region: (ArticleRegion, "region"),
    Agency: (ArticleAgency, "agency"),
    Initiative: (ArticleInitiative, "initiative"),
}


def linked_article_ids(entity):
    """Articles whose pages and index documents show this region, agency or initiative.

    For regions and agencies the articles of their sub-units count too: an article is
    filed (and searchable) under every region and unit above the one it names.
    """
    model = type(entity)
    link_model, field_name = ENTITY_LINKS[model]
    ids = trees.subtree_ids(entity) if model is not Initiative else [entity.pk]
    return list(
        link_model.objects.filter(**{f"{field_name}_id__in": ids})
        .values_list("article_id", flat=True)
        .distinct()
    )


def announce_entity_articles(entity_or_ids):
    """After an admin edit or deletion of an entity: its articles are re-rendered and re-indexed."""
    ids = entity_or_ids if isinstance(entity_or_ids, list) else linked_article_ids(entity_or_ids)
    _announce(ids)


MERGE_LINKS = {
    Agency: (ArticleAgency, "agency"),
    Initiative: (ArticleInitiative, "initiative"),
}


@dataclass
class MergePlan:
    """What a merge changes, counted before it is done (the confirmation page) and returned
    by ``merge`` for the message after it."""

    keep: object
    others: list
    links_moved: int = 0
    links_combined: int = 0
    articles: int = 0
    children_moved: int = 0
    aliases_added: list = field(default_factory=list)

    @property
    def deleted(self):
        return len(self.others)


def _check_merge(keep, others):
    model = type(keep)
    if model not in MERGE_LINKS:
        raise CurationError(f"不支持合并{model._meta.verbose_name}。")
    others = [other for other in others if other.pk != keep.pk]
    if not others:
        raise CurationError("请至少选择两个条目，其中一个保留。")
    if any(type(other) is not model for other in others):
        raise CurationError("只能合并同一类条目。")
    return model, others


def plan_merge(keep, others):
    """Count what merging ``others`` into ``keep`` would change, without changing anything."""
    model, others = _check_merge(keep, others)
    link_model, field_name = MERGE_LINKS[model]
    other_links = link_model.objects.filter(**{f"{field_name}__in": others})
    kept_articles = set(
        link_model.objects.filter(**{field_name: keep}).values_list("article_id", flat=True)
    )
    plan = MergePlan(keep=keep, others=others)
    seen = set(kept_articles)
    for article_id in other_links.order_by("pk").values_list("article_id", flat=True):
        if article_id in seen:
            plan.links_combined += 1
        else:
            plan.links_moved += 1
            seen.add(article_id)
    plan.articles = other_links.values("article_id").distinct().count()
    if model is Agency:
        plan.children_moved = Agency.objects.filter(parent__in=others).exclude(pk=keep.pk).count()
    plan.aliases_added = _new_aliases(keep, others)
    return plan


def _new_aliases(keep, others):
    known = {keep.name, *keep.aliases}
    added = []
    for other in others:
        for name in [other.name, *other.aliases]:
            if name and name not in known:
                known.add(name)
                added.append(name)
    return added


def merge(keep, others, user):
    """Merge agencies (or initiatives) into ``keep``, in one transaction: their article links
    move to it (two links of one article become one staff-or-extracted link with the mentions
    added up), their sub-units become its sub-units, their names and aliases become its
    aliases (so the next extraction recognises them), and their rows are deleted, each
    change in history with the user. Returns the MergePlan that was carried out."""
    model, others = _check_merge(keep, others)
    link_model, field_name = MERGE_LINKS[model]
    names = "、".join(other.name for other in others)
    reason = f"合并：{names} → {keep.name}"
    with transaction.atomic():
        locked = {
            row.pk: row
            for row in model.objects.select_for_update()
            .filter(pk__in=[keep.pk, *(o.pk for o in others)])
            .order_by("pk")
        }
        if len(locked) != len(others) + 1:
            raise CurationError("所选条目已被他人修改或删除，请刷新后重试。")
        keep = locked[keep.pk]
        others = [locked[other.pk] for other in others]
        plan = plan_merge(keep, others)
        article_ids = _move_links(link_model, field_name, keep, others)
        if model is Agency:
            _move_children(keep, others, user, reason)
        keep.aliases = [*keep.aliases, *plan.aliases_added]
        keep._history_user = user
        keep._change_reason = reason
        keep.save()
        _delete_merged(others, user, reason)
        # Moved sub-units file their articles under the kept unit now.
        _announce([*article_ids, *linked_article_ids(keep)] if model is Agency else article_ids)
    return plan


def _move_links(link_model, field_name, keep, others):
    """Point the others' links at ``keep``; return the ids of the articles concerned."""
    fk = f"{field_name}_id"
    by_article = {link.article_id: link for link in link_model.objects.filter(**{field_name: keep})}
    moved, combined, dropped = [], {}, []
    for link in link_model.objects.filter(**{f"{field_name}__in": others}).order_by("pk"):
        kept = by_article.get(link.article_id)
        if kept is None:
            setattr(link, fk, keep.pk)
            by_article[link.article_id] = link
            moved.append(link)
            continue
        kept.mentions += link.mentions
        if link.origin == LinkOrigin.STAFF:
            kept.origin = LinkOrigin.STAFF
        combined[kept.pk] = kept
        dropped.append(link)
    # Drop first: a moved link must not meet the row it replaces under the unique constraint.
    link_model.objects.filter(pk__in=[link.pk for link in dropped]).delete()
    link_model.objects.bulk_update(moved, [fk])
    link_model.objects.bulk_update(list(combined.values()), ["mentions", "origin"])
    return [link.article_id for link in (*moved, *dropped)]


def _move_children(keep, others, user, reason):
    other_ids = {other.pk for other in others}
    if keep.parent_id in other_ids:
        # The kept unit was under a merged one: it takes that unit's place in the tree.
        parent = next(o for o in others if o.pk == keep.parent_id)
        while parent is not None and (parent.pk in other_ids or parent.pk == keep.pk):
            parent = parent.parent
        keep.parent = parent
    children = list(
        Agency.objects.filter(parent_id__in=other_ids)
        .exclude(pk__in=[keep.pk, *other_ids])
        .order_by("pk")
    )
    for child in children:
        child.parent = keep
    bulk_update_with_history(
        children, Agency, ["parent"], default_user=user, default_change_reason=reason
    )


def _delete_merged(others, user, reason):
    for other in others:
        other._history_user = user
        other._change_reason = reason
        other.delete()


def set_initiative_status(initiative_ids, status, user):
    """Accept or reject initiatives, then re-run extraction on the articles that mention
    them or are linked to them: extraction links only accepted initiatives, so this is what
    makes an acceptance (or a rejection) show on those articles. Returns (initiatives
    changed, articles re-extracted).

    Saved one by one (there are few): extraction forgets its cached names on post_save.
    """
    label = Initiative.Status(status).label
    with transaction.atomic():
        changed = [
            initiative
            for initiative in Initiative.objects.select_for_update()
            .filter(pk__in=initiative_ids)
            .order_by("pk")
            if initiative.status != status
        ]
        for initiative in changed:
            initiative.status = status
            initiative._history_user = user
            initiative._change_reason = f"设为{label}"
            initiative.save(update_fields=["status"])
        article_ids = _articles_naming(changed)
        if article_ids:
            rerun_extraction(article_ids)
            # Their pages and index documents show the initiative now (or no longer), also
            # where the link itself, made while it was suggested, did not change.
            _announce(article_ids)
    return len(changed), len(article_ids)


def _articles_naming(initiatives):
    """Articles linked to the initiatives or whose text contains one of their names (a scan
    of the folded text: seconds on a large archive, acceptable for a curation action)."""
    if not initiatives:
        return []
    mentions = Q(initiatives__in=initiatives)
    for initiative in initiatives:
        for name in {to_simplified(n) for n in [initiative.name, *initiative.aliases] if n}:
            mentions |= Q(title_simplified__contains=name) | Q(body_simplified__contains=name)
    return list(Article.objects.filter(mentions).values_list("pk", flat=True).distinct())


# ---------------------------------------------------------------------------------------------
# Imports

# How uploaded files are named in their import records, instead of a vanished temporary path.
UPLOAD_PREFIX = "上传/"
# Imports of one upload started before it is given up (each re-run is harmless; a file
# that kills the worker every time must not hold the queue for ever).
MAX_UPLOAD_ATTEMPTS = 3
# The importer's chunk for uploads: records commit a chunk at a time, and they are the
# progress staff watch.
UPLOAD_CHUNK = 50
# Session advisory locks (_UPLOADING, upload id): held by the worker importing the upload,
# released by PostgreSQL when its connection ends, however it ends.
_UPLOADING = 0x75706C  # "upl"


def queue_uploads(uploaded_files, user):
    """Accept files uploaded in the admin for import: staged and checked exactly as the
    importer will see them (``archive.importing.uploads``; raises UploadRejected before anything is
    stored), then stored in this transaction for the worker (``import_next_upload``).
    Returns the QueuedUpload."""
    with tempfile.TemporaryDirectory(prefix="archive-upload-") as root:
        staged = stage_uploads(uploaded_files, root)
        with transaction.atomic():
            upload = QueuedUpload.objects.create(requested_by=user, files=len(staged))
            for path in staged:
                QueuedUploadFile.objects.create(
                    upload=upload,
                    path=path.relative_to(root).as_posix(),
                    content=path.read_bytes(),
                )
            pipeline.owe_work()
    return upload


def import_next_upload():
    """Import the oldest unfinished upload no other worker is importing; returns it, or
    None when none is waiting.

    The importer runs on the stored files exactly as ``import_articles DIRECTORY`` would;
    the upload links the batch as soon as it exists and is finished (its files deleted:
    they are articles and import records now) once the importer returns. A worker killed
    mid-import leaves it unfinished and unlocked: the next one imports it again, which the
    importer makes harmless (the same file is the same article).
    """
    for pk in (
        QueuedUpload.objects.filter(finished_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        if _upload_lock(pk, "pg_try_advisory_lock"):
            break
    else:
        return None
    try:
        # Read again under the lock: another worker may have finished it meanwhile.
        upload = QueuedUpload.objects.filter(pk=pk, finished_at__isnull=True).first()
        if upload is None:
            return None
        upload.attempts += 1
        upload.save(update_fields=["attempts", "progressed_at"])
        if upload.attempts > MAX_UPLOAD_ATTEMPTS:
            _finish_upload(upload, f"导入 {MAX_UPLOAD_ATTEMPTS} 次均未完成，已放弃。")
            return upload
        _finish_upload(upload, _import_stored_files(upload))
        return upload
    finally:
        _upload_lock(pk, "pg_advisory_unlock")


def _import_stored_files(upload):
    """Run the importer on the upload's files; the error that stopped it, or ""."""
    from archive.importing.batch import ImportInterrupted

    def started(batch):
        QueuedUpload.objects.filter(pk=upload.pk).update(batch=batch, progressed_at=timezone.now())
        upload.batch = batch

    def progress(files):
        QueuedUpload.objects.filter(pk=upload.pk).update(progressed_at=timezone.now())

    # The same directory for every attempt, so that the records of an attempt that was
    # killed can be named like the others (the next attempt's importer closes its batch).
    root = Path(tempfile.gettempdir(), f"archive-upload-{upload.pk}")
    shutil.rmtree(root, ignore_errors=True)
    if upload.batch_id is not None:
        _name_records(upload.batch_id, root)
    try:
        for stored in upload.stored.order_by("pk").iterator(chunk_size=20):
            target = root / stored.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(stored.content)
        _run_importer(root, started=started, progress=progress)
    except ImportInterrupted as interrupted:
        return interrupted.summary.error or "导入中断"
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return ""


def _finish_upload(upload, error):
    with transaction.atomic():
        upload.finished_at, upload.error = timezone.now(), error
        upload.save(update_fields=["batch", "finished_at", "error", "progressed_at"])
        upload.stored.all().delete()


def _upload_lock(pk, function):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_UPLOADING, pk])
        return cursor.fetchone()[0]


def _run_importer(root, **callbacks):
    """The one place the admin's work calls the importer; ``callbacks``: ``run_import``'s
    ``started`` and ``progress``. Returns the batch id."""
    from archive.importing.batch import ImportInterrupted, find_files, run_import

    paths, _unmatched = find_files([root])
    try:
        summary = run_import(paths, origin="admin", chunk_size=UPLOAD_CHUNK, **callbacks)
    except ImportInterrupted as interrupted:
        # The records stored so far name the upload too, not the temporary directory.
        _name_records(interrupted.summary.batch_id, root)
        raise
    _name_records(summary.batch_id, root)
    return summary.batch_id


def _name_records(batch_id, root):
    prefix = os.path.join(os.path.abspath(root), "")
    ImportRecord.objects.filter(batch_id=batch_id, path__startswith=prefix).update(
        path=Concat(Value(UPLOAD_PREFIX), Substr("path", len(prefix) + 1))
    )
