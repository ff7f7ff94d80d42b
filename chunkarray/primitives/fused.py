"""Fused nodes: several nodes run as one task per block (built by :mod:`chunkarray.optimize.fuse`).

A :class:`Fused` node runs a chain of blockwise steps, with the reads or creation functions that
feed it, as one :class:`~chunkarray.kernels.program.Program` per block. A :class:`SinkAfter` runs
a sink's copy inside the task that makes its block. A :class:`PartlyHeld` node makes some blocks
from held blocks of a shared input and makes that input again for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, cast

import numpy as np

from chunkarray.core.graph import Key, Node, is_task
from chunkarray.kernels import blocks as kernels
from chunkarray.kernels.program import ELEMENTWISE, OTHER, READ, Plan, Program
from chunkarray.primitives.blockwise import Blockwise
from chunkarray.primitives.sources import BlockFunction, FromArray

__all__ = ["Fused", "PartlyHeld", "SinkAfter"]


class Fused(Node):
    """Several nodes run as one task per block; it keeps the name and blocks of its root.

    The chain is flattened once into a `Plan` and a template of steps;
    each block then only fills in its own input keys, read slices and per-block arguments.
    """

    __slots__ = ("root", "members", "externals", "elementwise", "_template")
    keeps_masks = True  # its members were each built knowing what their blocks are

    def __init__(self, root: Blockwise, members: set[str], externals: Sequence[Node],
                 elementwise: set[str]) -> None:
        """``members``: the names of the nodes fused, ``root`` the last of them; ``externals``:
        the nodes outside the group its members read; ``elementwise``: the members that compute
        each element from the same element of their inputs (a chain of those may run in pieces).
        """
        super().__init__(root.name, root.chunks, root.dtype)
        self.masked = root.masked
        self.root = root
        self.members = frozenset(members)
        self.externals = tuple(externals)
        self.elementwise = frozenset(elementwise)
        self._template = _Template(root, self.members, self.elementwise)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return self.externals

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        return self._template.task(index)

    def block_tasks(self, indices: Sequence[tuple[int, ...]]) -> list[tuple[Any, Sequence[Key]]]:
        return self._template.tasks(indices)


# A block of a member node is found from the root's block index by a coordinate map: entry ``p``
# of the map is ``index[p]`` when ``p >= 0``, block 0 (a broadcast axis) when ``p == -1``.
Coords = tuple[int, ...]
# A function from a block index to the step function for that block.
BlockFuncMaker = Callable[[tuple[int, ...]], Callable[..., Any]]


def _at(coords: Coords, index: tuple[int, ...]) -> tuple[int, ...]:
    return tuple([index[p] if p >= 0 else 0 for p in coords])


class _Template:
    """The fused chain flattened once: the plan, and how each step and input depends on a block."""

    def __init__(self, root: Blockwise, members: frozenset[str], elementwise: frozenset[str]
                 ) -> None:
        self.members = members
        self.elementwise = elementwise
        self._per_block: list[tuple[int, BlockFuncMaker, Coords | None]] = []
        self._keys: list[tuple[str, Coords | None, Key | None]] = []
        self._fixed_keys: tuple[Key, ...] | None = None  # when no key depends on the block
        # (steps before, maker, steps after) when one step, at the root's blocks, is per block
        self._one_read: tuple[tuple[Any, ...], Any, tuple[Any, ...]] | None = None
        self._one_read_node: Node | None = None
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
        # Masked blocks run step by step: ``out=`` buffers and pieces are plain arrays.
        masked = any(n.masked or any(d.masked for d in n.dependencies) for n, _, _ in self.steps)
        self.plan = Plan(tuple(refs), tuple(kinds), tuple(n.dtype for n, _, _ in self.steps), out,
                         root.piece_combine, ufunc, sink, masked)
        self._compile()

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
                self._visit(source, tuple(coords[p] if p >= 0 else -1 for p in axes))
                for source, axes in zip(node.inputs, node.input_axes)
            )
            kind = ELEMENTWISE if node.name in self.elementwise else OTHER
            if node.block_kwargs is None:
                fixed = node.func
        self.steps.append((node, coords, fixed))
        self._refs.append(refs)
        self._kinds.append(kind)
        self._seen[memo] = len(self.steps) - 1
        return len(self.steps) - 1

    def task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
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
        for i, make, coords in self._per_block:
            funcs[i] = make(index if coords is None else _at(coords, index))
        # Every None in funcs (a per-block step) was filled in just above.
        filled = cast("tuple[Callable[..., Any], ...]", tuple(funcs))
        return (Program(self.plan, filled), *keys), keys

    def tasks(self, indices: Sequence[tuple[int, ...]]) -> list[tuple[Any, Sequence[Key]]]:
        """:meth:`task` of each of ``indices``; the usual case (one read of the root's own
        block, fixed input keys) in one loop."""
        keys = self._fixed_keys
        if self._one_read is None or keys is None:
            return list(map(self.task, indices))
        before, _, after = self._one_read
        plan, read = self.plan, self._one_read_node
        funcs = (read.block_readers(indices) if isinstance(read, FromArray)
                 else read.block_funcs(indices) if isinstance(read, BlockFunction)
                 else list(map(self._one_read[1], indices)))
        return [((Program(plan, (*before, f, *after)), *keys), keys) for f in funcs]

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
            self._one_read_node = self.steps[i][0]


def _block_func_maker(node: Node) -> BlockFuncMaker:
    """A function from a block index to the step function of ``node`` for that block."""
    if isinstance(node, FromArray):
        return node.block_reader
    if isinstance(node, BlockFunction):
        return lambda index: node.block_task(index)[0][0]  # type: ignore[no-any-return]
    assert isinstance(node, Blockwise) and node.block_kwargs is not None
    func, block_kwargs = node.func, node.block_kwargs
    return lambda index: partial(func, **block_kwargs(index))


class SinkAfter(Node):
    """A sink whose copy runs in its source's own task: one task per block, not two."""

    __slots__ = ("sink", "source")
    keeps_masks = True

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


class PartlyHeld(Node):
    """A node whose blocks come from one of two equivalent nodes, chosen block by block.

    ``held`` reads the blocks of the ``shared`` nodes as tasks of their own, which stay in memory
    until their last reader has run; ``remade`` makes them again inside its own task (see
    :mod:`chunkarray.optimize.holding`). A block is made by ``held`` when every block of a
    shared node it reads is among ``held_keys``, and by ``remade`` otherwise, so only the held
    blocks are ever tasks.
    """

    __slots__ = ("held", "remade", "shared", "held_keys")

    def __init__(self, held: Node, remade: Node, shared: frozenset[str],
                 held_keys: frozenset[Key]) -> None:
        if held.name != remade.name or held.chunks != remade.chunks:
            raise ValueError(f"{held.name!r} and {remade.name!r} do not make the same blocks")
        super().__init__(held.name, held.chunks, held.dtype)
        self.held = held
        self.remade = remade
        self.shared = shared
        self.held_keys = held_keys

    @property
    def dependencies(self) -> tuple[Node, ...]:
        found = {d.name: d for d in self.remade.dependencies}
        for d in self.held.dependencies:
            found.setdefault(d.name, d)
        return tuple(found.values())

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        task, deps = self.held.block_task(index)
        shared, held = self.shared, self.held_keys
        if all(k in held or k[0] not in shared for k in deps):
            return task, deps
        return self.remade.block_task(index)
