"""Script folding shared by import and search: one converter, so that what is stored and
what is queried are folded the same way."""

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s():
    # Building the converter loads OpenCC's dictionaries; do it once per process.
    return opencc.OpenCC("t2s")


def to_simplified(text):
    """Fold traditional characters to simplified; simplified text passes through unchanged."""
    return _t2s().convert(text) if text else text
