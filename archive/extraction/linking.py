"""Writing what extraction found: links, new agencies, suggested initiatives, review flags
(the ``off_topic`` one hides the article until staff decide, see ``scope``).

Who made a link decides who may undo it: re-extraction replaces only ``extracted`` links and
never touches a ``staff`` one (nor adds an extracted twin of it). Links are synchronised,
not deleted and re-created, so a second run over unchanged text writes nothing.
"""

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from archive.models import (
    Agency,
    Article,
    ArticleAgency,
    ArticleInitiative,
    ArticleRegion,
    Initiative,
    LinkOrigin,
    Region,
)

from .agencies import AgencyRef
from .catalog import Catalog
from .extract import extract
from .initiatives import Suggestion, initiative_slug
from .scope import is_police_news

Flag = Article.ReviewFlag
EXTRACTION_FLAGS = {Flag.NO_REGION, Flag.NO_AGENCY, Flag.AMBIGUOUS_REGION, Flag.OFF_TOPIC}

_state = threading.local()
_cache: dict[str, Catalog | None] = {"catalog": None}


@receiver([post_save, post_delete], sender=Region)
@receiver([post_save, post_delete], sender=Agency)
@receiver([post_save, post_delete], sender=Initiative)
def _forget_catalog(sender: type, **kwargs: Any) -> None:
    """Staff edits (an alias, a merge, an accepted initiative) reach the next extraction."""
    if not getattr(_state, "writing", False):
        _cache["catalog"] = None


def cached_catalog() -> Catalog:
    """The catalogue for imports: rebuilt only after someone else changed the entities, or
    when rows extraction itself created were rolled back with a failed import."""
    catalog = _cache["catalog"]
    if catalog is not None and catalog.unconfirmed:
        agencies = {pk for model, pk in catalog.unconfirmed if model is Agency}
        initiatives = {pk for model, pk in catalog.unconfirmed if model is Initiative}
        if Agency.objects.filter(pk__in=agencies).count() != len(
            agencies
        ) or Initiative.objects.filter(pk__in=initiatives).count() != len(initiatives):
            catalog = None
    if catalog is None:
        catalog = _cache["catalog"] = Catalog.load()
    return catalog


@dataclass
class Summary:
    articles: int = 0
    changed: list[int] = field(default_factory=list)
    agencies_created: int = 0
    suggestions_created: int = 0


LINKS = ((ArticleRegion, "region"), (ArticleAgency, "agency"), (ArticleInitiative, "initiative"))


class LinkBatch:
    """The existing links of a batch of articles, read in one query per link model, and the
    new ones to write in one ``bulk_create`` each."""

    def __init__(self, article_ids: Iterable[int]) -> None:
        # link model → article id → target id → link
        self.existing: dict[Any, defaultdict[int, dict[int, Any]]] = {
            model: defaultdict(dict) for model, _ in LINKS
        }
        for model, target in LINKS:
            for link in model.objects.filter(article_id__in=article_ids):
                self.existing[model][link.article_id][getattr(link, f"{target}_id")] = link
        self.new: dict[Any, list[Any]] = {model: [] for model, _ in LINKS}

    def write(self) -> None:
        for model, rows in self.new.items():
            model.objects.bulk_create(rows)


def extract_articles(
    article_ids: Iterable[int], catalog: Catalog | None = None, summary: Summary | None = None
) -> Summary:
    """Extract and link the given articles in one transaction; return a :class:`Summary`.

    ``catalog`` defaults to a fresh one from the database, so a run sees every curation
    made before it.
    """
    catalog = catalog or Catalog.load()
    summary = summary or Summary()
    article_ids = list(article_ids)
    _state.writing = True
    try:
        with transaction.atomic():
            articles = Article.objects.filter(pk__in=article_ids).only(
                "id", "title_simplified", "body_simplified", "review_flags", "status", "in_scope"
            )
            batch = LinkBatch(article_ids)
            for article in articles.order_by("pk"):
                summary.articles += 1
                if link_article(article, catalog, summary, batch):
                    summary.changed.append(article.pk)
            batch.write()
            # Rows created here are provisional until the outermost transaction commits.
            created = set(catalog.unconfirmed)
            transaction.on_commit(lambda: catalog.unconfirmed.difference_update(created))
    finally:
        _state.writing = False
    return summary


def link_article(article: Article, catalog: Catalog, summary: Summary, batch: LinkBatch) -> bool:
    """Bring one article's extracted links and flags in line with its text; True if changed."""
    result = extract(article.title_simplified, article.body_simplified, catalog)
    existing = {model: batch.existing[model][article.pk] for model, _ in LINKS}
    staff = {
        model: [link for link in links.values() if link.origin == LinkOrigin.STAFF]
        for model, links in existing.items()
    }
    staff_primary = any(link.is_primary for link in staff[ArticleRegion])
    wanted: dict[Any, dict[int, dict[str, Any]]] = {
        ArticleRegion: {
            region_id: {
                "mentions": mentions,
                "is_primary": region_id == result.primary_region and not staff_primary,
            }
            for region_id, mentions in result.regions.items()
        },
        ArticleAgency: {},
        ArticleInitiative: {
            initiative_id: {"mentions": mentions}
            for initiative_id, mentions in result.initiatives.items()
        },
    }
    for suggestion in result.suggestions:
        initiative_id = _suggested_id(suggestion, article, catalog, summary)
        if initiative_id is not None:
            wanted[ArticleInitiative].setdefault(initiative_id, {"mentions": 1})
    for ref, mentions in result.agencies.values():
        agency_id = _agency_id(ref, catalog, summary)
        links = wanted[ArticleAgency].setdefault(agency_id, {"mentions": 0})
        links["mentions"] += mentions
    changed = False
    for model, target in LINKS:
        changed |= _sync(model, target, article, wanted[model], existing[model], batch)

    flags = [flag for flag in article.review_flags if flag not in EXTRACTION_FLAGS]
    if not (wanted[ArticleRegion] or staff[ArticleRegion]):
        flags.append(Flag.NO_REGION)
    if not (wanted[ArticleAgency] or staff[ArticleAgency]):
        flags.append(Flag.NO_AGENCY)
    if result.ambiguous:
        flags.append(Flag.AMBIGUOUS_REGION)
    # Staff who linked a police unit to the article have said what it is about.
    if (
        article.in_scope is None
        and not staff[ArticleAgency]
        and not is_police_news(
            article.title_simplified, article.body_simplified, result.place_mentions
        )
    ):
        flags.append(Flag.OFF_TOPIC)
    status = _scope_status(article, flags)
    if sorted(flags) != sorted(article.review_flags) or status != article.status:
        # update(), not save(): flags are derived data and need no history row.
        Article.objects.filter(pk=article.pk).update(review_flags=flags, status=status)
        article.review_flags, article.status = flags, status
        changed = True
    return changed


def _scope_status(article: Article, flags: list[str]) -> str:
    """Hidden while an article waits for staff to say it is police news after all; published
    again when its text (edited, re-imported) no longer looks off-topic. Only the status this
    rule set is undone: a copy stays a copy, an article staff hid stays hidden."""
    was_off_topic = Flag.OFF_TOPIC in article.review_flags
    is_off_topic = Flag.OFF_TOPIC in flags
    if is_off_topic and article.status == Article.Status.PUBLISHED:
        return Article.Status.HIDDEN
    if was_off_topic and not is_off_topic and article.status == Article.Status.HIDDEN:
        return Article.Status.PUBLISHED
    return article.status


def _sync(
    model: Any,
    target: str,
    article: Article,
    wanted: dict[int, dict[str, Any]],
    existing: dict[int, Any],
    batch: LinkBatch,
) -> bool:
    """Make the article's extracted links of ``model`` equal ``wanted`` ({target id: fields});
    new links are queued on ``batch``."""
    changed = False
    for target_id, link in existing.items():
        if link.origin == LinkOrigin.STAFF:
            continue
        if target_id not in wanted:
            link.delete()
            changed = True
        elif any(getattr(link, name) != value for name, value in wanted[target_id].items()):
            model.objects.filter(pk=link.pk).update(**wanted[target_id])
            changed = True
    for target_id, values in wanted.items():
        if target_id not in existing:
            batch.new[model].append(
                model(
                    article=article,
                    origin=LinkOrigin.EXTRACTED,
                    **{f"{target}_id": target_id},
                    **values,
                )
            )
            changed = True
    return changed


def _agency_id(ref: AgencyRef, catalog: Catalog, summary: Summary) -> int:
    """The row for an :class:`AgencyRef`: known by name or alias in its region, or created
    (with its parent, created first when the gazetteer implies one)."""
    if ref.agency_id is not None:
        return ref.agency_id
    for name in [ref.name, *sorted(ref.aliases)]:
        known = catalog.agency_ids.get((name, ref.region_id))
        if known is not None:
            ref.agency_id = known
            entry = catalog.agencies[known]
            if entry.parent_id is None and ref.parent is not None:
                # Fill a missing parent the text shows; never replace one staff chose.
                entry.parent_id = _agency_id(ref.parent, catalog, summary)
                Agency.objects.filter(pk=known, parent__isnull=True).update(
                    parent_id=entry.parent_id
                )
            return known
    parent_id = _agency_id(ref.parent, catalog, summary) if ref.parent else None
    agency, created = Agency.objects.get_or_create(
        name=ref.name,
        region_id=ref.region_id,
        defaults={
            "kind": ref.kind,
            "parent_id": parent_id,
            "aliases": sorted(alias for alias in ref.aliases if alias != ref.name),
        },
    )
    summary.agencies_created += created
    if created:
        catalog.unconfirmed.add((Agency, agency.pk))
    catalog.add_agency(agency.pk, agency.name, agency.kind, agency.region_id, agency.parent_id)
    catalog.learn_agency(agency.pk, [agency.name, *agency.aliases], agency.region_id)
    ref.agency_id = agency.pk
    return agency.pk


def _suggested_id(
    suggestion: Suggestion, article: Article, catalog: Catalog, summary: Summary
) -> int | None:
    """The initiative a shaped name stands for: known (suggested earlier, maybe in this run)
    or proposed to staff now. Linked either way; readers see it only once accepted. None for
    a name staff rejected."""
    for name in [suggestion.name, *suggestion.aliases]:
        known = catalog.initiative_ids.get(name)
        if known is not None:
            return known
    slug = initiative_slug(suggestion.name)
    initiative = Initiative.objects.filter(Q(name=suggestion.name) | Q(slug=slug)).first()
    if initiative is not None and initiative.status == Initiative.Status.REJECTED:
        return None
    if initiative is None:
        initiative = Initiative.objects.create(
            name=suggestion.name,
            slug=slug,
            aliases=suggestion.aliases,
            status=Initiative.Status.SUGGESTED,
            description=f"自动发现，首见于文章 {article.pk}。",
        )
        catalog.unconfirmed.add((Initiative, initiative.pk))
        summary.suggestions_created += 1
    catalog.learn_initiative(initiative.pk, [initiative.name, *initiative.aliases])
    return initiative.pk
