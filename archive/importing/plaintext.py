"""Plain text (print extractions, web-page dumps) to blocks.

Print extraction breaks lines where the column ended, often in mid-sentence and sometimes
with a blank line (seed 002: ``…并迫使施工`` / ``方在其汽修厂院内…``). A line is joined to the
next when it reads as an unfinished sentence: it has clause punctuation inside (so it is
prose, not a heading such as ``强化“三个意识”``), does not end a sentence, and the next
line does not open a quotation or a new item.

Photo captions are kept out of the body text but in the page, as ``<figcaption>``: they
start with 图为/圖為/(本版图片…, or stand after a wider gap (print extraction leaves two or
more blank lines where a photo was) as short one-sentence lines.
"""

import re
from dataclasses import dataclass

from .blocks import CAPTION, HEADING, PARAGRAPH, Block
from .cleaning import collapse_spaces

_TERMINAL = "。！？!?…；;：:”’」』）)】.》"
_CLAUSE = re.compile(r"[，,。；;：:]")
_OPENS_ITEM = re.compile(r"^[“「『（(【■□●◆▲★\-—•·]|^[一二三四五六七八九十]+[是、]|^\d+[.、]")
_CAPTION_START = re.compile(
    r"^[（(]?(?:图为|圖為|图片|圖片|图：|圖：|本版图片|本版圖片|配图|配圖|摄影|攝影)"
)
_CAPTION_MAX = 90
_HEADING_MAX = 30
_HEADING_MARK = re.compile(r"^[■□●◆▲★]\s*")


@dataclass
class Line:
    text: str
    gap: int  # blank lines before it


def lines_of(text):
    """Non-empty lines with surrounding blanks removed, each with the gap before it."""
    result, gap = [], 0
    for raw in text.split("\n"):
        line = collapse_spaces(raw)
        if line:
            result.append(Line(line, gap))
            gap = 0
        else:
            gap += 1
    return result


def join_hard_wraps(lines):
    """Lines with print line breaks inside sentences joined back together."""
    joined = []
    for line in lines:
        if joined and _continues(joined[-1].text, line.text):
            joined[-1] = Line(joined[-1].text + line.text, joined[-1].gap)
        else:
            joined.append(line)
    return joined


def _continues(previous, current):
    return (
        previous[-1] not in _TERMINAL
        and bool(_CLAUSE.search(previous))
        and not _OPENS_ITEM.match(current)
        and not _CAPTION_START.match(current)
    )


def to_blocks(lines):
    """Blocks for body lines: headings, photo captions and paragraphs."""
    blocks = []
    in_captions = False
    for line in join_hard_wraps(lines):
        text = line.text
        marked = _HEADING_MARK.match(text)
        if marked:
            blocks.append(Block.plain(HEADING, text[marked.end() :]))
            in_captions = False
        elif _is_caption(line, in_captions):
            blocks.append(Block.plain(CAPTION, text))
            in_captions = True
        elif _is_heading(text):
            blocks.append(Block.plain(HEADING, text))
            in_captions = False
        else:
            blocks.append(Block.plain(PARAGRAPH, text))
            in_captions = False
    return blocks


def _is_heading(text):
    # Headings may end in a closing quote (强化“三个意识”), never in a full stop.
    return len(text) <= _HEADING_MAX and text[-1] not in "。！？!?…；;" and not _CLAUSE.search(text)


def _is_caption(line, after_caption):
    text = line.text
    if _CAPTION_START.match(text):
        return True
    one_sentence = (
        len(text) <= _CAPTION_MAX
        and text[-1] in "。）)"
        and not re.search(r"[。！？!?]", text[:-1])
        and not text.startswith(("“", "「"))
    )
    return one_sentence and (line.gap >= 2 or after_caption)
