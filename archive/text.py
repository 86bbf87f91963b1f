"""Text that every output can carry: pages, feeds, sitemaps, CSV, JSON.

XML 1.0 has no way to write the C0 control characters other than tab, newline and carriage
return, nor U+FFFE, U+FFFF or a lone surrogate half: Django's feed writer refuses the first
(a 500 for the whole feed), and lets the others through as malformed XML that feed readers
reject. A file can bring any of them (a vertical tab in YAML front matter, a unit separator
pasted from a spreadsheet), and no reader can see them, so they are removed: by the importer
when it finishes a record, by ``Article.save``, and by the feeds for rows stored before.
"""

import re

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A spreadsheet reads a cell beginning with one of these as a formula (or, tab and carriage
# return, as the start of a new cell): OWASP's "CSV injection".
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xml_safe(text):
    """``text`` without the characters XML 1.0 forbids."""
    return _XML_FORBIDDEN.sub("", text) if text else text


def spreadsheet_safe(value):
    """A CSV cell that a spreadsheet shows as text: a string that would start a formula gets
    OWASP's ``'`` prefix; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
