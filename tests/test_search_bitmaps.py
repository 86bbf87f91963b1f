"""``search.bitmaps.first_in_order``: the page of newest articles both engines cut from a set.
Its two ways (walking the order for a large share of it, choosing places in numpy for a small
one) must give the same page, ids the order lacks included."""

import numpy as np
import pytest
from pyroaring import BitMap

from search.bitmaps import NEWEST_BLOCK, first_in_order


def order_of(ids_newest_first, size):
    """(order, place) as the engines keep them: ``place[id]`` is its position, ``len(order)``
    for an id not in the order."""
    order = np.array(ids_newest_first, dtype=np.int64)
    place = np.full(size, len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    return order, place


def by_sorting(part, order, limit):
    """The same page the slow way: members in the order by their place, then the others by
    descending id."""
    position = {article_id: at for at, article_id in enumerate(order.tolist())}
    inside = sorted((i for i in part if i in position), key=position.__getitem__)
    return (inside + sorted((i for i in part if i not in position), reverse=True))[:limit]


@pytest.mark.parametrize("share", [0.05, 0.5, 1.0])
@pytest.mark.parametrize("limit", [1, 10, 10_000])
def test_both_ways_give_the_page_sorting_would(share, limit):
    rng = np.random.default_rng(3)
    ids = rng.permutation(3 * NEWEST_BLOCK).tolist()
    order, place = order_of(ids, len(ids))
    part = BitMap(rng.choice(ids, size=int(len(ids) * share), replace=False).tolist())
    assert first_in_order(part, order, place, limit) == by_sorting(part, order, limit)


@pytest.mark.parametrize("share", [0.05, 1.0])
def test_ids_written_after_the_order_was_read_come_last_higher_first(share):
    """Ids beyond ``place`` (new since the order was read) and ids it maps past the order
    (gone from it) come after every id of the order, on either way."""
    order, place = order_of([i for i in range(999, -1, -1) if i != 7], 1000)  # 7: gone
    old = BitMap(range(0, 1000, round(1 / share))) | BitMap([7])
    late = BitMap([1000, 5000])
    page = first_in_order(old | late, order, place, len(old) + 2)
    assert page[-3:] == [5000, 1000, 7]
    assert page[:-3] == [i for i in range(999, -1, -1) if i in old and i != 7]


def test_an_empty_part_is_an_empty_page():
    order, place = order_of([2, 1, 0], 3)
    assert first_in_order(BitMap(), order, place, 10) == []
