"""Newspaper and magazine text extracted from print (seeds 001 and 002).

Shape: an optional title line, an optional ``——`` subtitle, a byline (``□本报记者 魏瑗``,
``本刊記者 姜東良 見習記者 李娜 通訊員 張錦程``), the body with hard line breaks and photo
captions, and sometimes an ``編輯:`` line at the end. A file that opens with its byline has no
title: :func:`archive.importing.article.finish` infers one and flags it.
"""

import re

from . import bylines, credits
from .article import Draft
from .plaintext import lines_of, to_blocks

_SUBTITLE = re.compile(r"^[—－\-]{1,2}\s*")
_TITLE_MAX = 50


def parse(text):
    draft = Draft()
    lines = lines_of(text)
    position = 0
    # Header: title, subtitle and bylines, in that order, each optional.
    if lines and _is_title(lines[0].text):
        draft.title = lines[0].text
        position = 1
    if position < len(lines) and _SUBTITLE.match(lines[position].text) and draft.title:
        draft.subtitle = _SUBTITLE.sub("", lines[position].text)
        position += 1
    while position < len(lines) and bylines.is_byline(lines[position].text):
        draft.authors += bylines.byline_names(lines[position].text)
        position += 1
    body = []
    for line in lines[position:]:
        editor = bylines.editor_of(line.text)
        source = bylines.source_line(line.text)
        if editor:
            draft.editor = draft.editor or editor
        elif source:
            draft.source = draft.source or source
        elif not credits.is_boilerplate(line.text):
            body.append(line)
    draft.blocks = to_blocks(body)
    if not draft.authors and body:
        draft.authors = bylines.lead_byline(body[0].text)
    return draft


def _is_title(line):
    if bylines.is_byline(line) or len(line) > _TITLE_MAX:
        return False
    # A title is not a sentence: no full stop inside and no clause break at its end.
    return not re.search(r"[。]", line[:-1]) and line[-1] not in "，,、"
