"""Which articles contain which runs, read from folded text stored in PostgreSQL.

The bigram field keeps no positions, so for a run of three or more characters it yields
candidates (all its bigrams occur) that this module confirms in one query. By default the
text is the articles' ``*_simplified`` columns, folded as the Whoosh index is
(``archive.chinese``): the importer writes them and ``Article.save`` keeps them in step for
every other writer. The PostgreSQL engine confirms on its own folded copies instead
(``search.postgres``): they are the state it indexed, folded in width and case too.
"""

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from archive.models import Article


@dataclass(frozen=True)
class Texts:
    """Where the folded titles and bodies are: a table and its id, title and body columns."""

    table: str
    id: str
    title: str
    body: str


ARTICLES = Texts(Article._meta.db_table, "id", "title_simplified", "body_simplified")


def containing(article_ids, needles, texts=ARTICLES, using=DEFAULT_DB_ALIAS):
    """``{needle: (ids with it in the title, ids with it in title or body)}`` among
    ``article_ids``, read from ``texts`` on the database ``using``; an article not there is
    in neither.

    PostgreSQL aggregates the ids into arrays, so a run found in nearly every article costs
    one scan and two arrays, not a row per article in Python.
    """
    if not article_ids or not needles:
        return {needle: (set(), set()) for needle in needles}
    columns = []
    params = []
    title, body = texts.title, texts.body
    for needle in needles:
        columns.append(f"array_agg({texts.id}) FILTER (WHERE strpos({title}, %s) > 0)")
        columns.append(
            f"array_agg({texts.id}) FILTER "
            f"(WHERE strpos({title}, %s) > 0 OR strpos({body}, %s) > 0)"
        )
        params += [needle, needle, needle]
    # An array literal: psycopg's list adapter adapts every id, a joined string costs far less
    # (docs/benchmarks.md, "Why the code is as it is").
    params.append("{" + ",".join(map(str, article_ids)) + "}")
    sql = f"SELECT {', '.join(columns)} FROM {texts.table} WHERE {texts.id} = ANY(%s::bigint[])"
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {
        needle: (set(row[2 * n] or ()), set(row[2 * n + 1] or ()))
        for n, needle in enumerate(needles)
    }
