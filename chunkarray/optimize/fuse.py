"""Blockwise fusion: a rewrite of the expression graph before lowering.

A chain of blockwise steps, with the reads or creation functions that feed it, becomes one
:class:`Fused` node whose task runs the whole chain on each block: ``(x * 2 + 1).sum()`` lowers to
one task per block instead of four, and no intermediate block is ever handed to the executor.
The per-block program (:class:`~chunkarray.kernels.program.Program`) reuses its own temporaries
as ``out=`` buffers and runs large blocks in cache-sized pieces.

A node is fused into its consumer when the consumer reads exactly one of its blocks per output
block (no contraction) and no other node, nor the caller, needs it: its blocks then exist only
inside the fused task. Nodes needed twice are left alone, so nothing is computed twice, except
inputs that are cheap to make again and do not fit in memory whole: those are held block by block
as far as the memory limit allows and made again for the other blocks (see :mod:`.holding`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from chunkarray.core import config
from chunkarray.core.chunks import has_unknown
from chunkarray.core.graph import Key, Node, collect_nodes, lower
from chunkarray.kernels import blocks as kernels
from chunkarray.kernels.elementwise import ELEMENTWISE_FUNCS as _ELEMENTWISE_FUNCS
from chunkarray.optimize.holding import hold_budget, soonest_blocks
from chunkarray.primitives.blockwise import CONTRACTED, Blockwise
from chunkarray.primitives.fused import Fused, PartlyHeld, SinkAfter
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

    A fused node keeps its root's name, so the keys of every block stay the same. An input that
    several nodes read and that is cheap to make again is held as far as the memory limit allows
    and made again inside each reader's task for the rest (see :mod:`.holding`).
    """
    nodes = collect_nodes(roots)
    consumers: dict[str, set[str]] = {name: set() for name in nodes}
    for node in nodes.values():
        for dep in node.dependencies:
            consumers[dep.name].add(node.name)
    root_names = {r.name for r in roots}
    remade, partly, held_keys = _hold_or_remake(nodes, consumers, roots)
    fused = _group(nodes, consumers, roots, remade | partly)
    if partly:
        held = _group(nodes, consumers, roots, remade)
        shared = frozenset(partly)
        for name, node in held.items():
            other = fused[name]
            if name in shared:
                fused[name] = node  # its held blocks are tasks of their own
            elif other is not node:
                fused[name] = PartlyHeld(node, other, shared, held_keys)
    _compose_sinks(fused, consumers, root_names)
    return fused


def _group(nodes: dict[str, Node], consumers: dict[str, set[str]], roots: Sequence[Node],
           remade: set[str]) -> dict[str, Node]:
    """``nodes`` with each fusable chain replaced by one :class:`Fused` node; the nodes in
    ``remade`` are made again inside every chain that reads them."""
    nodes = dict(nodes)
    root_names = {r.name for r in roots}
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
                elif source.name not in remade:
                    continue
                members.add(source.name)
                stack.append(source)
        if len(members) > 1:
            elementwise = {m for m in members if is_elementwise(nodes[m])}
            nodes[name] = Fused(node, members, _externals(node, members), elementwise)
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


def _hold_or_remake(nodes: dict[str, Node], consumers: dict[str, set[str]],
                    roots: Sequence[Node]) -> tuple[set[str], set[str], frozenset[Key]]:
    """Nodes read by several consumers that each consumer should make again for itself: those
    made again for every block, those held for some blocks only, and the blocks held.

    Holding every block of an input until all its consumers have run is what makes
    ``x - x.mean(axis=0)`` hold the whole of ``x``: the subtraction waits for a mean over all
    blocks. Where the input is cheap to make again (a read, a creation function, elementwise steps
    over those) and holding all of it would not fit in the memory limit, the blocks the schedule
    needs again soonest are held while they fit, and each consumer makes the others itself.
    """
    root_names = {r.name for r in roots}
    cheap: dict[str, bool] = {}

    def is_cheap(node: Node) -> bool:
        if node.name not in cheap:
            if isinstance(node, (FromArray, BlockFunction)):
                cheap[node.name] = True
            else:
                cheap[node.name] = is_elementwise(node) and all(
                    is_cheap(d) for d in node.dependencies)
        return cheap[node.name]

    shared = {
        name: node for name, node in nodes.items()
        if len(consumers[name]) > 1 and name not in root_names and node.chunks
        and not any(map(has_unknown, node.chunks)) and is_cheap(node)
    }
    # Room for the blocks the workers make meanwhile is set aside first, whether all or some
    # are held, so the memory held grows steadily with the limit.
    budget = hold_budget(config.memory_limit_bytes(), shared.values(),
                         config.num_workers())
    if sum(n.dtype.itemsize * math.prod(n.shape) for n in shared.values()) <= budget:
        return set(), set(), frozenset()
    held_keys: frozenset[Key] = frozenset()
    if budget > 0:
        schedule = lower(roots, [k for r in roots for k in r.keys()],
                         _group(nodes, consumers, roots, set()))
        held_keys = soonest_blocks(schedule, shared, budget)
    counts = Counter(str(key[0]) for key in held_keys)
    remade = {name for name in shared if name not in counts}
    partly = {name for name, n in counts.items() if n < math.prod(shared[name].numblocks)}
    return remade, partly, held_keys


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
