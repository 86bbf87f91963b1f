"""Which articles contain which Han runs, read from the database's simplified text.

The bigram field keeps no positions, so for a run of three or more characters it yields
candidates (all its bigrams occur) that this module confirms in one query. The
``*_simplified`` columns are folded exactly as the index is (``archive.chinese``): the
importer writes them and ``Article.save`` keeps them in step for every other writer.
"""

from django.db import connection


def locate(candidates, needles):
    """``{value: (needles in the title, needles in title or body)}`` for ``candidates``
    (``{article id: value}``); an article no longer in the database is left out."""
    if not candidates or not needles:
        return {value: (frozenset(), frozenset()) for value in candidates.values()}
    columns = []
    params = []
    for needle in needles:
        columns.append("strpos(title_simplified, %s) > 0")
        columns.append("(strpos(title_simplified, %s) > 0 OR strpos(body_simplified, %s) > 0)")
        params += [needle, needle, needle]
    # An array literal: psycopg's list adapter costs ~8 µs an id, a joined string far less.
    params.append("{" + ",".join(map(str, candidates)) + "}")
    sql = f"SELECT id, {', '.join(columns)} FROM archive_article WHERE id = ANY(%s::bigint[])"
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for article_id, *flags in cursor.fetchall():
            in_title = frozenset(n for n, flag in zip(needles, flags[0::2], strict=True) if flag)
            in_text = frozenset(n for n, flag in zip(needles, flags[1::2], strict=True) if flag)
            found[candidates[article_id]] = (in_title, in_text)
    return found
