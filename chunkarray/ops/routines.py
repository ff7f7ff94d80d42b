"""Block-level routines: ``map_blocks``, the public ``blockwise``, and ``transpose``."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from chunkarray.array import ChunkedArray
from chunkarray.core.chunks import chunk_boundaries
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as kernels
from chunkarray.optimize.fuse import is_elementwise
from chunkarray.primitives.blockwise import blockwise_node, with_block_kwargs

__all__ = ["blockwise", "map_blocks", "permute_dims", "transpose"]


def _index(ind: Any) -> tuple[Hashable, ...] | None:
    if ind is None:
        return None
    return tuple(ind)


def blockwise(func: Callable[..., Any], out_ind: Any, /, *args: Any, dtype: Any,
              new_axes: dict[Hashable, int] | None = None, concatenate: bool = False,
              adjust_chunks: dict[Hashable, Any] | None = None, name: str | None = None,
              **kwargs: Any) -> ChunkedArray:
    """Apply ``func`` block by block with index notation, like ``dask.array.blockwise``.

    Arguments come in pairs: an array and its index (a string such as ``"ij"``), or any other
    value and ``None``. Indices missing from ``out_ind`` are contracted: ``func`` gets every block
    along them (concatenated with ``concatenate=True``).

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.ones((4, 6), chunks=(2, 3))
    >>> blockwise(np.transpose, "ji", x, "ij", dtype=x.dtype).shape
    (6, 4)
    """
    if len(args) % 2:
        raise ValueError("blockwise: arguments must come in (array, index) pairs")
    pairs: list[Any] = []
    for value, ind in zip(args[::2], args[1::2]):
        if ind is not None and not isinstance(value, ChunkedArray):
            raise TypeError(f"blockwise: an argument with index {ind!r} must be a ChunkedArray, "
                            f"got {type(value).__name__}")
        pairs += [value._node if isinstance(value, ChunkedArray) else value, _index(ind)]
    kernel = partial(func, **kwargs) if kwargs else func
    return ChunkedArray(blockwise_node(
        kernel, tuple(out_ind), *pairs, dtype=np.dtype(dtype), name=name, new_axes=new_axes,
        adjust_chunks=adjust_chunks, concatenate=concatenate, masked=_any_masked(args),
    ))


def _any_masked(args: Any) -> bool:
    # The user's function is handed masked blocks as they are, as dask does: what it returns is
    # taken as masked (a plain block is then one with nothing masked).
    return any(isinstance(a, ChunkedArray) and a._node.masked for a in args)


def _accepts(func: Callable[..., Any], name: str) -> bool:
    # Only a parameter of that name counts, as in dask: a ``**kwargs`` that forwards its options
    # to NumPy (``lambda b, **kw: np.round(b, **kw)``) must not be handed ``block_id``.
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params and params[name].kind is not inspect.Parameter.POSITIONAL_ONLY


def _infer_map_dtype(func: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]
                     ) -> np.dtype:
    metas = [np.empty((0,) * a.ndim, a.dtype) if isinstance(a, ChunkedArray) else a for a in args]
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(func(*metas, **kwargs)).dtype
    except Exception as exc:
        raise ValueError(
            f"map_blocks could not infer the output dtype by calling {func!r} on empty blocks "
            f"({type(exc).__name__}: {exc}); pass dtype= explicitly"
        ) from exc


def map_blocks(func: Callable[..., Any], /, *args: Any, dtype: Any = None, chunks: Any = None,
               drop_axis: Any = None, new_axis: Any = None, name: str | None = None,
               **kwargs: Any) -> ChunkedArray:
    """Apply ``func`` to every block of the arrays in ``args`` (broadcast and aligned).

    ``chunks`` gives the output's chunks when ``func`` changes block shapes (a block shape, or
    explicit chunks); ``drop_axis``/``new_axis`` remove or add axes. A ``func`` that takes a
    ``block_id`` or ``block_info`` argument receives the block's index, or a dict describing
    where the block lies in each input and in the output (as in dask). Each block ``func``
    returns is checked against the output's chunks when it is made (unknown lengths aside), so a
    block of the wrong shape fails there, whatever consumes it.

    >>> import chunkarray as ca
    >>> map_blocks(lambda b: b * 2, ca.arange(4, chunks=2), dtype=int).compute()
    array([0, 2, 4, 6])
    """
    arrays = [a for a in args if isinstance(a, ChunkedArray)]
    if not arrays:
        raise TypeError("map_blocks needs at least one ChunkedArray argument")
    if dtype is None:
        dtype = _infer_map_dtype(func, args, kwargs)
    ndim = max(a.ndim for a in arrays)
    out_ind: list[Hashable] = list(range(ndim))
    dropped = normalize_axis_tuple(drop_axis, ndim) if drop_axis is not None else ()
    out_ind = [i for i in out_ind if i not in dropped]
    new_axes: dict[Hashable, int] = {}
    if new_axis is not None:
        positions = normalize_axis_tuple(new_axis, len(out_ind) + len(np.atleast_1d(new_axis)))
        for p in sorted(positions):
            letter = f"new{p}"
            out_ind.insert(p, letter)
            new_axes[letter] = 1
    pairs: list[Any] = []
    for a in args:
        if isinstance(a, ChunkedArray):
            pairs += [a._node, tuple(range(ndim - a.ndim, ndim))]
        else:
            pairs += [a, None]
    adjust: dict[Hashable, Any] = {}
    if chunks is not None:
        adjust = _adjust_from(chunks, out_ind)
    wants_id, wants_info = _accepts(func, "block_id"), _accepts(func, "block_info")
    kernel = partial(func, **kwargs) if kwargs else func
    label = getattr(func, "__name__", "map_blocks")
    options = {"dtype": np.dtype(dtype), "new_axes": new_axes, "adjust_chunks": adjust,
               "concatenate": True, "token": label if name is None else (label, name), "name": name,
               "masked": _any_masked(args)}
    node = blockwise_node(kernel, tuple(out_ind), *pairs, **options)
    if is_elementwise(node) and not (wants_id or wants_info):
        return ChunkedArray(node)  # a ufunc keeps its blocks' shapes: no check needed
    checked = partial(kernels.call_checked_shape, func=kernel)
    node = blockwise_node(checked, tuple(out_ind), *pairs, **options)
    array_positions = [i for i, a in enumerate(args) if isinstance(a, ChunkedArray)]
    node = with_block_kwargs(
        node, partial(_block_kwargs, positions=array_positions, wants_id=wants_id,
                      wants_info=wants_info))
    return ChunkedArray(node)


def _adjust_from(chunks: Any, out_ind: list[Hashable]) -> dict[Hashable, Any]:
    chunks = tuple(chunks)
    if len(chunks) != len(out_ind):
        raise ValueError(
            f"map_blocks: chunks={chunks!r} has {len(chunks)} entries but the output has "
            f"{len(out_ind)} axes"
        )
    adjust: dict[Hashable, Any] = {}
    for letter, c in zip(out_ind, chunks):
        if isinstance(c, (int, np.integer)):
            adjust[letter] = partial(_constant, int(c))
        else:
            adjust[letter] = tuple(c)
    return adjust


def _constant(value: int, _: int) -> int:
    return value


def _block_kwargs(node: Any, positions: list[int], wants_id: bool, wants_info: bool
                  ) -> Callable[[tuple[int, ...]], dict[str, Any]]:
    """The shape each output block must have, and ``block_id`` / ``block_info`` (when
    ``func`` takes them) with dask's meaning.

    ``block_info[i]`` describes the block of positional argument ``i`` (only array arguments have
    an entry), ``block_info[None]`` the output block. Input axes are found by index letter, not by
    position, so ``drop_axis`` / ``new_axis`` shift nothing; a dropped axis arrives concatenated, so
    it counts as one block spanning the whole axis.
    """
    out_bounds = [chunk_boundaries(c) for c in node.chunks]
    in_bounds = [[chunk_boundaries(c) for c in src.chunks] for src in node.inputs]

    def kwargs(index: tuple[int, ...]) -> dict[str, Any]:
        # The shape the block must have (None: unknown length), checked by call_checked_shape.
        out: dict[str, Any] = {"expected": tuple(
            None if c[i] != c[i] else c[i] for c, i in zip(node.chunks, index))}
        if wants_id:
            out["block_id"] = index
        if wants_info:
            where = dict(zip(node.out_ind, index))
            info: dict[Any, Any] = {}
            for pos, src, ind, bounds in zip(positions, node.inputs, node.in_inds, in_bounds):
                info[pos] = _input_location(src, ind, bounds, where)
            info[None] = {
                "shape": node.shape,
                "num-chunks": node.numblocks,
                "chunk-location": index,
                "array-location": [(b[i], b[i + 1]) for b, i in zip(out_bounds, index)],
                "chunk-shape": tuple(c[i] for c, i in zip(node.chunks, index)),
                "dtype": node.dtype,
            }
            out["block_info"] = info
        return out

    return kwargs


def _input_location(src: Any, ind: tuple[Hashable, ...], bounds: list[tuple[int, ...]],
                    where: dict[Hashable, int]) -> dict[str, Any]:
    nums, loc, spans = [], [], []
    for axis, letter in enumerate(ind):
        if letter not in where:  # dropped: every block along it, concatenated into one
            nums.append(1)
            loc.append(0)
            spans.append((0, src.shape[axis]))
            continue
        b = where[letter] if src.numblocks[axis] > 1 else 0  # one block: broadcast along it
        nums.append(src.numblocks[axis])
        loc.append(b)
        spans.append((bounds[axis][b], bounds[axis][b + 1]))
    return {"shape": src.shape, "num-chunks": tuple(nums), "chunk-location": tuple(loc),
            "array-location": spans}


def transpose(x: ChunkedArray, /, axes: Sequence[int] | None = None) -> ChunkedArray:
    """Permute the axes (reverse them by default), like ``numpy.transpose``.

    >>> import chunkarray as ca
    >>> transpose(ca.ones((2, 3, 4), chunks=2), (2, 0, 1)).shape
    (4, 2, 3)
    """
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    axes = tuple(axes)
    if len(axes) != x.ndim:
        raise ValueError(f"transpose: axes={axes} don't match an array of {x.ndim} dimensions")
    perm = normalize_axis_tuple(axes, x.ndim, argname="axes")
    if perm == tuple(range(x.ndim)):
        return x
    kernel = partial(np.transpose, axes=perm)
    return ChunkedArray(blockwise_node(
        kernel, perm, x._node, tuple(range(x.ndim)), dtype=x.dtype,
        name="transpose-" + tokenize(x.name, perm), masked=x._node.masked,
    ))


def permute_dims(x: ChunkedArray, /, axes: Sequence[int]) -> ChunkedArray:
    """The array API's name for :func:`transpose` with explicit axes."""
    return transpose(x, axes)

