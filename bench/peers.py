"""The engines a user could pick instead, measured by bench/search.py on the same articles and
queries in the same run: PostgreSQL ``pg_trgm`` (a GIN index on the simplified columns, what a
Django user would reach for) and Tantivy (a compiled engine from PyPI, fed one token per Han
character so that a phrase of characters is an exact substring).

Each peer answers the same question as ``/api/search/`` minus rendering: every published
article containing all the query's words. Its recall is checked on every match's id; its
time is that of counting them, done inside the engine (fetching tens of thousands of ids
one by one through a Python binding would time the binding, not the engine). A peer that is
not available says why instead of a figure.
"""

import resource
import shutil
import tempfile
import time

BREAK = "brk"  # between runs and fields: a phrase never spans text that is not contiguous


class TrigramPeer:
    name = "pg_trgm"

    def __init__(self, connection):
        self.connection = connection

    def unavailable(self):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
            if cursor.fetchone() is None:
                return (
                    "this PostgreSQL server does not ship pg_trgm (Debian's does: "
                    "LOCAL_PG_BIN=/usr/lib/postgresql/15/bin with a fresh var/)"
                )
        return None

    def build(self, articles):
        with self.connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for column in ("title_simplified", "body_simplified"):
                cursor.execute(
                    f"CREATE INDEX bench_trgm_{column} ON archive_article "
                    f"USING gin ({column} gin_trgm_ops)"
                )
            cursor.execute(
                "SELECT pg_relation_size('bench_trgm_title_simplified') "
                "+ pg_relation_size('bench_trgm_body_simplified')"
            )
            return cursor.fetchone()[0]

    def _select(self, what, words):
        where = " AND ".join(["(title_simplified LIKE %s OR body_simplified LIKE %s)"] * len(words))
        params = [f"%{word}%" for word in words for _ in range(2)]
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {what} FROM archive_article WHERE status = 'published' AND {where}", params
            )
            return cursor.fetchall()

    def find(self, words):
        return {pk for (pk,) in self._select("id", words)}

    def count(self, words):
        return self._select("count(*)", words)[0][0]

    def close(self):
        with self.connection.cursor() as cursor:
            for column in ("title_simplified", "body_simplified"):
                cursor.execute(f"DROP INDEX IF EXISTS bench_trgm_{column}")


class TantivyPeer:
    name = "tantivy"

    def __init__(self, connection):  # the same construction as every peer; no database here
        self.directory = None

    def unavailable(self):
        try:
            import tantivy  # noqa: F401
        except ImportError:
            return "tantivy is not installed (pip install tantivy)"
        return None

    def build(self, articles):
        """``articles``: (id, folded title, folded body)."""
        import tantivy

        from search.analysis import runs

        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True)
        builder.add_text_field("text", stored=False)
        self.schema = builder.build()
        self.directory = tempfile.mkdtemp(prefix="bench-tantivy-")
        index = tantivy.Index(self.schema, path=self.directory)
        writer = index.writer(heap_size=512 * 1024 * 1024)
        for pk, title, body in articles:
            parts = []
            for field in (title, body):
                for kind, run in runs(field):
                    parts.append(" ".join(run) if kind == "han" else run)
            writer.add_document(tantivy.Document(id=pk, text=f" {BREAK} ".join(parts)))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self.index = index
        self.searcher = index.searcher()
        return sum(path.stat().st_size for path in _files(self.directory))

    def _query(self, words):
        import tantivy

        parts = []
        for word in words:
            characters = list(word)
            if len(characters) == 1:
                query = tantivy.Query.term_query(self.schema, "text", characters[0])
            else:
                query = tantivy.Query.phrase_query(self.schema, "text", characters)
            parts.append((tantivy.Occur.Must, query))
        return tantivy.Query.boolean_query(parts)

    def find(self, words):
        query = self._query(words)
        hits = self.searcher.search(query, limit=max(self.count(words), 1)).hits
        return {self.searcher.doc(address)["id"][0] for _, address in hits}

    def count(self, words):
        return self.searcher.search(self._query(words), limit=1, count=True).count

    def close(self):
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def _files(directory):
    from pathlib import Path

    return [path for path in Path(directory).rglob("*") if path.is_file()]


def measure(peer, articles, queries, expected, percentile, timed, rate=None):
    """Build ``peer`` on ``articles``, then run every query once untimed (warm-up and recall,
    every match's id) and once timed by ``timed`` at ``rate`` (the count of the matches); the
    figures bench/search.py reports for it. ``build_rss_mb`` is how far the build raised this
    process's peak resident memory (a peer in another process, PostgreSQL's, shows none of
    its own)."""
    from search.analysis import fold

    reason = peer.unavailable()
    if reason:
        return {"available": False, "reason": reason}
    try:
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        size = peer.build(articles)
        build_seconds = time.perf_counter() - started
        peak_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
        found_total = hits = false_hits = 0
        for query in queries:
            found = peer.find([fold(word) for word in query.split()])
            hits += len(found & expected[query])
            false_hits += len(found - expected[query])
            found_total += len(expected[query])
        timings = timed(
            [lambda query=query: peer.count([fold(w) for w in query.split()]) for query in queries],
            rate,
        )
        short = [ms for query, ms in zip(queries, timings, strict=True) if len(query) <= 2]
        return {
            "available": True,
            "build_s": round(build_seconds, 1),
            "index_mb": round(size / 1e6, 1),
            "build_rss_mb": round(peak_growth / 1024),
            "recall": round(hits / found_total, 4) if found_total else 1.0,
            "false_hits": false_hits,
            "p50_ms": round(percentile(timings, 0.5), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "p99_ms": round(percentile(timings, 0.99), 2),
            "two_char_p50_ms": round(percentile(short, 0.5), 2) if short else None,
            "ms_by_query": dict(zip(queries, timings, strict=True)),  # bench/search.py's by_class
        }
    finally:
        peer.close()
