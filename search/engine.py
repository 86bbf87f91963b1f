"""The search engine seam: every operation the site asks of a search engine, and their meaning.

Views, the API, feeds, the admin, the write pipeline's worker and the commands reach the
engine through ``engine()`` and the operations of ``SearchEngine`` below, nothing else; an
engine is a haystack backend that also has them. Two engines keep them: Whoosh
(``search.whoosh``, the default, files beside one host) and PostgreSQL (``search.postgres``,
rows every host shares), chosen by ``SEARCH_BACKEND`` (``HAYSTACK_CONNECTIONS``).

What every engine guarantees, whatever it stores:

* **Exact substring recall.** ``find`` returns exactly the published articles whose title or
  body contains every term of the plan as a substring of the folded text: no match missed,
  none added. An engine may find candidates any way it likes; it confirms runs it cannot
  tell exactly on the database's folded columns (``search.substrings``).
* **Folding.** Indexed text and queries go through ``search.analysis.fold``: traditional
  to simplified script, full-width to ASCII, lower case. A query in either script finds both.
* **The query language** is ``search.query.Plan``: terms joined by AND; a quoted phrase is
  one term (its spaces kept); ``-term`` excludes; ``OR`` between terms makes a group any of
  whose terms may match. Filters (region code, bureau id, initiative slug, year, date range)
  keep the articles linked to that region or bureau or below it.
* **Order.** ``sort="relevance"``: articles whose title contains the query first, each part
  by the engine's score; ``sort="date"``: newest first. Equal keys: higher id first.
* **Freshness.** ``update_articles`` makes the engine show the articles' committed state;
  derived values (``per_generation``) follow every change the engine has applied.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

from haystack import connections

T = TypeVar("T")


class SearchUnavailable(RuntimeError):
    """The index cannot be read (missing, damaged, another format): the message names the
    problem and what to run. Pages show 检索暂不可用; browsing still works."""


class IndexFormatMismatch(SearchUnavailable):
    """The index on disk was written in a format this code does not read; a rebuild
    (``index_articles``, ``check_index --fix``) replaces it."""


class Ranking:
    """The articles a search matched, in order, as ``Paginator`` reads them (a length and
    slices): a slice ranks only as far as its end, by the engine's ``top(limit)``, which
    gives the first ``limit`` article ids in order.

    ``article_ids()`` gives every match's id, unordered, for the facets: a ``BitMap`` of
    ``pyroaring``, which they count over without conversion. Every engine answers ``find``
    with one of these."""

    def __init__(
        self, size: int, top: Callable[[int], list[int]], article_ids: Callable[[], Any]
    ) -> None:
        self._size, self._top, self._article_ids = size, top, article_ids

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start, stop, _ = key.indices(len(self))
        if stop <= start:
            return []
        return self._top(stop)[start:stop]

    def __iter__(self) -> Iterator[int]:
        return iter(self[:])

    def article_ids(self) -> Any:
        return self._article_ids()


class SearchEngine(Protocol):
    def find(
        self, plan: Any, filters: Mapping[str, Any] | None = None, sort: str = "relevance"
    ) -> Ranking:
        """The published articles matching ``plan`` within ``filters`` (``SearchForm``'s
        cleaned data), ordered by ``sort`` (see the module docstring)."""
        ...

    def bylined(self, name: str) -> list[int]:
        """Ids of the articles whose byline holds the reporter ``name`` (folded) whole."""
        ...

    def more_like_this(self, model_instance: Any, **kwargs: Any) -> dict[str, Any]:
        """haystack's more-like-this: articles sharing this one's rarest words (used through
        ``SearchQuerySet().more_like_this`` by ``archive.related``)."""
        ...

    def per_generation(self, name: str, build: Callable[[], T], searcher: Any = None) -> T:
        """``build()`` computed once per state of the index, again after any change."""
        ...

    def generation(self) -> int:
        """A number that grows with every change to the index this process reads (part of
        cached pages' keys)."""
        ...

    def document_count(self) -> int:
        """How many articles the index holds."""
        ...

    def indexed_fingerprints(self) -> dict[int, str]:
        """{article id: fingerprint} of every indexed article (``check_index`` compares them
        with ``search.search_indexes.fingerprint`` of the database rows)."""
        ...

    def self_consistent(self) -> bool:
        """Whether the engine's own derived state belongs to the documents it reads (a
        rebuild interrupted half-way must not leave it otherwise)."""
        ...

    def update_articles(self, article_ids: Iterable[int]) -> None:
        """Write the committed state of these articles: published ones indexed, the others
        removed, in one commit. Idempotent; safe from several processes at once."""
        ...

    def rebuild(
        self,
        batch_size: int = 500,
        procs: int = 1,
        progress: Callable[[int], object] | None = None,
    ) -> int:
        """Replace the index by one of every published article, atomically: readers see the
        old index until the new one is complete, and an interrupted rebuild leaves the old
        one answering. Pays index work owed before it began. Returns how many articles."""
        ...

    def forget_searcher(self) -> None:
        """Drop this process's open reader: the next read opens the index afresh."""
        ...


def engine(using: str = "default") -> SearchEngine:
    """The configured engine (haystack connection ``using``)."""
    return connections[using].get_backend()


def index_generation() -> int:
    """The configured engine's ``generation()``: part of a cached page's key when the page
    is read from the index, so an index rebuilt or repaired outside the application's writes
    still shows at once."""
    return engine().generation()
