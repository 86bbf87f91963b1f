"""Test runs: real PostgreSQL and a real Whoosh index, but fast password hashing."""

import os
import tempfile
from pathlib import Path

from config.env import env_bool

from .base import *  # noqa: F403
from .base import DATABASES, SEARCH_ENGINES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each test process gets its own index directory unless a test points elsewhere.
SEARCH_INDEX_PATH = Path(
    os.environ.get("SEARCH_INDEX_PATH") or tempfile.mkdtemp(prefix="archive-test-index-")
)
SEARCH_ENGINES["whoosh"]["PATH"] = str(SEARCH_INDEX_PATH)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
# Tests see an edit searchable, and a queued bulk change or upload done, once it commits:
# owed work is done in-process then. Fault tests run servers and the worker with
# OWED_WORK_AT_COMMIT=0, as in production.
OWED_WORK_AT_COMMIT = env_bool("OWED_WORK_AT_COMMIT", True)
WHITENOISE_AUTOREFRESH = True  # serve from the finders; tests never run collectstatic
# The suite reads and writes the test database alone, whatever DATABASE_REPLICA_URL says:
# pytest-django lets a test query only the aliases it names, so a second alias (even a test
# mirror of this one) would fail every test that renders a page. The replica test runs its
# servers under the dev settings.
DATABASES.pop("replica", None)
DATABASE_ROUTERS: list[str] = []
