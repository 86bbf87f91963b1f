"""Saved HTML pages of news sites: the article is found by trafilatura, not by hand-written
scraping of each site's layout.

Dates are read only from the page's own statements about this article (publication meta
tags, ``<time datetime>``, a ``发布时间`` line). trafilatura's date finder also guesses from
copyright lines and site-build stamps; a page holding only ``建站时间 2015`` must stay
undated rather than be dated by its site.
"""

import re

import lxml.html
import trafilatura

from . import bylines, dates
from .article import Draft
from .markup import html_to_blocks

_DATE_META = (
    "article:published_time", "og:article:published_time", "publishdate", "pubdate",
    "publish_date", "publishtime", "dc.date.issued", "dcterms.issued", "datepublished",
)  # fmt: skip
_PUBLISHED_TEXT = re.compile(
    r"(?:发布时间|發布時間|发布日期|發布日期|发表时间|刊发时间)[\s:：]*((?:19|20)\d\d[\d\-/年月日\s:：]*\d日?)"
)
_SOURCE_META = ("source", "og:site_name_source", "contentsource")


def looks_like(text):
    return bool(re.search(r"<(?:!doctype\s+html|html|head|body)[\s>]", text[:4000], re.I))


def parse(text):
    # lxml refuses str input that still carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    tree = lxml.html.document_fromstring(text)
    metadata = trafilatura.extract_metadata(tree)
    body = trafilatura.extract(
        text,
        output_format="html",
        include_images=True,
        include_formatting=True,
        include_tables=False,
        include_comments=False,
        favor_precision=True,
    )
    draft = Draft()
    draft.title = (metadata.title if metadata else "") or _first(tree, "//h1") or ""
    draft.original_url = (metadata.url if metadata else "") or _meta(tree, ("og:url",)) or ""
    draft.published_at, draft.date_precision = _published(tree)
    source = _meta(tree, _SOURCE_META) or _source_in_text(tree)
    draft.source = source or ""
    draft.via_site = _site_name(tree, metadata, draft.title)
    author = metadata.author if metadata and metadata.author else ""
    if author:
        draft.authors.append(author)
    blocks = html_to_blocks(body or "")
    # trafilatura repeats the title as the first heading.
    if blocks and blocks[0].text == draft.title:
        blocks = blocks[1:]
    draft.blocks = [
        block for block in blocks
        if not bylines.source_line(block.text) and not _PUBLISHED_TEXT.search(block.text[:40])
    ]  # fmt: skip
    return draft


def _published(tree):
    value = _meta(tree, _DATE_META)
    if value:
        return dates.parse_date(value)
    for element in tree.iter("time"):
        if element.get("datetime") and (
            element.get("pubdate") is not None or element.get("itemprop") == "datePublished"
        ):
            return dates.parse_date(element.get("datetime"))
    for element in tree.xpath("//*[@itemprop='datePublished']"):
        return dates.parse_date(element.get("content") or element.text_content())
    for text in tree.xpath("//body//text()[not(ancestor::footer)][not(ancestor::script)]"):
        match = _PUBLISHED_TEXT.search(text)
        if match:
            return dates.parse_date(match.group(1))
    return None, dates.UNKNOWN


def _meta(tree, names):
    for element in tree.iter("meta"):
        key = (
            element.get("property") or element.get("name") or element.get("itemprop") or ""
        ).lower()
        if key in names and (element.get("content") or "").strip():
            return element.get("content").strip()
    return ""


def _source_in_text(tree):
    for text in tree.xpath("//body//text()[not(ancestor::footer)][not(ancestor::script)]"):
        match = re.search(r"(?:来源|來源)[\s:：]+([^\s|｜<]{2,30})", text)
        if match:
            return match.group(1)
    return ""


def _site_name(tree, metadata, title):
    """The site the page was saved from: its declared name, else the part of ``<title>``
    after the article title (``…_滨州市公安局``), else trafilatura's guess (the host)."""
    declared = _meta(tree, ("og:site_name", "application-name", "sitename"))
    if declared:
        return declared
    page_title = _first(tree, "//title")
    if title and page_title.startswith(title):
        suffix = page_title[len(title) :].strip(" _-|｜—")
        if suffix:
            return suffix
    return (metadata.sitename if metadata else "") or ""


def _first(tree, xpath):
    found = tree.xpath(xpath)
    return found[0].text_content().strip() if found else ""
