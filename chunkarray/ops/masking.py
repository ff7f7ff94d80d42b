"""Boolean masks that are themselves chunked arrays: ``x[x > 0]``.

The number of elements a block keeps is only known once the mask is computed, so the result has
unknown (NaN) block sizes along the masked axis, as in dask. Elementwise operations and reductions
work on such arrays; operations that need positions (slicing, rechunk, reshape, ``len``) raise and
point to :func:`compute_chunk_sizes`, which computes the sizes once and relabels the same blocks.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.chunks import has_unknown
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.selection import select_mask
from chunkarray.kernels.shape import block_shape, merge_axes
from chunkarray.ops.rechunk import rechunk
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.sources import Relabel

__all__ = ["compute_chunk_sizes", "flatten_numpy_masks", "mask_getitem"]


def mask_getitem(x: ChunkedArray, index: Any) -> ChunkedArray:
    """``x[mask]`` for a chunked boolean ``mask`` over one or more consecutive axes of ``x``.

    Other entries of the index may only be ``:`` and ``...``. Elements come out in NumPy's order
    (C order over the masked axes).

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(6).reshape(2, 3), chunks=1)
    >>> y = x[x % 2 == 0]
    >>> y.chunks
    ((nan, nan),)
    >>> y.compute()
    array([0, 2, 4])
    """
    mask, axis = _locate_mask(x, index)
    k = mask.ndim
    # Blocks are joined in block order: for that to be C order, the masked axes after the first
    # must each be one block.
    whole = tuple(range(axis + 1, axis + k))
    if whole:
        x = rechunk(x, {a: -1 for a in whole})
        mask = rechunk(mask, {a - axis: -1 for a in whole})
    ind = tuple(range(x.ndim))
    out_ind = tuple(a for a in ind if a not in whole)
    node = blockwise_node(
        partial(select_mask, axis=axis), out_ind, x._node, ind, mask._node, ind[axis:axis + k],
        dtype=x.dtype, adjust_chunks={axis: _unknown}, concatenate=True,
        name="getitem-mask-" + tokenize(x.name, mask.name, axis),
    )
    return ChunkedArray(node)


def _unknown(size: int) -> float:
    return math.nan


def _locate_mask(x: ChunkedArray, index: Any) -> tuple[ChunkedArray, int]:
    """The mask in ``index`` and the first axis of ``x`` it covers."""
    items = index if isinstance(index, tuple) else (index,)
    masks = [i for i, item in enumerate(items) if isinstance(item, ChunkedArray)]
    others = [item for item in items if not isinstance(item, ChunkedArray)]
    if len(masks) != 1 or any(o is not Ellipsis and o != slice(None) for o in others):
        raise IndexError(
            f"a chunked array can index only alone or beside ':' and '...', got {index!r}"
        )
    position = masks[0]
    mask = items[position]
    if mask.dtype != bool:
        raise IndexError(
            f"a chunked index must be a boolean mask, got dtype {mask.dtype}; compute integer "
            f"indices first (np.asarray(idx)) or use x.vindex"
        )
    if mask.ndim == 0:
        raise IndexError("a 0-d chunked mask is not supported; compute it first")
    before, after = items[:position], items[position + 1:]
    if Ellipsis in after:
        axis = len(before)
    elif Ellipsis in before:
        axis = x.ndim - mask.ndim - len(after)
    else:
        axis = len(before)
    if axis < 0 or axis + mask.ndim > x.ndim:
        raise IndexError(
            f"too many indices for array: array is {x.ndim}-dimensional, but the mask of shape "
            f"{mask.shape} and the other entries index more axes"
        )
    require_known_chunks(x, "indexing with a mask", range(axis, axis + mask.ndim))
    require_known_chunks(mask, "indexing with a mask")
    for m, a in enumerate(range(axis, axis + mask.ndim)):
        if mask.shape[m] != x.shape[a]:
            raise IndexError(
                f"boolean index did not match indexed array along axis {a}; size of axis is "
                f"{x.shape[a]} but size of corresponding boolean axis is {mask.shape[m]}"
            )
    return mask, axis


# --- NumPy masks over several axes ---------------------------------------------------------------


def flatten_numpy_masks(x: ChunkedArray, index: Any) -> tuple[ChunkedArray, Any]:
    """``x`` and ``index`` with every NumPy boolean mask that is not 1-d made 1-d.

    A mask over ``k`` axes selects what its raveled copy selects from those axes merged into one
    (C order), so the axes are merged and the mask raveled; a 0-d mask covers no axis and adds
    one of length 1, as in NumPy. The 1-d mask then indexes like any other, ints and slices
    beside it included.

    >>> import numpy as np, chunkarray as ca
    >>> a = np.arange(12).reshape(2, 2, 3)
    >>> y, index = flatten_numpy_masks(ca.from_array(a, chunks=1), (a[:, :, 0] > 2, 1))
    >>> y.shape, index
    ((4, 3), (array([False,  True,  True,  True]), 1))
    """
    items = list(index) if isinstance(index, tuple) else [index]
    masks = {i: np.asarray(item) for i, item in enumerate(items) if _numpy_mask(item)}
    if not any(m.ndim != 1 for m in masks.values()) or sum(i is Ellipsis for i in items) > 1:
        return x, index  # nothing to flatten (or an error getitem reports)
    used = sum(masks[i].ndim if i in masks else item is not None and item is not Ellipsis
               for i, item in enumerate(items))
    if used > x.ndim:
        raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional, but "
                         f"{used} were indexed")
    _check_items(x, items, masks, x.ndim - used)  # before merging, so errors name x's axes
    y, out = x, []
    axis = 0  # the axis of ``y`` the next item indexes
    for i, item in enumerate(items):
        if i in masks and masks[i].ndim != 1:
            mask = masks[i]
            y = _merge_axes(y, axis, mask.ndim)
            out.append(mask.reshape(-1))
            axis += 1
            continue
        out.append(item)
        axis += x.ndim - used if item is Ellipsis else int(item is not None)
    return y, tuple(out)


def _numpy_mask(item: Any) -> bool:
    if isinstance(item, (bool, np.bool_)):
        return True
    if isinstance(item, np.ndarray):
        return item.dtype == bool
    if isinstance(item, list):  # nested lists of bools are masks too
        return np.asarray(item).dtype == bool
    return False


def _check_items(x: ChunkedArray, items: list[Any], masks: dict[int, np.ndarray], spread: int
                 ) -> None:
    """Masks and ints checked against the axes of ``x`` they index (``...`` spans ``spread``)."""
    axis = 0
    for i, item in enumerate(items):
        if i in masks:
            _check_numpy_mask(x, masks[i], axis)
            axis += masks[i].ndim
        elif item is Ellipsis:
            axis += spread
        elif item is not None:
            n = x.shape[axis]
            if isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)) \
                    and n == n and not -n <= item < n:
                raise IndexError(f"index {item} is out of bounds for axis {axis} with size {n}")
            axis += 1


def _check_numpy_mask(x: ChunkedArray, mask: np.ndarray, axis: int) -> None:
    covered = range(axis, axis + mask.ndim)
    require_known_chunks(x, "indexing with a boolean mask", covered)
    for m, a in enumerate(covered):
        if mask.shape[m] != x.shape[a]:
            raise IndexError(
                f"boolean index did not match indexed array along axis {a}; size of axis is "
                f"{x.shape[a]} but size of corresponding boolean axis is {mask.shape[m]}"
            )


def _merge_axes(x: ChunkedArray, axis: int, count: int) -> ChunkedArray:
    """``x`` with ``count`` axes from ``axis`` on merged into one (none: a new axis of length
    1); the merged axes after the first become one block, so each block merges on its own."""
    whole = range(axis + 1, axis + count)
    if len(whole):
        x = rechunk(x, {a: -1 for a in whole})
    ind = tuple(range(x.ndim))
    kernel = partial(merge_axes, axis=axis, count=count)
    name = "merge-axes-" + tokenize(x.name, axis, count)
    if count == 0:
        out_ind = (*ind[:axis], "new", *ind[axis:])
        node = blockwise_node(kernel, out_ind, x._node, ind, dtype=x.dtype, new_axes={"new": 1},
                              name=name)
        return ChunkedArray(node)
    rest = math.prod(x.shape[a] for a in whole)
    node = blockwise_node(
        kernel, tuple(a for a in ind if a not in whole), x._node, ind, dtype=x.dtype,
        adjust_chunks={axis: tuple(s * rest for s in x.chunks[axis])}, concatenate=True,
        name=name,
    )
    return ChunkedArray(node)


# --- learning the sizes ---------------------------------------------------------------------------


def compute_chunk_sizes(x: ChunkedArray, /) -> ChunkedArray:
    """Learn the sizes of ``x``'s blocks: computes ``x`` once to measure every block, updates
    ``x`` in place (the same blocks, now of known sizes) and returns it, as dask does.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(6), chunks=2)
    >>> y = x[x > 2]
    >>> y.compute_chunk_sizes() is y
    True
    >>> y.chunks, y.shape
    (((0, 1, 2),), (3,))
    >>> y[1:].compute()
    array([4, 5])
    """
    if not any(map(has_unknown, x.chunks)):
        return x
    ind = tuple(range(x.ndim))
    shapes_node = blockwise_node(
        block_shape, (*ind, "shape"), x._node, ind, dtype=np.intp, new_axes={"shape": x.ndim},
        adjust_chunks={a: 1 for a in ind}, name="chunk-sizes-" + tokenize(x.name),
    )
    shapes = np.asarray(ChunkedArray(shapes_node).compute())
    chunks = []
    for axis, sizes in enumerate(x.chunks):
        per_block = np.moveaxis(shapes[..., axis], axis, 0).reshape(len(sizes), -1)
        if not (per_block == per_block[:, :1]).all():
            raise ValueError(
                f"compute_chunk_sizes: blocks in one row along axis {axis} have different sizes "
                f"{per_block.tolist()}; the array's blocks do not form a grid"
            )
        chunks.append(tuple(int(s) for s in per_block[:, 0]))
    x._node = Relabel(x._node, tuple(chunks))
    return x


def _block_shape(block: np.ndarray) -> np.ndarray:
    # One element per block along every axis, and the block's shape along a new last axis.
    shape = np.asarray(np.shape(block), dtype=np.intp)
    return shape.reshape((1,) * shape.size + (shape.size,))
