"""User-defined reductions: ``reduction(x, chunk, aggregate, ...)`` with dask's contract.

``chunk`` runs on every block, ``combine`` merges groups of ``split_every`` partial results
level by level, and ``aggregate`` makes the result from the last group, all called with
``axis`` (a tuple of non-negative ints) and ``keepdims``, as in ``dask.array.reduction``. The
tree is the one built-in reductions use: a blockwise chunk step, then
:class:`~chunkarray.primitives.reduce.PartialReduce` levels.
"""

from __future__ import annotations

import builtins
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core.graph import Node
from chunkarray.kernels.blocks import concatenate_nested
from chunkarray.ops.creation import asarray
from chunkarray.ops.reductions import _axes, _split_factors, no_out
from chunkarray.ops.shape import broadcast_to
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.reduce import PartialReduce

__all__ = ["reduction"]


def _takes(func: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    p = params.get(name)
    return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)


def _step(nested: Any, *, func: Callable[..., Any], axes: tuple[int, ...], keepdims: bool,
          concatenate: bool) -> Any:
    """A combine or aggregate call on a group of partial results (nested along ``axes``)."""
    if concatenate:
        nested = concatenate_nested(nested, axes)
    return func(nested, axis=axes, keepdims=keepdims)


def reduction(x: Any, /, chunk: Callable[..., Any], aggregate: Callable[..., Any], *,
              axis: Any = None, keepdims: bool = False, dtype: Any = None,
              split_every: Any = None, combine: Callable[..., Any] | None = None,
              name: str | None = None, out: Any = None, concatenate: bool = True,
              output_size: int = 1, meta: Any = None, weights: Any = None) -> ChunkedArray:
    """A reduction made of your own ``chunk``, ``combine`` and ``aggregate`` block functions.

    As ``dask.array.reduction``: ``chunk(block, [weights_block], axis=, keepdims=True)`` runs
    on every block; ``combine(partials, axis=, keepdims=True)`` (default: ``aggregate``) merges
    up to ``split_every`` of them at a time; ``aggregate(partials, axis=, keepdims=)`` makes the
    result. ``partials`` are concatenated along the reduced axes, or with ``concatenate=False``
    passed as nested lists (one level per reduced axis). ``axis`` arrives as a tuple of
    non-negative ints; a ``chunk`` or ``aggregate`` with a ``dtype`` parameter gets ``dtype``.
    With ``keepdims`` the reduced axes have ``output_size`` elements. ``dtype`` (or ``meta``)
    is required: the functions are yours, so the result's dtype cannot be guessed safely.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.arange(10, chunks=3)
    >>> reduction(x, np.sum, np.sum, dtype=x.dtype).compute()
    np.int64(45)
    >>> def top2(b, axis, keepdims):  # the two largest values, merged level by level
    ...     return np.sort(b, axis=axis[0])[-2:]
    >>> reduction(x, top2, top2, axis=0, keepdims=True, output_size=2, dtype=x.dtype,
    ...           split_every=2).compute()
    array([8, 9])
    """
    x = asarray(x)
    no_out(out, "reduction")
    for label, f in (("chunk", chunk), ("aggregate", aggregate), ("combine", combine)):
        if f is not None and not callable(f):
            raise TypeError(f"reduction: {label}={f!r} must be a function")
    if dtype is None:
        if meta is None:
            raise ValueError("reduction: dtype= is required (or meta=, an array of the result's "
                             "dtype): the result's dtype of user functions is not guessed")
        dtype = np.asarray(meta).dtype
    dtype = np.dtype(dtype)
    if isinstance(output_size, bool) or not isinstance(output_size, (int, np.integer)) \
            or output_size < 1:
        raise ValueError(f"reduction: output_size={output_size!r} must be an int >= 1")
    axes = _axes(x, axis)
    if _takes(chunk, "dtype"):
        chunk = partial(chunk, dtype=dtype)
    if _takes(aggregate, "dtype"):
        aggregate = partial(aggregate, dtype=dtype)
    ind = tuple(range(x.ndim))
    args: list[Any] = [x._node, ind]
    if weights is not None:
        try:
            w = broadcast_to(asarray(weights), x.shape)
        except ValueError:
            raise ValueError(f"reduction: weights of shape {np.shape(weights)} do not broadcast "
                             f"to x's shape {x.shape}") from None
        args += [w._node, ind]
    label = name or getattr(chunk, "__name__", None) or "reduction"
    node: Node = blockwise_node(
        partial(chunk, axis=axes, keepdims=True), ind, *args, dtype=dtype,
        adjust_chunks={a: output_size for a in axes}, token=(label, "chunk"))
    split = _split_factors(split_every, axes, x.ndim)
    step = partial(_step, func=combine or aggregate, axes=axes, keepdims=True,
                   concatenate=concatenate)
    while builtins.any(node.numblocks[a] > split[a] for a in axes):
        node = PartialReduce(node, step, axes, split, dtype=dtype, label=f"{label}-combine",
                             size=output_size)
    final = partial(_step, func=aggregate, axes=axes, keepdims=keepdims, concatenate=concatenate)
    node = PartialReduce(node, final, axes, split, dtype=dtype, keepdims=keepdims,
                         label=f"{label}-aggregate", size=output_size)
    return ChunkedArray(node)
