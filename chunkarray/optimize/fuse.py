"""Blockwise fusion: a rewrite of the expression graph before lowering.

A chain of blockwise steps, with the reads or creation functions that feed it, becomes one
:class:`Fused` node whose task runs the whole chain on each block: ``(x * 2 + 1).sum()`` lowers to
one task per block instead of four, and no intermediate block is ever handed to the executor.
The per-block program (:class:`~chunkarray.optimize.program.Program`) reuses its own temporaries
as ``out=`` buffers and runs large blocks in cache-sized pieces.

A node is fused into its consumer when the consumer reads exactly one of its blocks per output
block (no contraction) and no other node, nor the caller, needs it: its blocks then exist only
inside the fused task. Nodes needed twice are left alone, so nothing is computed twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, cast

import numpy as np

from chunkarray.core import config
from chunkarray.core.bytesize import parse_bytes
from chunkarray.core.graph import Key, Node, collect_nodes, is_task
from chunkarray.kernels import blocks as kernels
from chunkarray.optimize.program import ELEMENTWISE, OTHER, READ, Plan, Program
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
    """Several nodes run as one task per block; it keeps the name and blocks of its root.

    The chain is flattened once into a `Plan` and a template of steps;
    each block then only fills in its own input keys, read slices and per-block arguments.
    """

    __slots__ = ("root", "members", "externals", "_template")

    def __init__(self, root: Blockwise, members: set[str], externals: Sequence[Node]) -> None:
        super().__init__(root.name, root.chunks, root.dtype)
        self.root = root
        self.members = members
        self.externals = tuple(externals)
        self._template: _Template | None = None

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return self.externals

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        if self._template is None:
            self._template = _Template(self.root, self.members)
        return self._template.task(index)


# A block of a member node is found from the root's block index by a coordinate map: entry ``p``
# of the map is ``index[p]`` when ``p >= 0``, block 0 (a broadcast axis) when ``p == -1``.
Coords = tuple[int, ...]
# A function from a block index to the step function for that block.
BlockFuncMaker = Callable[[tuple[int, ...]], Callable[..., Any]]


def _at(coords: Coords, index: tuple[int, ...]) -> tuple[int, ...]:
    return tuple([index[p] if p >= 0 else 0 for p in coords])


class _Template:
    """The fused chain flattened once: the plan, and how each step and input depends on a block."""

    def __init__(self, root: Blockwise, members: set[str]) -> None:
        self.members = members
        self._per_block: list[tuple[int, BlockFuncMaker, Coords | None]] | None = None
        self._keys: list[tuple[str, Coords | None, Key | None]] = []
        self._fixed_keys: tuple[Key, ...] | None = None  # when no key depends on the block
        # (steps before, maker, steps after) when one step, at the root's blocks, is per block
        self._one_read: tuple[tuple[Any, ...], Any, tuple[Any, ...]] | None = None
        self._funcs: list[Callable[..., Any] | None] = []
        # (node name, map), or (data key name, None) for the array a read slices
        self.inputs: list[tuple[str, Coords | None]] = []
        self.steps: list[tuple[Node, Coords, Callable[..., Any] | None]] = []
        refs: list[tuple[int, ...]] = []
        kinds: list[int] = []
        self._refs, self._kinds = refs, kinds
        self._seen: dict[tuple[str, Coords], int] = {}
        out = self._visit(root, tuple(range(len(root.chunks))))
        ufunc = tuple(
            # An ELEMENTWISE step is a Blockwise (see is_elementwise).
            kinds[i] == ELEMENTWISE
            and isinstance(kernels.base_func(cast(Blockwise, node).func), np.ufunc)
            for i, (node, _, _) in enumerate(self.steps)
        )
        sink = kernels.base_func(root.func) is kernels.copy_into
        self.plan = Plan(tuple(refs), tuple(kinds), tuple(n.dtype for n, _, _ in self.steps), out,
                         root.piece_combine, ufunc, sink)

    def _input(self, name: str, coords: Coords | None) -> int:
        entry = (name, coords)
        if entry not in self.inputs:
            self.inputs.append(entry)
        return -1 - self.inputs.index(entry)

    def _visit(self, node: Node, coords: Coords) -> int:
        if node.name not in self.members:
            return self._input(node.name, coords)
        memo = (node.name, coords)
        if memo in self._seen:
            return self._seen[memo]
        fixed: Callable[..., Any] | None = None
        if isinstance(node, FromArray):
            refs: tuple[int, ...] = (self._input(node.data.name, None),)
            kind = READ
        elif isinstance(node, BlockFunction):
            refs, kind = (), READ
        else:
            assert isinstance(node, Blockwise)
            refs = tuple(
                self._visit(source, tuple(coords[v] if k == _OUT else -1 for k, v in plan))
                for source, plan in zip(node.inputs, node._plans)
            )
            kind = ELEMENTWISE if is_elementwise(node) else OTHER
            if node.block_kwargs is None:
                fixed = node.func
        self.steps.append((node, coords, fixed))
        self._refs.append(refs)
        self._kinds.append(kind)
        self._seen[memo] = len(self.steps) - 1
        return len(self.steps) - 1

    def task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        if self._per_block is None:
            self._compile()
        keys: Sequence[Key] | None = self._fixed_keys
        if keys is None:
            keys = [
                key if key is not None else (name, *index) if coords is None else
                (name, *_at(coords, index))
                for name, coords, key in self._keys
            ]
        if self._one_read is not None:  # the usual case: one read, of the root's own block
            before, make, after = self._one_read
            return (Program(self.plan, (*before, make(index), *after)), *keys), keys
        funcs = list(self._funcs)
        for i, make, coords in self._per_block:  # type: ignore[union-attr]
            funcs[i] = make(index if coords is None else _at(coords, index))
        # Every None in funcs (a per-block step) was filled in just above.
        filled = cast("tuple[Callable[..., Any], ...]", tuple(funcs))
        return (Program(self.plan, filled), *keys), keys

    def _compile(self) -> None:
        # Most maps are the identity (the member has the root's blocks) and most keys are fixed
        # (the data a read takes): sort that out once, not per block.
        ndim = len(self.steps[self.plan.out][0].chunks)
        identity = tuple(range(ndim))
        self._keys = [
            (name, None if coords == identity else coords, (name,) if coords is None else None)
            for name, coords in self.inputs
        ]
        if all(key is not None for _, _, key in self._keys):
            self._fixed_keys = tuple(key for _, _, key in self._keys if key is not None)
        self._funcs = [fixed for _, _, fixed in self.steps]
        self._per_block = [
            (i, _block_func_maker(node), None if coords == identity else coords)
            for i, (node, coords, fixed) in enumerate(self.steps) if fixed is None
        ]
        if len(self._per_block) == 1 and self._per_block[0][2] is None:
            i, make, _ = self._per_block[0]
            self._one_read = (tuple(self._funcs[:i]), make, tuple(self._funcs[i + 1:]))


def _block_func_maker(node: Node) -> BlockFuncMaker:
    """A function from a block index to the step function of ``node`` for that block."""
    if isinstance(node, FromArray):
        return node.block_reader
    if isinstance(node, BlockFunction):
        return lambda index: node.block_task(index)[0][0]  # type: ignore[no-any-return]
    assert isinstance(node, Blockwise) and node.block_kwargs is not None
    func, block_kwargs = node.func, node.block_kwargs
    return lambda index: partial(func, **block_kwargs(index))


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
            nodes[name] = Fused(node, members, _externals(node, members))
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


class SinkAfter(Node):
    """A sink whose copy runs in its source's own task: one task per block, not two."""

    __slots__ = ("sink", "source")

    def __init__(self, sink: Blockwise, source: Node) -> None:
        super().__init__(sink.name, sink.chunks, sink.dtype)
        self.sink = sink
        self.source = source

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return self.source.dependencies

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        task, deps = self.source.block_task(index)
        out = self.sink.block_kwargs(index)["out"]  # type: ignore[misc]
        if is_task(task):
            return (partial(kernels.run_then_copy, func=task[0], out=out), *task[1:]), deps
        return (partial(kernels.copy_into, task, out=out),), deps  # a block held in memory


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
