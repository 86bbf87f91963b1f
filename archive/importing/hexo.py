"""Hexo blog posts: YAML front matter and an HTML body (seeds 000 and 004).

The body is HTML in these exports; a body without HTML blocks is read as the simple
Markdown Hexo posts are written in. Front matter gives ``title``, ``date`` (RFC 2822, e.g. ``Mon, 29 Mar 2021 23:54:52 GMT``, so
precision is exact), ``author``, ``categories`` and ``headimg``/``thumbnail``. In these
exports ``author`` is the aggregator the post was copied from (趣头条), which is recorded
as the site it came through, not as its author; the real source and reporters are read
from the body (``来源：人民公安报``, ``（周口日报·周道客户端记者 侯国防）``).
"""

import html
import re

import yaml

from . import bylines, dates
from .article import Draft
from .blocks import PARAGRAPH, Block, is_web_image
from .errors import ImportFailure
from .markup import html_to_blocks

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)
_HTML_BLOCK = re.compile(
    r"<(?:p|div|br|h[1-6]|ul|ol|table|section|article|blockquote|img)[\s>/]", re.I
)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")


def looks_like(text):
    return text.lstrip("\ufeff \t\n").startswith("---")


def parse(text):
    text = text.lstrip("\ufeff \t\n")
    fences = list(_FENCE.finditer(text, 0))
    if len(fences) < 2 or fences[0].start() != 0:
        raise ImportFailure("truncated front matter: no closing '---' line")
    header, body = text[fences[0].end() : fences[1].start()], text[fences[1].end() :]
    try:
        meta = yaml.load(header, Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        # PyYAML's messages span lines; the operator reads one line per file.
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise ImportFailure(f"invalid front matter{where}: {problem}") from None
    except ValueError as exc:  # a timestamp YAML recognises but cannot build (month 13)
        raise ImportFailure(f"invalid front matter: {exc}") from None
    if not isinstance(meta, dict):
        raise ImportFailure("invalid front matter: not a mapping of fields")
    draft = Draft(title=str(meta.get("title") or ""))
    draft.published_at, draft.date_precision = dates.parse_date(meta.get("date"))
    _attribution(draft, meta)
    for key in ("headimg", "thumbnail", "cover"):
        value = str(meta.get(key) or "").strip()
        if is_web_image(value):
            draft.image_urls.append(value)
    draft.original_url = str(meta.get("original_url") or meta.get("link") or "")
    if not _HTML_BLOCK.search(body):
        body = markdown_to_html(body)
    draft.blocks = _body_blocks(draft, html_to_blocks(body))
    return draft


def markdown_to_html(text):
    """The Markdown Hexo posts use when they are not HTML: paragraphs, ``#`` headings,
    ``![alt](url)`` images and ``**bold**``. Lines inside a paragraph join without a space,
    as Chinese text does."""
    parts = []
    for paragraph in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if not lines:
            continue
        heading = re.match(r"^#{1,6}\s+(.*)$", lines[0])
        if heading and len(lines) == 1:
            parts.append(f"<h3>{html.escape(heading.group(1).strip(' #'), quote=False)}</h3>")
            continue
        markup = html.escape("".join(lines), quote=False)
        markup = _MD_IMAGE.sub(lambda m: f'<img src="{html.escape(m.group(2))}">', markup)
        markup = _MD_BOLD.sub(r"<strong>\1</strong>", markup)
        parts.append(f"<p>{markup}</p>")
    return "\n".join(parts)


def _attribution(draft, meta):
    author = str(meta.get("author") or "").strip()
    categories = meta.get("categories") or []
    categories = [str(c) for c in (categories if isinstance(categories, list) else [categories])]
    via = next((c for c in [author, *categories] if c in bylines.AGGREGATORS), "")
    draft.via_site = via
    if author and author != via:
        draft.authors.append(author)
    if meta.get("source"):
        draft.source = str(meta["source"])


def _body_blocks(draft, blocks):
    """Body blocks without source lines and reposting boilerplate, which become fields."""
    kept = []
    for block in blocks:
        if block.kind != PARAGRAPH:
            kept.append(block)
            continue
        source = bylines.source_line(block.text)
        if source:
            draft.source = draft.source or source
            continue
        if bylines.is_boilerplate(block.text):
            continue
        text, trailing = bylines.split_trailing_source(block.text)
        if trailing:
            draft.source = trailing  # the body's own statement beats a reposter's tag
            markup, _ = bylines.split_trailing_source(block.html)
            block = Block(PARAGRAPH, text, markup)
        kept.append(block)
    last = next((b for b in reversed(kept) if b.kind == PARAGRAPH), None)
    signed = bylines.signature(last.text) if last else None
    if signed:
        draft.source = draft.source or signed[0]
        draft.authors += signed[1]
    return kept
