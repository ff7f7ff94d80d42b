"""``rechunk``: change the block sizes of an array within a memory budget."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from chunkarray import config
from chunkarray._bytes import parse_bytes
from chunkarray._chunks import normalize_chunks
from chunkarray._rechunk_plan import plan_rechunk
from chunkarray._tokenize import tokenize
from chunkarray.array import ChunkedArray
from chunkarray.graph import Node
from chunkarray.primitives.rechunk import Rechunk
from chunkarray.primitives.sources import FromArray

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
    if isinstance(node, FromArray):
        block = itemsize * math.prod(max(c) for c in new)
        if block > limit:
            raise ValueError(
                f"rechunk: a block of chunks={chunks!r} holds {block:,} bytes, more than "
                f"memory_limit={limit:,}; use smaller chunks or a larger memory_limit"
            )
        name = "array-" + tokenize(node.name, new)
        return ChunkedArray(FromArray(name, node.source, new, node.dtype, node.getter))
    for stage in plan_rechunk(node.chunks, new, itemsize, limit):
        node = Rechunk(node, stage)
    return ChunkedArray(node)
