"""HTML bodies (Hexo exports, pages after trafilatura) to blocks.

Real exports are not tidy: seed 004 has paragraphs in ``<p>`` at first and then loose text
in the ``<div>``, with ``<strong>`` section titles and paragraphs separated only by runs of
spaces. Loose text is therefore cut into paragraphs at such runs, and a ``<strong>`` that
stands on its own between them becomes a heading.
"""

import html
import re

import lxml.html
from lxml import etree

from .blocks import HEADING, IMAGE, LIST, PARAGRAPH, QUOTE, Block, is_web_image
from .cleaning import collapse_spaces

_CONTAINERS = {
    "div", "section", "article", "main", "body", "html", "center", "figure", "table", "tbody",
    "thead", "tr",
}  # fmt: skip
_INLINE_CONTAINERS = {"span", "font", "a", "u", "sup", "sub", "small", "big"}
_LEAF_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "dd", "dt", "td", "th"}
_LISTS = {"ul", "ol"}
_DROPPED = {
    "script", "style", "iframe", "noscript", "template", "form", "button", "input", "select",
    "textarea", "nav", "header", "footer", "aside", "svg", "canvas", "object", "embed",
    "head", "title", "meta", "link",
}  # fmt: skip
_INLINE_KEEP = {"strong": "strong", "b": "strong", "em": "em", "i": "em"}
# Text styled to be invisible: hidden watermarks that repeat a site's name through a body.
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt|em)?\s*(?:;|$)", re.I
)
_NEAR_WHITE = re.compile(
    r"^(?:#?f{3}|#?(?:f[0-9a-f]){3}|white|rgb\(\s*25[0-5]\s*,\s*25[0-5]\s*,\s*25[0-5]\s*\))$", re.I
)
# Paragraph separator inside loose text: two or more blanks, or a line break.
_LOOSE_BREAK = re.compile(r"[ \t\u00a0\u3000]{2,}|\n+")


def html_to_blocks(markup):
    """Blocks of an HTML fragment or page body, in document order."""
    if not markup.strip():
        return []
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    # Their tails are article text (a <script> between two sentences): keep those.
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(root, *_DROPPED, with_tail=False)
    drop_invisible(root)
    collector = _Collector()
    collector.walk(root)
    collector.flush()
    return collector.blocks


def drop_invisible(tree):
    """Remove elements styled to be invisible (``display:none``, white or near-white text),
    keeping the text that follows them."""
    for element in list(tree.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        style = element.get("style") or ""
        color = (element.get("color") or "").strip()
        style_color = re.search(r"(?:^|;)\s*color\s*:\s*([^;]+)", style)
        if (
            _HIDDEN_STYLE.search(style)
            or element.get("hidden") is not None
            or _NEAR_WHITE.match(color)
            or (style_color and _NEAR_WHITE.match(style_color.group(1).strip()))
        ):
            element.drop_tree()


class _Collector:
    def __init__(self):
        self.blocks = []
        # Loose content since the last block: ("html", markup) | ("strong", text) | ("break", "")
        self.run = []

    def walk(self, element):
        self._loose_text(element.text)
        for child in element:
            tag = child.tag.lower()
            if tag == "img":
                self._image(child)
            elif tag in _INLINE_CONTAINERS:
                self.walk(child)
            elif tag in _CONTAINERS:
                self.flush()
                self.walk(child)
                self.flush()
            elif tag in _LEAF_BLOCKS:
                self.flush()
                self._leaf(child, tag)
            elif tag in _LISTS:
                self.flush()
                self._list(child, tag)
            elif tag == "blockquote":
                self.flush()
                text = _text(child)
                if text:
                    self.blocks.append(
                        Block(QUOTE, text, f"<blockquote>{_inline_html(child)}</blockquote>")
                    )
            elif tag == "br":
                self.run.append(("break", ""))
            elif tag in ("strong", "b") and _stands_alone(child) and self._at_sentence_boundary():
                self.run.append(("strong", _text(child)))
            else:
                self.run.append(("html", _inline_html(child, keep_outer=True)))
            self._loose_text(child.tail)

    def _at_sentence_boundary(self):
        """Whether pending loose text is empty or ends a sentence (``…4000余件。<strong>``)."""
        for kind, value in reversed(self.run):
            if kind == "break":
                return True
            if value.strip():
                return value.rstrip()[-1] in "。！？!?”"
        return True

    def _loose_text(self, text):
        if not text:
            return
        pieces = _LOOSE_BREAK.split(text)
        for index, piece in enumerate(pieces):
            if index:
                self.run.append(("break", ""))
            if piece:
                self.run.append(("html", html.escape(piece, quote=False)))

    def flush(self):
        """Turn pending loose content into paragraphs (and stand-alone headings)."""
        markup = []
        for kind, value in self.run + [("break", "")]:
            if kind == "strong":
                self._paragraph("".join(markup))
                markup = []
                if value.strip():
                    self.blocks.append(Block.plain(HEADING, collapse_spaces(value)))
            elif kind == "break":
                self._paragraph("".join(markup))
                markup = []
            else:
                markup.append(value)
        self.run = []

    def _paragraph(self, markup):
        if not markup.strip():
            return
        if "<" in markup:
            text = _text(lxml.html.fragment_fromstring(markup, create_parent="p"))
        else:  # plain escaped text: no need to parse it again
            text = html.unescape(markup)
        text = collapse_spaces(text)
        if text:
            self.blocks.append(Block(PARAGRAPH, text, markup.strip()))

    def _leaf(self, element, tag):
        for image in element.iter("img"):
            self._image(image)
        text = collapse_spaces(_text(element))
        if not text:
            return
        if tag.startswith("h") and tag[1:].isdigit() or _only_bold(element):
            self.blocks.append(Block.plain(HEADING, text))
        else:
            self.blocks.append(Block(PARAGRAPH, text, _inline_html(element).strip()))

    def _list(self, element, tag):
        items = [collapse_spaces(_text(item)) for item in element.iter("li")]
        items = [item for item in items if item]
        if items:
            markup = "".join(f"<li>{html.escape(item, quote=False)}</li>" for item in items)
            self.blocks.append(Block(LIST, "\n".join(items), f"<{tag}>{markup}</{tag}>"))

    def _image(self, element):
        src = (element.get("src") or element.get("data-src") or "").strip()
        if is_web_image(src):
            self.flush()
            self.blocks.append(Block(IMAGE, src))


def _text(element):
    return "".join(element.itertext())


def _stands_alone(element):
    """Bold text with a paragraph break (or nothing) after it, as in seed 004's
    ``<strong>高质高效，落实利企惠民政策</strong>   武汉公安…``."""
    tail = element.tail or ""
    return not tail.strip() or bool(_LOOSE_BREAK.match(tail))


def _only_bold(element):
    """A paragraph whose whole text is bold: a section title in Chinese news layouts."""
    children = [child for child in element if isinstance(child.tag, str)]
    if (element.text or "").strip() or len(children) != 1:
        return False
    child = children[0]
    return child.tag in ("strong", "b") and not (child.tail or "").strip()


def _inline_html(element, keep_outer=False):
    """Inner markup of ``element`` with formatting kept and everything else reduced to text."""
    tag = _INLINE_KEEP.get(element.tag.lower()) if keep_outer else None
    if tag:
        return f"<{tag}>{_inline_html(element)}</{tag}>"
    parts = [html.escape(element.text or "", quote=False)]
    for child in element:
        tag = child.tag.lower()
        if tag == "br":
            parts.append("<br>")
        elif tag in _INLINE_KEEP:
            parts.append(f"<{_INLINE_KEEP[tag]}>{_inline_html(child)}</{_INLINE_KEEP[tag]}>")
        elif tag != "img":
            parts.append(_inline_html(child))
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)
