"""``rechunk``: change the block sizes of an array within a memory budget."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from chunkarray import config
from chunkarray._bytes import parse_bytes
from chunkarray._chunks import Chunks, normalize_chunks
from chunkarray._rechunk_plan import plan_rechunk
from chunkarray._tokenize import tokenize
from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.fuse import is_elementwise
from chunkarray.graph import Node
from chunkarray.primitives.blockwise import Blockwise, blockwise_node
from chunkarray.primitives.rechunk import Rechunk
from chunkarray.primitives.sources import BlockFunction, FromArray

__all__ = ["rechunk"]


def rechunk(x: ChunkedArray, /, chunks: Any = "auto", *, memory_limit: Any = None
            ) -> ChunkedArray:
    """The same values in new blocks; no task holds more than ``memory_limit`` bytes.

    ``chunks`` takes every form ``from_array`` does, but axes a dict does not name keep their
    blocks (as in dask). The plan goes through intermediate chunkings
    where one stage would not fit (see :func:`chunkarray._rechunk_plan.plan_rechunk`); a rechunk
    to the current chunks is ``x`` itself, a rechunk of a rechunk is one rechunk, and a rechunk
    of an array read from storage reads the new blocks directly.

    >>> import chunkarray as ca
    >>> x = ca.ones((6, 6), chunks=(6, 1))
    >>> rechunk(x, (1, 6)).chunks
    ((1, 1, 1, 1, 1, 1), (6,))
    >>> rechunk(x, x.chunks) is x
    True
    """
    require_known_chunks(x, "rechunk")
    if isinstance(chunks, Mapping):  # as in dask: the axes not named keep their blocks
        named = {a % x.ndim if isinstance(a, int) and -x.ndim <= a < x.ndim else a: c
                 for a, c in chunks.items()}
        chunks = {**dict(enumerate(x.chunks)), **named}
    previous = tuple(max(s, 1) for s in x.chunksize)  # "auto" keeps multiples of the old blocks
    new = normalize_chunks(chunks, x.shape, dtype=x.dtype, previous_chunks=previous)
    if new == x.chunks:
        return x
    limit = parse_bytes(memory_limit if memory_limit is not None else config.get("memory_limit"))
    itemsize = max(x.dtype.itemsize, 1)
    node: Node = x._node
    while isinstance(node, Rechunk):  # only the original blocks matter
        node = node.source
    if node.chunks == new:
        return ChunkedArray(node)
    direct = _remake(node, new)
    if direct is not None:
        block = itemsize * math.prod(max(c) for c in new)
        if block > limit:
            raise ValueError(
                f"rechunk: a block of chunks={chunks!r} holds {block:,} bytes, more than "
                f"memory_limit={limit:,}; use smaller chunks or a larger memory_limit"
            )
        return ChunkedArray(direct)
    for stage in plan_rechunk(node.chunks, new, itemsize, limit):
        node = Rechunk(node, stage)
    return ChunkedArray(node)


def _remake(node: Node, new: Chunks) -> Node | None:
    """``node`` making blocks of ``new`` itself, when its blocks are cheap to make anew.

    A read makes any block by reading a different region, a creation function by being called
    with another shape and offset, and an elementwise step over such nodes by doing the same to
    its inputs. No data moves between blocks, so no task holds more than one new block; other
    nodes return None and are rechunked by moving data (see ``plan_rechunk``).
    """
    name = f"{node.name.split('-')[0]}-" + tokenize(node.name, new)
    if isinstance(node, FromArray):
        return FromArray(name, node.source, new, node.dtype, node.getter, node.region,
                         data=node.data)
    if isinstance(node, BlockFunction):
        return BlockFunction(name, node.func, new, node.dtype, node.kwargs)
    if not (isinstance(node, Blockwise) and is_elementwise(node)):
        return None
    pairs: list[Any] = []
    for source, ind in zip(node.inputs, node.in_inds):
        while isinstance(source, Rechunk):  # e.g. unifying chunks: the new blocks replace it
            source = source.source
        target = tuple(
            (1,) if n == 1 and node.shape[letter] != 1 else new[letter]  # type: ignore[index]
            for letter, n in zip(ind, source.shape)
        )
        remade = source if source.chunks == target else _remake(source, target)
        if remade is None:
            return None
        pairs += [remade, ind]
    return blockwise_node(node.func, node.out_ind, *pairs, dtype=node.dtype)
