"""Text repairs that are safe because they cannot change what an article says."""

import html
import re
import unicodedata

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
# A pinyin reading in parentheses right after a Han character: 見習(xí), 區(qū). Lower-case
# letters only, so that "(App)", "(GPS)" and "(2021)" stay.
_PINYIN = re.compile(rf"(?<=[{_HAN}])\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê]{{1,6}})\)")
# Feed mirrors write titles as file names: “…” becomes _…_ or "…", and a lone / or : becomes
# _ ("10元_条", "…租客家_猪狗不如").
_UNDERSCORE_QUOTES = re.compile(r"_([^_\n]{1,40}?)_")
_DOUBLED_QUOTES = re.compile(r"''([^'\n]{1,40}?)''")
_ASCII_QUOTES = re.compile(rf'"([^"\n]*[{_HAN}][^"\n]*)"')
_SLASH = re.compile(r"(?<=\d[\u3400-\u9fff])_(?=[\u3400-\u9fff])")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\ufeff]+")


def strip_pinyin_annotations(text):
    """Remove reading aids such as ``見習(xí)`` → ``見習``."""
    return _PINYIN.sub("", text)


def clean_title(title):
    """Unescape entities, collapse whitespace, drop quote marks that wrap the whole title."""
    title = html.unescape(html.unescape(title or ""))
    title = collapse_spaces(strip_pinyin_annotations(title)).strip()
    for mark in ("'", '"'):
        if title.startswith(mark) and title.endswith(mark) and title.count(mark) == 2:
            title = title[1:-1].strip()
    return title


def restore_mangled_quotes(title):
    """A feed mirror's file-name-safe title with its marks put back: ``_x_`` and ``"x"`` in
    pairs (and ``''x''``) become “x”, ``10元_条`` becomes ``10元/条``, any other lone ``_`` a colon."""
    title = _DOUBLED_QUOTES.sub(r"“\1”", title)
    title = _UNDERSCORE_QUOTES.sub(r"“\1”", title)
    title = _ASCII_QUOTES.sub(r"“\1”", title)
    title = _SLASH.sub("/", title)
    return title.replace("_", ":")


def collapse_spaces(text):
    """One ASCII space for any run of blanks (non-breaking and ideographic spaces included)."""
    return _SPACES.sub(" ", text).strip()


def normalise_for_hash(text):
    """The form two copies of one article share whatever their encoding or line breaks.

    NFKC folds full- and half-width forms; all whitespace goes, since print and web copies
    break and indent the same text differently.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
