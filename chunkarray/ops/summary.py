"""Whole-array summaries of data-dependent shape: every block to one small value, by a tree.

``unique``, ``bincount`` and ``histogram`` all reduce every block of an array to one small value
whose shape depends on the data (the distinct values, the largest integer, the counts per bin). A
summary is a blockwise *chunk* step (one state per block), a tree of *merge* steps over groups of
neighbouring states, and a 0-d node whose single block is the merged state. Helpers here turn such
a state into chunked arrays: of a size known only when computed (NaN chunks, one block) or known
now.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core import config
from chunkarray.core.chunks import block_offsets
from chunkarray.core.graph import Node
from chunkarray.kernels.blocks import flatten_nested
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.reduce import PartialReduce

#: Chunks of one block of unknown size, for ``new_axes``.
UNKNOWN: Any = (math.nan,)

__all__ = [
    "combine_states", "field_array", "flat_offsets", "merge_states", "summarize", "unknown_size",
]


def _fan_in(split_every: Any, ndim: int) -> int:
    if split_every is None:
        split_every = config.get("split_every")
    if isinstance(split_every, bool) or not isinstance(split_every, (int, np.integer)) \
            or split_every < 2:
        raise ValueError(f"split_every={split_every!r}: must be an int >= 2")
    return builtins.max(int(split_every ** (1 / builtins.max(ndim, 1)) + 1e-9), 2)


def flat_offsets(x: ChunkedArray, operation: str) -> Callable[[tuple[int, ...]], dict[str, Any]]:
    """``block_kwargs`` giving each block its global ``offset`` and the array's ``shape``."""
    require_known_chunks(x, operation)
    offsets, shape = block_offsets(x.chunks), x.shape

    def kwargs(index: tuple[int, ...]) -> dict[str, Any]:
        return {"offset": tuple(o[i] for o, i in zip(offsets, index)), "shape": shape}

    return kwargs


def summarize(x: ChunkedArray, chunk: Callable[..., Any], merge: Callable[[Any], Any], *,
              label: str, block_kwargs: Callable[[tuple[int, ...]], dict[str, Any]] | None = None,
              split_every: Any = None, inputs: tuple[ChunkedArray, ...] = (),
              states: tuple[Node, ...] = ()) -> Node:
    """A 0-d node whose one block is ``merge`` over ``chunk(block, *inputs, *states)`` of ``x``.

    ``merge`` receives a nested list of states (or a single state, for a 0-d ``x``) and must
    accept its own results. ``inputs`` are arrays of the shape of ``x`` whose blocks are passed
    beside each block of ``x`` (weights), rechunked to its chunks; ``states`` are 0-d nodes (an
    earlier summary) passed whole to every chunk step.
    """
    ind = tuple(range(x.ndim))
    pairs: list[Any] = [x._node, ind]
    for other in inputs:
        pairs += [other._node, ind]
    for state in states:
        pairs += [state, ()]
    node: Node = blockwise_node(
        chunk, ind, *pairs, dtype=np.dtype(object), adjust_chunks={a: 1 for a in ind},
        block_kwargs=block_kwargs, token=(label, "chunk"),
    )
    split = dict.fromkeys(ind, _fan_in(split_every, x.ndim))
    while builtins.any(node.numblocks[a] > split[a] for a in ind):
        node = PartialReduce(node, merge, ind, split, dtype=np.dtype(object),
                             label=f"{label}-merge")
    return PartialReduce(node, merge, ind, split, dtype=np.dtype(object), keepdims=False,
                         label=f"{label}-merged")


def merge_states(nested: Any, *, merge: Callable[[list[Any]], Any]) -> Any:
    """Flatten a nested list of states and merge them (a lone state is returned as it is)."""
    if not isinstance(nested, list):
        return nested
    states = flatten_nested(nested)
    return states[0] if len(states) == 1 else merge(states)


def unknown_size(_: Any) -> float:
    return math.nan


def field_array(state: Node, func: Callable[..., Any], dtype: Any, *, label: str,
                length: int | None = None, others: tuple[Node, ...] = ()) -> ChunkedArray:
    """The 1-d array ``func(state, *others)`` as one block: of ``length``, or unknown (NaN) size."""
    pairs: list[Any] = [state, ()]
    for other in others:
        pairs += [other, ()]
    size: Any = (math.nan if length is None else length,)  # NaN: a size known when computed
    node = blockwise_node(func, ("n",), *pairs, dtype=np.dtype(dtype), new_axes={"n": size},
                          token=label)
    return ChunkedArray(node)


def combine_states(func: Callable[..., Any], *states: Node, label: str) -> Node:
    """A 0-d node ``func(*states)`` over 0-d state nodes."""
    pairs: list[Any] = []
    for s in states:
        pairs += [s, ()]
    return blockwise_node(func, (), *pairs, dtype=np.dtype(object), token=label)

