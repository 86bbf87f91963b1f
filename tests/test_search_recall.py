"""Substring recall and precision: search returns exactly the articles that contain the query.

Brute force is the truth: an article matches a query when the folded query occurs in its
folded title or body. Queries are every 2- and 3-character Han substring of the seed titles
and a large sample of body substrings, asked in simplified and in traditional script, over
the seeds stored as they are and as traditional copies.
"""

import random
import re

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.chinese import to_simplified
from search.analysis import HAN, fold, runs
from search.engine import engine
from search.query import parse
from tests.conftest import seed_texts
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]
HAN_ONLY = re.compile(f"[{HAN}]+")
to_traditional = opencc.OpenCC("s2t").convert


@pytest.fixture
def corpus(reindex):
    articles = []
    for title, body in seed_texts():
        articles.append(make_article(title, body))
        traditional_title, traditional_body = to_traditional(title), to_traditional(body)
        if traditional_body != body:
            articles.append(make_article(traditional_title, traditional_body))
    reindex()
    return articles


def han_substrings(text, sizes=(2, 3)):
    found = set()
    for size in sizes:
        for i in range(len(text) - size + 1):
            piece = text[i : i + size]
            if HAN_ONLY.fullmatch(piece):
                found.add(piece)
    return found


def truth(articles, query):
    needle = fold(query)
    return {a.pk for a in articles if needle in fold(a.title) or needle in fold(a.body_text)}


def assert_exact(articles, queries):
    backend = engine()
    wrong = []
    for query in sorted(queries):
        expected = truth(articles, query)
        found = set(backend.find(parse(query)))
        if found != expected:
            wrong.append((query, sorted(expected - found), sorted(found - expected)))
    assert not wrong, f"{len(wrong)} of {len(queries)} queries differ, e.g. {wrong[:5]}"
    return len(queries)


def test_every_title_substring_in_both_scripts(corpus):
    queries = set()
    for article in corpus:
        queries |= han_substrings(article.title)
    queries |= {to_traditional(q) for q in queries} | {to_simplified(q) for q in queries}
    assert assert_exact(corpus, queries) > 50


def test_large_sample_of_body_substrings_in_both_scripts(corpus):
    rng = random.Random(4)
    queries = set()
    for article in corpus:
        pieces = sorted(han_substrings(article.body_text, sizes=(2, 3, 4, 5, 8)))
        queries |= set(rng.sample(pieces, min(150, len(pieces))))
    queries |= {to_traditional(q) for q in rng.sample(sorted(queries), 300)}
    assert assert_exact(corpus, queries) > 1500


def test_substrings_that_jieba_cuts_apart(corpus):
    # Across word boundaries and inside longer words: what jieba-only indexes miss.
    queries = {"出所", "安局", "户籍", "户籍室", "便民利企", "滨州", "濱州", "派出所民警"}
    assert assert_exact(corpus, queries) == len(queries)
    backend = engine()
    traditional, simplified = list(backend.find(parse("濱州"))), list(backend.find(parse("滨州")))
    assert traditional and traditional == simplified


def test_single_characters_match_every_article_containing_them(corpus):
    queries = {"户", "濱", "滨", "局", "警"}
    backend = engine()
    for query in queries:
        expected = truth(corpus, query)
        assert expected and set(backend.find(parse(query))) == expected, query


def test_latin_letters_and_digits_are_searchable(reindex):
    article = make_article("交管12123App上线", "市民可用ＡＰＰ办理，拨打110报警。")
    make_article("别的文章", "无关内容。")
    reindex()
    backend = engine()
    for query in ["12123", "app", "App", "12123App", "110", "ＡＰＰ", "交管12123App"]:
        assert list(backend.find(parse(query))) == [article.pk], query


@pytest.fixture
def boilerplate(reindex):
    """Eight articles carrying the same run (新闻联播), one title with it, one decoy with its
    pieces apart."""
    articles = [
        make_article(f"报道{n}", f"央视网消息（新闻联播）：第{n}条消息。") for n in range(8)
    ]
    in_title = make_article("新闻联播特别报道", "今天的节目。")
    decoy = make_article(
        "拆开的词", "新闻发布会上，人们闻联合国消息，又看联播节目。央视网消费频道，视网消息。"
    )
    reindex()
    return articles, in_title, decoy


@pytest.mark.parametrize("search_backend", ["whoosh"], indirect=True)
def test_whoosh_indexes_runs_found_in_most_articles_whole(boilerplate):
    """Whoosh answers a run found in most articles from its own field, not by a
    confirmation in the database (``search.analysis``)."""
    backend = engine()
    assert {"新闻联播", "闻联播", "央视网消息"} <= backend.searched_common_runs()


def test_common_runs_are_exact_and_rank_titles_first(boilerplate):
    """A run found in most articles must still be exact, and titles holding it still come
    first."""
    boilerplate, in_title, decoy = boilerplate
    backend = engine()
    expected = {a.pk for a in boilerplate} | {in_title.pk}
    for query in ("新闻联播", "闻联播", "新聞聯播"):
        found = list(backend.find(parse(query)))
        assert set(found) == expected, query
        assert found[0] == in_title.pk
    # Five characters, each four of them common too: the decoy holds both fours, apart.
    assert set(backend.find(parse("央视网消息"))) == {a.pk for a in boilerplate}
    assert decoy.pk not in set(backend.find(parse("新闻联播 -节目")))
    assert set(backend.find(parse("新闻联播 -节目"))) == {a.pk for a in boilerplate}


# Few characters, so that random queries often match: both scripts, a reporter's name.
ALPHABET = "户戶籍民警滨濱州东東局公安良"
WORD = st.text(alphabet=ALPHABET, min_size=1, max_size=4)
QUERY = st.lists(
    st.one_of(
        WORD,
        WORD.map(lambda word: f"-{word}"),
        st.lists(WORD, min_size=1, max_size=2).map(lambda words: f'"{" ".join(words)}"'),
        st.sampled_from(["OR", "，", "-", '"']),
    ),
    max_size=5,
).map(" ".join)


@pytest.fixture
def small_world(reindex):
    texts = [
        ("滨州公安局", "民警为群众办理户籍。", ""),
        ("濱州警方", "東局民警上門。", "姜東良"),
        ("户籍新规", "公安东局发布。", "李娜"),
        ("无关", "州局安良。", ""),
    ]
    articles = [make_article(t, b, authors=a) for t, b, a in texts]
    reindex()
    return articles


def _holds(article, term):
    """The contract (``search.engine``): every run of the term in the folded title or body,
    or the term a reporter's whole name."""
    title, body = fold(article.title), fold(article.body_text)
    whole = all(text in title or text in body for _, text in runs(term))
    return whole or term in [fold(name) for name in article.reporters]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=QUERY)
def test_any_query_finds_exactly_what_the_contract_says(small_world, raw):
    """Random queries with phrases, exclusions and OR over a small world, on each engine,
    against the contract applied by brute force to the parsed plan."""
    plan = parse(raw)
    expected = {
        a.pk
        for a in small_world
        if not plan.is_empty
        and all(any(_holds(a, term) for term in group) for group in plan.groups)
        and not any(_holds(a, term) for term in plan.excluded)
    }
    ranking = engine().find(plan)
    assert set(ranking) == expected and len(ranking) == len(expected), raw
    assert set(ranking.article_ids()) == expected
