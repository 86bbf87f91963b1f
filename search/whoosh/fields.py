"""The Whoosh fields ``search.search_indexes.ArticleIndex`` asks for (its ``whoosh_field``s,
read by ``search.whoosh.backend.ChineseWhooshBackend.build_schema``)."""

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT

from search.whoosh.analyzers import BigramAnalyzer, CommonRunAnalyzer, WordAnalyzer
from search.whoosh.segments import TermSet


def _terms_only(field):
    # Which documents hold a term, nothing more: no positions or frequencies (phrases are
    # confirmed on the database text, search.whoosh.backend), a large part of the index they
    # made (docs/benchmarks.md, "Why the code is as it is").
    field.format = TermSet(field_boost=field.format.field_boost)
    return field


def words(**kwargs):
    return _terms_only(TEXT(analyzer=WordAnalyzer(), stored=False, phrase=False, **kwargs))


def bigrams(**kwargs):
    return _terms_only(TEXT(analyzer=BigramAnalyzer(), stored=False, phrase=False, **kwargs))


def common_runs():
    return _terms_only(TEXT(analyzer=CommonRunAnalyzer(), stored=False, phrase=False))


def keywords():
    return _terms_only(KEYWORD(commas=True, stored=False))


def column():
    # A per-document value only: ranking by date and date ranges read it (search.whoosh.backend);
    # an indexed NUMERIC would add 16 terms a document for range queries nobody runs.
    return COLUMN(NumericColumn("q"))


def exact(**kwargs):
    """One untokenized term (the year)."""
    return ID(**kwargs)


def stored():
    """Kept with the document, not searchable (the fingerprint check_index compares)."""
    return STORED()
