"""Saved HTML pages of news sites: the article is found by trafilatura, not by hand-written
scraping of each site's layout.

Dates are read only from the page's own statements about this article, in this order:
publication meta tags, ``<time datetime>``/``itemprop=datePublished``, JSON-LD
``datePublished``, a ``发布时间``/``发布于`` line, an element classed as the post's date
(``post-date``, ``pub_time``), the date and time on the line under the headline.
trafilatura's and htmldate's date finders also guess from copyright lines, "last updated"
stamps and site-build dates (htmldate dates the test page holding only ``建站时间 2015 …
最后更新 2023`` to 2023); a page without its own date must stay undated rather than be
dated by its site, so they are not used.

Text styled to be invisible (hidden watermarks repeating a site's name) is removed before
extraction.
"""

import re

import lxml.html
import trafilatura

from . import bylines, dates
from .article import Draft
from .blocks import HEADING, LIST, TEXT_KINDS
from .cleaning import restore_mangled_quotes
from .credits import prose
from .markup import drop_invisible, html_to_blocks

_DATE_META = (
    "article:published_time", "og:article:published_time", "publishdate", "pubdate",
    "publish_date", "publishtime", "dc.date.issued", "dcterms.issued", "datepublished",
)  # fmt: skip
_PUBLISHED_TEXT = re.compile(
    r"(?:发布时间|發布時間|发布日期|發布日期|发表时间|發表時間|刊发时间|发布于|發布於|发表于|發表於)"
    r"[\s:：]*((?:19|20)\d\d[\d\-/年月日\s:：]*\d日?)"
)
# A date with its time, as a headline's meta line writes it ("南方都市报 2019-09-09 16:01:46").
_DATE_TIME = re.compile(r"(?:19|20)\d\d[-/年]\d{1,2}[-/月]\d{1,2}日?\s+\d{1,2}:\d\d(?::\d\d)?")
_DATE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:post|pub|publish|article|news)[_-]?(?:date|time)(?:$|[\s_-])", re.I
)
_LD_DATE = re.compile(r'"(?:datePublished|pubDate|dateCreated)"\s*:\s*"([^"]+)"')
# "[某某化妆品]标题": a page's bracketed label before the headline (the headline's own labels
# are written 【】).
# At least this many text blocks, this many of them link cards, after the last sentence.
_CHROME_TAIL, _CHROME_CARDS = 8, 3
_TITLE_LABEL = re.compile(r"^\[[^\[\]]{1,20}\]\s*")
_SOURCE_META = ("source", "og:site_name_source", "contentsource")


def looks_like(text):
    return bool(re.search(r"<(?:!doctype\s+html|html|head|body)[\s>]", text[:4000], re.I))


def parse(text):
    # lxml refuses str input that still carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    tree = lxml.html.document_fromstring(text)
    drop_invisible(tree)
    metadata = trafilatura.extract_metadata(tree)
    draft = Draft()
    title = _title(tree, metadata)
    feed = _category_feed(tree)
    # A feed mirror's rendered page carries the same file-name-safe title as its sources.
    draft.title = _TITLE_LABEL.sub("", restore_mangled_quotes(title) if feed else title)
    draft.original_url = (metadata.url if metadata else "") or _meta(tree, ("og:url",)) or ""
    draft.published_at, draft.date_precision = _published(tree, text)
    draft.source = _meta(tree, _SOURCE_META)
    draft.via_site = feed or _site_name(tree, metadata, title)
    author = metadata.author if metadata and metadata.author else ""
    names, _ = bylines.credit_names(author)
    # A page's author field often holds the site or a tool (RSSHub): only a person counts.
    draft.authors += [name for name in names if re.fullmatch(r"[\u3400-\u9fff·]{2,5}", name)]
    blocks = _without_chrome_tail(html_to_blocks(_article_html(tree) or ""))
    # trafilatura repeats the title as the first heading.
    if blocks and blocks[0].text == draft.title:
        blocks = blocks[1:]
    draft.blocks = [
        block for block in blocks
        if not bylines.source_line(block.text) and not _PUBLISHED_TEXT.search(block.text[:40])
    ]  # fmt: skip
    # The article's own source statement first, then one anywhere on the page.
    texts = [block.text for block in blocks] + tree.xpath(
        "//body//text()[not(ancestor::footer)][not(ancestor::script)]"
    )
    draft.source = draft.source or _source_in_text(texts)
    return draft


def _without_chrome_tail(blocks):
    """The body without a page's closing chrome that extraction let through: a long run of
    blocks after the last sentence in which nothing reads as prose and link cards (headings,
    lists) recur."""
    sentences = [i for i, b in enumerate(blocks) if prose([b])]
    if not sentences:
        return blocks
    tail = blocks[sentences[-1] + 1 :]
    texts = [b for b in tail if b.kind in TEXT_KINDS]
    cards = [b for b in tail if b.kind in (HEADING, LIST)]
    if len(texts) >= _CHROME_TAIL and len(cards) >= _CHROME_CARDS:
        return blocks[: sentences[-1] + 1]
    return blocks


def _article_html(tree):
    """trafilatura's body, favouring precision; on templates where precision loses the
    article and keeps link lists (it keeps less than half the default's prose), the
    default extraction."""
    options = dict(
        output_format="html",
        include_images=True,
        include_formatting=True,
        include_tables=False,
        include_comments=False,
    )
    page = lxml.html.tostring(tree, encoding="unicode")
    precise = trafilatura.extract(page, favor_precision=True, **options) or ""
    default = trafilatura.extract(page, **options) or ""
    return default if _prose(precise) * 2 < _prose(default) else precise


def _prose(markup):
    """Characters in sentences of some length: article text, not link lists or chrome."""
    lines = (line.strip() for line in lxml.html.fromstring(markup or "<p></p>").itertext())
    return sum(len(line) for line in lines if len(line) >= 20 and line[-1] in "。！？!?”」")


def _title(tree, metadata):
    """trafilatura's title; when broken markup cut it short, the page's ``<title>`` it starts."""
    title = (metadata.title if metadata else "") or _first(tree, "//h1") or ""
    page_title = _first(tree, "//title")
    if title and page_title.startswith(title) and len(page_title) > len(title):
        headline = re.split(r"\s*[_|｜]\s*|\s*[-—]\s*(?=[^-—]{2,12}$)", page_title)[0]
        if len(headline) > len(title):
            return headline
    return title


def _category_feed(tree):
    """The feed of a rendered feed-mirror page, from its category trail: the mirror files
    posts as section › feed › subsection, as its Hexo sources do (``categories``)."""
    trail = [a.text_content().strip() for a in tree.xpath("//a[contains(@class,'category-link')]")]
    trail = list(dict.fromkeys(filter(None, trail)))
    return trail[1] if len(trail) >= 2 else ""


def _published(tree, text):
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
    for script in tree.xpath("//script[@type='application/ld+json']"):
        match = _LD_DATE.search(script.text or "")
        if match:
            return dates.parse_date(match.group(1))
    for text in tree.xpath("//body//text()[not(ancestor::footer)][not(ancestor::script)]"):
        match = _PUBLISHED_TEXT.search(text)
        if match:
            return dates.parse_date(match.group(1))
    for element in tree.xpath("//body//*[@class]"):
        if _DATE_CLASS.search(element.get("class")):
            found = dates.parse_date(element.text_content().strip()[:40])
            if found[0]:
                return found
    return _headline_meta_date(tree)


def _headline_meta_date(tree):
    """The date and time in the line under the headline (``来源 2019-09-09 16:01:46``)."""
    for heading in tree.xpath("//h1"):
        following = heading.getnext()
        if following is not None:
            match = _DATE_TIME.search(following.text_content()[:200])
            if match:
                return dates.parse_date(match.group(0))
    return None, dates.UNKNOWN


def _meta(tree, names):
    for element in tree.iter("meta"):
        key = (
            element.get("property") or element.get("name") or element.get("itemprop") or ""
        ).lower()
        if key in names and (element.get("content") or "").strip():
            return element.get("content").strip()
    return ""


def _source_in_text(texts):
    for text in texts:
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
