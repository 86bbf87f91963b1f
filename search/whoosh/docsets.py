"""Which documents match a query, as a compressed bitmap, without Whoosh's per-document matchers.

Search needs whole sets (facet counts, confirmation of long runs, the result count), not a
ranked top ten, and Whoosh's ``docs_for_query`` walks matchers one document at a time. Here a
term's postings are read a whole block at a time straight into a ``pyroaring``
bitmap, and And/Or/AndNot/Prefix become bitmap algebra (``search.bitmaps``). Queries of
other kinds fall back to Whoosh.
"""

import numpy as np
from pyroaring import BitMap
from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher

from search.bitmaps import all_of, any_of, bitmap_of
from search.whoosh.codec import CompactLeafMatcher


def doc_set(searcher, query):
    """The set of (top-level) document numbers that ``query`` matches in ``searcher``."""
    if isinstance(query, wq.Term):
        return term_docs(searcher, query.fieldname, query.text)
    if isinstance(query, wq.And):
        return all_of(doc_set(searcher, q) for q in query.subqueries)
    if isinstance(query, wq.Or):
        return any_of(doc_set(searcher, q) for q in query.subqueries)
    if isinstance(query, wq.AndNot):
        return doc_set(searcher, query.a) - doc_set(searcher, query.b)
    if isinstance(query, wq.Prefix):
        reader = searcher.reader()
        return any_of(
            term_docs(searcher, query.fieldname, text)
            for text in reader.expand_prefix(query.fieldname, query.text)
        )
    return BitMap(searcher.docs_for_query(query))


def term_docs(searcher, fieldname, text):
    """The documents whose ``fieldname`` holds ``text``, deleted ones left out."""
    docs = BitMap()
    for leaf, offset in searcher.reader().leaf_readers():
        if (fieldname, text) not in leaf:
            continue
        matcher = leaf.postings(fieldname, text)
        deleted = None
        if isinstance(matcher, FilterMatcher) and matcher._exclude:
            deleted, matcher = matcher._ids, matcher.child
        if isinstance(matcher, CompactLeafMatcher):
            found = bitmap_of(np.concatenate(list(matcher.id_blocks())))
        else:
            found = BitMap(matcher.all_ids())
        if deleted:
            found -= BitMap(deleted)
        docs |= found.shift(offset) if offset else found
    return docs
