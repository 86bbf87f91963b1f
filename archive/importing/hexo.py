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
from urllib.parse import urlsplit

import yaml

from . import bylines, credits, dates
from .article import Draft
from .blocks import HEADING, PARAGRAPH, Block, is_web_image
from .cleaning import restore_mangled_quotes
from .errors import ImportFailure
from .markup import html_to_blocks

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)
_HTML_BLOCK = re.compile(
    r"<(?:p|div|br|h[1-6]|ul|ol|table|section|article|blockquote|img)[\s>/]", re.I
)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\([^)\s]+[^)]*\)")
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}")
_RULE = re.compile(r"(?:-{3,}|\*{3,}|_{3,})")
_FOOTER_PARAGRAPHS, _FOOTER_CHARS = 3, 160


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
    draft = Draft(title=restore_mangled_quotes(str(meta.get("title") or "")))
    draft.published_at, draft.date_precision = dates.parse_date(meta.get("date"))
    _attribution(draft, meta)
    for key in ("headimg", "thumbnail", "cover"):
        value = str(meta.get(key) or "").strip()
        if is_web_image(value):
            draft.image_urls.append(value)
    draft.original_url = str(meta.get("original_url") or meta.get("link") or "")
    if not _HTML_BLOCK.match(body.strip()):
        body = markdown_to_html(body)
    blocks = html_to_blocks(body)
    # A Markdown post often repeats its title as the first heading.
    if blocks and blocks[0].kind == HEADING and _same_title(blocks[0].text, draft.title):
        blocks = blocks[1:]
    draft.blocks = _body_blocks(draft, blocks)
    return draft


def markdown_to_html(text):
    """The Markdown Hexo and Hugo posts are written in: paragraphs, ``#`` headings,
    ``![alt](url)`` images, ``[text](url)`` links (kept as text) and ``**bold**``; blocks of
    raw HTML (``<figure>…``) pass through, and template shortcodes (``{{< video … >}}``) go.
    Lines inside a paragraph join without a space, as Chinese text does. A closing rule
    (``---``) followed only by a few short lines sets off the site's footer, which goes.
    """
    parts = []
    for paragraph in _without_footer(re.split(r"\n[ \t]*\n", text.strip())):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if not lines or _SHORTCODE.fullmatch(" ".join(lines)) or _RULE.fullmatch(lines[0]):
            continue
        if lines[0].startswith("<"):
            parts.append("\n".join(lines))
            continue
        heading = re.match(r"^#{1,6}\s+(.*)$", lines[0])
        if heading and len(lines) == 1:
            parts.append(f"<h3>{html.escape(heading.group(1).strip(' #'), quote=False)}</h3>")
            continue
        markup = html.escape("".join(lines), quote=False)
        markup = _MD_IMAGE.sub(lambda m: f'<img src="{html.escape(m.group(2))}">', markup)
        markup = _MD_LINK.sub(r"\1", markup)
        markup = _MD_BOLD.sub(r"<strong>\1</strong>", markup)
        parts.append(f"<p>{markup}</p>")
    return "\n".join(parts)


def _without_footer(paragraphs):
    rules = [i for i, p in enumerate(paragraphs) if _RULE.fullmatch(p.strip())]
    if not rules:
        return paragraphs
    tail = [p for p in paragraphs[rules[-1] + 1 :] if p.strip()]
    if tail and len(tail) <= _FOOTER_PARAGRAPHS and all(len(p) <= _FOOTER_CHARS for p in tail):
        return paragraphs[: rules[-1]]
    return paragraphs


def _attribution(draft, meta):
    """The feed a post came through and the people or outlet its ``author`` names.

    A feed mirror files every post under the feed it read, so an ``author`` that is also
    one of the post's categories is that feed (the via-site), never a reporter. Otherwise
    ``author`` is a byline (``記者黎卓欣``, ``某某``) or an outlet's desk (``眾新聞中國組``).
    A post saved through an archive or mirror host (``url`` on another host than
    ``original_url``) came through that host.
    """
    author = str(meta.get("author") or "").strip()
    categories = meta.get("categories") or []
    categories = [str(c) for c in (categories if isinstance(categories, list) else [categories])]
    if author and (author in categories or author in bylines.AGGREGATORS):
        draft.via_site = author
    else:
        draft.via_site = next((c for c in categories if c in bylines.AGGREGATORS), "")
        names, outlet = bylines.credit_names(author)
        draft.authors += names
        draft.source = outlet
    if meta.get("source"):
        draft.source = str(meta["source"])
    if not draft.via_site:
        draft.via_site = _mirror_host(meta)
    # A title filed under the feed's own column (【虎嗅早报】… from 虎嗅) is the feed's writing.
    if draft.via_site and draft.title.startswith("【" + draft.via_site):
        draft.source = draft.source or draft.via_site


def _same_title(heading, title):
    return re.sub(r"\W", "", heading) == re.sub(r"\W", "", title)


def _mirror_host(meta):
    hosts = [urlsplit(str(meta.get(key) or "")).hostname or "" for key in ("url", "original_url")]
    return hosts[0] if all(hosts) and hosts[0] != hosts[1] else ""


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
        if credits.is_boilerplate(block.text):
            continue
        text, trailing = bylines.split_trailing_source(block.text)
        if trailing:
            draft.source = trailing  # the body's own statement beats a reposter's tag
            markup, _ = bylines.split_trailing_source(block.html)
            block = Block(PARAGRAPH, text, markup)
        kept.append(block)
    return kept
