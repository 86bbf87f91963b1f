"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()


def _warm_up():
    """Load, as each worker starts, what its first request would otherwise wait for: the
    URLconf (every view module and the API's schema are imported on first resolve) and
    jieba's dictionary (the first search). A worker that answers is then as fast on its
    first reader as on its thousandth (docs/benchmarks.md, "Why the code is as it is")."""
    from django.urls import get_resolver

    from search.analysis import word_terms

    get_resolver().url_patterns  # noqa: B018 - the property imports the URLconf's modules
    word_terms("民警")


_warm_up()
