"""Requests carrying NUL bytes are answered 400 before any view sees them.

PostgreSQL text cannot hold a NUL byte: a view passing ``/regions/%00/`` or ``?q=%00`` to a
query would fail inside the database with a 500. Django's form fields already refuse NUL
(``ProhibitNullCharactersValidator``); URL parts and query strings reach views unchecked, so
this one rule covers every view at once.
"""

from django.core.exceptions import BadRequest


def reject_nul_bytes(get_response):
    def middleware(request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL byte in the URL")
        return get_response(request)

    return middleware
