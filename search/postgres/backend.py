"""The PostgreSQL search engine as a haystack backend (see ``search.postgres``).

Every operation of ``search.engine.SearchEngine`` reads or writes ``search.models``'
``IndexPosting`` (a Roaring bitmap of article ids per key and chunk of ids), ``IndexedArticle``
(each article's folded text, words and filter keys) and ``IndexGeneration``; haystack's own
query API (``search()``) is not provided, the site never uses it: ``find()`` runs a
``search.query.Plan``, and ``more_like_this()`` is what ``archive.related`` asks through
``SearchQuerySet().more_like_this``.
"""

import heapq
import math
import multiprocessing
from collections import Counter, defaultdict, deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
from django.db import connections, router, transaction
from haystack.backends import BaseEngine, BaseSearchBackend
from haystack.models import SearchResult
from pyroaring import BitMap

from search import outbox, substrings
from search.analysis import (
    common_run_terms,
    find_common_runs,
    fold,
    joined_words,
    runs,
    set_common_runs,
    start_analysers,
    word_terms,
)
from search.bitmaps import all_of, any_of, bitmap_of, first_in_order
from search.dictionary import added_words
from search.engine import Ranking
from search.models import IndexedArticle, IndexGeneration, IndexPosting
from search.search_indexes import article_index, iter_batches, sample_texts

TABLE = IndexedArticle._meta.db_table
POSTINGS = IndexPosting._meta.db_table
GENERATION_TABLE = IndexGeneration._meta.db_table
TEXTS = substrings.Texts(TABLE, "article_id", "title", "body")
# A posting row holds the ids of one chunk: one Roaring container (at most 8 KB), so a write
# rewrites a few kilobytes per key it changes, however large the archive.
CHUNK_BITS = 16
SCORE_LIMIT = 1000  # larger result parts are ordered by date instead of ts_rank
MORE_LIKE_THIS_TERMS = 12
# As the Whoosh engine: related articles share words found in at most 1/20 of the archive,
# within a budget of postings (see search.whoosh.backend for how these were chosen).
MORE_LIKE_THIS_RARITY = 20
MORE_LIKE_THIS_POSTINGS = 2000
# An article with more distinct characters and pairs than GRAMS_LIMIT (a hostile or garbled
# file) is not written under each of them, which would make every write of it touch that
# many rows: it is under OVERFLOW instead, a candidate for every query, each of its runs
# confirmed on its text. Ranking reads a body's words up to WORDS_LIMIT characters of them.
GRAMS_LIMIT = 50_000
WORDS_LIMIT = 100_000
# Keys (``keys``): a character or pair of a run, and a common run, stand for themselves (a
# run has no colon, nor this tilde); the others are prefixed.
OVERFLOW = "~"
TITLE = "title:"
REPORTER = "reporter:"
WORD = "word:"

_COLUMNS = (
    "article_id, title, body, published_ts, year, region_codes, agency_ids, initiative_slugs,"
    " reporters, fingerprint"
)
_INSERT = (
    f"INSERT INTO {TABLE} ({_COLUMNS}, words) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
    " setweight(to_tsvector('simple', %s), 'A') || to_tsvector('simple', %s))"
)
# The generation row is taken and renumbered first; it carries the common runs every
# posting of the index was written with.
_BUMP = (
    f"INSERT INTO {GENERATION_TABLE} (id, number, common_runs)"
    " VALUES (1, nextval('search_index_generation'), '{}')"
    " ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number RETURNING common_runs"
)
_derived: dict[tuple[str, str, str], tuple[int, object]] = {}


class Row(NamedTuple):
    """An ``IndexedArticle`` row but its words (``_COLUMNS``, in order)."""

    article_id: int
    title: str
    body: str
    published_ts: int
    year: int | None
    region_codes: list[str]
    agency_ids: list[int]
    initiative_slugs: list[str]
    reporters: list[str]
    fingerprint: str


@contextmanager
def _writing():
    """(database alias, cursor) of one write transaction on the database writes go to, the
    generation row taken and renumbered first: writers queue on it until commit. The common
    runs of the index are set for analysis (``search.analysis``), as the Whoosh writer does."""
    db = router.db_for_write(IndexedArticle)
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        cursor.execute(_BUMP)
        set_common_runs(cursor.fetchone()[0])
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


def keys(row, words):
    """The posting keys of an article's row: the characters and pairs of its text, the common
    runs in it, its title's characters and pairs (``TITLE``), its filter values, its
    reporters and ``words``, the lexemes of its words (``WORD``, for related articles);
    ``OVERFLOW`` instead of the text's keys when they are too many. Derived from the stored
    row alone (and the common runs set), so an article's old keys are found again from it
    when it is rewritten."""
    found = grams(row.title) | grams(row.body)
    if len(found) > GRAMS_LIMIT:
        found = {OVERFLOW}
    else:
        found.update(TITLE + gram for gram in grams(row.title))
        found.update(common_run_terms(f"{row.title}\n{row.body}"))
    found.update(f"region:{code}" for code in row.region_codes)
    found.update(f"agency:{agency_id}" for agency_id in row.agency_ids)
    found.update(f"initiative:{slug}" for slug in row.initiative_slugs)
    found.update(REPORTER + name for name in row.reporters)
    found.update(WORD + word for word in _telling(words))
    if row.year is not None:
        found.add(f"year:{row.year}")
    return found


def _telling(words):
    """The words that say what an article is about: those of more than one character (a
    related article shares them)."""
    return [word for word in words if len(word) > 1]


def _filter_keys(filters):
    """The keys of the filters a ``search.forms.SearchForm`` produced (the period aside)."""
    for name in ("region", "agency", "initiative", "year"):
        if filters.get(name):
            yield f"{name}:{filters[name]}"


def _query_grams(run):
    """The keys that find a run's candidates: itself up to two characters (exact), else its
    pairs."""
    return {run} if len(run) <= 2 else {run[i : i + 2] for i in range(len(run) - 1)}


def _tsquery_text(words):
    """A tsquery of ``words`` (Han or Latin/digit runs and their pieces: nothing to escape),
    each quoted whole, any of them, as ``to_tsquery``'s argument."""
    return " | ".join(f"'{word}'" for word in sorted(set(words)))


def _prepared(index, article):
    """The ``Row`` of one article from ``index.index_queryset()`` (its links prefetched): the
    filter keys and fingerprint come from ``ArticleIndex``, as the Whoosh documents' do."""
    data = index.full_prepare(article)
    return Row(
        article.pk,
        fold(article.title),
        fold(article.body_text),
        data["published_ts"],
        int(data["year"]) if data["year"] else None,
        data["region_codes"],
        [int(pk) for pk in data["agency_ids"]],
        data["initiative_slugs"],
        data["reporters"],
        data["fingerprint"],
    )


def _texts(rows):
    """The folded title and body of each of ``rows``, in turn: what ``joined_words`` cuts."""
    return [text for row in rows for text in (row.title, row.body)]


def _written(rows, joined):
    """(``Row``, title words, body words) of each of ``rows``, ``joined`` being
    ``joined_words`` of their ``_texts``; a body's words cut at ``WORDS_LIMIT``."""
    return [(row, joined[2 * n], joined[2 * n + 1][:WORDS_LIMIT]) for n, row in enumerate(rows)]


@contextmanager
def _analysers(procs):
    """``procs`` spawned processes cutting words (``search.analysis.joined_words``) beside
    the one writing, or None for one process. Spawned, as the Whoosh engine's writers are,
    and told the names this process added to jieba, to cut the same words; a process pool of
    ``concurrent.futures``, whose work fails, rather than waits, when a process dies."""
    if procs < 2:
        yield None
        return
    with ProcessPoolExecutor(
        max_workers=procs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_analysers,
        initargs=(sorted(added_words()),),
    ) as pool:
        yield pool


def _stored_keys(cursor, article_ids):
    """{article id: its ``keys``} of the stored rows of ``article_ids``, in id order. The
    words are the lexemes of the stored ``tsvector``, so that the keys written and the keys
    found again later are the same whatever PostgreSQL's parser made of the words."""
    cursor.execute(
        f"SELECT {_COLUMNS}, tsvector_to_array(words) FROM {TABLE}"
        " WHERE article_id = ANY(%s) ORDER BY article_id",
        [list(article_ids)],
    )
    return {row[0]: keys(Row(*row[:-1]), row[-1]) for row in cursor.fetchall()}


class PostgresSearchBackend(BaseSearchBackend):
    # Writing -----------------------------------------------------------------------------

    def _replace(self, cursor, article_ids, written):
        """Make the rows of ``article_ids`` the ``written`` ones (from ``_row``; the other ids
        dropped), with their postings: only the keys an article gained or lost are rewritten,
        and only in its chunk. Called under the generation row, which orders every writer, so
        no other transaction writes a posting row meanwhile."""
        old = _stored_keys(cursor, article_ids)
        cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)", [article_ids])
        self._write_rows(cursor, written)
        new = _stored_keys(cursor, [row.article_id for row, _, _ in written])
        gained, lost = defaultdict(BitMap), defaultdict(BitMap)
        for article_id in old.keys() | new.keys():
            before, after = old.get(article_id, set()), new.get(article_id, set())
            chunk = article_id >> CHUNK_BITS
            for key in after - before:
                gained[key, chunk].add(article_id)
            for key in before - after:
                lost[key, chunk].add(article_id)
        cells = sorted(gained.keys() | lost.keys())
        if cells:
            cursor.execute(
                f"SELECT key, chunk, articles FROM {POSTINGS}"
                " WHERE (key, chunk) IN (SELECT * FROM unnest(%s::text[], %s::int[]))",
                [[key for key, _ in cells], [chunk for _, chunk in cells]],
            )
            current = {(key, chunk): BitMap.deserialize(data) for key, chunk, data in cursor}
            kept, emptied = [], []
            for cell in cells:
                articles = current.get(cell, BitMap())
                articles = (articles - lost.get(cell, BitMap())) | gained.get(cell, BitMap())
                if articles:
                    kept.append((*cell, articles.serialize()))
                else:
                    emptied.append(cell)
            if emptied:
                cursor.execute(
                    f"DELETE FROM {POSTINGS}"
                    " WHERE (key, chunk) IN (SELECT * FROM unnest(%s::text[], %s::int[]))",
                    [[key for key, _ in emptied], [chunk for _, chunk in emptied]],
                )
            if kept:
                cursor.execute(
                    f"INSERT INTO {POSTINGS} (key, chunk, articles)"
                    " SELECT * FROM unnest(%s::text[], %s::int[], %s::bytea[])"
                    " ON CONFLICT (key, chunk) DO UPDATE SET articles = EXCLUDED.articles",
                    [list(column) for column in zip(*kept, strict=True)],
                )

    @staticmethod
    def _write_rows(cursor, written):
        if written:
            cursor.executemany(_INSERT, [[*row, title, body] for row, title, body in written])

    def update_articles(self, article_ids):
        """Rewrite the rows of these articles from their committed state, in one transaction:
        published ones written, the others deleted."""
        ids = sorted(set(article_ids))
        if not ids:
            return
        index = article_index(self)
        with _writing() as (db, cursor):  # the articles are read once this writer is next
            index.reset_ancestry()
            published = index.index_queryset().using(db).filter(pk__in=ids)
            rows = [_prepared(index, article) for article in published]
            self._replace(cursor, ids, _written(rows, joined_words(_texts(rows))))

    def rebuild(self, batch_size=500, procs=1, progress=None):
        """Replace every row and posting in one transaction: readers see the old ones until
        it commits, and an interrupted rebuild leaves them. Chooses the common runs anew, as
        the Whoosh engine does. Pays the index work owed when it began.

        The articles are read in id order, so the postings of one chunk of ids are complete
        when the batches pass it: they are built in memory and copied then, and memory holds
        one chunk's postings, not the whole index's. With ``procs`` > 1, that many processes
        cut the words of the next batches while this one writes."""
        index = article_index(self)
        total = 0
        with _writing() as (db, cursor), _analysers(procs) as pool:
            covered = outbox.owed_ids()
            common = find_common_runs(sample_texts())
            cursor.execute(f"UPDATE {GENERATION_TABLE} SET common_runs = %s WHERE id = 1", [common])
            set_common_runs(common)
            index.reset_ancestry()
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(f"DELETE FROM {POSTINGS}")
            chunk, postings = None, defaultdict(BitMap)
            pending = deque()  # (rows, their words or their words to come), oldest first

            def write(rows, joined):
                nonlocal chunk, postings, total
                self._write_rows(cursor, _written(rows, joined))
                for article_id, found in _stored_keys(
                    cursor, [row.article_id for row in rows]
                ).items():
                    if article_id >> CHUNK_BITS != chunk:
                        _copy_postings(cursor, chunk, postings)
                        chunk, postings = article_id >> CHUNK_BITS, defaultdict(BitMap)
                    for key in found:
                        postings[key].add(article_id)
                total += len(rows)
                if progress:
                    progress(total)

            for batch in iter_batches(index.index_queryset().using(db), batch_size):
                rows = [_prepared(index, article) for article in batch]
                if pool is None:
                    write(rows, joined_words(_texts(rows)))
                    continue
                pending.append((rows, pool.submit(joined_words, _texts(rows))))
                if len(pending) > procs:
                    rows, words = pending.popleft()
                    write(rows, words.result())
            while pending:
                rows, words = pending.popleft()
                write(rows, words.result())
            _copy_postings(cursor, chunk, postings)
        # After the commit, as the Whoosh engine does: a worker holding one of these rows
        # waits for the generation row this transaction held, and deleting its row inside
        # would wait for that worker in turn.
        outbox.forget(covered)
        with connections[db].cursor() as cursor:
            # Statistics for the new rows.
            cursor.execute(f"ANALYZE {TABLE}")
            cursor.execute(f"ANALYZE {POSTINGS}")
        return total

    def update(self, index, iterable, commit=True):
        self.update_articles(obj.pk for obj in iterable)

    def remove(self, obj_or_string, commit=True):
        identifier = obj_or_string if isinstance(obj_or_string, str) else str(obj_or_string.pk)
        with _writing() as (_, cursor):
            self._replace(cursor, [int(identifier.rsplit(".", 1)[-1])], [])

    def clear(self, models=None, commit=True):
        with _writing() as (_, cursor):
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(f"DELETE FROM {POSTINGS}")

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

    def _common_runs(self):
        with _reading().cursor() as cursor:
            cursor.execute(f"SELECT common_runs FROM {GENERATION_TABLE} WHERE id = 1")
            row = cursor.fetchone()
        return frozenset(row[0] if row else ())

    def _postings(self, wanted):
        """{key: BitMap of its articles} for the keys ``wanted`` (absent keys: no articles),
        in one query."""
        chunks = defaultdict(list)
        with _reading().cursor() as cursor:
            cursor.execute(
                f"SELECT key, articles FROM {POSTINGS} WHERE key = ANY(%s)", [sorted(wanted)]
            )
            for key, data in cursor:
                chunks[key].append(BitMap.deserialize(data))
        return defaultdict(BitMap, {key: any_of(parts) for key, parts in chunks.items()})

    def document_count(self):
        with _reading().cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            return cursor.fetchone()[0]

    def indexed_fingerprints(self):
        with _reading().cursor() as cursor:
            cursor.execute(f"SELECT article_id, fingerprint FROM {TABLE}")
            return dict(cursor.fetchall())

    def self_consistent(self):
        """Always: rows, postings and their common runs are written together, in one
        transaction."""
        return True

    def bylined(self, name):
        return list(self._postings({REPORTER + name})[REPORTER + name])

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
        """The articles matching ``plan`` as a ``Ranking``.

        One query reads the posting rows of the keys the plan needs (its runs' characters,
        pairs and common runs, in the text and in titles; its filters; its reporters; the
        overflow), and the sets are intersected in memory. Runs of one or two characters and
        common runs are exact from their rows; longer runs are confirmed on the rows' folded
        text among the candidates (``search.substrings``), as are the overflowed articles
        among them. Only the page asked for is ordered (``_newest``, ``_best``)."""
        if plan.is_empty:
            return _ranking(BitMap(), lambda limit: [])
        filters = filters or {}
        common = self.per_generation("common_runs", self._common_runs)
        terms = [term for group in plan.groups for term in group] + list(plan.excluded)
        wanted = {OVERFLOW, *_filter_keys(filters)}
        for term in terms:
            wanted.add(REPORTER + term)
            for _, run in runs(term):
                wanted |= {run} if run in common else _query_grams(run)
                wanted |= {TITLE + gram for gram in _query_grams(run)}
        read = self._postings(wanted)
        overflow = read[OVERFLOW]

        def candidates(term, field):
            """Articles holding every key of ``term``'s runs in ``field`` ("text" or
            "title"), and every overflowed article."""
            sets = []
            for _, run in runs(term):
                if field == "text" and run in common:
                    sets.append(read[run])
                else:
                    prefix = TITLE if field == "title" else ""
                    sets.append(all_of(read[prefix + gram] for gram in _query_grams(run)))
            return all_of(sets) | overflow

        def confirmed_runs(term):
            """The runs of ``term`` its keys cannot tell exactly."""
            return [run for _, run in runs(term) if len(run) > 2 and run not in common]

        pool = all_of(
            any_of(candidates(term, "text") | read[REPORTER + term] for term in group)
            for group in plan.groups
        )
        for key in _filter_keys(filters):
            pool &= read[key]
        pool = self._in_period(pool, filters)
        for term in plan.excluded:
            if not confirmed_runs(term):  # exact already, but for the overflowed
                pool -= (candidates(term, "text") - overflow) | read[REPORTER + term]
        # Confirmed on the text: long runs among the pool; common runs in titles among the
        # pool's titles holding their pairs; every other run among the overflowed.
        unsure = {run for term in terms for run in confirmed_runs(term)}
        located = self._confirmed(pool, unsure)
        titled = [term for term in terms if any(run in common for _, run in runs(term))]
        in_titles = self._confirmed(
            pool & any_of(candidates(term, "title") for term in titled),
            {run for term in titled for _, run in runs(term) if run in common},
        )
        overflowed = self._confirmed(
            pool & overflow, {run for term in terms for _, run in runs(term)} - unsure
        )

        def exact(run, field):
            """The articles (among the pool, for runs confirmed) holding ``run`` in ``field``."""
            side = 0 if field == "title" else 1
            if run in unsure:
                return located[run][side]
            if field == "title" and run in common:
                return in_titles[run][0]
            key = run if field == "text" else TITLE + run
            return read[key] | overflowed[run][side]

        def matching(term, field):
            found = all_of(exact(run, field) for _, run in runs(term))
            # A reporter's name is matched whole on the byline.
            return found | read[REPORTER + term] if field == "text" else found

        def everywhere(field):
            return all_of(any_of(matching(t, field) for t in group) for group in plan.groups)

        docs = pool & everywhere("text")
        for term in plan.excluded:
            docs -= matching(term, "text")
        if sort == "date" or not docs:
            return _ranking(docs, lambda limit: self._newest(docs, limit))
        first = docs & everywhere("title")
        rest = docs - first
        query = _tsquery_text(
            word for group in plan.groups for term in group for word in word_terms(term)
        )

        def top(limit):
            found = self._best(first, query, limit)
            if len(found) < limit and rest:
                found += self._best(rest, query, limit - len(found))
            return found

        return _ranking(docs, top)

    def _confirmed(self, pool, needles):
        """``search.substrings.containing`` on this engine's folded rows: {run: (BitMap of
        the ``pool``'s articles with it in the title, in title or body)} for every run of
        ``needles`` (empty ones when the pool is)."""
        found = substrings.containing(pool, sorted(needles), TEXTS, _reading().alias)
        return {run: (BitMap(title), BitMap(text)) for run, (title, text) in found.items()}

    def _dates(self):
        """(ids newest first, ties the higher first; their dates in that order; each id's
        place in that order, ids not indexed last), once per generation. The rows come packed
        in one value (id and date, 12 bytes a row, as ``search.bitmaps.PackedIds`` packs ids)
        and are ordered in numpy: a row apiece in Python, or PostgreSQL's sort, cost twice
        as much (docs/benchmarks.md, "Why the code is as it is")."""
        with _reading().cursor() as cursor:
            cursor.execute(
                "SELECT string_agg(int4send(article_id::int4) || int8send(published_ts), ''::bytea)"
                f" FROM {TABLE}"
            )
            packed = cursor.fetchone()[0]
        rows = np.frombuffer(bytes(packed or b""), dtype=[("id", ">u4"), ("published", ">i8")])
        ids, published = rows["id"].astype(np.int64), rows["published"].astype(np.int64)
        newest = np.lexsort((ids, published))[::-1]
        order, published = ids[newest], published[newest]
        place = np.full(int(order.max(initial=0)) + 1, len(order), dtype=np.int64)
        place[order] = np.arange(len(order))
        return order, published, place

    def _scored_then_newest(self, scores):
        """The sort key of an article in ``scores``: (score, date, id), from the date order of
        this generation; an id it lacks (written since it was read) as undated."""
        order, published, place = self.per_generation("dates", self._dates)

        def key(article_id):
            at = place[article_id] if article_id < len(place) else len(order)
            return scores[article_id], (published[at] if at < len(order) else 0), article_id

        return key

    def _in_period(self, docs, filters):
        """``docs`` published between the ``start_ts`` and ``end_ts`` filters (either may be
        absent): articles without a date (0) are outside any period."""
        start, end = filters.get("start_ts"), filters.get("end_ts")
        if start is None and end is None:
            return docs
        order, published, _ = self.per_generation("dates", self._dates)
        start = 1 if start is None else max(start, 1)
        end = np.iinfo(np.int64).max if end is None else end
        return docs & bitmap_of(order[(published >= start) & (published <= end)])

    def _newest(self, part, limit):
        """The ``limit`` newest articles of ``part``, newest first (ties: the higher id)."""
        order, _, place = self.per_generation("dates", self._dates)
        return first_in_order(part, order, place, limit)

    def _best(self, part, query, limit):
        """The ``limit`` best of ``part`` by ``ts_rank``, ties to the higher id; by date when
        the part is larger than ``SCORE_LIMIT``."""
        if len(part) > SCORE_LIMIT or not part:
            return self._newest(part, limit)
        with _reading().cursor() as cursor:
            cursor.execute(
                f"SELECT article_id FROM {TABLE} WHERE article_id = ANY(%s)"
                " ORDER BY ts_rank(words, to_tsquery('simple', %s)) DESC, article_id DESC"
                " LIMIT %s",
                [list(part), query, limit],
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
        as the Whoosh engine's, on the words' posting rows: a word's document frequency is the
        size of its bitmap (kept per generation), and the chosen words' bitmaps are summed."""
        counts = Counter(
            _telling(word_terms(fold(f"{model_instance.title}\n{model_instance.body_text}")))
        )
        total = max(self.per_generation("document_count", self.document_count), 1)
        rare = max(2, total // MORE_LIKE_THIS_RARITY)
        frequencies = self.per_generation("doc_frequencies", dict)
        unknown = {WORD + word for word in counts if word not in frequencies}
        if unknown:
            read = self._postings(unknown)
            frequencies.update({key[len(WORD) :]: len(read[key]) for key in unknown})
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
        scores = Counter()
        if chosen:
            read = self._postings({WORD + word for word, _ in chosen})
            for word, rarity in chosen:
                for article_id in read[WORD + word]:
                    scores[article_id] += rarity
        scores.pop(model_instance.pk, None)
        best = heapq.nlargest(limit, scores, key=self._scored_then_newest(scores)) if scores else []
        result_class = result_class or SearchResult
        results = [
            result_class("archive", "article", article_id, scores[article_id])
            for article_id in best
        ][start_offset or 0 : limit]
        return {"results": results, "hits": len(results)}


def _copy_postings(cursor, chunk, postings):
    """Write one chunk's ``postings`` ({key: BitMap}) with COPY, in binary: no escaping of
    the bitmaps."""
    if chunk is None or not postings:
        return
    with cursor.copy(f"COPY {POSTINGS} (key, chunk, articles) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["text", "int4", "bytea"])
        for key, articles in postings.items():
            copy.write_row((key, chunk, articles.serialize()))


def _ranking(docs, top):
    """A ``search.engine.Ranking`` of the article ids ``docs``, ``top`` ordering them."""
    return Ranking(len(docs), top, lambda: docs)


class PostgresSearchEngine(BaseEngine):
    backend = PostgresSearchBackend
