"""The names jieba must keep whole: regions, police units and accepted initiatives.

Loaded once per process (the search backend calls ``load_entity_words`` when it opens the
index). Only the word field depends on it: recall comes from the bigram field, so a name
added after a process started costs ranking quality, never a missed article.
"""

from functools import lru_cache

import jieba
from django.db import DatabaseError

from archive.extraction.dictionary import entity_names
from search.analysis import fold


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
