"""The names jieba must keep whole: regions, police units and accepted initiatives.

Loaded once per process (the search backend calls ``load_entity_words`` when it opens the
index). Only the word field depends on it: recall comes from the bigram field, so a name
added after a process started costs ranking quality, never a missed article.
"""

from functools import lru_cache

import jieba
from django.db import DatabaseError

from archive.models import Agency, Initiative, Region
from search.analysis import fold


def entity_names():
    """Sorted names of regions (with short names and aliases), agencies (with aliases) and
    accepted initiatives (with aliases), for ``jieba.add_word``. Two characters at least:
    shorter entries would only split words jieba already knows."""
    names = set()
    for name, short, aliases in Region.objects.values_list("name", "short_name", "aliases"):
        names.update([name, short, *aliases])
    for name, aliases in Agency.objects.values_list("name", "aliases"):
        names.update([name, *aliases])
    accepted = Initiative.objects.filter(status=Initiative.Status.ACCEPTED)
    for name, aliases in accepted.values_list("name", "aliases"):
        names.update([name, *aliases])
    return sorted(name for name in names if len(name) >= 2)


def entity_words():
    """The entity names as jieba must see them: folded (empty before migrations)."""
    try:
        return {fold(name) for name in entity_names()}
    except DatabaseError:
        return set()


@lru_cache(maxsize=1)
def load_entity_words():
    """Add the entity names to jieba's dictionary; returns how many."""
    names = entity_words()
    for name in names:
        jieba.add_word(name)
    return len(names)
