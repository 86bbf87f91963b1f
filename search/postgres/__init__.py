"""The PostgreSQL engine behind ``search.engine``, for sites of more than one application host:
the index is tables (``search.models``), so every host reads the same committed state, and a
replica of the database carries it too.

Chosen with ``SEARCH_BACKEND=postgres`` (``config/settings/base.py``); Whoosh stays the
default for one host. Only what every PostgreSQL ships is used (bytea, arrays, tsvector; no
extension): the tests pass on Debian's PostgreSQL 15 and on the embedded 18.

* **Postings**: what the Whoosh engine keeps in its files, as rows of ``IndexPosting``: a
  Roaring bitmap (``pyroaring``) of the article ids holding each key, one row per key and
  chunk of 65,536 ids. The keys are every character and neighbouring pair of each Han or
  Latin/digit run of the folded title and body, the common runs (``search.analysis``, chosen
  at each rebuild and kept on the generation row), the title's characters and pairs, each
  filter value, each reporter and each word (for related articles); an article with too many
  of its text's keys is under one overflow key
  instead. A search reads the rows of the keys its query needs, in one query, and intersects
  them: it never reads every match's row.
* **Exactness**: runs of one or two characters and common runs are exact from their rows;
  longer runs, and every run of an overflowed article, are confirmed with ``strpos`` on the
  folded copies in ``IndexedArticle`` among the candidates (``search.substrings``).
* **Order**: newest first from the ids' date order, read once per generation; relevance puts
  titles holding the query first, each part by ``ts_rank`` over jieba's words
  (``search.analysis.word_terms``, the title weighted ``A``), by date when larger than
  ``SCORE_LIMIT``.
* **Related**: the rarest shared words, as with Whoosh: a word's frequency is the size of its
  bitmap, and the chosen words' bitmaps are summed.
* **Writes**: each one sets the generation from a sequence first, holding its row until
  commit: writers are ordered by that lock and read the articles after taking it, so the last
  writer writes the last committed state; an article's old keys are derived again from its
  stored row, and only the keys it gained or lost are rewritten, in its chunk. A rebuild
  replaces every row and posting in one transaction; readers see the old ones until the commit.
  With ``index_articles --procs N`` it cuts the words in N spawned processes meanwhile.
* **Databases**: reads go where the project's router sends reads of ``IndexedArticle`` (a
  replica, for anonymous readers), writes where it sends writes.
"""
