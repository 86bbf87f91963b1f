"""Finding text that was damaged before it reached us, without trying to repair it.

Seed 001 shows the typical case: a double-byte file lost a byte somewhere upstream, so the
reader fell out of step and produced runs such as ``管?!盀I州公安`` (the trail byte of 濱
surfaced as an ASCII ``I``) and ``因?yàn)楦咚俟`` . Reversing that would mean guessing the
lost bytes, i.e. writing words the author may not have written, so the importer only flags
the article (``encoding_damage``) and a person decides.
"""

import re

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
# A literal "?" glued to following Han or Latin letters: a character the decoder could not
# map. A real question mark ends a clause and is followed by a quote, space or line end.
_LOST_CHARACTER = re.compile(rf"[{_HAN}]\?+[!?]*[{_HAN}A-Za-z]|\?+!?[{_HAN}]")
# A lone ASCII letter between Han characters: a trail byte that lost its lead byte (盀I州).
_STRAY_LETTER = re.compile(rf"[{_HAN}][A-Za-z][{_HAN}]")
_CONTEXT = 12  # characters shown either side: damaged runs are often that long


def find_damage(text):
    """Short excerpts around each suspected damage, for a reviewer; empty when none."""
    spans = [m.span() for m in re.finditer("\ufffd", text)]
    spans += [m.span() for m in _LOST_CHARACTER.finditer(text)]
    stray = [m.span() for m in _STRAY_LETTER.finditer(text)]
    # Upper-case letters between Han characters are often real (A级景区, 风云三号F星, U型);
    # lower-case ones rarely are. Either counts once other damage has shown itself.
    lower = [span for span in stray if text[span[0] + 1].islower()]
    if spans or len(lower) >= 2:
        spans += stray
    return [text[max(0, start - _CONTEXT) : end + _CONTEXT] for start, end in sorted(spans)]
