"""Text repairs that are safe because they cannot change what an article says."""

import html
import re
import unicodedata

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
# A pinyin reading in parentheses right after a Han character: 見習(xí), 區(qū). Lower-case
# letters only, so that "(App)", "(GPS)" and "(2021)" stay.
_PINYIN = re.compile(rf"(?<=[{_HAN}])\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê]{{1,6}})\)")
# Hexo exports turn “…” into _…_ (Markdown emphasis markers standing in for the quotes).
_MANGLED_QUOTES = re.compile(rf"_([^_\s]*[{_HAN}][^_\s]*)_")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\ufeff]+")


def strip_pinyin_annotations(text):
    """Remove reading aids such as ``見習(xí)`` → ``見習``."""
    return _PINYIN.sub("", text)


def clean_title(title):
    """Unescape entities, restore mangled quotes, collapse whitespace."""
    title = html.unescape(html.unescape(title or ""))
    title = _MANGLED_QUOTES.sub(r"“\1”", title)
    title = strip_pinyin_annotations(title)
    return collapse_spaces(title).strip(" '\"")


def collapse_spaces(text):
    """One ASCII space for any run of blanks (non-breaking and ideographic spaces included)."""
    return _SPACES.sub(" ", text).strip()


def normalise_for_hash(text):
    """The form two copies of one article share whatever their encoding or line breaks.

    NFKC folds full- and half-width forms; all whitespace goes, since print and web copies
    break and indent the same text differently.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
