"""Text copied out of a web page (seed 003): the article between a site's chrome.

Navigation bullets, breadcrumbs (``您现在的位置: 信用动态 >工作动态``), the meta line
(``发布时间: 2022-12-02 | 来源: 长江日报 | 访问量: 27142``) and the footer (©, ICP numbers,
visit counters, 主办/承办, repeated once per template block) are dropped; the meta line's
date and source are kept. The title is the line just above the meta line.
"""

import re

from . import bylines, credits, dates
from .article import Draft
from .plaintext import lines_of, to_blocks

_NAVIGATION = re.compile(
    r"^(?:[•·»›▪◆►>|]\s*\S.{0,20}$|(?:您现在的位置|您的位置|当前位置|所在位置|首页\s*[>›»/])|"
    r"(?:【?字[体號号]\s*[:：]?\s*大\s*中\s*小)|(?:打印本页|关闭窗口|返回顶部|分享到)|"
    r"(?:上一篇|下一篇)[:：])"
)
_FOOTER = re.compile(
    r"(?:©|版权所有|Copyright|ICP备|ICP证|公网安备|主办[:：]|承办[:：]|网站访问量|"
    r"技术支持[:：]|网站地图|联系我们|意见建议|网页纠错)",
    re.IGNORECASE,
)
_META = re.compile(r"(?:发布时间|發布時間|发布日期|时间|日期)[\s:：]+")
_META_FIELD = re.compile(
    r"(?:(?:发布时间|發布時間|发布日期|时间|日期)[\s:：]+(?P<date>[\d\-/年月日:：\s]+\d)|"
    r"(?:来源|來源)[\s:：]+(?P<source>[^|｜\s]+)|(?:作者|编辑|記者|记者)[\s:：]+(?P<author>[^|｜\s]+)|"
    r"(?:访问量|浏览次数|点击数|阅读)[\s:：]*\d*)"
)


def looks_like(text):
    head = text[:3000]
    return bool(
        re.search(r"^(?:您现在的位置|当前位置|发布时间|發布時間)", head, re.MULTILINE)
        or (_FOOTER.search(text[-3000:]) and re.search(r"访问量|ICP备|版权所有", text))
    )


def parse(text):
    draft = Draft()
    lines = [line for line in lines_of(text) if not _NAVIGATION.match(line.text)]
    meta_index = next((i for i, line in enumerate(lines) if _is_meta(line.text)), None)
    if meta_index is not None:
        for match in _META_FIELD.finditer(lines[meta_index].text):
            if match.group("date") and draft.published_at is None:
                draft.published_at, draft.date_precision = dates.parse_date(match.group("date"))
            if match.group("source"):
                draft.source = match.group("source")
            if match.group("author"):
                draft.authors.append(match.group("author"))
        if meta_index > 0:
            draft.title = lines[meta_index - 1].text
        body = lines[meta_index + 1 :]
    else:
        body = lines
    kept, seen = [], set()
    for position, line in enumerate(body):
        if _FOOTER.search(line.text) and len(line.text) < 120:
            # Everything below the first footer line is the site's, not the article's; the
            # copyright line names the site the article was copied from.
            holders = (bylines.copyright_holder(footer.text) for footer in body[position:])
            draft.via_site = next((holder for holder in holders if holder), "")
            break
        if line.text in seen or credits.is_boilerplate(line.text):
            continue
        seen.add(line.text)
        source = bylines.source_line(line.text)
        editor = bylines.editor_of(line.text)
        if source:
            draft.source = draft.source or source
        elif editor:
            draft.editor = draft.editor or editor
        else:
            kept.append(line)
    draft.blocks = to_blocks(kept)
    return draft


def _is_meta(line):
    return bool(_META.search(line)) and len(line) < 160 and bool(_META_FIELD.search(line))
