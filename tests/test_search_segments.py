"""search.whoosh.codec and search.whoosh.segments: the fast writer's index answers like Whoosh's own."""

import os
from array import array

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.writing import SegmentWriter

from search.engine import engine
from search.query import parse
from search.whoosh.analyzers import BigramAnalyzer, WordAnalyzer
from search.whoosh.codec import BLOCK_LIMIT, decode_block, decode_ids, encode_block
from search.whoosh.docsets import term_docs
from search.whoosh.segments import FastSegmentWriter, TermSet
from tests.factories import make_article


@given(
    gaps=st.lists(st.integers(1, 70000), min_size=1, max_size=BLOCK_LIMIT),
    weights=st.one_of(st.just("one"), st.just("constant"), st.lists(st.floats(0.5, 9.0, width=32))),
)
def test_blocks_round_trip(gaps, weights):
    ids = array("I")
    for gap in gaps:
        ids.append((ids[-1] if ids else -1) + gap)
    if weights == "one":
        weights = array("f", [1.0]) * len(ids)
    elif weights == "constant":
        weights = array("f", [3.0]) * len(ids)
    else:
        weights = array("f", (weights * len(ids))[: len(ids)] or [2.0] * len(ids))
    decoded_ids, decoded_weights, values = decode_block(
        encode_block(ids, weights, [], 0), len(ids), 0
    )
    assert decoded_ids == tuple(ids)
    assert decode_ids(encode_block(ids, weights, [], 0), len(ids)).tolist() == list(ids)
    assert list(decoded_weights) == list(weights)
    assert values == (None,) * len(ids)


def _schema():
    def terms_only(field):
        field.format = TermSet(field_boost=field.format.field_boost)
        return field

    return Schema(
        id=ID(stored=True, unique=True),
        text=terms_only(TEXT(analyzer=WordAnalyzer(), phrase=False)),
        bigrams=terms_only(TEXT(analyzer=BigramAnalyzer(), phrase=False)),
        title=terms_only(TEXT(analyzer=WordAnalyzer(), phrase=False, field_boost=3.0)),
        tags=KEYWORD(commas=True),  # Whoosh's Frequency format: values and weights kept
        note=STORED(),
    )


DOCUMENTS = [
    ("滨州市公安局户籍室推出“海燕直通车”", "市民可通过交管12123App预约。濱州户籍业务当日办结。"),
    ("反诈宣传进社区", "民警提醒：电信诈骗手段翻新，反诈骗App要安装。"),
    ("派出所便民服务", "户籍室延时服务，身份证补领更方便，群众点赞。"),
    ("交警大队优化营商环境", "放管服改革，企业办事少跑腿，12123预约考试。"),
]


def _fill(directory, writer_class, commits):
    """Index DOCUMENTS (each twice, under two ids) in ``commits`` commits, deleting one."""
    directory.mkdir()
    ix = whoosh_index.create_in(directory, _schema())
    documents = [
        {"id": f"{copy}-{n}", "title": t, "text": f"{t}\n{b}", "bigrams": f"{t}\n{b}"}
        | {"tags": "甲,乙" if n % 2 else "乙,乙,丙", "note": f"第{n}篇"}
        for copy in range(2)
        for n, (t, b) in enumerate(DOCUMENTS)
    ]
    share = -(-len(documents) // commits)
    for start in range(0, len(documents), share):
        writer = writer_class(ix)
        for doc in documents[start : start + share]:
            writer.add_document(**doc)
        writer.commit()
    writer = writer_class(ix)
    writer.delete_by_term("id", "0-1")
    writer.commit(optimize=True)  # merges every segment through the writer's pool
    return ix


def _all_postings(ix):
    """Like ``_postings`` but read with ``all_ids``/``all_items``, the way searches read."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        out = {}
        for field, term in reader.all_terms():
            items = reader.postings(field, term).items_as("weight")
            out[field, term] = sorted((reader.stored_fields(d)["id"], w) for d, w in items)
        return out


@pytest.mark.parametrize("commits", [1, 3])
def test_fast_writer_writes_what_whoosh_writes(tmp_path, commits):
    whoosh_ix = _fill(tmp_path / "whoosh", SegmentWriter, commits)
    fast_ix = _fill(tmp_path / "fast", FastSegmentWriter, commits)
    assert _all_postings(fast_ix) == _all_postings(whoosh_ix)
    with fast_ix.searcher() as fast, whoosh_ix.searcher() as slow:
        assert fast.doc_count() == slow.doc_count() == 7
        for query in (
            wq.Term("bigrams", "户籍"),
            wq.And([wq.Term("bigrams", "反诈"), wq.Term("text", "app")]),
            wq.Term("tags", "乙"),
            wq.Prefix("bigrams", "濱"),
            wq.Prefix("bigrams", "滨"),
        ):
            ranked = [(hit["id"], round(hit.score, 4)) for hit in fast.search(query)]
            assert ranked == [(hit["id"], round(hit.score, 4)) for hit in slow.search(query)]
            assert ranked or query == wq.Prefix("bigrams", "濱")  # folded: only 滨 is indexed
        assert _stored_and_lengths(fast.reader()) == _stored_and_lengths(slow.reader())
        assert ("0-1", "第1篇", 0) not in _stored_and_lengths(fast.reader())


def test_a_set_read_whole_across_blocks_is_what_whoosh_reads(tmp_path):
    """A term in more documents than a block holds, some deleted, in two segments: read as a
    set block by block, it is the documents Whoosh's own matcher walks to."""
    ix = whoosh_index.create_in(tmp_path, _schema())
    count = BLOCK_LIMIT * 2 + 300
    for part in (range(0, count, 2), range(1, count, 2)):
        writer = FastSegmentWriter(ix)
        for n in part:
            text = "户籍业务" if n % 3 else "户籍室"
            writer.add_document(id=str(n), title="", text=text, bigrams=text)
        writer.commit()
    writer = FastSegmentWriter(ix)
    for n in range(0, count, 7):
        writer.delete_by_term("id", str(n))
    writer.commit()
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 2
        for term in ("户籍", "业务", "籍室"):
            walked = set(searcher.docs_for_query(wq.Term("bigrams", term)))
            assert set(term_docs(searcher, "bigrams", term)) == walked
            assert len(walked) > BLOCK_LIMIT or term == "籍室"


def _stored_and_lengths(reader):
    return sorted(
        (reader.stored_fields(doc)["id"], reader.stored_fields(doc)["note"])
        + (reader.doc_field_length(doc, "bigrams"),)
        for doc in reader.all_doc_ids()
    )


@pytest.mark.django_db
def test_rebuild_in_processes_matches_one_process(search_index):
    articles = [
        make_article(f"{title}（{n}）", body) for n in range(6) for title, body in DOCUMENTS
    ]
    backend = engine()

    def answers():
        return {
            q: sorted(backend.find(parse(q))) for q in ("户籍", "反诈", "12123", "滨州 户籍", "服")
        }

    call_command("index_articles", procs=1, batch_size=5, verbosity=0)
    one_process = answers()
    assert one_process["户籍"] and one_process["12123"]

    call_command("index_articles", procs=2, batch_size=5, verbosity=0)
    assert answers() == one_process
    assert backend.document_count() == len(articles)


@pytest.mark.django_db
def test_rebuild_in_processes_never_forks(search_index, monkeypatch):
    """The segment writers are spawned: forking a threaded parent is unsafe (and warned about
    from Python 3.12). Spawned writers must still analyse exactly like this process: with the
    same common runs and the entity names added to jieba."""
    for n in range(6):
        for title, body in DOCUMENTS:
            make_article(f"{title}（{n}）", body)
    backend = engine()

    def lexicons():
        with backend.index.refresh().reader() as reader:
            return {field: set(reader.lexicon(field)) for field in ("text", "title", "common_runs")}

    call_command("index_articles", procs=1, batch_size=5, verbosity=0)
    one_process = lexicons()
    assert one_process["text"] and one_process["common_runs"]

    def no_fork():
        raise AssertionError("os.fork() called")

    monkeypatch.setattr(os, "fork", no_fork)
    call_command("index_articles", procs=2, batch_size=5, verbosity=0)
    assert lexicons() == one_process


@pytest.mark.django_db
def test_spawned_writers_keep_whole_every_name_this_process_keeps_whole(search_index):
    """jieba cannot forget a word: a process that once added a bureau's name keeps it after
    the bureau is deleted. The writers a rebuild spawns must still split text exactly as this
    process does, not as the database alone would have them."""
    from archive.models import Agency
    from search.dictionary import add_entity_words

    agency = Agency.objects.create(name="青枫县公安局")
    assert "青枫县公安局" in add_entity_words()
    agency.delete()
    make_article("青枫县公安局推出便民服务", "青枫县公安局户籍室延时服务。")
    backend = engine()

    def words():
        with backend.index.refresh().reader() as reader:
            return {word.decode() for word in reader.lexicon("text")}

    call_command("index_articles", procs=1, verbosity=0)
    assert "青枫县公安局" in words()
    call_command("index_articles", procs=2, verbosity=0)
    assert "青枫县公安局" in words()


@pytest.mark.django_db
def test_searchers_read_the_segments_in_place_not_copied_into_memory(search_index):
    """Whoosh 2.7 reads a mapped compound segment by copying each of its parts (postings,
    terms) into the process's own memory: at a million articles every worker held 1.3 GB of
    index of its own. Read in place, the parts are views of the files."""
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.structfile import BufferFile

    for n in range(3):
        for title, body in DOCUMENTS:
            make_article(f"{title}（{n}）", body)
    call_command("index_articles", procs=1, verbosity=0)
    engine().forget_searcher()
    # a segment reader's storage: its compound file over the index's folder
    segments = [leaf._storage.a for leaf, _ in engine().searcher().reader().leaf_readers()]
    assert segments and all(isinstance(segment, CompoundStorage) for segment in segments)
    opened = [segment.open_file(name) for segment in segments for name in segment.list()]
    assert opened and not any(isinstance(part, BufferFile) for part in opened)
    assert sorted(engine().find(parse("户籍")))  # and the index still answers


def test_skipping_through_a_common_term_lands_where_whoosh_s_stepping_lands(tmp_path):
    """A rare term's intersection with a common one skips through the common term's blocks
    (a binary search inside a block): it lands on each next document holding both, from
    either side, and a skip past the last posting ends the matcher."""
    ix = whoosh_index.create_in(tmp_path, _schema())
    count = BLOCK_LIMIT * 3 + 17
    writer = FastSegmentWriter(ix)
    for n in range(count):
        text = "户籍业务" if n % 97 == 5 else "户籍室"
        writer.add_document(id=str(n), title="", text=text, bigrams=text)
    writer.commit()
    with ix.searcher() as searcher:
        common = set(term_docs(searcher, "bigrams", "户籍"))
        rare = set(term_docs(searcher, "bigrams", "业务"))
        assert len(common) == count and 0 < len(rare) < 50
        both = wq.And([wq.Term("bigrams", "业务"), wq.Term("bigrams", "户籍")])
        assert set(searcher.docs_for_query(both)) == rare
        matcher = searcher.reader().postings("bigrams", "户籍")
        for target in sorted(rare | {BLOCK_LIMIT - 1, BLOCK_LIMIT, 2 * BLOCK_LIMIT + 1}):
            matcher.skip_to(target)  # every document holds 户籍: it lands on the target
            assert matcher.id() == target
        matcher.skip_to(target - 3)  # behind: stays
        assert matcher.id() == target
        matcher.skip_to(count + 5)
        assert not matcher.is_active()


@pytest.mark.django_db
def test_a_batch_of_documents_costs_the_same_few_queries_however_many_articles(
    search_index, django_assert_num_queries
):
    """The rebuild reads only the columns the documents need (``ArticleIndex.index_queryset``):
    a field it left out would cost one more query an article."""
    from search.search_indexes import article_index

    for n in range(12):
        make_article(f"户籍新规（{n}）", "滨州户籍业务当日办结。", authors="姜東良、李娜")
    index = article_index(engine())
    index.reset_ancestry()
    with django_assert_num_queries(4):  # the articles and their three kinds of link
        documents = engine().prepare_documents(index, list(index.index_queryset()))
    assert len(documents) == 12
    assert {d["reporters"] for d in documents} == {"姜东良,李娜"}
    assert all(d["fingerprint"] and d["published_ts"] >= 0 for d in documents)


def test_documents_with_separate_spellings_take_whoosh_s_own_path(tmp_path):
    """Another index definition (haystack's own, a stemmed text field with spellings): such
    documents are Whoosh's whole, the spelling field included, and read back as Whoosh's."""

    def fill(directory, writer_class):
        directory.mkdir()
        schema = Schema(
            id=ID(stored=True, unique=True),
            text=TEXT(analyzer=StemmingAnalyzer(), spelling=True),
            bigrams=_schema()["bigrams"],
        )
        assert schema["text"].separate_spelling()
        ix = whoosh_index.create_in(directory, schema)
        writer = writer_class(ix)
        for n, (title, body) in enumerate(DOCUMENTS):
            writer.add_document(id=str(n), text=f"{title} reporting reports {n}", bigrams=body)
        writer.commit()
        return ix

    def documents_of_terms(ix):
        with ix.searcher() as searcher:
            reader = searcher.reader()
            return {
                (field, term): sorted(reader.postings(field, term).all_ids())
                for field, term in reader.all_terms()
            }

    fast = documents_of_terms(fill(tmp_path / "fast", FastSegmentWriter))
    assert fast == documents_of_terms(fill(tmp_path / "whoosh", SegmentWriter))
    assert ("spell_text", b"reporting") in fast  # the unstemmed word, for suggestions
    assert ("text", b"report") in fast and ("bigrams", "户籍".encode()) in fast
