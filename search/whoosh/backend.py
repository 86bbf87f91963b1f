"""haystack's Whoosh backend, made safe for Chinese and for several writing processes: the
Whoosh engine behind the seam (``search.engine.SearchEngine``).

What differs from ``haystack.backends.whoosh_backend``:

* Format: the index directory names the format its files were written in
  (``search.whoosh.FORMAT``); an index of another format is refused with
  ``IndexFormatMismatch`` before Whoosh unpickles anything, and a rebuild replaces it.
* Schema: fields of ``ArticleIndex`` that name a ``whoosh_field`` get exactly that Whoosh
  field (the jieba and bigram analyzers of ``search.analysis``, unstored keyword filters,
  sortable numeric columns); haystack would give every text field a stored, stemming
  ``TEXT``.
* Writes: one writer at a time across processes. Whoosh's own lock fails at once with
  ``LockError`` when a second gunicorn worker writes; here every write (update, remove,
  clear, first creation) first takes an ``fcntl`` lock on a file in the index directory, waiting
  with backoff, so no update is refused or lost.
* Reads: one searcher per process and index, reopened when the index changed, and afresh
  when reading through it failed (a segment replaced or damaged under it): a reader
  recovers by itself, or raises ``SearchUnavailable`` naming the problem.
* The common runs (``search.analysis``) are kept per index generation, written before the
  commit that makes them current: a rebuild interrupted at any point leaves the previous
  list with the previous documents.
* ``find()``: runs a parsed query (``search.query.Plan``) and returns a ``Ranking``: every
  match collected unscored, only the page asked for ranked. haystack's own ``search()``
  (query-string parsing, stemming highlighter) is not used by the site;
  ``more_like_this()`` is rewritten for this schema (``archive.related`` uses it).
"""

import errno
import fcntl
import heapq
import math
import os
import random
import threading
import time
from collections import Counter
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.constants import ID
from haystack.exceptions import SkipDocument
from haystack.models import SearchResult
from haystack.utils import get_identifier
from pyroaring import BitMap
from whoosh import query as wq
from whoosh.writing import CLEAR

from search import substrings
from search.analysis import fold, long_runs, runs, set_common_runs, word_terms
from search.bitmaps import all_of, any_of, bitmap_of, first_in_order
from search.engine import IndexFormatMismatch, Ranking, SearchUnavailable
from search.whoosh import FORMAT, FORMAT_FILE, index_files
from search.whoosh.analyzers import WordAnalyzer
from search.whoosh.docsets import doc_set, term_docs
from search.whoosh.segments import FastSegmentWriter

COMMON_RUNS_PREFIX = "ARCHIVE_COMMON_RUNS"
REPAIR_HINT = "运行 manage.py index_articles 重建索引"
LOCK_TIMEOUT = 120  # seconds a writer waits for another process before giving up loudly
MORE_LIKE_THIS_TERMS = 12
# More-like-this uses words found in at most 1/20 of the articles: commoner words have the
# longest posting lists to score, leaving them out changes little of the top five, and they
# say least about what an article is about.
MORE_LIKE_THIS_RARITY = 20
# ... and at most this many postings in all: scoring is a dict update per posting, and on a
# large archive a word in a twentieth of it has thousands; this budget is far faster than
# none and keeps nearly all of the top five a larger one finds (both choices:
# docs/benchmarks.md, "Why the code is as it is").
MORE_LIKE_THIS_POSTINGS = 2000
SCORE_LIMIT = 1000  # larger result parts are ranked by date instead of BM25

_searchers = {}
_common_runs_cache = {}
_searchers_guard = threading.Lock()


class IndexLockTimeout(RuntimeError):
    """Another process held the index write lock for longer than LOCK_TIMEOUT."""


def _recovering(method):
    """Run ``method``; when it fails, forget this process's searcher and run it once more on
    a searcher opened afresh, then give up with ``SearchUnavailable``."""

    def wrapped(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception:  # noqa: BLE001 - whatever broke the searcher, a commit racing it too
            self.forget_searcher()
        try:
            return method(self, *args, **kwargs)
        except SearchUnavailable:
            raise
        except Exception as error:
            raise SearchUnavailable(f"{type(error).__name__}: {error}；{REPAIR_HINT}") from error

    wrapped.__name__, wrapped.__doc__ = method.__name__, method.__doc__
    return wrapped


@contextmanager
def index_write_lock(index_path, timeout=LOCK_TIMEOUT):
    """Hold the inter-process lock of the index at ``index_path`` (a file in its directory,
    which is the one place every worker can write; Whoosh ignores files it did not name).

    ``flock`` is released by the kernel when a process dies, so a crashed writer never
    leaves the index locked.
    """
    Path(index_path).mkdir(parents=True, exist_ok=True)
    lock_path = Path(index_path) / "ARCHIVE_WRITE.lock"
    deadline = time.monotonic() + timeout
    delay = 0.005
    with open(lock_path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise IndexLockTimeout(f"{lock_path}: held by another process") from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.25)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class ChineseWhooshBackend(WhooshSearchBackend):
    def setup(self):
        from search.dictionary import load_entity_words

        load_entity_words()
        # Creating the index on first use must not race with another process doing the same.
        with index_write_lock(self.path):
            self._check_format()
            super().setup()
            # Read the segments in place rather than mapped: Whoosh 2.7 copies each mapped
            # part of a compound segment (its postings, its terms) into the process's own
            # memory, so every worker held a private copy of the whole index
            # (docs/benchmarks.md, "Why the code is as it is"); read in place, the system's
            # page cache holds it once for every process.
            self.storage.supports_mmap = False
            format_file = Path(self.path) / FORMAT_FILE
            if not format_file.exists():  # created just now
                format_file.write_text(FORMAT, encoding="ascii")

    def _check_format(self):
        """Refuse an index written in another format, before Whoosh unpickles its schema
        (whose classes may have moved since): a clear error instead of an ImportError."""
        if not index_files(self.path):
            return
        format_file = Path(self.path) / FORMAT_FILE
        found = format_file.read_text(encoding="ascii").strip() if format_file.exists() else ""
        if found != FORMAT:
            raise IndexFormatMismatch(
                f"索引文件的格式是 {found or '旧版（无格式标记）'}，本程序读写格式 {FORMAT}：{REPAIR_HINT}"
            )

    def recreate(self):
        """Delete the index of another format and create an empty one in this format (what a
        rebuild starts from when ``setup`` refused the files)."""
        with index_write_lock(self.path):
            for path in index_files(self.path):
                path.unlink(missing_ok=True)
            (Path(self.path) / FORMAT_FILE).unlink(missing_ok=True)
        self.forget_searcher()
        self.setup_complete = False
        self.setup()

    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        for field in fields.values():
            factory = getattr(field, "whoosh_field", None)
            if factory is not None:
                # remove() also drops the field's spelling companion haystack asked for.
                schema.remove(field.index_fieldname)
                schema.add(field.index_fieldname, factory())
        return content_field_name, schema

    # Writing ---------------------------------------------------------------------------

    @contextmanager
    def writer(self, mergetype=None, **options):
        """A Whoosh writer under the inter-process lock; committed on success, else cancelled."""
        if not self.setup_complete:
            self.setup()
        with index_write_lock(self.path):
            self.index = self.index.refresh()
            generation = self.index.latest_generation()
            self._drop_runs_after(generation)
            set_common_runs(self.common_runs(generation))
            writer = FastSegmentWriter(self.index, timeout=LOCK_TIMEOUT, **options)
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=mergetype)

    # The common runs (``search.analysis``) this index was written with ---------------------

    def _runs_files(self):
        """{generation: path} of the kept lists (the unnumbered file of earlier releases
        counts as generation 0)."""
        found = {}
        for path in Path(self.path).glob(f"{COMMON_RUNS_PREFIX}*.txt"):
            number = path.stem[len(COMMON_RUNS_PREFIX) + 1 :]
            if number.isdigit() or not number:
                found[int(number or 0)] = path
        return found

    def common_runs(self, generation):
        """The common runs the documents of index generation ``generation`` were written
        with: the newest list saved for that generation or an earlier one."""
        if generation is None:  # a reader that does not say: the latest committed
            generation = self.index.latest_generation()
        files = self._runs_files()
        usable = [number for number in files if number <= generation]
        if not usable:
            return frozenset()
        path = files[max(usable)]
        stamp = (path, path.stat().st_mtime_ns)
        cached = _common_runs_cache.get(self.path)
        if cached is None or cached[0] != stamp:
            runs_ = frozenset(path.read_text(encoding="utf-8").split())
            _common_runs_cache[self.path] = cached = (stamp, runs_)
        return cached[1]

    def save_common_runs(self, runs_, generation):
        """Keep ``runs_`` for index generation ``generation``: only while holding the write
        lock and rewriting every document (``search.whoosh.writing.rebuild``), before the commit
        that makes that generation current. Until then readers keep the previous list."""
        path = Path(self.path) / f"{COMMON_RUNS_PREFIX}.{generation}.txt"
        temporary = path.with_suffix(".tmp")
        temporary.write_text("\n".join(runs_), encoding="utf-8")
        os.replace(temporary, path)
        set_common_runs(runs_)

    def _drop_runs_after(self, generation):
        """Under the write lock: delete lists of generations never committed (a rebuild that
        was interrupted) and all but the newest committed one."""
        files = self._runs_files()
        committed = sorted(number for number in files if number <= generation)
        for number, path in files.items():
            if number > generation or number in committed[:-1]:
                path.unlink(missing_ok=True)

    def prepare_documents(self, index, objects):
        documents = []
        for obj in objects:
            try:
                doc = index.full_prepare(obj)
            except SkipDocument:
                continue
            doc.pop("boost", None)
            documents.append({key: self._from_python(value) for key, value in doc.items()})
        return documents

    def update_articles(self, article_ids):
        from search.whoosh.writing import update_articles

        update_articles(self, article_ids)

    def rebuild(self, batch_size=500, procs=1, progress=None):
        from search.whoosh.writing import rebuild

        try:
            if not self.setup_complete:
                self.setup()
        except IndexFormatMismatch:
            self.recreate()
        return rebuild(self, batch_size=batch_size, procs=procs, progress=progress)

    def update(self, index, iterable, commit=True):
        self.write(index, iterable, ())

    def write(self, index, objects, remove_identifiers, **writer_options):
        """Add or replace ``objects`` and delete ``remove_identifiers`` in one commit."""
        documents = self.prepare_documents(index, objects)  # outside the lock: jieba is slow
        if not documents and not remove_identifiers:
            return
        with self.writer(**writer_options) as writer:
            for identifier in remove_identifiers:
                writer.delete_by_term(ID, identifier)
            for doc in documents:
                writer.update_document(**doc)

    def remove(self, obj_or_string, commit=True):
        with self.writer() as writer:
            writer.delete_by_term(ID, get_identifier(obj_or_string))

    def clear(self, models=None, commit=True):
        if models is not None:
            return super().clear(models=models, commit=commit)
        # Merge every segment away rather than delete the files: the generation number keeps
        # growing, so every process's cached searcher sees that the index changed.
        with self.writer(mergetype=CLEAR):
            pass

    # Reading ---------------------------------------------------------------------------

    def searcher(self):
        """This process's searcher, reopened when another writer has committed since."""
        if not self.setup_complete:
            self.setup()
        # Keyed by pid too: a forked child must not read through its parent's open files.
        key = (os.getpid(), self.path)
        with _searchers_guard:
            searcher = _searchers.get(key)
            try:
                if searcher is None:
                    searcher = self.index.refresh().searcher()
                elif not searcher.up_to_date():
                    searcher = searcher.refresh()
            except Exception as error:
                _searchers.pop(key, None)
                raise SearchUnavailable(
                    f"{type(error).__name__}: {error}；{REPAIR_HINT}"
                ) from error
            _searchers[key] = searcher
            return searcher

    def forget_searcher(self):
        """Drop this process's searcher: the next read opens the index afresh (no segment
        reader of the old one is reused)."""
        with _searchers_guard:
            searcher = _searchers.pop((os.getpid(), self.path), None)
        if searcher is not None:
            with suppress(Exception):  # a broken searcher may fail to close too
                searcher.close()

    @_recovering
    def document_count(self):
        return self.searcher().doc_count()

    @_recovering
    def generation(self):
        return self.searcher().reader().generation()

    def searched_common_runs(self, searcher=None):
        """The common runs of the generation this process's searcher (or ``searcher``) reads."""
        if searcher is None:
            searcher = self.searcher()
        return self.per_generation(
            "common_runs",
            lambda: self.common_runs(searcher.reader().generation()),
            searcher,
        )

    def per_generation(self, name, build, searcher=None):
        """``build()``, computed once per searcher: again whenever a writer changed the index.

        Every change of an article or of its links reaches the index (``search.outbox``), so
        what is derived from them stays as fresh as the index itself. A caller already reading
        passes its ``searcher``: asking for this process's searcher again would reopen it after
        another process's commit and close the one in use (``ReaderClosed`` mid-search).
        """
        if searcher is None:
            searcher = self.searcher()
        cache = searcher.__dict__.setdefault("_archive_derived", {})
        if name not in cache:
            cache[name] = build()
        return cache[name]

    @_recovering
    def find(self, plan, filters=None, sort="relevance"):
        """The articles matching ``plan`` (a ``search.query.Plan``) as a ``Ranking``.

        The index gives candidates: every article holding all bigrams of each term, within
        the filters. Terms with a Han run of three or more characters are then confirmed on
        the database's simplified text (``search.substrings``), one query for all of them, so
        the result is exactly the articles containing the query. Sets are computed whole
        (``search.whoosh.docsets``). Relevance puts articles whose title contains the query first,
        each part ordered by Whoosh's BM25 score (by date when larger than ``SCORE_LIMIT``:
        scoring walks every posting of a common bigram again); ``sort="date"`` orders by
        publication time, newest first.
        """
        searcher = self.searcher()
        if plan.is_empty:
            return _ranking(searcher, BitMap(), lambda limit: [])
        filters = filters or {}
        sets = {}
        common = self.searched_common_runs(searcher)

        def candidates(term, field):
            """Documents holding every bigram (and Latin word) of ``term`` in ``field``; in the
            text, a common run's documents exactly."""
            if (term, field) not in sets:
                if field == "title":
                    query = self._term_query(term, "title_bigrams", "title")
                else:
                    query = wq.Or(
                        [self._term_query(term, "bigrams", "text", common), _byline(term)]
                    )
                sets[term, field] = doc_set(searcher, query)
            return sets[term, field]

        def by_reporter(term):
            if (term, "reporters") not in sets:
                sets[term, "reporters"] = doc_set(searcher, _byline(term))
            return sets[term, "reporters"]

        pool = all_of(any_of(candidates(t, "text") for t in group) for group in plan.groups)
        for restriction in _filter_queries(filters):
            pool &= doc_set(searcher, restriction)
        pool = _in_period(searcher, pool, filters)
        for term in plan.excluded:
            if not long_runs(term):  # exact already: nothing to confirm
                pool -= candidates(term, "text")
        located = self._locate(searcher, plan, pool, candidates, common)

        def exact(term, field):
            found = candidates(term, field)
            for run in long_runs(term):
                confirmed = located[run][0 if field == "title" else 1]
                if confirmed is not None:
                    found = found & confirmed
            # A reporter's name is matched whole on the byline, which the database text
            # that confirms runs does not hold.
            return found | by_reporter(term) if field == "text" else found

        def matching(field):
            return all_of(any_of(exact(t, field) for t in group) for group in plan.groups)

        docs = pool & matching("text")
        for term in plan.excluded:
            if long_runs(term):
                docs -= exact(term, "text")
        if not docs:
            return _ranking(searcher, docs, lambda limit: [])
        if sort == "date":
            return _ranking(searcher, docs, lambda limit: self._newest(searcher, docs, limit))
        in_title = docs & matching("title")
        rest = docs - in_title
        scoring = {
            "title": self._match_query(plan, "title_bigrams", "title"),
            "text": self._match_query(plan, "bigrams", "text", bylines=True),
        }

        def best(part, field, limit):
            if len(part) > SCORE_LIMIT:
                return self._newest(searcher, part, limit)
            # Whoosh takes a set as a filter (at most SCORE_LIMIT documents here).
            hits = searcher.search(scoring[field], limit=limit, filter=set(part))
            return [hit.docnum for hit in hits]

        def top(limit):
            first = best(in_title, "title", limit) if in_title else []
            if len(first) >= limit or not rest:
                return first
            return first + best(rest, "text", limit - len(first))

        return _ranking(searcher, docs, top)

    def _locate(self, searcher, plan, pool, candidates, common):
        """``{run: (docs with it in the title, docs with it in title or body)}`` among
        ``pool`` for every Han run of three or more characters in the query.

        A common run's documents came exact from its own field (``None`` here); only whether
        it is in their titles is asked of the database, among the few whose titles hold its
        bigrams. Other runs are confirmed on the database text for the whole pool."""
        terms = [t for group in plan.groups for t in group] + list(plan.excluded)
        needles = {run for term in terms for run in long_runs(term)}
        if not needles:
            return {}
        common = needles & common
        title_pool = pool & any_of(
            candidates(t, "title") for t in terms if common & set(long_runs(t))
        )
        located = self._confirmed(searcher, pool, sorted(needles - common))
        for run, (title, _) in self._confirmed(searcher, title_pool, sorted(common)).items():
            located[run] = (title, None)  # the text side came exact from the index
        return located

    def _confirmed(self, searcher, docs, needles):
        """``search.substrings.containing`` for ``docs``, in document numbers."""
        if not needles:
            return {}
        numbers = np.frombuffer(docs.to_array(), dtype=np.uint32)
        lookup = self.per_generation("docnums", lambda: _docnum_lookup(searcher), searcher)
        found = substrings.containing(_array(searcher, "article_id")[numbers].tolist(), needles)

        def docnums(ids):
            ids = np.fromiter(ids, dtype=np.int64, count=len(ids))
            docnums = lookup[ids[ids < len(lookup)]]
            return bitmap_of(docnums[docnums >= 0])

        return {run: (docnums(title), docnums(text)) for run, (title, text) in found.items()}

    def _newest(self, searcher, part, limit):
        """The ``limit`` newest documents of ``part``, newest first."""
        order, place = self.per_generation("date_order", lambda: _date_order(searcher), searcher)
        return first_in_order(part, order, place, limit)

    @_recovering
    def bylined(self, name):
        """Ids of the articles whose byline names ``name`` (folded), whole."""
        searcher = self.searcher()
        docnums = np.frombuffer(doc_set(searcher, _byline(name)).to_array(), dtype=np.uint32)
        return _array(searcher, "article_id")[docnums].tolist()

    @_recovering
    def more_like_this(
        self,
        model_instance,
        additional_query_string=None,
        start_offset=0,
        end_offset=None,
        result_class=None,
        **kwargs,
    ):
        """Articles sharing the rarest words of this one (haystack's API, used by
        ``archive.related``). Whoosh's own more-like-this needs stored text or term vectors,
        which this index keeps neither of.

        Scored as sets: each article gets the sum of the rarities (log N/df) of the chosen
        words it holds, ties going to the newer. Whoosh's BM25 search over the same words
        walked and scored documents one by one, most of an uncached article page
        (docs/benchmarks.md, "Why the code is as it is"); here the postings are read a block
        at a time (``term_docs``), within a budget of postings. Document frequencies are kept
        per index generation: most words recur from page to page."""
        if not self.setup_complete:
            self.setup()
        if not isinstance(self.schema[self.content_field_name].analyzer, WordAnalyzer):
            # Another index definition (tests of other apps): haystack's own way.
            return super().more_like_this(
                model_instance,
                additional_query_string,
                start_offset,
                end_offset,
                result_class=result_class,
                **kwargs,
            )
        searcher = self.searcher()
        counts = Counter(
            word
            for word in word_terms(fold(f"{model_instance.title}\n{model_instance.body_text}"))
            if len(word) > 1
        )
        total = max(searcher.doc_count(), 1)
        rare = max(2, total // MORE_LIKE_THIS_RARITY)
        frequencies = self.per_generation("doc_frequencies", dict, searcher)
        weighted = []
        for word, count in counts.items():
            frequency = frequencies.get(word)
            if frequency is None:
                frequency = frequencies[word] = searcher.doc_frequency("text", word)
            if 1 < frequency <= rare:  # shared, yet rare
                rarity = math.log(total / frequency)
                weighted.append((count * rarity, rarity, word))
        scores = {}
        get = scores.get
        chosen, postings = 0, 0
        for _, rarity, word in sorted(weighted, reverse=True):
            if chosen == MORE_LIKE_THIS_TERMS:
                break
            if postings + frequencies[word] > MORE_LIKE_THIS_POSTINGS:
                continue  # too common for what is left of the budget: a rarer word may fit
            chosen += 1
            postings += frequencies[word]
            for docnum in term_docs(searcher, "text", word):
                scores[docnum] = get(docnum, 0) + rarity
        # One more than asked, for the article itself, dropped below.
        limit = end_offset or 20
        article_ids = _array(searcher, "article_id")
        published = _array(searcher, "published_ts")
        # The best scores first (plain floats: compared in C), then the ties among them
        # ordered newest first, so that equal scores always give the same list.
        best = heapq.nlargest(limit + 1, scores.values())
        floor = best[-1] if best else 0
        top = sorted(
            (docnum for docnum, score in scores.items() if score >= floor),
            key=lambda d: (scores[d], published[d], article_ids[d]),
            reverse=True,
        )[: limit + 1]
        result_class = result_class or SearchResult
        results = [
            result_class("archive", "article", int(article_ids[docnum]), scores[docnum])
            for docnum in top
            if article_ids[docnum] != model_instance.pk
        ][start_offset or 0 : limit]
        return {"results": results, "hits": len(results)}

    @_recovering
    def self_consistent(self):
        """Whether the common-run list in use belongs to the index read: every run indexed
        as a term is on the list (a list rewritten without its documents fails this)."""
        searcher = self.searcher()
        indexed = {term.decode() if isinstance(term, bytes) else term
                   for term in searcher.reader().lexicon("common_runs")}  # fmt: skip
        return indexed <= self.searched_common_runs(searcher)

    @_recovering
    def indexed_fingerprints(self):
        """{article id: stored fingerprint} of every indexed article (for check_index)."""
        searcher = self.searcher()
        return {
            int(fields["django_id"]): fields.get("fingerprint", "")
            for _, fields in searcher.iter_docs()
        }

    def _match_query(self, plan, bigram_field, word_field, bylines=False):
        groups = []
        for alternatives in plan.groups:
            queries = [self._term_query(term, bigram_field, word_field) for term in alternatives]
            if bylines:
                queries += [_byline(term) for term in alternatives]
            groups.append(queries[0] if len(queries) == 1 else wq.Or(queries))
        if not groups:
            return None
        return groups[0] if len(groups) == 1 else wq.And(groups)

    @staticmethod
    def _term_query(term, bigram_field, word_field, common=frozenset()):
        """Han runs as bigrams (exact up to two characters), Latin and digit runs as words,
        runs in ``common`` as themselves (exact: see ``search.analysis``)."""
        parts = []
        for kind, text in runs(term):
            if kind == "alnum":
                parts.append(wq.Term(word_field, text))
            elif text in common:
                parts.append(wq.Term("common_runs", text))
            elif len(text) == 1:
                parts.append(wq.Prefix(bigram_field, text))
            elif len(text) == 2:
                parts.append(wq.Term(bigram_field, text))
            else:
                # Candidates only: search.substrings confirms the run (see find()).
                grams = sorted({text[i : i + 2] for i in range(len(text) - 1)})
                parts.append(wq.And([wq.Term(bigram_field, gram) for gram in grams]))
        return parts[0] if len(parts) == 1 else wq.And(parts)


def _ranking(searcher, docnums, top):
    """A ``search.engine.Ranking`` of the documents ``docnums`` of ``searcher``, ``top``
    ordering them: both read as article ids from the id column."""

    def ranked(limit):
        docnums = np.array(top(limit), dtype=np.int64)
        return _array(searcher, "article_id")[docnums].tolist()

    def article_ids():
        if not docnums:
            return BitMap()
        numbers = np.frombuffer(docnums.to_array(), dtype=np.uint32)
        return bitmap_of(_array(searcher, "article_id")[numbers])

    return Ranking(len(docnums), ranked, article_ids)


def _array(searcher, name):
    """One sortable column (document number → value) as a numpy array, once per searcher,
    from each segment's part (``_segment_array``)."""
    cache = searcher.__dict__.setdefault("_archive_arrays", {})
    if name not in cache:
        segments = searcher.reader().leaf_readers()
        parts = [_segment_array(reader, name) for reader, _ in segments]
        cache[name] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        current = {reader.segment().segment_id() for reader, _ in segments}
        for key in [key for key in _segment_arrays if key[0] not in current]:
            _segment_arrays.pop(key, None)
    return cache[name]


# {(segment id, column): its values}, for the segments of the searcher read last. A segment's
# columns never change, and Whoosh 2.7 reopens every segment's reader after a write (its
# ``Searcher.refresh`` looks reusable readers up under the wrong key), so kept by segment,
# the first search after a write reads the column of the write's new segment alone, not the
# whole index's (docs/benchmarks.md, "Why the code is as it is").
_segment_arrays: dict[tuple[str, str], np.ndarray] = {}


def _segment_array(reader, name):
    """One segment's column, read once a process (``_segment_arrays``)."""
    key = (reader.segment().segment_id(), name)
    if key not in _segment_arrays:
        values = reader.column_reader(name)
        _segment_arrays[key] = np.fromiter(values, dtype=np.int64, count=reader.doc_count_all())
    return _segment_arrays[key]


def _live_docs(searcher):
    """The live document numbers, ascending, as a numpy array: each segment's numbers but
    its deleted ones (an updated article's old document is deleted)."""
    parts = []
    for reader, base in searcher.reader().leaf_readers():
        live = np.ones(reader.doc_count_all(), dtype=bool)
        if reader.has_deletions():
            live[np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)] = False
        parts.append(np.flatnonzero(live) + base)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _docnum_lookup(searcher):
    """An array from article id to its live document number (-1: none)."""
    live = _live_docs(searcher)
    article_ids = _array(searcher, "article_id")[live]
    lookup = np.full(int(article_ids.max(initial=-1)) + 1, -1, dtype=np.int64)
    lookup[article_ids] = live
    return lookup


def _date_order(searcher):
    """Live document numbers newest publication first (ties: higher article id first), and
    each document number's place in that order (deleted ones last)."""
    live = _live_docs(searcher)
    published, article_ids = _array(searcher, "published_ts"), _array(searcher, "article_id")
    order = live[np.lexsort((article_ids[live], published[live]))[::-1]]
    place = np.full(len(published), len(published), dtype=np.int64)
    place[order] = np.arange(len(order))
    return order, place


def _byline(term):
    """Articles whose byline names ``term`` (a folded reporter's name), whole."""
    return wq.Term("reporters", term)


def _filter_queries(filters):
    """Whoosh queries for the filters a ``search.forms.SearchForm`` produced."""
    if filters.get("region"):
        yield wq.Term("region_codes", filters["region"])
    if filters.get("agency"):
        yield wq.Term("agency_ids", str(filters["agency"]))
    if filters.get("initiative"):
        yield wq.Term("initiative_slugs", filters["initiative"])
    if filters.get("year"):
        yield wq.Term("year", str(filters["year"]))


def _in_period(searcher, docs, filters):
    """``docs`` published between the ``start_ts`` and ``end_ts`` filters (either may be
    absent), read from the date column: articles without a date are outside any period."""
    start, end = filters.get("start_ts"), filters.get("end_ts")
    if start is None and end is None:
        return docs
    published = _array(searcher, "published_ts")
    start = 1 if start is None else max(start, 1)
    end = np.iinfo(np.int64).max if end is None else end
    return docs & bitmap_of(np.flatnonzero((published >= start) & (published <= end)))


class ChineseWhooshEngine(WhooshEngine):
    backend = ChineseWhooshBackend
