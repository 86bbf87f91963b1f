"""Sets of ids as compressed bitmaps (``pyroaring``): what both engines combine to answer a
query, in C, at a cost that follows the containers touched rather than the ids in them
(``bench/docsets.py`` measures it against Python sets and numpy arrays)."""

from array import array

import numpy as np
from pyroaring import BitMap


def bitmap_of(numbers):
    """A ``BitMap`` of a numpy array of non-negative integers below 2**32.

    Through ``array("I")``, which pyroaring reads as one buffer in C: given the numpy array
    itself, it converts element by element in Python, which for a word in most of a large
    archive cost more than the whole search (docs/benchmarks.md, "Why the code is as it is").
    """
    ids = array("I")
    ids.frombytes(np.ascontiguousarray(numbers, dtype=np.uint32).tobytes())
    return BitMap(ids)


def any_of(bitmaps):
    """The union of ``bitmaps`` (an iterable of ``BitMap``), empty when there are none."""
    bitmaps = list(bitmaps)
    return BitMap.union(*bitmaps) if bitmaps else BitMap()


def all_of(bitmaps):
    """The intersection of ``bitmaps``, empty when there are none."""
    bitmaps = list(bitmaps)
    return BitMap.intersection(*bitmaps) if bitmaps else BitMap()
