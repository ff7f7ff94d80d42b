"""Which blocks of a shared input are held: sizes, the budget, and the schedule's order."""

from __future__ import annotations

import numpy as np

from chunkarray.core.graph import Lowered, Node
from chunkarray.optimize.holding import BLOCKS_PER_WORKER, block_bytes, hold_budget, soonest_blocks


def _two_passes(n: int) -> Lowered:
    """Read ``n`` blocks of x, reduce them, then use each again: x's blocks in order."""
    order = [("x", i) for i in range(n)] + [("r",)] + [("y", i) for i in range(n)]
    deps = [()] * n + [tuple(range(n))] + [(i, n) for i in range(n)]
    return Lowered(order, [None] * len(order), deps)


def test_block_bytes_of_ragged_blocks():
    node = Node("x", ((3, 1), (2, 2)), np.float32)
    assert [block_bytes(node, (i, 0)) for i in range(2)] == [24, 8]


def test_the_budget_sets_aside_room_for_each_worker():
    node = Node("x", ((4, 2),), np.float64)  # widest block: 32 bytes
    assert hold_budget(1000, [node], workers=3) == 1000 - 3 * BLOCKS_PER_WORKER * 32
    assert hold_budget(100, [node], workers=3) == 0  # never negative
    assert hold_budget(100, [], workers=3) == 100


def test_blocks_used_again_soonest_are_held_within_the_budget():
    x = Node("x", ((1,) * 5,), np.float64)
    assert soonest_blocks(_two_passes(5), {"x": x}, 8 * 3) == {("x", 0), ("x", 1), ("x", 2)}
    assert soonest_blocks(_two_passes(5), {"x": x}, 7) == frozenset()
    assert len(soonest_blocks(_two_passes(5), {"x": x}, 10**6)) == 5


def test_a_later_second_use_is_held_last():
    # x's blocks are used again in reverse: the last one read is needed again first.
    order = [("x", 0), ("x", 1), ("r",), ("y", 1), ("y", 0)]
    deps = [(), (), (0, 1), (1, 2), (0, 2)]
    x = Node("x", ((1, 1),), np.float64)
    assert soonest_blocks(Lowered(order, [None] * 5, deps), {"x": x}, 8) == {("x", 1)}


def test_only_blocks_of_shared_nodes_are_candidates():
    x = Node("x", ((1,) * 3,), np.float64)
    held = soonest_blocks(_two_passes(3), {"x": x}, 10**6)
    assert {k[0] for k in held} == {"x"}
