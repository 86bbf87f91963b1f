"""Errors as clients expect them: a database outage is 503 with Retry-After, not 500, and
every error of the JSON API is JSON.

``server_error`` is the project's ``handler500``: Django calls it while the exception is
being handled, so it can tell a database that cannot be reached (the connection refused,
lost, or the server shutting down: ``OperationalError``/``InterfaceError``) from a bug. The
former is temporary and the whole site has it at once: clients, crawlers and load balancers
should come back later rather than count a failure.

``json_api_errors`` is a middleware outside every layer that can answer an error, so it sees
each one under ``/api/`` whoever made it: the URL resolver's 404, ``require_safe``'s 405, a
limiter's 429, the handlers' 400/403/404/500/503. Answers that are already JSON (the API's own
400 with the form's errors) pass as they are; ``Allow`` and ``Retry-After`` are kept, and the
security middleware outside it adds its headers to the JSON as to any answer.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"
# Seconds a client should wait before retrying while the database is unreachable.
RETRY_AFTER = 30

MESSAGES = {
    400: "请求参数有误。",
    403: "无权访问。",
    404: "没有这个资源。",
    405: "不支持这种请求方法。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误。",
    503: "服务暂时不可用（数据库无法连接），请稍后再试。",
}


def database_unavailable(error):
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request):
    """handler500: 503 with Retry-After while the database cannot be reached, else the 500
    page. Neither page reads the database."""
    if database_unavailable(sys.exc_info()[1]):
        response = defaults.server_error(request, template_name="503.html")
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return defaults.server_error(request)


def api_error(status, message=None, **extra):
    """A JSON error answer of the API: ``{"status": …, "message": …}`` plus ``extra``."""
    body = {"status": status, "message": message or MESSAGES.get(status, "请求失败。"), **extra}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def json_api_errors(get_response):
    def middleware(request):
        response = get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        answer = api_error(response.status_code)
        for header in ("Allow", "Retry-After"):
            if header in response:
                answer[header] = response[header]
        return answer

    return middleware
