"""/healthz: what an operator or a container healthcheck needs to know at a glance."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    report = {"status": "ok", "database": _database_report(), "search": _search_report()}
    status = 200 if report["database"]["ok"] and report["search"]["ok"] else 503
    if status != 200:
        report["status"] = "error"
    return JsonResponse(report, status=status)


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
