"""The PostgreSQL search engine as a haystack backend (see ``search.postgres``).

Every operation of ``search.engine.SearchEngine`` is one or a few SQL statements on
``search.models.IndexedArticle``; haystack's own query API (``search()``) is not provided,
the site never uses it: ``find()`` runs a ``search.query.Plan``, and ``more_like_this()`` is
what ``archive.related`` asks through ``SearchQuerySet().more_like_this``.
"""

import math
from collections import Counter
from contextlib import contextmanager

from django.db import connections, router, transaction
from haystack.backends import BaseEngine, BaseSearchBackend
from haystack.models import SearchResult

from search import outbox
from search.analysis import fold, runs, word_terms
from search.models import IndexedArticle, IndexGeneration
from search.search_indexes import article_index, iter_batches

TABLE = IndexedArticle._meta.db_table
GENERATION_TABLE = IndexGeneration._meta.db_table
SCORE_LIMIT = 1000  # larger result parts are ordered by date instead of ts_rank
MORE_LIKE_THIS_TERMS = 12
# As the Whoosh engine: related articles share words found in at most 1/20 of the archive,
# within a budget of postings (see search.whoosh.backend for how these were chosen).
MORE_LIKE_THIS_RARITY = 20
MORE_LIKE_THIS_POSTINGS = 2000
# A tsvector holds at most 1 MB. An article with more distinct characters and pairs than
# GRAMS_LIMIT (a hostile or garbled file) stores only the lexeme OVERFLOW, which never comes
# from a run: it is a candidate for every query, and each of its runs is confirmed on its
# text. Ranking reads a body's words up to WORDS_LIMIT characters of them, which fit.
GRAMS_LIMIT = 50_000
WORDS_LIMIT = 100_000
OVERFLOW = "~"

_COLUMNS = (
    "article_id, title, body, grams, words, published_ts, year, region_codes, agency_ids,"
    " initiative_slugs, reporters, fingerprint"
)
_INSERT = (
    f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (%s, %s, %s, array_to_tsvector(%s::text[]),"
    " setweight(to_tsvector('simple', %s), 'A') || to_tsvector('simple', %s),"
    " %s, %s, %s, %s, %s, %s, %s)"
)
_BUMP = (
    f"INSERT INTO {GENERATION_TABLE} (id, number) VALUES (1, nextval('search_index_generation'))"
    " ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number"
)
_derived: dict[tuple[str, str, str], tuple[int, object]] = {}


@contextmanager
def _writing():
    """(database alias, cursor) of one write transaction on the database writes go to, the
    generation row taken and renumbered first: writers queue on it until commit."""
    db = router.db_for_write(IndexedArticle)
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        cursor.execute(_BUMP)
        yield db, cursor


def _reading():
    """The connection reads go to: a replica where the project's router sends this read, so
    that several hosts spread searches as they spread pages."""
    return connections[router.db_for_read(IndexedArticle)]


def grams(folded):
    """The distinct characters and neighbouring pairs within each run of ``folded``."""
    found = set()
    for _, run in runs(folded):
        found.update(run)
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def _query_grams(run):
    """What a run needs in ``grams``: itself up to two characters, else its pairs."""
    return {run} if len(run) <= 2 else {run[i : i + 2] for i in range(len(run) - 1)}


def _tsquery_text(words, operator="|"):
    """A tsquery of ``words`` (Han or Latin/digit runs and their pieces: nothing to escape),
    each quoted whole, joined by ``operator``: as ``to_tsquery``'s argument, or cast
    (``::tsquery``) to match lexemes exactly as stored."""
    return f" {operator} ".join(f"'{word}'" for word in sorted(set(words)))


def _row(index, article):
    """The row of one article from ``index.index_queryset()`` (its links prefetched): the
    filter keys and fingerprint come from ``ArticleIndex``, as the Whoosh documents' do."""
    data = index.full_prepare(article)
    title, body = fold(article.title), fold(article.body_text)
    found = grams(title) | grams(body)
    return [
        article.pk,
        title,
        body,
        sorted(found) if len(found) <= GRAMS_LIMIT else [OVERFLOW],
        " ".join(word_terms(title)),
        " ".join(word_terms(body))[:WORDS_LIMIT],
        data["published_ts"],
        int(data["year"]) if data["year"] else None,
        data["region_codes"],
        [int(pk) for pk in data["agency_ids"]],
        data["initiative_slugs"],
        data["reporters"],
        data["fingerprint"],
    ]


class _Sql:
    """SQL text with its parameters, built in order."""

    def __init__(self, text="", params=()):
        self.text, self.params = text, list(params)


def _term(term):
    """``term`` anywhere in an article's text (each of its runs in the title or the body), or
    naming one of its reporters whole (``search.engine``: a byline matches too)."""
    pieces = [text for _, text in runs(term)]
    needed = sorted(set().union(*(_query_grams(run) for run in pieces)))
    text = "s.grams @@ %s::tsquery"
    params = [f"({_tsquery_text(needed, '&')}) | '{OVERFLOW}'"]
    contains = "(strpos(s.title, %s) > 0 OR strpos(s.body, %s) > 0)"
    for run in pieces:
        if len(run) > 2:
            text += f" AND {contains}"
            params += [run, run]
    short = [run for run in pieces if len(run) <= 2]
    if short:  # exact from the pairs, except in an article that overflowed them
        confirmed = " AND ".join([contains] * len(short))
        text += f" AND (NOT s.grams @@ '{OVERFLOW}'::tsquery OR ({confirmed}))"
        params += [piece for run in short for piece in (run, run)]
    return _Sql(f"(({text}) OR s.reporters @> ARRAY[%s]::text[])", [*params, term])


def _in_title(term):
    pieces = [text for _, text in runs(term)]
    return _Sql(" AND ".join(["strpos(s.title, %s) > 0"] * len(pieces)), pieces)


def _all_groups(plan, condition):
    """AND over ``plan``'s groups of the OR of ``condition(term)`` over each group's terms."""
    parts = []
    for group in plan.groups:
        terms = [condition(term) for term in group]
        parts.append(
            _Sql(
                "(" + " OR ".join(f"({t.text})" for t in terms) + ")",
                sum((t.params for t in terms), []),
            )
        )
    return _Sql(" AND ".join(p.text for p in parts), sum((p.params for p in parts), []))


def _filters(filters):
    """Conditions for the filters a ``search.forms.SearchForm`` produced."""
    conditions = []
    if filters.get("region"):
        conditions.append(_Sql("s.region_codes @> ARRAY[%s]::text[]", [filters["region"]]))
    if filters.get("agency"):
        conditions.append(_Sql("s.agency_ids @> ARRAY[%s]::bigint[]", [int(filters["agency"])]))
    if filters.get("initiative"):
        conditions.append(_Sql("s.initiative_slugs @> ARRAY[%s]::text[]", [filters["initiative"]]))
    if filters.get("year"):
        conditions.append(_Sql("s.year = %s", [int(filters["year"])]))
    start, end = filters.get("start_ts"), filters.get("end_ts")
    if start is not None or end is not None:
        # Articles without a date (0) are outside any period.
        conditions.append(_Sql("s.published_ts >= %s", [max(start or 1, 1)]))
        if end is not None:
            conditions.append(_Sql("s.published_ts <= %s", [end]))
    return conditions


class PostgresSearchBackend(BaseSearchBackend):
    # Writing -----------------------------------------------------------------------------

    def _write(self, cursor, rows):
        if rows:
            cursor.executemany(_INSERT, rows)

    def update_articles(self, article_ids):
        """Rewrite the rows of these articles from their committed state, in one transaction:
        published ones written, the others deleted."""
        ids = sorted(set(article_ids))
        if not ids:
            return
        index = article_index(self)
        with _writing() as (db, cursor):  # the articles are read once this writer is next
            index.reset_ancestry()
            published = list(index.index_queryset().using(db).filter(pk__in=ids))
            cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)", [ids])
            self._write(cursor, [_row(index, article) for article in published])

    def rebuild(self, batch_size=500, procs=1, progress=None):
        """Replace every row in one transaction: readers see the old rows until it commits,
        and an interrupted rebuild leaves them. Pays the index work owed when it began. The
        rows are prepared in this process: ``procs`` is for the Whoosh engine."""
        index = article_index(self)
        total = 0
        with _writing() as (db, cursor):
            covered = outbox.owed_ids()
            index.reset_ancestry()
            cursor.execute(f"DELETE FROM {TABLE}")
            for batch in iter_batches(index.index_queryset().using(db), batch_size):
                self._write(cursor, [_row(index, article) for article in batch])
                total += len(batch)
                if progress:
                    progress(total)
        # After the commit, as the Whoosh engine does: a worker holding one of these rows
        # waits for the generation row this transaction held, and deleting its row inside
        # would wait for that worker in turn.
        outbox.forget(covered)
        with connections[db].cursor() as cursor:
            # Statistics for the new rows (the planner picks the GIN index by them), and the
            # GIN indexes' pending lists merged: every query reads those lists whole.
            cursor.execute(f"ANALYZE {TABLE}")
            for name in ("indexedarticle_grams", "indexedarticle_words"):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
        return total

    def update(self, index, iterable, commit=True):
        self.update_articles(obj.pk for obj in iterable)

    def remove(self, obj_or_string, commit=True):
        identifier = obj_or_string if isinstance(obj_or_string, str) else str(obj_or_string.pk)
        with _writing() as (_, cursor):
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE article_id = %s", [int(identifier.rsplit(".", 1)[-1])]
            )

    def clear(self, models=None, commit=True):
        with _writing() as (_, cursor):
            cursor.execute(f"DELETE FROM {TABLE}")

    def forget_searcher(self):
        """Nothing to reopen: every read is a query. Derived values are dropped."""
        _derived.clear()

    # Reading -----------------------------------------------------------------------------

    def generation(self):
        with _reading().cursor() as cursor:
            cursor.execute(f"SELECT number FROM {GENERATION_TABLE} WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else 0

    def per_generation(self, name, build, searcher=None):
        """``build()`` once per generation of the index (one query to read it), kept per
        database read: a replica behind the primary has generations of its own."""
        generation = self.generation()
        key = (self.connection_alias, _reading().alias, name)
        cached = _derived.get(key)
        if cached is None or cached[0] != generation:
            cached = _derived[key] = (generation, build())
        return cached[1]

    def document_count(self):
        with _reading().cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            return cursor.fetchone()[0]

    def indexed_fingerprints(self):
        with _reading().cursor() as cursor:
            cursor.execute(f"SELECT article_id, fingerprint FROM {TABLE}")
            return dict(cursor.fetchall())

    def self_consistent(self):
        """Always: the rows hold everything derived from their articles, written together."""
        return True

    def bylined(self, name):
        with _reading().cursor() as cursor:
            cursor.execute(
                f"SELECT article_id FROM {TABLE} s WHERE s.reporters @> ARRAY[%s]::text[]", [name]
            )
            return [row[0] for row in cursor.fetchall()]

    def search(self, query_string, start_offset=0, end_offset=None, result_class=None, **kwargs):
        """haystack's match-all query only: how ``update_index --remove`` lists what the index
        holds. The site searches with ``find()``."""
        if query_string != "*":
            raise NotImplementedError("search.postgres answers haystack's match-all query only")
        with _reading().cursor() as cursor:
            cursor.execute(
                f"SELECT article_id FROM {TABLE} ORDER BY article_id OFFSET %s LIMIT %s",
                [start_offset, None if end_offset is None else end_offset - start_offset],
            )
            ids = [row[0] for row in cursor.fetchall()]
        result_class = result_class or SearchResult
        results = [
            result_class("archive", "article", pk, 0.0, id=f"archive.article.{pk}") for pk in ids
        ]
        return {"results": results, "hits": self.document_count()}

    def find(self, plan, filters=None, sort="relevance"):
        """The articles matching ``plan`` as a ``Ranking``: one query finds them all, newest
        first, with whether each title holds the query; only the page asked for is ranked."""
        if plan.is_empty:
            return Ranking([], lambda limit: [])
        conditions = [_all_groups(plan, _term), *_filters(filters or {})]
        for term in plan.excluded:
            excluded = _term(term)
            conditions.append(_Sql(f"NOT ({excluded.text})", excluded.params))
        in_title = _all_groups(plan, _in_title)
        where = " AND ".join(f"({c.text})" for c in conditions)
        with _reading().cursor() as cursor:
            cursor.execute(
                f"SELECT s.article_id, {in_title.text} FROM {TABLE} s WHERE {where}"
                " ORDER BY s.published_ts DESC, s.article_id DESC",
                in_title.params + sum((c.params for c in conditions), []),
            )
            rows = cursor.fetchall()
        newest = [article_id for article_id, _ in rows]
        if sort == "date":
            return Ranking(newest, lambda limit: newest[:limit])
        first = [article_id for article_id, titled in rows if titled]
        rest = [article_id for article_id, titled in rows if not titled]
        query = _tsquery_text(
            word for group in plan.groups for t in group for word in word_terms(t)
        )

        def top(limit):
            found = self._best(first, query, limit)
            if len(found) < limit and rest:
                found += self._best(rest, query, limit - len(found))
            return found

        return Ranking(newest, top)

    def _best(self, part, query, limit):
        """The ``limit`` best of ``part`` (ids newest first) by ``ts_rank``, ties to the
        higher id; by date when the part is larger than ``SCORE_LIMIT``."""
        if len(part) > SCORE_LIMIT or not part:
            return part[:limit]
        with _reading().cursor() as cursor:
            cursor.execute(
                f"SELECT article_id FROM {TABLE} WHERE article_id = ANY(%s)"
                " ORDER BY ts_rank(words, to_tsquery('simple', %s)) DESC, article_id DESC"
                " LIMIT %s",
                [part, query, limit],
            )
            return [row[0] for row in cursor.fetchall()]

    def more_like_this(
        self,
        model_instance,
        additional_query_string=None,
        start_offset=0,
        end_offset=None,
        result_class=None,
        **kwargs,
    ):
        """Articles sharing the rarest words of this one, scored as sets: the sum of the
        rarities (log N/df) of the chosen words each holds, ties to the newer. The same rule
        as the Whoosh engine's; document frequencies are counted through the GIN index on the
        words, each only as far as the rarity limit, and kept per generation."""
        counts = Counter(
            word
            for word in word_terms(fold(f"{model_instance.title}\n{model_instance.body_text}"))
            if len(word) > 1
        )
        total = max(self.per_generation("document_count", self.document_count), 1)
        rare = max(2, total // MORE_LIKE_THIS_RARITY)
        frequencies = self.per_generation("doc_frequencies", dict)
        unknown = sorted(word for word in counts if word not in frequencies)
        if unknown:
            with _reading().cursor() as cursor:
                cursor.execute(
                    f"SELECT w, (SELECT count(*) FROM (SELECT 1 FROM {TABLE}"
                    " WHERE words @@ to_tsquery('simple', quote_literal(w)) LIMIT %s) x)"
                    " FROM unnest(%s::text[]) w",
                    [rare + 1, unknown],
                )
                frequencies.update(cursor.fetchall())
        weighted = []
        for word, count in counts.items():
            frequency = frequencies[word]
            if 1 < frequency <= rare:  # shared, yet rare
                rarity = math.log(total / frequency)
                weighted.append((count * rarity, rarity, word))
        chosen, postings = [], 0
        for _, rarity, word in sorted(weighted, reverse=True):
            if len(chosen) == MORE_LIKE_THIS_TERMS:
                break
            if postings + frequencies[word] > MORE_LIKE_THIS_POSTINGS:
                continue  # too common for what is left of the budget: a rarer word may fit
            chosen.append((word, rarity))
            postings += frequencies[word]
        limit = end_offset or 20
        rows = []
        if chosen:
            # Each word's articles through the GIN index, summed per article: the rows are
            # read for their id and date only (a CASE per word read every row's words).
            with _reading().cursor() as cursor:
                cursor.execute(
                    "SELECT s.article_id, sum(w.rarity) AS score"
                    " FROM unnest(%s::text[], %s::float8[]) AS w(word, rarity)"
                    f" JOIN {TABLE} s ON s.words @@ to_tsquery('simple', quote_literal(w.word))"
                    " WHERE s.article_id <> %s GROUP BY s.article_id, s.published_ts"
                    " ORDER BY score DESC, s.published_ts DESC, s.article_id DESC LIMIT %s",
                    [
                        [word for word, _ in chosen],
                        [rarity for _, rarity in chosen],
                        model_instance.pk,
                        limit,
                    ],
                )
                rows = cursor.fetchall()
        result_class = result_class or SearchResult
        results = [
            result_class("archive", "article", article_id, score) for article_id, score in rows
        ][start_offset or 0 : limit]
        return {"results": results, "hits": len(results)}


class Ranking:
    """Matching article ids, ranked lazily (what ``Paginator`` needs: len and slices);
    ``article_ids`` gives them all, for facet counts."""

    def __init__(self, newest, top):
        self._newest, self._top = newest, top

    def __len__(self):
        return len(self._newest)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start, stop, _ = key.indices(len(self))
        if stop <= start:
            return []
        return self._top(stop)[start:stop]

    def __iter__(self):
        return iter(self[:])

    def article_ids(self):
        return list(self._newest)


class PostgresSearchEngine(BaseEngine):
    backend = PostgresSearchBackend
