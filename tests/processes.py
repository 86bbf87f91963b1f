"""Run a test's helper in a spawned process, with Django set up on this session's database.

Forking the test process is unsafe: by then it runs threads (live servers, browsers, a
database driver's), and a child can inherit a lock one of them held; Python 3.12 warns about
it and 3.14 no longer forks by default. A spawned child inherits nothing, so it is told the
test database's name; the search index comes through ``SEARCH_INDEX_PATH`` in its
environment (``config.settings.test``). Imports no model: this module is loaded before
``django.setup()``.
"""

import importlib
import multiprocessing
import os

import django
from django.conf import settings


def spawn(target, *args):
    """A started process running ``target`` (a module-level function) with ``args``."""
    from django.db import connection

    name = f"{target.__module__}.{target.__qualname__}"
    process = multiprocessing.get_context("spawn").Process(
        target=_run, args=(connection.settings_dict["NAME"], name, *args)
    )
    before = os.environ.get("SEARCH_INDEX_PATH")
    os.environ["SEARCH_INDEX_PATH"] = str(settings.SEARCH_INDEX_PATH)
    try:
        process.start()  # the child's environment is this one, as it is now
    finally:
        if before is None:
            del os.environ["SEARCH_INDEX_PATH"]
        else:
            os.environ["SEARCH_INDEX_PATH"] = before
    return process


def _run(database, target, *args):
    django.setup()
    from django.db import connections

    connections["default"].settings_dict["NAME"] = database
    module, _, function = target.rpartition(".")
    try:
        getattr(importlib.import_module(module), function)(*args)
    finally:
        connections.close_all()
