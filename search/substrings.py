"""Which articles contain which Han runs, read from the database's simplified text.

The bigram field keeps no positions, so for a run of three or more characters it yields
candidates (all its bigrams occur) that this module confirms in one query. The
``*_simplified`` columns are folded exactly as the index is (``archive.chinese``): the
importer writes them and ``Article.save`` keeps them in step for every other writer.
"""

from django.db import connection

from archive.models import Article


def containing(article_ids, needles):
    """``{needle: (ids with it in the title, ids with it in title or body)}`` among
    ``article_ids``; an article no longer in the database is in neither.

    PostgreSQL aggregates the ids into arrays, so a run found in nearly every article costs
    one scan and two arrays, not a row per article in Python.
    """
    if not article_ids or not needles:
        return {needle: (set(), set()) for needle in needles}
    columns = []
    params = []
    for needle in needles:
        columns.append("array_agg(id) FILTER (WHERE strpos(title_simplified, %s) > 0)")
        columns.append(
            "array_agg(id) FILTER "
            "(WHERE strpos(title_simplified, %s) > 0 OR strpos(body_simplified, %s) > 0)"
        )
        params += [needle, needle, needle]
    # An array literal: psycopg's list adapter adapts every id, a joined string costs far less
    # (docs/benchmarks.md, "Why the code is as it is").
    params.append("{" + ",".join(map(str, article_ids)) + "}")
    table = Article._meta.db_table
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE id = ANY(%s::bigint[])"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {
        needle: (set(row[2 * n] or ()), set(row[2 * n + 1] or ()))
        for n, needle in enumerate(needles)
    }
