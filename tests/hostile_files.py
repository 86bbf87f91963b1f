"""Hypothesis strategies for article files an importer meets in the wild, and worse.

Real seeds cut, re-encoded wrongly, wrapped in broken YAML front matter or in HTML nested
thousands deep, random bytes, giant single lines, empty and whitespace-only files. Each value
is ``(kind, raw_bytes)``: the kind names the family, for the counts a test prints.
"""

import codecs

from hypothesis import strategies as st

from tests.conftest import SEEDS

SEED_TEXTS = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.iterdir())]

_FRONT_MATTER = [
    "---\ntitle: 公安局\n",  # never closed
    "---\ntitle: '未闭合的引号\ndate: 2021-01-01\n---\n",
    "---\n\ttitle:\t制表符\n---\n",
    "---\ntitle: [1, 2\n---\n",
    "---\ntitle: !!python/object/apply:os.system ['true']\n---\n",
    '---\na: &a ["x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\n'
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ntitle: *d\n---\n",
    "---\ntitle: 正常标题\ndate: 2021-13-45 99:99:99\ntags: {a: b}\ncategories: 7\n---\n",
    "---\ntitle:\n  - 列表\n  - 标题\ndate: [2020]\nauthor: {x: 1}\n---\n",
    "---\n" + "key: value\n" * 2000 + "---\n",
    "---\ntitle: 标题\ndate: 2021-01-01\n---",  # closed at end of file, no body
    "---\n---\n",
    "---\n\x00\x01\x02\n---\n",
    "---\ntitle: " + "长" * 5000 + "\n---\n",
]

# (name, encode) pairs; lossy encodings drop what they cannot hold.
_ENCODINGS = [
    ("gbk", lambda t: t.encode("gbk", "ignore")),
    ("gb18030", lambda t: t.encode("gb18030")),
    ("big5", lambda t: t.encode("big5", "ignore")),
    ("utf-16", lambda t: t.encode("utf-16")),
    ("utf-16-le", lambda t: t.encode("utf-16-le")),
    ("utf-16-be", lambda t: t.encode("utf-16-be")),
    ("utf-32", lambda t: t.encode("utf-32")),
    ("utf-8-bom", lambda t: codecs.BOM_UTF8 + t.encode()),
    # UTF-8 read as Latin-1 and saved again as UTF-8: classic mojibake.
    ("latin1-mislabelled", lambda t: t.encode().decode("latin-1").encode()),
    ("cp1252-lossy", lambda t: t.encode("cp1252", "replace")),
    ("utf-16-odd", lambda t: t.encode("utf-16-le")[:-1]),
    ("bom-lies", lambda t: codecs.BOM_UTF16_LE + t.encode()),
]


def _cut(text, start, end):
    return text[min(start, end) : max(start, end)]


@st.composite
def _seed_cut(draw):
    text = draw(st.sampled_from(SEED_TEXTS))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(0, len(text)))
    return "seed cut", _cut(text, start, end).encode()


@st.composite
def _front_matter(draw):
    text = draw(st.sampled_from(SEED_TEXTS))
    head = draw(st.sampled_from(_FRONT_MATTER))
    keep = draw(st.integers(0, len(text)))
    return "broken front matter", (head + text[:keep]).encode()


@st.composite
def _encoded(draw):
    text = draw(st.sampled_from(SEED_TEXTS))
    keep = draw(st.integers(1, len(text)))
    name, encode = draw(st.sampled_from(_ENCODINGS))
    raw = encode(text[:keep])
    if draw(st.booleans()):  # a second encoding glued on: a file assembled from two sources
        other_name, other = draw(st.sampled_from(_ENCODINGS))
        raw += other(draw(st.sampled_from(SEED_TEXTS))[: draw(st.integers(0, 2000))])
        name = "mixed"
    return f"encoding {name}", raw


@st.composite
def _nested_html(draw):
    depth = draw(st.integers(500, 20000))
    tag = draw(st.sampled_from(["div", "p", "span", "b", "table", "ul", "blockquote", "font"]))
    close = draw(st.booleans())
    body = draw(st.sampled_from(SEED_TEXTS))[: draw(st.integers(0, 3000))]
    html = (
        "<!DOCTYPE html><html><head><title>嵌套</title></head><body>"
        + f"<{tag}>" * depth
        + body
        + (f"</{tag}>" * depth if close else "")
        + "</body></html>"
    )
    return "nested html", html.encode()


@st.composite
def _giant_line(draw):
    unit = draw(st.sampled_from(["公", "a", "公安局便民服务", "<b>", "。", " ", "\u200b", "&amp;"]))
    size = draw(st.integers(50_000, 1_500_000))
    prefix = draw(st.sampled_from(["", "标题\n\n", "---\ntitle: 长行\n---\n", "<html><body>"]))
    return "giant line", (prefix + unit * (size // len(unit))).encode()


_BLANK = st.sampled_from(
    [
        b"",
        b" ",
        b"\n",
        b"\r\n\r\n",
        b" \t\n \x0b\x0c",
        codecs.BOM_UTF8,
        codecs.BOM_UTF16_LE,
        codecs.BOM_UTF16_BE,
        "\u3000\u3000\n".encode(),
        "\ufeff \n".encode("utf-16"),
        b"\x00" * 64,
    ]
).map(lambda raw: ("empty or blank", raw))

_RANDOM = st.binary(max_size=4096).map(lambda raw: ("random bytes", raw))
_RANDOM_TEXT = st.text(max_size=2000).map(
    lambda text: ("random text", text.encode("utf-8", "surrogatepass"))
)


def hostile_files():
    """One ``(kind, raw_bytes)`` from every family, weighted towards the seeds' mutations."""
    return st.one_of(
        _RANDOM,
        _RANDOM_TEXT,
        _seed_cut(),
        _front_matter(),
        _encoded(),
        _nested_html(),
        _giant_line(),
        _BLANK,
    )
