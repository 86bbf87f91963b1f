"""Plain text whose fields are labelled: one article per file, as news corpora and crawlers
save them.

Two shapes: label lines (``title:``/``标题:``, ``category:``, ``发布时间:``, ``来源:``,
``作者:``, ``url:``) followed by ``content:``/``正文:`` and the body; or a corpus ``<doc>``
record (``<url>``, ``<contenttitle>``, ``<content>``). A crawler's title often carries the
page's chrome (``… - 公司 - 多知网``, ``…-告破,杀人,案件,,``); only the headline is kept.
The date is the labelled one, else the one in the article's URL path (``/20120601/``), which
news sites write when they publish.
"""

import re
from urllib.parse import urlsplit

from . import dates
from .article import Draft
from .cleaning import collapse_spaces
from .plaintext import lines_of, to_blocks

_LABEL = re.compile(
    r"^\s*(title|category|url|content|标题|標題|分类|分類|发布时间|發布時間|时间|日期|来源|來源|作者|正文)"
    r"\s*[:：]",
    re.IGNORECASE | re.MULTILINE,
)
_BODY_LABELS = {"content", "正文"}
_DOC_FIELD = re.compile(r"<(url|contenttitle|content)>(.*?)</\1>", re.DOTALL)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[-/]?([01]\d)[-/]?([0-3]\d)(?:/|\d|$)")
# "… - 公司 - 多知网 - 独立商业视角" and "…-告破,杀人,案件,白银,,": a page's title after the headline.
_SITE_SUFFIX = re.compile(r"\s+[-_|｜—]\s+.*$|-[^-\s,，]+(?:[,，][^,，]*){2,}$")


def looks_like(text):
    head = text.lstrip("\ufeff \t\n")[:2000]
    if head.startswith("<doc>"):
        return True
    labels = [m.group(1).lower() for m in _LABEL.finditer(head)]
    return (
        bool(labels)
        and head.lstrip().lower().startswith(labels[0])
        and any(label in _BODY_LABELS for label in labels)
    )


def parse(text):
    text = text.lstrip("\ufeff \t\n")
    fields = _doc_fields(text) if text.startswith("<doc>") else _label_fields(text)
    draft = Draft(title=headline(fields.get("title", "")))
    draft.original_url = fields.get("url", "")
    draft.source = fields.get("source", "")
    if fields.get("author"):
        draft.authors.append(fields["author"])
    draft.published_at, draft.date_precision = dates.parse_date(fields.get("date", ""))
    if draft.published_at is None:
        draft.published_at, draft.date_precision = _url_date(draft.original_url)
    draft.via_site = urlsplit(draft.original_url).hostname or ""
    lines = lines_of(fields.get("body", ""))
    # The body often opens by repeating the title.
    if lines and _squeezed(lines[0].text) == _squeezed(draft.title):
        lines = lines[1:]
    draft.blocks = to_blocks(lines)
    return draft


def headline(title):
    """The headline of a crawled page title, without the site and section names after it."""
    return _SITE_SUFFIX.sub("", collapse_spaces(title)) or title


_NAMES = {
    "title": "title", "标题": "title", "標題": "title", "url": "url", "来源": "source",
    "來源": "source", "作者": "author", "发布时间": "date", "發布時間": "date", "时间": "date",
    "日期": "date", "category": "category", "分类": "category", "分類": "category",
}  # fmt: skip


def _label_fields(text):
    fields = {}
    matches = list(_LABEL.finditer(text))
    for index, match in enumerate(matches):
        label = match.group(1).lower()
        if label in _BODY_LABELS:
            fields["body"] = text[match.end() :]
            break
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end() : end].strip()
        name = _NAMES[label]
        fields.setdefault(name, value.splitlines()[0].strip() if value else "")
    return fields


def _doc_fields(text):
    found = {name: value.strip() for name, value in _DOC_FIELD.findall(text)}
    return {
        "url": found.get("url", ""),
        "title": found.get("contenttitle", ""),
        "body": found.get("content", ""),
    }


def _url_date(url):
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None, dates.UNKNOWN
    return dates.parse_date("-".join(match.groups()))


def _squeezed(text):
    return re.sub(r"\s", "", text)
