"""What a parser hands over (:class:`Draft`) and the finished record the store writes.

:func:`finish` is the one place that derives fields every format shares: cleaned and
inferred titles, the simplified copies used by search, the original script, the content
hash that identifies an article across paths and encodings, and the review flags.
"""

import hashlib
import re
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from archive.chinese import to_simplified
from archive.text import xml_safe

from . import dates
from .blocks import HEADING, IMAGE, PARAGRAPH, Block, body_text, render_html
from .bylines import join_names
from .cleaning import clean_title, normalise_for_hash
from .damage import find_damage
from .errors import ImportFailure

INFERRED_TITLE, UNKNOWN_DATE, ENCODING_DAMAGE = "inferred_title", "unknown_date", "encoding_damage"
# Flags the importer owns: recomputed on every import. Other flags (set by extraction or
# staff) are left as they are.
IMPORTER_FLAGS = (INFERRED_TITLE, UNKNOWN_DATE, ENCODING_DAMAGE)
_TITLE_MAX = 60
_HAN = re.compile(r"[\u3400-\u9fff]")
_SENTENCE_END = re.compile(r"[。！？!?；;][”’」』\"]?")


@dataclass
class Draft:
    title: str = ""
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    editor: str = ""
    source: str = ""
    via_site: str = ""
    original_url: str = ""
    published_at: datetime | None = None
    date_precision: str = dates.UNKNOWN
    blocks: list[Block] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)


@dataclass
class ArticleData:
    """Field values for one ``archive.Article``, named as the model names them."""

    title: str
    title_inferred: bool
    subtitle: str
    authors: str
    editor: str
    source: str
    via_site: str
    original_url: str
    published_at: datetime | None
    date_precision: str
    body_text: str
    body_html: str
    image_urls: list[str]
    script: str
    title_simplified: str
    body_simplified: str
    content_hash: str
    review_flags: list[str]

    def model_fields(self) -> dict[str, Any]:
        return dict(self.__dict__)


def web_url(url: str) -> str:
    """``url`` if it is an http(s) address, else "": pages render it as a link, and a file's
    ``javascript:`` or ``data:`` "original URL" must never become one."""
    url = url.strip()
    if url.lower().startswith(("http://", "https://")) and not any(c.isspace() for c in url):
        return url
    return ""


def finish(draft: Draft) -> ArticleData:
    """Derive the shared fields of ``draft``; raise ImportFailure when there is no text."""
    draft = _xml_safe_draft(draft)
    blocks = draft.blocks
    text = body_text(blocks)
    if not text.strip():
        raise ImportFailure("no article text found")
    flags = []
    title = clean_title(draft.title)
    title_inferred = not title
    if title_inferred:
        title = infer_title(blocks)
        flags.append(INFERRED_TITLE)
    if draft.published_at is None:
        flags.append(UNKNOWN_DATE)
    if find_damage(title + "\n" + text):
        flags.append(ENCODING_DAMAGE)
    title_simplified, body_simplified = to_simplified(title), to_simplified(text)
    images = list(dict.fromkeys(draft.image_urls + [b.text for b in blocks if b.kind == IMAGE]))
    return ArticleData(
        title=title[:300],
        title_inferred=title_inferred,
        subtitle=clean_title(draft.subtitle)[:300],
        authors=join_names(draft.authors)[:300],
        editor=draft.editor[:100],
        source=draft.source[:200],
        via_site=draft.via_site[:200],
        original_url=web_url(draft.original_url)[:2000],
        published_at=draft.published_at,
        date_precision=draft.date_precision if draft.published_at else dates.UNKNOWN,
        body_text=text,
        body_html=render_html(blocks),
        image_urls=[url[:2000] for url in images],
        script=script_of(text, body_simplified),
        title_simplified=title_simplified[:300],
        body_simplified=body_simplified,
        content_hash=content_hash(title_simplified, body_simplified),
        review_flags=flags,
    )


def _xml_safe_draft(draft: Draft) -> Draft:
    """``draft`` without the characters XML 1.0 forbids (archive.text), in every text it
    holds, before anything is derived from it: hash, simplified copies and HTML agree."""

    def safe(value: Any) -> Any:
        if isinstance(value, str):
            return xml_safe(value)
        if isinstance(value, list):
            return [safe(item) for item in value]
        if isinstance(value, Block):
            return replace(value, text=xml_safe(value.text), html=xml_safe(value.html))
        return value

    return replace(draft, **{f.name: safe(getattr(draft, f.name)) for f in fields(draft)})


def content_hash(title_simplified: str, body_simplified: str) -> str:
    """The article's identity: the same text from any path, in any encoding, hashes alike."""
    key = normalise_for_hash(title_simplified) + "\n" + normalise_for_hash(body_simplified)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def script_of(text: str, folded: str) -> str:
    """``traditional`` when a noticeable share of the Han characters of ``text`` differ in
    ``folded``, its simplified form."""
    sample = text[:5000]
    han = len(_HAN.findall(sample))
    changed = sum(map(str.__ne__, sample, folded[:5000]))
    # Simplified text has the odd character OpenCC still folds (乾, 著); real traditional
    # text changes one character in four or five.
    return "traditional" if han and changed / han > 0.05 else "simplified"


def infer_title(blocks: list[Block]) -> str:
    """A title from the text itself, for files that have none: the first heading when it
    opens the body, else the lead sentence (cut at a clause break when long)."""
    for block in blocks:
        if block.kind == HEADING:
            return block.text[:_TITLE_MAX]
        if block.kind == PARAGRAPH:
            break
    lead = next((block.text for block in blocks if block.kind == PARAGRAPH), "")
    match = _SENTENCE_END.search(lead)
    sentence = lead[: match.end()] if match else lead
    if len(sentence) > _TITLE_MAX:
        cut = max(sentence.rfind(mark, 0, _TITLE_MAX) for mark in "，,、：:")
        sentence = sentence[:cut] if cut > 10 else sentence[:_TITLE_MAX]
    return sentence.strip()
