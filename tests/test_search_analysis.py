"""The word field's segmenter: jieba's precise mode, word for word, faster
(``search.analysis.Segmenter``). Recall never depends on it (the bigram field does), but the
index and the query side must cut alike, and ranking follows jieba's words."""

import jieba
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import HAN_RUN, fold, segmenter, word_terms
from tests.conftest import FIXTURES


def _jieba_words(run):
    return list(jieba.dt.cut(run, HMM=False))


def _han_runs():
    texts = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.txt"))]
    return [run for text in texts for run in HAN_RUN.findall(fold(text))]


def test_the_segmenter_cuts_the_seed_articles_as_jieba_does():
    runs = _han_runs()
    assert len(runs) > 200
    cut = segmenter().cut
    assert [cut(run) for run in runs] == [_jieba_words(run) for run in runs]


def test_a_long_word_is_followed_by_the_dictionary_words_inside_it():
    def with_inner_words(word):
        inner = [
            word[i : i + size]
            for size in (2, 3)
            if size < len(word)
            for i in range(len(word) - size + 1)
            if jieba.dt.FREQ.get(word[i : i + size])
        ]
        return [word, *inner]

    for run in _han_runs():
        expected = [term for word in _jieba_words(run) for term in with_inner_words(word)]
        assert word_terms(run) == word_terms(run) == expected
    assert word_terms("出入境管理局") == ["出入境", "出入", "入境", "管理局", "管理"]


# Police words; characters of jieba's Han range that its dictionary lacks (丄丅丏) or holds
# only as the start of longer words (仫伈侭); characters outside that range, which jieba
# leaves alone (〇, rare ideographs of extension A and B).
ALPHABET = "公安局派出所民警户籍室办理群众服务反诈骗宣传滨州市二〇一三年丄丅丏仫伈侭㐀䶵𠀀鿿鿕囧"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=30))
def test_the_segmenter_cuts_any_run_as_jieba_does(run):
    assert segmenter().cut(run) == _jieba_words(run)


def test_a_name_added_to_jieba_is_kept_whole_by_the_segmenter_at_once():
    text = "甲乙丙丁戊己庚辛派出所"
    assert "甲乙丙丁戊己庚辛" not in segmenter().cut(text)
    jieba.add_word("甲乙丙丁戊己庚辛")  # the archive only ever adds names (search.dictionary)
    assert segmenter().cut(text) == _jieba_words(text) == ["甲乙丙丁戊己庚辛", "派出所"]
    assert "甲乙丙丁戊己庚辛" in word_terms(text)


def test_on_equal_routes_the_segmenter_keeps_the_longer_first_word_as_jieba_does():
    # Three characters the dictionary lacks, made two words of equal weight and two single
    # words of equal weight: 丠両|丣 and 丠|両丣 score the same, and jieba's max() takes the
    # route whose first word is longer.
    for word, frequency in (("丠両", 5), ("両丣", 5), ("丠", 7), ("丣", 7)):
        jieba.add_word(word, frequency)
    assert segmenter().cut("丠両丣") == _jieba_words("丠両丣") == ["丠両", "丣"]
    # A frequency set again is not an appended word: the automaton is built anew.
    jieba.add_word("丠両", 1)
    assert segmenter().cut("丠両丣") == _jieba_words("丠両丣") == ["丠", "両丣"]
