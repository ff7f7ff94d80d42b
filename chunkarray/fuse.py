"""Blockwise fusion: a rewrite of the expression graph before lowering.

A chain of blockwise steps, with the reads or creation functions that feed it, becomes one
:class:`Fused` node whose task runs the whole chain on each block: ``(x * 2 + 1).sum()`` lowers to
one task per block instead of four, and no intermediate block is ever handed to the executor.
The per-block program (:class:`chunkarray.kernels.Program`) reuses its own temporaries as ``out=``
buffers and runs large blocks in cache-sized pieces.

A node is fused into its consumer when the consumer reads exactly one of its blocks per output
block (no contraction) and no other node, nor the caller, needs it: its blocks then exist only
inside the fused task. Nodes needed twice are left alone, so nothing is computed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray import kernels
from chunkarray.graph import Key, Node, collect_nodes
from chunkarray.primitives.blockwise import _CONTRACT, _OUT, Blockwise
from chunkarray.primitives.sources import BlockFunction, FromArray

__all__ = ["Fused", "fuse"]

# Block functions that act element by element, so a chain of them may run piece by piece.
_ELEMENTWISE_FUNCS: set[Any] = {np.where, np.clip}


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


class Fused(Node):
    """Several nodes run as one task per block; it keeps the name and blocks of its root."""

    __slots__ = ("root", "members", "externals")

    def __init__(self, root: Blockwise, members: set[str], externals: Sequence[Node]) -> None:
        super().__init__(root.name, root.chunks, root.dtype)
        self.root = root
        self.members = members
        self.externals = tuple(externals)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return self.externals

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        builder = _ProgramBuilder(self.members)
        out = builder.visit(self.root, index)
        combine = self.root.piece_combine
        program = kernels.Program(tuple(builder.steps), out, builder.pieces_ok(out, combine),
                                  combine)
        return (program, *builder.keys), builder.keys


class _ProgramBuilder:
    """Flattens the fused nodes for one block into a list of steps over external blocks."""

    def __init__(self, members: set[str]) -> None:
        self.members = members
        self.steps: list[tuple[Callable[..., Any], tuple[int, ...], int, np.dtype]] = []
        self.keys: list[Key] = []
        self.seen: dict[tuple[str, tuple[int, ...]], int] = {}

    def pieces_ok(self, out: int, combine: Callable[..., Any] | None) -> bool:
        """Whether the program may run in row pieces: reads and elementwise steps only, but for a
        last step that says how to merge its per-piece results (``combine``)."""
        others = [i for i, (_, _, kind, _) in enumerate(self.steps) if kind == kernels.OTHER]
        return not others or (others == [out] and combine is not None)

    def _external(self, key: Key) -> int:
        if key not in self.keys:
            self.keys.append(key)
        return -1 - self.keys.index(key)

    def _step(self, func: Callable[..., Any], refs: tuple[int, ...], kind: int,
              dtype: np.dtype) -> int:
        self.steps.append((func, refs, kind, dtype))
        return len(self.steps) - 1

    def visit(self, node: Node, index: tuple[int, ...]) -> int:
        """The reference (step number, or -1-k for external argument k) of a block of ``node``."""
        if node.name not in self.members:
            return self._external((node.name, *index))
        memo = (node.name, index)
        if memo in self.seen:
            return self.seen[memo]
        if isinstance(node, FromArray):
            data = self._external((node.data.name,))
            read = partial(node.getter, index=node.block_slices(index))
            ref = self._step(read, (data,), kernels.READ, node.dtype)
        elif isinstance(node, BlockFunction):
            task, _ = node.block_task(index)
            ref = self._step(task[0], (), kernels.READ, node.dtype)
        else:
            assert isinstance(node, Blockwise)
            refs = tuple(
                self.visit(source, tuple(index[v] if kind == _OUT else v for kind, v in plan))
                for source, plan in zip(node.inputs, node._plans)
            )
            func = node.func
            if node.block_kwargs is not None:
                func = partial(func, **node.block_kwargs(index))
            kind = kernels.ELEMENTWISE if is_elementwise(node) else kernels.OTHER
            ref = self._step(func, refs, kind, node.dtype)
        self.seen[memo] = ref
        return ref


def _fusable_inputs(node: Node) -> Iterable[Node]:
    """Inputs of ``node`` that it reads one block at a time (no contraction)."""
    if not isinstance(node, Blockwise):
        return ()
    return [
        source for source, plan in zip(node.inputs, node._plans)
        if all(kind != _CONTRACT for kind, _ in plan)
        and isinstance(source, (Blockwise, FromArray, BlockFunction))
        and not (isinstance(source, Blockwise) and source._contract)
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
    absorbed: set[str] = set()
    # Visit consumers before their inputs, so each group starts at its topmost blockwise node.
    for name in _topological(nodes, roots):
        node = nodes[name]
        if name in absorbed or not isinstance(node, Blockwise):
            continue
        members = {name}
        stack: list[Node] = [node]
        while stack:
            for source in _fusable_inputs(stack.pop()):
                if (source.name not in root_names and source.name not in absorbed
                        and consumers[source.name] <= members):
                    members.add(source.name)
                    absorbed.add(source.name)
                    stack.append(source)
        if len(members) > 1:
            nodes[name] = Fused(node, members, _externals(node, members))
    for name in absorbed:
        del nodes[name]
    return nodes


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
