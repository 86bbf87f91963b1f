"""History rows of articles written in SQL, for changes too large to load the articles.

django-simple-history writes a history row from a loaded model instance; a bulk status change
of thousands of articles would load every body to copy it. ``record_history`` copies the rows
inside PostgreSQL instead: the same columns, the same row as the library would write.
"""

from django.db import connection

from archive.models import Article

_HISTORY = Article.history.model
# The history row of each article as it is now, copied inside PostgreSQL: the same row
# django-simple-history writes from a loaded article, without loading its text.
_TRACKED = [
    field.column
    for field in _HISTORY._meta.concrete_fields
    if not field.column.startswith("history_")
]
_HISTORY_SQL = (
    f"INSERT INTO {_HISTORY._meta.db_table} ({', '.join(_TRACKED)}, history_date, "
    "history_change_reason, history_type, history_user_id) "
    f"SELECT {', '.join(_TRACKED)}, %s, %s, '~', %s FROM {Article._meta.db_table} "
    "WHERE id = ANY(%s) ORDER BY id"
)


def record_history(article_ids, user, reason, when):
    """One history row per article (a change, by ``user``, for ``reason``), of the rows as
    they are now in this transaction."""
    if not article_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_HISTORY_SQL, [when, reason, getattr(user, "pk", None), list(article_ids)])
