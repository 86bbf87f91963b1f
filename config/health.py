"""/healthz: what an operator or a container healthcheck needs to know at a glance.

200 when every section is ok, 503 otherwise; each section says what it checked, so the JSON
alone tells an operator which part is down (docs/operations.md).
"""

from importlib.metadata import PackageNotFoundError, version

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    sections = {"database": _database_report(), "search": _search_report()}
    healthy = all(section["ok"] for section in sections.values())
    report = {"status": "ok" if healthy else "error", "version": _version(), **sections}
    return JsonResponse(report, status=200 if healthy else 503)


def _version():
    """The installed distribution's version, so an operator sees which release answers."""
    try:
        return version("jingxun-archive")
    except PackageNotFoundError:
        return "unknown"


def _database_report():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM archive_article")
            (articles,) = cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure is what this endpoint reports
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "articles": articles}


def _search_report():
    from search.indexing import backend_and_index

    try:
        documents = backend_and_index()[0].document_count()
    except Exception as error:  # noqa: BLE001 - any failure is what this endpoint reports
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "documents": documents}
