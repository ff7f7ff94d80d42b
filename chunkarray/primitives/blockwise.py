"""The blockwise primitive: one function applied block by block, with index notation.

``blockwise_node(f, "ij", x, "ij", y, "j")`` makes block ``(i, j)`` as ``f(x[i, j], y[j])``.
An index in an input but not in the output is *contracted*: the function receives every block
along it (a nested list, or their concatenation). An input with one block on an axis is broadcast
along it. Elementwise operations, the first step of every reduction, transposes and ``map_blocks``
are all this one node.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray.core.chunks import Chunks, broadcast_chunk_axis
from chunkarray.core.graph import Key, Node
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as kernels
from chunkarray.primitives.rechunk import rechunk_node

__all__ = ["BROADCAST", "CONTRACTED", "Blockwise", "blockwise_node", "unify_chunks",
           "with_block_kwargs"]

Index = tuple[Hashable, ...]
BlockKwargs = Callable[[tuple[int, ...]], dict[str, Any]]

#: In :attr:`Blockwise.input_axes`: the input has one block on this axis, read by every block.
BROADCAST = -1
#: In :attr:`Blockwise.input_axes`: the axis is contracted, every block along it is read at once.
CONTRACTED = -2

_OUT, _ZERO, _CONTRACT = 0, 1, 2
# How an input's axis is indexed: (_OUT, output axis), (_ZERO, 0) or (_CONTRACT, letter); the
# value's type follows the tag, which a tuple type cannot say.
Step = tuple[int, Any]


class Blockwise(Node):
    """Block ``idx`` of the output is ``func(*input blocks)`` with the blocks chosen by index.

    ``block_kwargs(idx)`` gives keyword arguments of ``func`` that differ per block.
    ``piece_combine`` merges the results of row pieces of one block (reductions give it), so
    that fusion may run a large block piece by piece in cache; None: whole blocks only.

    Which blocks of each input a block reads is described by :attr:`input_axes`: per input, per
    axis, the output axis whose block number it follows, :data:`BROADCAST` or
    :data:`CONTRACTED`.

    >>> x, y = Node("x", ((2, 2), (3,)), float), Node("y", ((3,),), float)
    >>> node = blockwise_node(max, (0,), x, (0, 1), y, (1,), dtype=float)
    >>> node.input_axes
    ((0, -2), (-2,))
    >>> node.contracts
    True
    """

    __slots__ = ("func", "out_ind", "inputs", "in_inds", "block_kwargs", "piece_combine",
                 "input_axes", "_plans", "_contract")

    def __init__(
        self,
        name: str,
        chunks: Chunks,
        dtype: Any,
        func: Callable[..., Any],
        out_ind: Index,
        inputs: Sequence[Node],
        in_inds: Sequence[Index],
        block_kwargs: BlockKwargs | None = None,
        piece_combine: Callable[[list[Any]], Any] | None = None,
        masked: bool | None = None,
    ) -> None:
        super().__init__(name, chunks, dtype)
        if masked is not None:  # the function's author says what it does with masked blocks
            self.masked = masked
        self.func = func
        self.out_ind = tuple(out_ind)
        self.inputs = tuple(inputs)
        self.in_inds = tuple(tuple(i) for i in in_inds)
        self.block_kwargs = block_kwargs
        self.piece_combine = piece_combine
        position = {letter: p for p, letter in enumerate(self.out_ind)}
        contract: dict[Hashable, int] = {}
        plans = []
        for node, ind in zip(self.inputs, self.in_inds):
            plan: list[Step] = []
            for axis, letter in enumerate(ind):
                if letter not in position:
                    contract[letter] = node.numblocks[axis]
                    plan.append((_CONTRACT, letter))
                elif node.numblocks[axis] == 1:
                    plan.append((_ZERO, 0))
                else:
                    plan.append((_OUT, position[letter]))
            plans.append(tuple(plan))
        self._plans = tuple(plans)
        self._contract = contract
        roles = {_ZERO: BROADCAST, _CONTRACT: CONTRACTED}
        self.input_axes: tuple[tuple[int, ...], ...] = tuple(
            tuple(v if kind == _OUT else roles[kind] for kind, v in plan) for plan in plans
        )

    @property
    def contracts(self) -> bool:
        """Whether some block reads several blocks of an input (a contracted axis)."""
        return bool(self._contract)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return self.inputs

    def follows(self) -> tuple[Node, tuple[int, ...]] | None:
        """The first input whose blocks map one to one onto this node's (elementwise steps,
        transposes, sinks), with the axis of this node each of its axes is."""
        ndim = len(self.out_ind)
        for node, axes in zip(self.inputs, self.input_axes):
            if len(axes) == ndim and sorted(axes) == list(range(ndim)):
                return node, axes
        return None

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        deps: list[Key] = []
        args: list[Any] = []
        for node, plan in zip(self.inputs, self._plans):
            coords = [index[v] if kind == _OUT else v for kind, v in plan]
            contracted = [a for a, (kind, _) in enumerate(plan) if kind == _CONTRACT]
            if not contracted:
                key: Key = (node.name, *coords)
                deps.append(key)
                args.append(key)
            else:
                args.append(self._nested(node.name, coords, contracted, plan, deps))
        func = self.func
        if self.block_kwargs is not None:
            func = partial(func, **self.block_kwargs(index))
        return (func, *args), deps

    def _nested(
        self, name: str, coords: list[Any], axes: list[int], plan: tuple, deps: list[Key]
    ) -> list[Any]:
        axis, rest = axes[0], axes[1:]
        out: list[Any] = []
        for b in range(self._contract[plan[axis][1]]):
            c = list(coords)
            c[axis] = b
            if rest:
                out.append(self._nested(name, c, rest, plan, deps))
            else:
                key: Key = (name, *c)
                deps.append(key)
                out.append(key)
        return out


def unify_chunks(pairs: Sequence[tuple[Node, Index]]) -> tuple[dict[Hashable, tuple[int, ...]],
                                                              list[Node]]:
    """Chunks per index letter, and the inputs rechunked to them.

    Axes of length one are broadcast and keep their single block; every other axis sharing a
    letter is rechunked to the common refinement of the chunkings given for it.
    """
    per_letter: dict[Hashable, list[tuple[int, ...]]] = {}
    for node, ind in pairs:
        for letter, c in zip(ind, node.chunks):
            per_letter.setdefault(letter, []).append(c)
    chunks = {letter: broadcast_chunk_axis(*cs) for letter, cs in per_letter.items()}
    nodes = []
    for node, ind in pairs:
        target = tuple(
            c if sum(c) == 1 and sum(chunks[letter]) != 1 else chunks[letter]
            for letter, c in zip(ind, node.chunks)
        )
        nodes.append(rechunk_node(node, target))
    return chunks, nodes


def _output_chunks(letter: Hashable, letter_chunks: Mapping[Hashable, tuple[int, ...]],
                   adjust_chunks: Mapping[Hashable, Any] | None) -> tuple[int, ...]:
    """The chunks of output letter ``letter``: its inputs' unified chunks, as adjusted."""
    if letter not in letter_chunks:
        raise ValueError(f"output index {letter!r} is in no input; give it in new_axes")
    c = letter_chunks[letter]
    adjust = (adjust_chunks or {}).get(letter)
    if isinstance(adjust, (int, np.integer)):
        return (int(adjust),) * len(c)
    if callable(adjust):
        return tuple(adjust(s) for s in c)
    if adjust is not None:
        return tuple(adjust)
    return c


def blockwise_node(
    func: Callable[..., Any],
    out_ind: Index,
    *args: Any,
    dtype: Any,
    name: str | None = None,
    new_axes: Mapping[Hashable, int | tuple[int, ...]] | None = None,
    adjust_chunks: Mapping[Hashable, Any] | None = None,
    concatenate: bool = False,
    block_kwargs: BlockKwargs | None = None,
    piece_combine: Callable[[list[Any]], Any] | None = None,
    token: Any = None,
    masked: bool | None = None,
) -> Blockwise:
    """Build a :class:`Blockwise` node from ``(input, index)`` pairs.

    Inputs are nodes with an index tuple, or literals with index ``None`` (passed to every call).
    ``new_axes`` gives the length (or chunks) of output letters no input has; ``adjust_chunks``
    maps a letter to a block size for every block, a function of each block size, or new chunks.
    ``masked``: whether ``func`` makes masked blocks (``numpy.ma.MaskedArray``), for a function
    that knows what to do with masked inputs; None (it does not know) refuses masked inputs.
    """
    if len(args) % 2:
        raise ValueError("blockwise arguments must come in (array, index) pairs")
    pairs = list(zip(args[::2], args[1::2]))
    arrays = [(a, tuple(i)) for a, i in pairs if i is not None]
    for node, ind in arrays:
        if len(ind) != len(node.chunks):
            raise ValueError(
                f"index {ind!r} has {len(ind)} letters but its array has {len(node.chunks)} axes"
            )
    letter_chunks, nodes = unify_chunks(arrays)
    for letter, size in (new_axes or {}).items():
        letter_chunks[letter] = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    out_chunks = [_output_chunks(letter, letter_chunks, adjust_chunks) for letter in out_ind]
    literals = {i: a for i, (a, ind) in enumerate(pairs) if ind is None}
    concat_axes: dict[int, tuple[int, ...]] = {}
    if concatenate:
        array_positions = [i for i, (_, ind) in enumerate(pairs) if ind is not None]
        for pos, (_, ind) in zip(array_positions, arrays):
            axes = tuple(a for a, letter in enumerate(ind) if letter not in out_ind)
            if axes:
                concat_axes[pos] = axes
    kernel: Callable[..., Any] = func
    if literals or concat_axes:
        kernel = kernels.apply(func, len(pairs), literals, concat_axes)
    if name is None:
        # Name it for what it does: the caller's label, else the function under any partials.
        if isinstance(token, str):
            label = token
        elif isinstance(token, tuple) and token and all(isinstance(t, str) for t in token):
            label = "-".join(token)
        else:
            base = kernels.base_func(func)
            label = getattr(base, "__name__", type(base).__name__)
        name = f"{label}-" + tokenize(
            func, out_ind, [(n.name, ind) for n, (_, ind) in zip(nodes, arrays)],
            literals, np.dtype(dtype), tuple(out_chunks), token,
        )
    return Blockwise(
        name, tuple(out_chunks), dtype, kernel, out_ind, nodes, [i for _, i in arrays],
        block_kwargs, piece_combine, masked,
    )


def with_block_kwargs(node: Blockwise, make: Callable[[Blockwise], BlockKwargs]) -> Blockwise:
    """``node`` again, its function given the per-block keyword arguments ``make(node)``.

    For arguments that depend on the node's own layout (its chunks after unification, its
    inputs), known only once :func:`blockwise_node` has built it. The name is kept: it already
    names what the function does to each block.

    >>> node = blockwise_node(lambda b, shape: b, (0,), Node("x", ((2, 1),), int), (0,), dtype=int)
    >>> shaped = with_block_kwargs(node, lambda n: lambda index: {"shape": n.chunks[0][index[0]]})
    >>> shaped.block_kwargs((1,)), shaped.name == node.name
    ({'shape': 1}, True)
    """
    return Blockwise(node.name, node.chunks, node.dtype, node.func, node.out_ind, node.inputs,
                     node.in_inds, make(node), node.piece_combine, node.masked)
