"""How Chinese text becomes search terms: the same folding on the index and the query side.

Plain functions, no engine in them (``search.whoosh.analyzers`` wraps them for Whoosh).
Two views of one text are indexed:

words (``word_terms``, jieba)
    Han runs are cut as jieba's precise mode cuts them (``Segmenter``), and the shorter
    dictionary words inside a long word are added (what jieba's search mode adds: 出入 and
    入境 inside 出入境). Runs of Latin letters and digits are lowercased and indexed whole,
    plus their letter and digit parts (12123App → 12123app, 12123, app). This field ranks
    results and makes Latin and digits searchable.

bigrams (``bigram_terms``)
    Every Han run c0 c1 … cn-1 gives the bigrams c0c1, c1c2, … and its last character
    alone. A query of two Han
    characters is one bigram, exact; a longer one is the AND of its bigrams, which finds
    every text that contains it (recall) and a few that only contain its pieces, which
    the engine then drops by checking the stored simplified text in PostgreSQL
    (precision). A single-character query is a prefix query (every token starts with one
    character of the text, the trailing one included).

Both fold traditional to simplified (``archive.chinese.to_simplified``) and full-width
Latin letters and digits to ASCII before anything else. Neither field keeps positions or
frequencies (``search.whoosh.segments.TermSet``): they made most of the index, and phrases are
confirmed on the database text instead.
"""

import math
import re
from collections import Counter
from functools import lru_cache
from itertools import islice

import ahocorasick
import jieba

from archive.chinese import to_simplified

HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
RUN = re.compile(f"([{HAN}]+)|([0-9a-z]+)")
HAN_RUN = re.compile(f"[{HAN}]+")
LETTERS_OR_DIGITS = re.compile(r"[a-z]+|[0-9]+")
# Full-width ASCII (！ to ～) to ASCII: ＡＰＰ and １２１２３ are the same words as App and 12123.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


@lru_cache(maxsize=8)
def fold(text):
    """Simplified script, ASCII width, lower case: the one normal form of indexed and queried text.

    Cached for the last few texts: one article's text goes through two analyzers (words and
    bigrams) in a row, and OpenCC is the costliest step after jieba."""
    return to_simplified(text or "").translate(_WIDTH).lower()


def runs(folded):
    """(kind, text) for each Han run ("han") and each Latin/digit run ("alnum")."""
    for match in RUN.finditer(folded):
        yield ("han", match.group(1)) if match.group(1) else ("alnum", match.group(2))


def long_runs(folded):
    """The Han runs of three or more characters: what the bigram field cannot tell exactly."""
    return [text for kind, text in runs(folded) if kind == "han" and len(text) > 2]


def bigrams(han_run):
    """The bigram-field terms of one Han run, in text order (see module docstring)."""
    return [han_run[i : i + 2] for i in range(len(han_run) - 1)] + [han_run[-1]]


@lru_cache(maxsize=1)
def _jieba_ready():
    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba.dt


class Segmenter:
    """jieba's precise mode without its HMM (``jieba.dt.cut(run, HMM=False)``), word for word
    on a Han run, with jieba's dictionary in an Aho–Corasick automaton.

    jieba finds the dictionary words at each character by slicing the text and looking each
    slice up, then picks the most probable route backwards, one Python step a slice. Here the
    automaton (built once, over the words reversed) reports every word of a reversed run in
    one pass in C, already in the order that backward route needs, so the route is chosen as
    the words stream in: the same words for much less, and jieba's route was most of
    indexing's time (docs/benchmarks.md, "Why the code is as it is").
    The automaton keeps each word's log frequency; the total is subtracted as jieba does, at
    the route, so that a word added later changes no other entry.
    ``tests/test_search_analysis.py`` compares it with jieba on real articles.
    """

    def __init__(self, dictionary):
        self.dictionary = dictionary
        self.automaton = ahocorasick.Automaton()
        self.entries = 0  # how many of the dictionary's entries the automaton has seen
        self.total = 0
        self.log_total = 0.0
        self.inner = {}
        self.follow()

    def follow(self):
        """Bring the automaton up to jieba's dictionary as it is now. ``add_word`` appends a new
        word (and its new prefixes) and adds its frequency to the total; when that is all that
        changed (the names of ``search.dictionary``), only those words are added, and the
        automaton is made again, far cheaper than building it. Any other change (a word's frequency
        set again) builds it anew. A word deleted (``del_word``, frequency 0) is not seen: the
        archive never deletes one."""
        dictionary = self.dictionary
        if (dictionary.total, len(dictionary.FREQ)) == (self.total, self.entries):
            return
        appended = list(islice(dictionary.FREQ.items(), self.entries, None))
        if dictionary.total - self.total != sum(frequency for _, frequency in appended):
            self.automaton = ahocorasick.Automaton()
            appended = list(dictionary.FREQ.items())
        for word, frequency in appended:
            if frequency:  # zero: a prefix of a word
                self.automaton.add_word(word[::-1], (len(word), math.log(frequency)))
        self.automaton.make_automaton()
        self.entries, self.total = len(dictionary.FREQ), dictionary.total
        self.log_total = math.log(dictionary.total)
        self.inner.clear()

    def inner_words(self, word):
        """The dictionary words of two and three characters inside ``word`` (what jieba's
        search mode adds), shorter first. Remembered per word: the segmenter only returns
        dictionary words of more than one character, so there are at most as many as the
        dictionary has."""
        inner = self.inner.get(word)
        if inner is None:
            inner = self.inner[word] = [
                gram
                for size in (2, 3)
                if size < len(word)
                for gram in (word[i : i + size] for i in range(len(word) - size + 1))
                if self.dictionary.FREQ.get(gram)
            ]
        return inner

    def cut(self, han_run):
        """The words of ``han_run``. jieba cuts only the parts in its own Han range and
        leaves each other character alone (rare ideographs, 〇); so does this."""
        if jieba.re_han_default.fullmatch(han_run):
            return self._route(han_run)
        words = []
        for n, part in enumerate(jieba.re_han_default.split(han_run)):
            if n % 2:
                words += self._route(part)
            else:
                words += part
        return words

    def _route(self, text):
        size = len(text)
        log_total = self.log_total
        unknown = -log_total  # jieba's log(1) - log(total): a character it does not know
        score = [0.0] * (size + 1)  # the best route's log-probability from each position on
        step = list(range(1, size + 1))  # where the best route's first word ends
        settled = size  # the positions from here on are settled
        start, best = size, 0.0
        # A reversed word ending at e of the reversed text starts at size - 1 - e: the words
        # arrive by descending start, so each start's words come together, after every later
        # start is settled; a position no word starts at is a character alone.
        for end, (length, log_frequency) in self.automaton.iter(text[::-1]):
            at = size - 1 - end
            if at != start:
                if start < size:
                    score[start] = best
                    settled = start
                while settled > at + 1:
                    settled -= 1
                    score[settled] = unknown + score[settled + 1]
                start, best = at, -math.inf
            candidate = log_frequency - log_total + score[at + length]  # jieba's sum, in order
            # On equal scores jieba's max() keeps the longer word.
            if candidate > best or (candidate == best and at + length > step[at]):
                best, step[at] = candidate, at + length
        if start < size:
            score[start] = best
            settled = start
        while settled > 0:
            settled -= 1
            score[settled] = unknown + score[settled + 1]
        words, at = [], 0
        while at < size:
            words.append(text[at : step[at]])
            at = step[at]
        return words


_segmenter = None


def segmenter():
    """The ``Segmenter`` of jieba's dictionary as it is now (names added since are in it)."""
    global _segmenter
    if _segmenter is None:
        _segmenter = Segmenter(_jieba_ready())
    else:
        _segmenter.follow()
    return _segmenter


def word_terms(folded):
    """The word field's terms, in text order; a long word is followed by its shorter
    dictionary words (jieba's search mode: 出入 and 入境 inside 出入境)."""
    words = segmenter()
    terms = []
    for kind, text in runs(folded):
        if kind == "alnum":
            terms.append(text)
            parts = LETTERS_OR_DIGITS.findall(text)
            if len(parts) > 1:
                terms += parts
            continue
        for word in words.cut(text):
            terms.append(word)
            if len(word) > 2:
                terms += words.inner_words(word)
    return terms


def bigram_terms(folded):
    """The bigram field's terms, in text order."""
    terms = []
    for run in HAN_RUN.findall(folded):
        terms += bigrams(run)
    return terms


# Runs of three to six Han characters found in a large share of the archive (boilerplate
# such as 新闻联播, 央视网消息 or 查看原文; in police news 犯罪嫌疑人): indexed whole in their
# own field, so that a query for one is exact from the index instead of a confirmation over
# most of the database. Chosen at each full rebuild (``find_common_runs``) and kept with the
# index (``search.whoosh.backend``), which sets them here before every write: every document
# of an index is written with the same list.
COMMON_RUN_SIZES = (3, 4, 5, 6)
_common_runs = frozenset()
_common_automaton = None  # finds every common run in a text in one pass, in C


def set_common_runs(common):
    global _common_runs, _common_automaton
    common = frozenset(common)
    if common == _common_runs:
        return
    _common_runs, _common_automaton = common, None
    if common:
        _common_automaton = ahocorasick.Automaton()
        for run in common:
            _common_automaton.add_word(run, run)
        _common_automaton.make_automaton()


def _grams(folded):
    found = set()
    for run in HAN_RUN.findall(folded):
        for size in COMMON_RUN_SIZES:
            found.update(run[i : i + size] for i in range(len(run) - size + 1))
    return found


def common_run_terms(folded):
    """The common runs (see above) that the text contains. A run is Han characters only, so
    no match spans two of the text's Han runs."""
    if _common_automaton is None:
        return []
    return list({run for _end, run in _common_automaton.iter(folded)})


def find_common_runs(texts, share=0.02, limit=5000):
    """The runs of ``COMMON_RUN_SIZES`` characters found in at least ``share`` of ``texts``
    (a sample of the archive), at most ``limit`` of them, most frequent first."""
    counts = Counter()
    for text in texts:
        counts.update(_grams(fold(text)))
    threshold = max(2, share * len(texts))
    return [run for run, n in counts.most_common(limit) if n >= threshold]


def start_analysers(words):
    """What a spawned process that analyses text runs first: jieba, quiet, given the
    ``words`` (names) its parent added, so that both cut the same words."""
    _jieba_ready()
    for word in words:
        jieba.add_word(word)


def joined_words(folded_texts):
    """``word_terms`` of each text, joined by spaces: what a spawned analyser hands back
    (jieba is CPU-bound, one core a process)."""
    return [" ".join(word_terms(text)) for text in folded_texts]
