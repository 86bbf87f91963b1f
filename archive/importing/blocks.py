"""An article body as a list of blocks, and the one place that turns blocks into HTML.

Every format parser produces blocks; only :func:`render_html` writes markup, and it passes
the result through nh3 with an allow-list, so nothing a file contains (scripts, event
handlers, ``javascript:`` URLs, iframes, styles) can reach a page.
"""

import html
from dataclasses import dataclass

import nh3

PARAGRAPH = "p"
HEADING = "h"
LIST = "list"
QUOTE = "quote"
IMAGE = "img"
CAPTION = "caption"
# Blocks whose text is the article's body text; images and photo captions are not.
TEXT_KINDS = frozenset({PARAGRAPH, HEADING, LIST, QUOTE})

_ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "strong", "b", "em", "i", "br", "ul", "ol", "li",
    "blockquote", "figure", "figcaption", "img",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"img": {"src", "alt"}, "figure": {"class"}}
# Images load lazily and send no Referer (hotlinked news images are often refused with
# one). render_html writes these itself: nh3's own attribute setting orders attributes
# differently from one process to the next, which would make every re-import an "update".
_ATTRIBUTE_VALUES = {"img": {"loading": {"lazy"}, "referrerpolicy": {"no-referrer"}}}


@dataclass
class Block:
    kind: str
    text: str
    html: str = ""  # inner markup, for paragraphs, headings, lists and quotes with formatting

    @classmethod
    def plain(cls, kind, text):
        return cls(kind, text, html.escape(text, quote=False))


def is_web_image(src):
    return src.startswith(("http://", "https://"))


def render_html(blocks):
    """Sanitized body HTML: paragraphs, headings, lists, quotes, images and captions."""
    parts = []
    for block in blocks:
        if block.kind == PARAGRAPH:
            parts.append(f"<p>{block.html}</p>")
        elif block.kind == HEADING:
            parts.append(f"<h3>{block.html}</h3>")
        elif block.kind in (LIST, QUOTE):
            parts.append(block.html)
        elif block.kind == IMAGE:
            src = html.escape(block.text)
            parts.append(
                f'<figure><img src="{src}" alt="" loading="lazy" referrerpolicy="no-referrer">'
                "</figure>"
            )
        elif block.kind == CAPTION:
            caption = html.escape(block.text, quote=False)
            parts.append(f'<figure class="caption"><figcaption>{caption}</figcaption></figure>')
    return sanitize("\n".join(parts))


def sanitize(markup):
    """The allow-list every stored body passes; images load lazily without a referrer."""
    return nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        tag_attribute_values=_ATTRIBUTE_VALUES,
        clean_content_tags={"script", "style", "iframe", "noscript", "template"},
        link_rel=None,
    )


def body_text(blocks):
    return "\n".join(block.text for block in blocks if block.kind in TEXT_KINDS and block.text)
