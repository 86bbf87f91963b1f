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
    """Every region, agency and accepted initiative name and alias, folded, as a set."""
    names = set()
    for name, short_name, aliases in Region.objects.values_list("name", "short_name", "aliases"):
        names.update([name, short_name, *aliases])
    for name, aliases in Agency.objects.values_list("name", "aliases"):
        names.update([name, *aliases])
    accepted = Initiative.objects.filter(status=Initiative.Status.ACCEPTED)
    for name, aliases in accepted.values_list("name", "aliases"):
        names.update([name, *aliases])
    return {fold(name) for name in names if name and len(name) > 1}


@lru_cache(maxsize=1)
def load_entity_words():
    """Add the entity names to jieba's dictionary; returns how many (0 before migrations)."""
    try:
        names = entity_names()
    except DatabaseError:
        return 0
    for name in names:
        jieba.add_word(name)
    return len(names)
