"""The assignment node: ``x[index] = value`` as the blocks of ``x`` with the value written in."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray.core.graph import Key, Node
from chunkarray.core.tokenize import content_token, tokenize
from chunkarray.kernels import blocks as kernels
from chunkarray.kernels import selection

__all__ = ["AxisPlan", "assign_node"]

# Per axis: {input block: (index into the block, index into the aligned value, value block)}.
AxisPlan = dict[int, tuple[Any, Any, int]]


class _Assign(Node):
    """``source`` with the value written into copies of the blocks the selection touches."""

    __slots__ = ("source", "value", "plans")

    def __init__(self, source: Node, value: Any, plans: Sequence[AxisPlan]) -> None:
        label = value.name if isinstance(value, Node) else value
        name = "setitem-" + tokenize(source.name, label, [_plan_label(p) for p in plans])
        super().__init__(name, source.chunks, source.dtype)
        self.source = source
        self.value = value
        self.plans = tuple(plans)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source, self.value) if isinstance(self.value, Node) else (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        key: Key = (self.source.name, *index)
        if not all(b in plan for b, plan in zip(index, self.plans)):
            return (kernels.identity, key), (key,)
        parts = [plan[b] for b, plan in zip(index, self.plans)]
        local = tuple(p[0] for p in parts)
        if isinstance(self.value, Node):
            value_key: Key = (self.value.name, *(p[2] if n > 1 else 0 for p, n in
                                            zip(parts, self.value.numblocks)))
            return (partial(selection.write, index=local), key, value_key), (key, value_key)
        part = self.value[tuple(p[1] for p in parts)]
        return (partial(selection.write, index=local, value=part), key), (key,)


def _plan_label(plan: AxisPlan) -> list[Any]:
    """A plan for a name: index arrays by their contents (``repr`` elides long arrays)."""
    return [(b, *(content_token(i) if isinstance(i, np.ndarray) else i for i in part))
            for b, part in sorted(plan.items())]


def assign_node(source: Node, value: Any, plans: Sequence[AxisPlan]) -> Node:
    """``source`` with ``value`` (a node of aligned blocks, or a NumPy array) written in copies
    of the blocks ``plans`` touch; the other blocks pass through.

    >>> import numpy as np
    >>> x = Node("x", ((2, 2),), int)
    >>> node = assign_node(x, np.array([7]), [{1: (slice(0, 1), slice(None), 0)}])
    >>> node.block_task((0,))[1], node.block_task((1,))[1]
    ((('x', 0),), (('x', 1),))
    """
    return _Assign(source, value, plans)
