"""The same seeds in other encodings are the same articles, not new ones."""

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.importing.cleaning import strip_pinyin_annotations
from archive.importing.damage import find_damage
from archive.importing.decoding import decode
from archive.importing.reading import parse_bytes
from archive.models import Article, ImportRecord
from tests.conftest import SEEDS, seed

pytestmark = pytest.mark.django_db

ENCODINGS = {
    "gb18030": lambda text: text.encode("gb18030"),
    "utf-16 with BOM": lambda text: text.encode("utf-16"),
    "utf-16-le without BOM": lambda text: text.encode("utf-16-le"),
    "utf-16-be without BOM": lambda text: text.encode("utf-16-be"),
    "utf-8 with BOM and CRLF": lambda text: codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode(),
}


def test_seeds_reencoded_import_to_the_same_articles(tmp_path, run_import):
    summary, status, _ = run_import(SEEDS)
    assert (summary["imported"], status) == (5, 0)
    before = dict(Article.objects.values_list("content_hash", "title"))
    for name, encode in ENCODINGS.items():
        folder = tmp_path / name.replace(" ", "-")
        folder.mkdir()
        for path in sorted(SEEDS.iterdir()):
            (folder / path.name).write_bytes(encode(path.read_text(encoding="utf-8")))
        summary, status, _ = run_import(folder)
        assert summary == {"imported": 0, "updated": 0, "unchanged": 5, "failed": []}, name
        assert status == 0
    assert dict(Article.objects.values_list("content_hash", "title")) == before
    detected = set(ImportRecord.objects.values_list("encoding", flat=True))
    assert {"utf-8", "gb18030", "utf-16-le-bom", "utf-16-le", "utf-16-be", "utf-8-bom"} <= detected


def test_traditional_seed_as_big5(tmp_path, run_import):
    """Big5 cannot hold all of seed 001: its pinyin tone marks and the characters of its
    encoding damage (盀, 瑸 … are simplified or rare characters) have no Big5 code. The
    Big5 file holds the seed without its reading aids (removed on import anyway) and without
    those damage characters; its UTF-8 twin, dropped alike, must map to the same article."""
    text = strip_pinyin_annotations(seed(1).read_text(encoding="utf-8"))
    dropped = [char for char in text if not _big5_can(char)]
    damaged = "".join(find_damage(text))
    assert 0 < len(dropped) < 0.01 * len(text)
    assert all(char in damaged for char in dropped)  # only damage is lost
    encodable = "".join(char for char in text if _big5_can(char))
    big5 = tmp_path / "big5.txt"
    big5.write_bytes(encodable.encode("big5"))
    assert decode(big5.read_bytes()).encoding == "big5"
    twin = tmp_path / "utf8.txt"
    twin.write_text(encodable, encoding="utf-8")

    summary, _, _ = run_import(twin)
    assert summary["imported"] == 1
    summary, status, _ = run_import(big5)
    assert summary == {"imported": 0, "updated": 0, "unchanged": 1, "failed": []}
    assert status == 0
    article = Article.objects.get()
    assert article.script == "traditional"
    assert article.authors == "姜東良、李娜、張錦程"
    assert "encoding_damage" in article.review_flags  # the stray "?" marks are still there


def test_reimporting_the_traditional_seed_changes_nothing(run_import):
    run_import(seed(1))
    summary, _, _ = run_import(seed(1))
    assert summary["unchanged"] == 1 and Article.objects.count() == 1


def _big5_can(char):
    try:
        char.encode("big5")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize(
    "text",
    [
        "共有10801家A级旅游景区正常开放，风云三号F星和X射线望远镜。",
        "他问：“你们还管这事吗?”民警说：“管!”",
        "医生建议做B超检查。",
    ],
)
def test_real_text_is_not_flagged_as_damaged(text):
    assert find_damage(text) == []


def test_damage_markers_are_found():
    assert find_damage("問題有人管?!盀I州公安牢固樹立")
    assert find_damage("替換字元\ufffd出現")
    assert find_damage("槐闩c施工跸壬f出")  # two lower-case stray letters


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=2000).map(lambda text: text.encode("utf-8")),
        st.text(alphabet="---\n<p>标题正文。：:来源发布时间□本报记者 ", max_size=400).map(
            lambda text: text.encode("gb18030")
        ),
    )
)
def test_any_bytes_give_an_article_or_a_clear_error(raw):
    result = parse_bytes(raw, "/tmp/fuzz.txt")
    assert (result.article is None) != (result.error == "")
    if result.article:
        assert result.article.body_text.strip()
        assert "<script" not in result.article.body_html
