"""Writing Whoosh segments fast: the same files as Whoosh's own writer, a fraction of the work.

Whoosh's ``SegmentWriter`` sends every posting (one per term and document: about a thousand
for a news story here) through an external sort: pickled to a run file, read back, merged
with ``heapq``, and then handed one at a time to the codec with a field-length lookup each.
That costs far more than jieba spends on the text, and made indexing slow
(docs/benchmarks.md, "Why the code is as it is").

``FastSegmentWriter`` keeps Whoosh's writer (locking, per-document columns and stored
fields, deletions, merge policies, the table of contents) and replaces only the posting
path: postings are grouped in memory per term as they arrive (each document's terms come
in with ascending document numbers, so every list stays sorted), and at commit each term's
list is written block by block straight into Whoosh 3's postings writer. The files are
byte-for-byte the format Whoosh reads; ``tests/test_search_segments.py`` checks that an index
written this way answers like one written by Whoosh's own writer.

Memory is what the external sort saved: every posting (4 bytes in an array) and every
distinct term stay in the writing process until the commit (what that comes to:
docs/benchmarks.md, "Why the code is as it is").
"""

from array import array
from collections import defaultdict

from whoosh.formats import Existence
from whoosh.writing import SegmentWriter

from search.analysis import set_common_runs, start_analysers
from search.whoosh.codec import CompactCodec


class TermSet(Existence):
    """Whoosh's ``Existence`` format, fed by an analyzer's plain term list when it has one.

    Frequencies and positions are not kept (phrases are confirmed on the database text,
    see ``search.substrings``), so a posting is a document number and nothing else, and
    no ``Token`` object is made per token. Analyzers without ``terms()`` take Whoosh's path.
    """

    def word_values(self, value, analyzer, **kwargs):
        terms = self.term_set(value, analyzer)
        if terms is None:
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        return ((term, 1, boost, b"") for term in terms)

    def term_set(self, value, analyzer):
        """The distinct terms of ``value``, or None for an analyzer without ``terms()``."""
        terms = getattr(analyzer, "terms", None)
        return None if terms is None else set(terms(value))


class _Postings:
    """One term's postings: document numbers, and weights and values only when they vary."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self):
        self.ids = array("I")
        self.weights = None
        self.values = None

    def add(self, docnum, weight, value):
        if weight != 1.0 and self.weights is None:
            self.weights = array("f", [1.0]) * len(self.ids)
        if self.weights is not None:
            self.weights.append(weight)
        if value and self.values is None:
            self.values = [b""] * len(self.ids)
        if self.values is not None:
            self.values.append(value or b"")
        self.ids.append(docnum)

    def sort(self):
        """Order by document number (postings merged in from other segments arrive per term)."""
        order = sorted(range(len(self.ids)), key=self.ids.__getitem__)
        self.ids = array("I", (self.ids[i] for i in order))
        if self.weights is not None:
            self.weights = array("f", (self.weights[i] for i in order))
        if self.values is not None:
            self.values = [self.values[i] for i in order]


class GroupedPostingPool:
    """Stands in for Whoosh's ``PostingPool``: the same ``add()``, postings kept per term.

    ``add_term_set`` takes a whole document's terms of one field at weight 1 (most postings:
    the ``TermSet`` fields), kept per field by term text and merged into ``terms`` when
    grouped; ``add`` takes Whoosh's one posting at a time.
    """

    def __init__(self):
        self.terms = defaultdict(_Postings)
        self.term_sets = defaultdict(lambda: defaultdict(_new_ids))
        self.fieldnames = set()
        self._last_docnum = -1
        self._in_order = True

    def add_term_set(self, fieldname, terms, docnum):
        if docnum < self._last_docnum:
            self._in_order = False
        self._last_docnum = docnum
        field_terms = self.term_sets[fieldname]
        for term in terms:
            field_terms[term].append(docnum)

    def add(self, item):
        fieldname, tbytes, docnum, weight, value = item
        if docnum < self._last_docnum:
            self._in_order = False
        self._last_docnum = docnum
        postings = self.terms[fieldname, tbytes]
        if weight == 1.0 and not value and postings.weights is None and postings.values is None:
            postings.ids.append(docnum)  # the common case, without a method call
        else:
            postings.add(docnum, weight, value)

    def grouped(self):
        """(fieldname, term bytes, postings) in the order the codec needs."""
        for fieldname, field_terms in self.term_sets.items():
            for term, ids in field_terms.items():
                postings = self.terms[fieldname, term.encode("utf-8")]
                if not postings.ids:
                    postings.ids = ids
                else:  # the term had postings one at a time too (a merged segment's)
                    for docnum in ids:
                        postings.add(docnum, 1.0, b"")
                    self._in_order = False
        self.term_sets.clear()
        for key in sorted(self.terms):
            postings = self.terms[key]
            if not self._in_order and postings.ids != array("I", sorted(postings.ids)):
                postings.sort()
            yield key[0], key[1], postings

    def cleanup(self):
        self.terms.clear()
        self.term_sets.clear()


def _new_ids():
    return array("I")


def write_grouped(fieldwriter, schema, lengths, grouped):
    """Write ``grouped`` postings through a Whoosh 3 field writer, a block at a time.

    What ``FieldWriter.add_postings`` does per posting (block statistics included) is done
    here per block, with the same results.
    """
    current = None
    postwriter = None
    for fieldname, tbytes, postings in grouped:
        if fieldname != current:
            if current is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            postwriter = fieldwriter._postwriter
            field_lengths = lengths(fieldname)
            current = fieldname
        fieldwriter.start_term(tbytes)
        limit = postwriter._blocklimit
        count = len(postings.ids)
        for start in range(0, count, limit):
            if start:
                postwriter._write_block()
            end = min(start + limit, count)
            _fill_block(postwriter, postings, start, end, field_lengths)
        fieldwriter.finish_term()
    if current is not None:
        fieldwriter.finish_field()


def _fill_block(postwriter, postings, start, end, field_lengths):
    ids = postings.ids[start:end]
    postwriter._ids = ids
    if postings.weights is None:
        postwriter._weights = array("f", [1.0]) * len(ids)
        postwriter._maxweight = 1.0
    else:
        postwriter._weights = postings.weights[start:end]
        postwriter._maxweight = max(0, max(postwriter._weights))
    postwriter._values = postings.values[start:end] if postings.values is not None else []
    if field_lengths is None:
        postwriter._minlength, postwriter._maxlength = None, 0
        return
    # A document holding a term has a length of at least one in that field.
    block_lengths = list(map(field_lengths.__getitem__, ids))
    postwriter._minlength = min(block_lengths)
    postwriter._maxlength = max(block_lengths)


class FastSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with the grouped posting path (see the module docstring)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, codec=CompactCodec(), **kwargs)
        self.pool.cleanup()
        self.pool = GroupedPostingPool()
        # Fields this writer leaves to Whoosh: a document with one of them takes Whoosh's
        # add_document whole (other index definitions: haystack's term vectors, spellings).
        self.whoosh_fields = {
            name for name, field in self.schema.items() if field.separate_spelling() or field.vector
        }

    def add_document(self, **fields):
        """Whoosh's ``SegmentWriter.add_document``, except that a ``TermSet`` field's terms
        reach the pool as one set (``GroupedPostingPool.add_term_set``). Whoosh makes a tuple
        and a pool call of each posting, hundreds a news story: that cost more than jieba
        (docs/benchmarks.md, "Why the code is as it is"). Fields with weights or values take
        Whoosh's path, posting by posting; a document with spellings or term vectors is
        Whoosh's whole."""
        if not self.whoosh_fields.isdisjoint(fields):
            return super().add_document(**fields)
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        self.perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                boost = self._field_boost(fields, fieldname, docboost)
                terms = None
                if isinstance(field.format, TermSet) and field.format.field_boost * boost == 1.0:
                    terms = field.format.term_set(value, field.analyzer)
                if terms is not None:
                    self.pool.add_term_set(fieldname, terms, docnum)
                    length = len(terms)
                else:
                    for tbytes, freq, weight, vbytes in field.index(value):
                        length += freq
                        self.pool.add((fieldname, tbytes, docnum, weight * boost, vbytes))
                if not field.scorable:
                    length = 0
            stored = fields.get(f"_stored_{fieldname}", value)
            self.perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
            if field.column_type and stored is not None:
                self.perdocwriter.add_column_value(
                    fieldname, field.column_type, field.to_column_value(stored)
                )
        self.perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        doc_count = self.docnum
        cache = {}

        def lengths(fieldname):
            if reader is None or not self.schema[fieldname].scorable:
                return None
            if fieldname not in cache:
                cache[fieldname] = [
                    reader.doc_field_length(docnum, fieldname) for docnum in range(doc_count)
                ]
            return cache[fieldname]

        write_grouped(self.fieldwriter, self.schema, lengths, self.pool.grouped())
        self.fieldwriter.close()
        if reader is not None:
            reader.close()


def segment_worker(index, jobs, results, common_runs, words):
    """Child process of ``search.whoosh.writing``: add the documents of each job to one new
    segment, then hand it back. Imports no Django: it is handed the index's common runs and
    the names jieba must keep whole, and never touches the database."""
    try:
        set_common_runs(common_runs)
        start_analysers(words)
        writer = FastSegmentWriter(index, _lk=False)
        while (documents := jobs.get()) is not None:
            for doc in documents:
                writer.add_document(**doc)
            results.put(("done", len(documents)))
        # Not writer._finish(): it would delete the temporary folder the parent writer shares.
        if writer.doc_count():
            results.put(("segment", writer._finalize_segment()))
        else:  # the other workers took every job
            writer._close_segment()
            results.put(("segment", None))
    except BaseException as error:
        results.put(("error", f"{type(error).__name__}: {error}"))
        raise
