"""HEAD on the JSON API, answered like GET (the server sends no body), as on every page.

django-ninja routes an operation by the methods it declares, and declaring HEAD would add a
second operation per endpoint to the OpenAPI description; so under ``/api/`` a HEAD request
is run as GET here, and a 405 names HEAD among the methods allowed.
"""

from config.errors import API_PREFIX


def head_as_get(get_response):
    def middleware(request):
        if not request.path.startswith(API_PREFIX):
            return get_response(request)
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        try:
            response = get_response(request)
        finally:
            if head:
                request.method = "HEAD"
        allowed = [method.strip() for method in response.get("Allow", "").split(",")]
        if response.status_code == 405 and "GET" in allowed and "HEAD" not in allowed:
            response["Allow"] = ", ".join([*allowed, "HEAD"])
        return response

    return middleware
