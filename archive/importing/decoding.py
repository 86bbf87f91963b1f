"""Bytes to text without assuming UTF-8.

Police bureau sites and print archives still publish GBK/GB18030 and Big5 files, Windows
tools write UTF-16 with or without a byte order mark, and some files carry a UTF-8 BOM. The
order of the cascade matters:

1. a byte order mark is proof, so it wins;
2. UTF-8 decoded *strictly* is almost never a false positive on other encodings;
3. UTF-16 without a BOM shows itself through NUL bytes in ASCII positions;
4. GB18030 and Big5 both decode most double-byte text without error, so a successful decode
   proves nothing: each candidate is judged by how plausible its Han characters are
   (:func:`han_plausibility`) and the better one wins.

Text that no candidate decodes is an error, not something to guess at: "fixing" bytes would
put words into an article that its author never wrote.
"""

import codecs
import contextlib
import re
from dataclasses import dataclass
from functools import lru_cache

from archive.chinese import to_simplified

from .errors import ImportFailure

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Text editors never write these; a file full of them is not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Below this share of common characters a decode is treated as gibberish.
_PLAUSIBLE = 0.8


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(raw):
    """Decode ``raw`` bytes; return :class:`Decoded` with CRLF/CR normalised to LF."""
    if not raw.strip():
        raise ImportFailure("empty file")
    text, encoding = _decode(raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) > len(sample) * 0.01:
        raise ImportFailure("binary data, not text (control characters)")
    if not text.strip():
        raise ImportFailure("empty file")
    return Decoded(text, encoding)


def _decode(raw):
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding), f"{encoding}-bom"
            except UnicodeDecodeError as exc:
                raise ImportFailure(
                    f"undecodable bytes at offset {exc.start + len(bom)} for its {encoding} "
                    "byte order mark"
                ) from None
    if b"\x00" in raw:
        return _decode_utf16_without_bom(raw)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    best = None
    for encoding in ("gb18030", "big5"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = han_plausibility(text)
        if best is None or score > best[0]:
            best = (score, text, encoding)
    if best is None or best[0] < _PLAUSIBLE:
        raise ImportFailure(
            f"undecodable bytes: not UTF-8 (bad byte at offset {utf8_error.start}), "
            "nor plausible GB18030, Big5 or UTF-16"
        )
    return best[1], best[2]


def _decode_utf16_without_bom(raw):
    if len(raw) % 2 == 0:
        # ASCII characters (newlines, digits) put their NUL byte on the high side.
        even_nuls, odd_nuls = raw[0::2].count(0), raw[1::2].count(0)
        encoding = "utf-16-le" if odd_nuls >= even_nuls else "utf-16-be"
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            text = None
        if text is not None and han_plausibility(text) >= _PLAUSIBLE:
            return text, encoding
    raise ImportFailure("binary data, not text (NUL bytes and no UTF-16 text)")


@lru_cache(maxsize=1)
def _common_characters():
    """The 3,755 level-1 characters of GB 2312: by design the most frequent simplified ones."""
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes((lead, trail)).decode("gb2312"))
    return frozenset(chars)


def han_plausibility(text):
    """Share of Han characters that are common ones once folded to simplified, in 0..1.

    Text decoded with the wrong double-byte table is a stream of rare characters (Big5 read
    as GB18030 lands in GBK's rare extension blocks; GBK read as Big5 gives unrelated
    traditional characters whose simplified forms are mostly rare), while real Chinese prose
    scores above 0.95. Text without Han characters scores 1 when it has no
    replacement or private-use characters, since there is nothing to judge.
    """
    sample = text[:20000]
    if "\ufffd" in sample or re.search(r"[\ue000-\uf8ff]", sample):
        return 0.0
    han = "".join(_HAN.findall(sample))
    if not han:
        return 1.0 if not _CONTROL.search(sample) else 0.0
    common = _common_characters()
    folded = to_simplified(han)
    return sum(1 for char in folded if char in common) / len(folded)
