"""The PostgreSQL engine behind ``search.engine``, for sites of more than one application host:
the index is a table (``search.models.IndexedArticle``), so every host reads the same
committed state, and a replica of the database carries it too.

Chosen with ``SEARCH_BACKEND=postgres`` (``config/settings/base.py``); Whoosh stays the
default for one host. Only what every PostgreSQL ships is used (GIN, tsvector, arrays; no
extension): the tests pass on Debian's PostgreSQL 15 and on the embedded 18.

* **Candidates**: ``grams`` holds every distinct character and pair of neighbouring
  characters of each Han or Latin/digit run of the folded title and body, as the lexemes of
  a tsvector (``array_to_tsvector``: no parser), behind a GIN index. A term's runs of one or two characters are exact from it; longer runs are confirmed
  with ``strpos`` on the folded copies in the same row, in the same query.
* **Ranking**: titles holding the query first; each part by ``ts_rank`` over jieba's words
  (``search.analysis.word_terms``, the title weighted ``A``), by date when larger than
  ``SCORE_LIMIT``.
* **Related**: the rarest shared words, counted through the GIN index on the words.
* **Writes**: each one sets the generation from a sequence first, holding its row until
  commit: writers are ordered by that lock and read the articles after taking it, so the last
  writer writes the last committed state; readers see the old rows until the commit.
* **Databases**: reads go where the project's router sends reads of ``IndexedArticle`` (a
  replica, for anonymous readers), writes where it sends writes.
"""
