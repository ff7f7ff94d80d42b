"""Hold what fits, make the rest again: which blocks of a shared input stay in memory.

Where one input feeds both a reduction and a later step (``x - x.mean(axis=0)``), every block of
it is needed twice, and between the two uses the whole reduction must run. Holding every block
until its second use holds the whole input; making every block again inside each consumer's task
reads the storage twice. Both are the extremes of one choice made block by block: hold as many
blocks as the memory budget allows, those whose last use comes soonest in the schedule (each is
then held for the shortest time), and make only the others again. Storage is then read once
when the budget holds the input, and a little more than once per block that does not fit.

Pure functions over a lowered graph and node sizes; :mod:`chunkarray.optimize.fuse` builds the
graphs they look at.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from chunkarray.core.graph import Key, Lowered, Node

__all__ = ["BLOCKS_PER_WORKER", "block_bytes", "hold_budget", "soonest_blocks"]

#: Blocks each worker holds while it runs a task that makes a block again: the storage chunk it
#: reads, compressed and decoded, the block made of it, and what the next step makes of that.
#: Measured: reading 32 MiB zarr chunks on two workers, with nothing held, peaks at 3.9 blocks
#: per worker above the process's size before the computation.
BLOCKS_PER_WORKER = 4


def block_bytes(node: Node, index: tuple[int, ...]) -> int:
    """The bytes of block ``index`` of ``node``.

    >>> block_bytes(Node("x", ((4, 2), (3,)), float), (1, 0))
    48
    """
    return node.dtype.itemsize * math.prod(int(c[i]) for c, i in zip(node.chunks, index))


def hold_budget(limit: int, shared: Iterable[Node], workers: int) -> int:
    """The bytes of shared blocks that may be held under ``limit``: what is left once each of
    ``workers`` has room for :data:`BLOCKS_PER_WORKER` of the largest shared blocks.

    >>> hold_budget(1000, [Node("x", ((10, 10),), "f8")], workers=2)  # 8 blocks of 80 bytes
    360
    """
    widest = max((n.dtype.itemsize * math.prod(int(max(c, default=0)) for c in n.chunks)
                  for n in shared), default=0)
    return max(limit - workers * BLOCKS_PER_WORKER * widest, 0)


def soonest_blocks(lowered: Lowered, shared: Mapping[str, Node], budget: int) -> frozenset[Key]:
    """The blocks of the ``shared`` nodes to hold: those ``lowered`` (a schedule that holds them
    all) uses last the soonest, as many as ``budget`` bytes hold together.

    Counting every held block against the budget at once is the worst case (all held at the same
    moment, as before a reduction's result is known), so the budget is never exceeded.

    >>> x = Node("x", ((1, 1, 1),), "f8")
    >>> order = [("x", 0), ("x", 1), ("x", 2), ("r",), ("y", 0), ("y", 1), ("y", 2)]
    >>> deps = [(), (), (), (0, 1, 2), (0, 3), (1, 3), (2, 3)]
    >>> sorted(soonest_blocks(Lowered(order, [None] * 7, deps), {"x": x}, budget=16))
    [('x', 0), ('x', 1)]
    """
    last: dict[int, int] = {}
    for i, ds in enumerate(lowered.deps):
        for d in ds:
            last[d] = i
    order = lowered.order
    candidates = sorted(
        (last.get(i, i), i) for i, key in enumerate(order) if key[0] in shared
    )
    held: list[Key] = []
    total = 0
    for _, i in candidates:
        key = order[i]
        size = block_bytes(shared[key[0]], key[1:])  # type: ignore[index, arg-type]
        if total + size > budget:
            break  # later blocks wait longer: hold none of them before this one
        total += size
        held.append(key)
    return frozenset(held)
