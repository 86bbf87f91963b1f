"""Sets of ids as compressed bitmaps (``pyroaring``): what both engines combine to answer a
query, in C, at a cost that follows the containers touched rather than the ids in them
(``bench/docsets.py`` measures it against Python sets and numpy arrays)."""

from array import array

import numpy as np
from django.db.models import Aggregate, BinaryField
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


NEWEST_BLOCK = 4096  # ids of the order tested at a time when a part is a large share of it


def first_in_order(part, order, place, limit):
    """The ``limit`` members of ``part`` (a ``BitMap``) that come first in ``order`` (a numpy
    array of ids, newest first), in that order.

    ``place[id]`` is an id's position in ``order``, and ``len(order)`` for an id it lacks. A
    member beyond both (written after the order was read, between two reads of one search)
    comes after those in it, the higher id first, so that no write can drop an article from
    a page. For a large share of the order the first ones are walked in blocks; otherwise
    the smallest places are chosen in numpy steps."""
    if not part:
        return []
    if len(part) * 8 > len(order):
        found = []
        for start in range(0, len(order), NEWEST_BLOCK):
            found += [i for i in order[start : start + NEWEST_BLOCK].tolist() if i in part]
            if len(found) >= limit:
                return found[:limit]
        return (found + sorted(part - BitMap(found), reverse=True))[:limit]
    ids = np.frombuffer(part.to_array(), dtype=np.uint32).astype(np.int64)
    places = np.where(ids < len(place), place[np.minimum(ids, len(place) - 1)], len(order))
    if len(ids) > limit:
        nearest = np.argpartition(places, limit - 1)[:limit]
        ids, places = ids[nearest], places[nearest]
    return ids[np.lexsort((-ids, places))].tolist()


class PackedIds(Aggregate):
    """The ids of a group as one ``bytea`` of 4-byte big-endian integers (``int4send``), for
    ``packed_bitmap``: PostgreSQL gathers a million ids in C, where handing them over as rows
    or an array makes a Python object of each (docs/benchmarks.md, "Why the code is as it
    is")."""

    function = "string_agg"
    template = "string_agg(int4send(%(expressions)s::int4), ''::bytea)"
    output_field = BinaryField()


def packed_bitmap(data):
    """The ``BitMap`` of ids packed by ``PackedIds`` (or the same SQL)."""
    return bitmap_of(np.frombuffer(bytes(data), dtype=">u4"))
