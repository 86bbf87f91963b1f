"""The write pipeline: what every write of articles owes, in order, stated once.

Inside the writer's transaction — the importer (``archive.importing.store``), staff
(``archive.curation``, the admin's saves), the shell — after the rows are written:

1. ``stored(ids)`` when text was written: extraction links places, bureaus and campaigns
   and marks near-duplicates (``archive.extraction``, ``archive.extraction.dedup``); then 2–4 for the
   stored articles and any others that step changed;
2. ``changed(ids)``: the browse counts (``archive.counts.refresh``);
3. the content generation (``archive.pagecache.changed``): cached pages go with the commit;
4. the owed index work (``search.outbox.owe``): one row per article and a NOTIFY.

So the rows, their links, the counts, the generation and the record of what the index
still owes commit together or not at all. After commit, ``manage.py run_worker``
(``search.outbox``) writes the owed documents; nothing slow runs in the writer's request,
and a crash anywhere leaves work owed, never forgotten.

Single-row saves send Django's model signals instead of calling this module; ``ready()``
of ``archive.apps`` routes them here (``on_article_saved`` and the rest below).
"""

from collections.abc import Iterable
from typing import Any, cast

from django.db import models, transaction

from archive import counts, pagecache
from search import outbox


def stored(article_ids: Iterable[int]) -> None:
    """Steps 1–4 for articles whose text was just written."""
    from archive.extraction.dedup import find_duplicates
    from archive.extraction.linking import cached_catalog, extract_articles

    ids = sorted(set(article_ids))
    if not ids:
        return
    with transaction.atomic():
        extract_articles(ids, catalog=cached_catalog())
        others = set(find_duplicates(ids)) - set(ids)
        changed(ids + sorted(others))


def changed(article_ids: Iterable[int]) -> None:
    """Steps 2–4 for articles whose rows, status or links were just written."""
    _derive(article_ids)


def _derive(article_ids: Iterable[int]) -> None:
    """Steps 2–4 (what Django's model signals call: tests record only the writers' calls)."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    with transaction.atomic():
        counts.refresh(ids)
        pagecache.changed()
        outbox.owe(ids)


# Django's model signals (connected in ArchiveConfig.ready)


def on_article_saved(sender: type, instance: models.Model, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` of an article."""
    _derive([instance.pk])


def on_link_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` of an article's region, bureau or campaign link."""
    _derive([instance.article_id])


def on_links_changed(
    sender: type,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """``m2m_changed`` of ``Article.regions``, ``.agencies`` or ``.initiatives``."""
    if not reverse:
        if action.startswith("post_"):
            _derive([instance.pk])
    elif action == "pre_clear":
        # clear() from a region's, bureau's or campaign's side names no articles.
        _derive(list(instance.articles.values_list("pk", flat=True)))
    elif action in ("post_add", "post_remove"):
        _derive(cast(set[int], pk_set))  # None only for the clear actions


def on_entity_saved(sender: type, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` of a region, bureau or campaign: pages show their names
    (the articles naming one are announced by the admin, ``curation.announce_entity_articles``)."""
    pagecache.changed()
