"""A scan from the user's functions, as ``dask.array.reductions.cumreduction`` (xarray's ``scan``).

``func`` scans one block along ``axis``; ``binop`` joins a carry and a value; ``ident`` is the carry
into the first block. Each block is scanned on its own, its total taken (its last slice, or
``preop(block, axis=axis, keepdims=True)`` of the input block when given), the totals combined
in order (:class:`~chunkarray.primitives.scan.PrefixScan`, one tiny task per block) and each
block continued from its carry: O(blocks) tasks, each block read once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import cumreduction as kc
from chunkarray.ops.creation import asarray
from chunkarray.ops.shape import ravel
from chunkarray.primitives.blockwise import Blockwise, blockwise_node
from chunkarray.primitives.scan import PrefixScan

__all__ = ["cumreduction"]

_METHODS = ("sequential", "blelloch")


def cumreduction(func: Callable[..., Any], binop: Callable[..., Any], ident: Any, x: Any, /,
                 axis: int | None = None, dtype: Any = None, out: Any = None,
                 method: str = "sequential", preop: Callable[..., Any] | None = None
                 ) -> ChunkedArray:
    """A scan of ``x`` along ``axis`` by a block scan ``func`` and a carry operator ``binop``.

    ``method`` is accepted for dask's signature; both values give the same (exact) answer.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(1, 7), chunks=2)
    >>> cumreduction(np.cumsum, np.add, 0, x, axis=0).compute()
    array([ 1,  3,  6, 10, 15, 21])
    """
    if out is not None:
        raise TypeError("cumreduction: out= is not supported on chunked arrays; got an out array")
    if method not in _METHODS:
        raise ValueError(f"method={method!r}: must be one of {_METHODS}")
    x = asarray(x)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis_index(axis, x.ndim, "axis")
    require_known_chunks(x, "cumreduction", (axis,))
    dtype = x.dtype if dtype is None else np.dtype(dtype)
    ind = tuple(range(x.ndim))
    scanned = blockwise_node(partial(func, axis=axis), ind, x._node, ind, dtype=dtype,
                             token=("cumreduction", func))
    if x.numblocks[axis] == 1:
        return ChunkedArray(scanned)
    if preop is None:
        totals = blockwise_node(partial(kc.block_last, axis=axis), ind, scanned, ind,
                                dtype=dtype, adjust_chunks={axis: 1}, token="cumreduction-last")
    else:
        totals = blockwise_node(partial(preop, axis=axis, keepdims=True), ind, x._node, ind,
                                dtype=dtype, adjust_chunks={axis: 1},
                                token=("cumreduction-preop", preop))
    carries = PrefixScan(totals, axis, partial(kc.combine_carry, binop=binop, ident=ident),
                         label="cumreduction-carry")
    name = "cumreduction-" + tokenize(scanned.name, carries.name, binop)
    # Matched block for block (the carries have one block per block of the scan), never broadcast.
    out_node = Blockwise(name, scanned.chunks, dtype, partial(kc.apply_carry, binop=binop), ind,
                         (scanned, carries), (ind, ind), None)
    return ChunkedArray(out_node)
