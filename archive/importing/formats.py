"""Which parser reads a text: the first whose shape it has, plain print text otherwise."""

from . import hexo, htmlpage, labelled, newspaper, webdump
from .credits import take_credits

HEXO, HTML_PAGE, WEB_DUMP, NEWSPAPER = "hexo-markdown", "html-page", "web-dump", "newspaper-text"
LABELLED = "labelled-text"
_PARSERS = {
    HEXO: hexo.parse,
    HTML_PAGE: htmlpage.parse,
    WEB_DUMP: webdump.parse,
    NEWSPAPER: newspaper.parse,
    LABELLED: labelled.parse,
}


def detect_format(text):
    if hexo.looks_like(text):
        return HEXO
    if labelled.looks_like(text):
        return LABELLED
    if htmlpage.looks_like(text):
        return HTML_PAGE
    if webdump.looks_like(text):
        return WEB_DUMP
    return NEWSPAPER


def parse_text(text, file_format):
    """The draft of ``text``; credits and boilerplate are read off every format's body alike."""
    return take_credits(_PARSERS[file_format](text))
