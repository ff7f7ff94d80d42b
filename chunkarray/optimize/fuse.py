"""Blockwise fusion: a rewrite of the expression graph before lowering.

A chain of blockwise steps, with the reads or creation functions that feed it, becomes one
:class:`Fused` node whose task runs the whole chain on each block: ``(x * 2 + 1).sum()`` lowers to
one task per block instead of four, and no intermediate block is ever handed to the executor.
The per-block program (:class:`~chunkarray.kernels.program.Program`) reuses its own temporaries
as ``out=`` buffers and runs large blocks in cache-sized pieces.

A node is fused into its consumer when the consumer reads exactly one of its blocks per output
block (no contraction) and no other node, nor the caller, needs it: its blocks then exist only
inside the fused task. Nodes needed twice are left alone, so nothing is computed twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from chunkarray.core import config
from chunkarray.core.bytesize import parse_bytes
from chunkarray.core.graph import Node, collect_nodes
from chunkarray.kernels import blocks as kernels
from chunkarray.kernels.elementwise import ELEMENTWISE_FUNCS as _ELEMENTWISE_FUNCS
from chunkarray.primitives.blockwise import CONTRACTED, Blockwise
from chunkarray.primitives.fused import Fused, SinkAfter
from chunkarray.primitives.sources import BlockFunction, FromArray

__all__ = ["fuse", "is_elementwise"]


def is_elementwise(node: Node) -> bool:
    """Whether a blockwise node computes each output element from the same element of its inputs."""
    if not isinstance(node, Blockwise) or node.block_kwargs is not None:
        return False
    func = kernels.base_func(node.func)
    elementwise = (isinstance(func, np.ufunc) and func.nout == 1 and func.signature is None) \
        or func in _ELEMENTWISE_FUNCS or getattr(func, "elementwise", False)
    ndim = len(node.chunks)
    return elementwise and node.out_ind == tuple(range(ndim)) and all(
        ind == tuple(range(ndim - len(ind), ndim)) for ind in node.in_inds
    )


def _fusable_inputs(node: Node) -> Iterable[Node]:
    """Inputs of ``node`` that it reads one block at a time (no contraction)."""
    if not isinstance(node, Blockwise):
        return ()
    return [
        source for source, axes in zip(node.inputs, node.input_axes)
        if CONTRACTED not in axes
        and isinstance(source, (Blockwise, FromArray, BlockFunction))
        and not (isinstance(source, Blockwise) and source.contracts)
    ]


def fuse(roots: Sequence[Node]) -> dict[str, Node]:
    """The nodes to lower for ``roots``, with fusable chains replaced by :class:`Fused` nodes.

    A fused node keeps its root's name, so the keys of every block stay the same.
    """
    nodes = collect_nodes(roots)
    consumers: dict[str, set[str]] = {name: set() for name in nodes}
    for node in nodes.values():
        for dep in node.dependencies:
            consumers[dep.name].add(node.name)
    root_names = {r.name for r in roots}
    recompute = _recompute_instead_of_holding(nodes, consumers)
    absorbed: set[str] = set()  # members of one group only, never needed on their own
    # Visit consumers before their inputs, so each group starts at its topmost blockwise node.
    for name in _topological(nodes, roots):
        node = nodes[name]
        # A node that contracts an input takes nested lists of its blocks, which a fused
        # program (one block per input) cannot hand it: it stays a task of its own.
        if name in absorbed or not isinstance(node, Blockwise) or node._contract:
            continue
        members = {name}
        stack: list[Node] = [node]
        while stack:
            for source in _fusable_inputs(stack.pop()):
                if source.name in root_names or source.name in absorbed \
                        or source.name in members:
                    continue
                if consumers[source.name] <= members:
                    absorbed.add(source.name)
                elif source.name not in recompute:
                    continue
                members.add(source.name)
                stack.append(source)
        if len(members) > 1:
            elementwise = {m for m in members if is_elementwise(nodes[m])}
            nodes[name] = Fused(node, members, _externals(node, members), elementwise)
    _compose_sinks(nodes, consumers, root_names)
    return nodes


def _is_sink(node: Node) -> bool:
    return isinstance(node, Blockwise) and kernels.base_func(node.func) is kernels.copy_into


def _compose_sinks(nodes: dict[str, Node], consumers: dict[str, set[str]],
                   root_names: set[str]) -> None:
    """Run each sink's copy inside the task that makes its block, where fusion could not.

    Fusion makes a sink the last step of a blockwise chain; other nodes (a reduction's last
    level, a take, a rechunk...) would otherwise pay a second task per block just to copy it.
    """
    for name, node in list(nodes.items()):
        if not _is_sink(node):
            continue  # a fused sink is already the last step of its chain
        source = nodes[node.inputs[0].name]  # type: ignore[attr-defined]
        if consumers[source.name] == {name} and source.name not in root_names:
            nodes[name] = SinkAfter(node, source)  # type: ignore[arg-type]


def _recompute_instead_of_holding(nodes: dict[str, Node], consumers: dict[str, set[str]]
                                  ) -> set[str]:
    """Nodes read by several consumers that each consumer should recompute for itself.

    Holding every block of an input until all its consumers have run is what makes
    ``x - x.mean(axis=0)`` hold the whole of ``x``: the subtraction waits for a mean over all
    blocks. Where the input is cheap to make again (a read, a creation function, elementwise steps
    over those) and larger than the memory limit, each consumer makes its own copy instead.
    """
    limit = parse_bytes(config.get("memory_limit"))
    cheap: dict[str, bool] = {}

    def is_cheap(node: Node) -> bool:
        if node.name not in cheap:
            if isinstance(node, (FromArray, BlockFunction)):
                cheap[node.name] = True
            else:
                cheap[node.name] = is_elementwise(node) and all(
                    is_cheap(d) for d in node.dependencies)
        return cheap[node.name]

    return {
        name for name, node in nodes.items()
        if len(consumers[name]) > 1 and node.dtype.itemsize * math.prod(node.shape) > limit
        and is_cheap(node)
    }


def _topological(nodes: dict[str, Node], roots: Sequence[Node]) -> list[str]:
    """Node names, every consumer before the nodes it reads."""
    order: list[str] = []
    seen: set[str] = set()
    stack: list[tuple[Node, bool]] = [(r, False) for r in roots]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node.name)
            continue
        if node.name in seen:
            continue
        seen.add(node.name)
        stack.append((node, True))
        stack.extend((d, False) for d in node.dependencies if d.name not in seen)
    return order[::-1]


def _externals(root: Node, members: set[str]) -> list[Node]:
    """The nodes outside the group that its members read."""
    found: dict[str, Node] = {}
    stack = [root]
    while stack:
        for dep in stack.pop().dependencies:
            if dep.name in members:
                stack.append(dep)
            else:
                found.setdefault(dep.name, dep)
    return list(found.values())
