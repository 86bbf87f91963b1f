"""The names jieba must keep whole: regions, police units and accepted initiatives.

Loaded once per process (the search backend calls ``load_entity_words`` when it opens the
index) and again by every rebuild. Only the word field depends on it: recall comes from the bigram field, so a name
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


_added: set[str] = set()


def add_entity_words() -> frozenset[str]:
    """Add the names the database holds now to this process's jieba; return every name this
    process has added. A rebuild hands exactly these to the segment writers it spawns: jieba
    cannot forget a word, so a long-lived process may still keep a name since deleted, and a
    writer given only the database's names would split that text differently from it."""
    new = entity_words() - _added
    for name in new:
        jieba.add_word(name)
    _added.update(new)
    return frozenset(_added)


def added_words() -> frozenset[str]:
    """The names this process has added to jieba: what a process it spawns to analyse text
    must add too, to cut the same words."""
    return frozenset(_added)


@lru_cache(maxsize=1)
def load_entity_words() -> int:
    """``add_entity_words`` once per process (when the search backend opens the index);
    returns how many names."""
    return len(add_entity_words())
