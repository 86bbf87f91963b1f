"""Test runs: real PostgreSQL and a real Whoosh index, but fast password hashing."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import HAYSTACK_CONNECTIONS

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each test process gets its own index directory unless a test points elsewhere.
SEARCH_INDEX_PATH = Path(
    os.environ.get("SEARCH_INDEX_PATH") or tempfile.mkdtemp(prefix="archive-test-index-")
)
HAYSTACK_CONNECTIONS["default"]["PATH"] = str(SEARCH_INDEX_PATH)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
WHITENOISE_AUTOREFRESH = True  # serve from the finders; tests never run collectstatic
