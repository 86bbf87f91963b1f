"""The Whoosh analyzers of the index's fields: ``search.analysis``'s term functions as Whoosh
token streams.

Their classes are pickled into the index's schema by module path: moving or renaming one
changes the on-disk format (``search.whoosh.FORMAT``).
"""

from whoosh.analysis import Composable, Token

from search.analysis import bigram_terms, common_run_terms, fold, word_terms


class _TermTokenizer(Composable):
    """A Whoosh analyzer over one of the term functions of ``search.analysis``.

    ``terms()`` is what ``search.whoosh.segments.TermSet`` indexes; the ``Token`` stream is for the
    rest of Whoosh. Positions count terms (0, 1, 2 …), never characters; character offsets
    are not tracked: snippets are marked by ``search.query`` on the article text.
    """

    is_morph = False
    term_function = None  # set by subclasses

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, text in enumerate(self.terms(value)):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = token.endchar = start_char
            yield token

    def terms(self, value):
        return type(self).term_function(fold(value))


class WordAnalyzer(_TermTokenizer):
    term_function = staticmethod(word_terms)


class BigramAnalyzer(_TermTokenizer):
    term_function = staticmethod(bigram_terms)


class CommonRunAnalyzer(_TermTokenizer):
    term_function = staticmethod(common_run_terms)
