"""The tree-reduce node: one level of a reduction tree, combining groups of blocks."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from itertools import product
from typing import Any

from chunkarray.core.graph import Key, Node
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.blocks import nest

__all__ = ["PartialReduce"]


class PartialReduce(Node):
    """Combine groups of ``split[axis]`` neighbouring blocks along each reduced axis.

    The input holds one partial result per block (size one along the reduced axes). Output block
    ``j`` along a reduced axis is ``func`` of the nested list of input blocks
    ``j * split .. (j + 1) * split``. With ``keepdims=False`` the reduced axes (which must then fit
    in one group) are dropped from the output; with ``keepdims`` each group makes ``size``
    elements along them. ``masked``: whether ``func`` merges masked partial results into masked
    ones; None refuses masked inputs.
    """

    __slots__ = ("source", "func", "axes", "split", "keepdims", "_dims")

    def __init__(
        self,
        source: Node,
        func: Callable[[Any], Any],
        axes: Sequence[int],
        split: Mapping[int, int],
        *,
        dtype: Any,
        keepdims: bool = True,
        label: str = "reduce",
        size: int = 1,
        masked: bool | None = None,
    ) -> None:
        axes = tuple(sorted(axes))
        nb = source.numblocks
        chunks = []
        for a, c in enumerate(source.chunks):
            if a not in axes:
                chunks.append(c)
            elif keepdims:
                chunks.append((size,) * math.ceil(nb[a] / split[a]))
            elif nb[a] > split[a]:
                raise ValueError(f"axis {a} has {nb[a]} blocks, more than one group of {split[a]}")
        name = f"{label}-" + tokenize(source.name, func, axes, dict(split), keepdims, size)
        super().__init__(name, tuple(chunks), dtype)
        if masked is not None:  # ``func`` merges masked partial results (see Blockwise)
            self.masked = masked
        self.source = source
        self.func = func
        self.axes = axes
        self.split = dict(split)
        self.keepdims = keepdims
        # For each input axis: the output axis it maps to, or None for a dropped one.
        dims: list[int | None] = []
        out = 0
        for a in range(len(nb)):
            if a in axes and not keepdims:
                dims.append(None)
            else:
                dims.append(out)
                out += 1
        self._dims = tuple(dims)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        nb = self.source.numblocks
        ranges: list[range] = []
        for a, d in enumerate(self._dims):
            if a not in self.axes:
                ranges.append(range(index[d], index[d] + 1))  # type: ignore[index]
            else:
                j = 0 if d is None else index[d]
                s = self.split[a]
                ranges.append(range(j * s, min((j + 1) * s, nb[a])))
        name = self.source.name
        deps: list[Key] = [(name, *i) for i in product(*ranges)]
        # Nested along the reduced axes only: the others have one block each here.
        shape = [len(r) for a, r in enumerate(ranges) if a in self.axes]
        nested = nest(deps, shape) if shape else deps[0]
        return (self.func, nested), deps
