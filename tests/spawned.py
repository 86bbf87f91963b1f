"""Entry points of the processes tests spawn: importable before Django is set up (a spawned
child imports its target's module first), each sets Django up on the parent test's
database and index itself."""

import os
import traceback

from django.conf import settings
from django.db import connections


def _start_django(databases, index_path):
    """A spawned child inherits nothing: it sets Django up on this test's database and index
    (children are spawned, not forked: forking a threaded parent is unsafe, and Python 3.14
    no longer forks by default)."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["SEARCH_INDEX_PATH"] = index_path
    settings.DATABASES = databases
    django.setup()


def writer(setup, ids, errors):
    _start_django(*setup)
    from search.engine import engine

    try:
        for start in range(0, len(ids), 3):  # many small commits: maximal lock contention
            engine().update_articles(ids[start : start + 3])
    except Exception:
        errors.put(traceback.format_exc())
    finally:
        connections.close_all()


def reader(setup, stop, errors, counts):
    # One message at the end: a process with unsent queue items cannot be joined.
    _start_django(*setup)
    from search.engine import engine
    from search.query import parse

    try:
        backend = engine()
        seen = []
        while not stop.is_set():
            seen.append(len(backend.find(parse("户籍"))))
        counts.put(seen)
    except Exception:
        errors.put(traceback.format_exc())
