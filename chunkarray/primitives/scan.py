"""The prefix node of a scan: each block's carry, the combined totals of the blocks before it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chunkarray.core.graph import Key, Node
from chunkarray.core.tokenize import tokenize

__all__ = ["PrefixScan", "SequentialScan", "no_carry"]


def no_carry() -> None:
    """The carry into the first block: nothing comes before it."""
    return None


class PrefixScan(Node):
    """Exclusive scan of ``totals`` (one slice per block along ``axis``) by ``combine``.

    Block ``j`` is ``combine(block j - 1, totals j - 1)``, and ``None`` for ``j = 0``: a chain of
    tiny tasks, one per block, each reading the carry before it and one block total. The blocks
    need no carry until the totals before them are known, so a depth-first executor finishes each
    block as soon as the blocks before it are scanned.
    """

    __slots__ = ("totals", "axis", "combine")

    def __init__(self, totals: Node, axis: int, combine: Callable[[Any, Any], Any],
                 label: str = "carry") -> None:
        name = f"{label}-" + tokenize(totals.name, axis, combine)
        super().__init__(name, totals.chunks, totals.dtype)
        self.totals = totals
        self.axis = axis
        self.combine = combine

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.totals,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        j = index[self.axis]
        if j == 0:
            return (no_carry,), ()
        before = (*index[:self.axis], j - 1, *index[self.axis + 1:])
        carry: Key = (self.name, *before)
        total: Key = (self.totals.name, *before)
        return (self.combine, carry, total), (carry, total)


class SequentialScan(Node):
    """A scan block after block: block ``j`` is ``func(source block j, block j - 1)``.

    For scans whose carries cannot be combined out of order without changing the answer
    (floating products: a block's own product may overflow where the running product, taken in
    order, does not). Each block is read once; the blocks along the axis run one after another,
    those on other axes side by side.
    """

    __slots__ = ("source", "axis", "func")

    def __init__(self, source: Node, axis: int, func: Callable[..., Any], dtype: Any,
                 label: str = "scan") -> None:
        name = f"{label}-" + tokenize(source.name, axis, func, dtype)
        super().__init__(name, source.chunks, dtype)
        self.source = source
        self.axis = axis
        self.func = func

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        key: Key = (self.source.name, *index)
        j = index[self.axis]
        if j == 0:
            return (self.func, key), (key,)
        before: Key = (self.name, *index[:self.axis], j - 1, *index[self.axis + 1:])
        return (self.func, key, before), (key, before)
