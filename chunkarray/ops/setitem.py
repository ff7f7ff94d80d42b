"""``x[index] = value`` with NumPy's semantics: a new graph that ``x`` then points at.

Arrays stay immutable underneath: assignment builds an array whose touched blocks are *copies* of
the old ones with the value written in (blocks of ``from_array`` are views of the caller's data),
and rebinds ``x`` to it. Untouched blocks are passed through.

- Basic indices and one integer (or 1-D boolean) array: the selection is planned per axis as the
  parts of each block it covers and the matching ranges of the value; the value is aligned to those
  parts (a chunked value is reordered and rechunked lazily) and each touched block is written once.
- A boolean mask covering the leading axes (NumPy or chunked) with a scalar value is
  ``where(mask, value, x)``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.grid import axis_grid
from chunkarray.ops.elementwise import astype, where
from chunkarray.ops.indexing import _normalize, getitem
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import transpose
from chunkarray.primitives.assign import AxisPlan, assign_node
from chunkarray.primitives.slicing import slice_axis

__all__ = ["assign", "setitem"]

def setitem(x: ChunkedArray, index: Any, value: Any) -> None:
    """``x[index] = value``: ``x`` now stands for the array with the value written in.

    >>> import numpy as np, chunkarray as ca
    >>> a = np.arange(6)
    >>> x = ca.from_array(a, chunks=4)
    >>> x[1:5:2] = [10, 30]
    >>> x[x > 20] = -1
    >>> x.compute(), a
    (array([ 0, 10,  2, -1,  4,  5]), array([0, 1, 2, 3, 4, 5]))
    """
    x._node = assign(x, index, value)._node


def assign(x: ChunkedArray, index: Any, value: Any) -> ChunkedArray:
    """A new array: ``x`` with ``value`` written at ``index`` (``x`` itself is unchanged)."""
    value = _cast(value, x.dtype)
    mask = _as_mask(x, index)
    if mask is not None:
        return _assign_mask(x, mask, value)
    require_known_chunks(x, "assignment")
    entries, arrays, items = _normalize(index, x.shape)
    if len(arrays) > 1:
        raise IndexError(
            "assignment with more than one integer or boolean array is pointwise in NumPy; "
            "chunkarray supports one index array per assignment"
        )
    layout = _layout(entries, arrays, items)
    lengths = [len(range(*e)) if not isinstance(e, int) else 1 for e in entries]
    for axis, idx in arrays.items():
        lengths[axis] = len(idx)
    selection = tuple(1 if a is None else lengths[a] for a in layout)
    value = _fit(value, selection, layout, entries)
    if 0 in selection:
        return x
    plans = [_plan_axis(x.chunks[a], entries[a], arrays.get(a), value.shape[a] == 1)
             for a in range(x.ndim)]
    if isinstance(value, ChunkedArray):
        value = _align(value, plans, arrays)
    return ChunkedArray(assign_node(x._node, value._node if isinstance(value, ChunkedArray)
                                    else value, plans))


# --- values ---------------------------------------------------------------------------------------


def _cast(value: Any, dtype: np.dtype) -> Any:
    """The value in ``dtype`` as NumPy's assignment casts it; what NumPy can't cast raises now."""
    if isinstance(value, ChunkedArray):
        probe = np.zeros((), dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. ComplexWarning: NumPy assigns all the same
            probe[()] = np.ones((), dtype=value.dtype)
        return astype(value, dtype)
    source = np.asarray(value) if isinstance(value, (list, tuple)) else value
    out = np.empty(np.shape(source), dtype=dtype)
    out[...] = source
    return out


def _fit(value: Any, selection: tuple[int, ...], layout: list[int | None],
         entries: list[Any]) -> Any:
    """The value broadcast-checked against the selection and laid out like ``x``: one axis per axis
    of ``x`` (length 1 where it broadcasts or an int drops the axis), in ``x``'s order."""
    shape = tuple(value.shape)
    while len(shape) > len(selection) and shape[0] == 1:  # NumPy drops leading ones
        value, shape = value[0], shape[1:]
    if len(shape) > len(selection) or any(v not in (1, s) for v, s in
                                          zip(shape[::-1], selection[::-1])):
        raise ValueError(f"could not broadcast input array from shape {shape} into shape "
                         f"{selection}")
    value = value[(None,) * (len(selection) - len(shape))]
    value = value[tuple(0 if a is None else slice(None) for a in layout)]
    kept = [a for a in layout if a is not None]
    order = sorted(range(len(kept)), key=kept.__getitem__)
    if order != list(range(len(kept))):
        value = value.transpose(order) if isinstance(value, np.ndarray) else transpose(value, order)
    return value[tuple(None if isinstance(e, int) else slice(None) for e in entries)]


def _layout(entries: list[Any], arrays: dict[int, np.ndarray], items: list[int | None]
            ) -> list[int | None]:
    """Where each axis of ``x[index]`` comes from: an axis of ``x``, or None (a new axis)."""
    layout = [item for item in items if item is None or not isinstance(entries[item], int)]
    if arrays:
        (position,) = arrays
        advanced = [i for i, item in enumerate(items)
                    if item is not None and (item == position or isinstance(entries[item], int))]
        if advanced != list(range(advanced[0], advanced[-1] + 1)):
            layout = [position, *(a for a in layout if a != position)]  # NumPy's rule
    return layout


# --- planning -------------------------------------------------------------------------------------


def _plan_axis(sizes: tuple[int, ...], entry: Any, idx: np.ndarray | None, broadcast: bool
               ) -> AxisPlan:
    """The blocks an axis's index touches, what it takes of each, and which value range goes there.

    >>> _plan_axis((4, 4, 2), (1, 9, 3), None, False)
    {0: (slice(1, 4, 3), slice(0, 1, None), 0), 1: (slice(0, 6, 3), slice(1, 3, None), 1)}
    """
    grid = axis_grid(sizes)
    plan: AxisPlan = {}
    if idx is not None:
        blocks, within = grid.locate(idx)
        order = np.argsort(blocks, kind="stable")  # stable: the last duplicate still wins
        grouped = blocks[order]
        touched, starts = np.unique(grouped, return_index=True)
        ends = [*starts[1:], len(idx)]
        for j, (b, s, e) in enumerate(zip(touched.tolist(), starts.tolist(), ends)):
            positions = order[s:e]
            plan[b] = (within[positions], slice(None) if broadcast else positions, j)
        return plan
    if isinstance(entry, int):
        b = grid.block_at(entry)
        lo = entry - grid.offset(b)
        return {b: (slice(lo, lo + 1), slice(None), 0)}
    out, pieces = slice_axis(sizes, *entry)
    out_grid = axis_grid(out)
    for j, (b, local) in enumerate(pieces):
        part = slice(None) if broadcast else out_grid.slice(j)
        plan[b] = (local, part, j)
    return plan


def _align(value: ChunkedArray, plans: list[AxisPlan], arrays: dict[int, np.ndarray]
           ) -> ChunkedArray:
    """A chunked value reordered and rechunked so that value block ``j`` on an axis is the part
    written into the axis's ``j``-th touched block."""
    for axis in arrays:
        if value.shape[axis] != 1:
            order = np.concatenate([plans[axis][b][1] for b in sorted(plans[axis])])
            value = getitem(value, (slice(None),) * axis + (order,))
    chunks: list[tuple[int, ...]] = []
    for axis, plan in enumerate(plans):
        if value.shape[axis] == 1:
            chunks.append((1,))
            continue
        parts = sorted(plan.values(), key=lambda p: p[2])
        chunks.append(tuple(_length(p[1]) for p in parts))
    return rechunk(value, tuple(chunks))


def _length(part: slice | np.ndarray) -> int:
    # The value range of one touched block: a contiguous range, or positions (an index array).
    return part.stop - part.start if isinstance(part, slice) else len(part)


# --- masks ----------------------------------------------------------------------------------------


def _as_mask(x: ChunkedArray, index: Any) -> Any:
    """The boolean mask ``index`` is, if it is one over the leading axes of ``x`` (1-D NumPy masks
    aside: those are positions on one axis)."""
    if isinstance(index, tuple) and len(index) == 1:
        index = index[0]
    if isinstance(index, (bool, np.bool_)):
        index = np.asarray(index)  # a 0-d mask: everything or nothing
    if isinstance(index, ChunkedArray):
        if index.dtype != bool:
            raise IndexError(f"a chunked index must be a boolean mask, got dtype {index.dtype}")
    elif not (isinstance(index, np.ndarray) and index.dtype == bool and index.ndim != 1):
        return None
    if isinstance(index, ChunkedArray) and index.chunks == x.chunks[:index.ndim]:
        return index  # the same blocks (of known or unknown sizes): aligned
    require_known_chunks(x, "assignment through a mask", range(min(index.ndim, x.ndim)))
    if isinstance(index, ChunkedArray):
        require_known_chunks(index, "assignment through a mask")
    if index.ndim > x.ndim or tuple(index.shape) != tuple(x.shape[:index.ndim]):
        raise IndexError(
            f"boolean index did not match indexed array: the mask has shape {index.shape}, the "
            f"array {x.shape}"
        )
    return index


def _assign_mask(x: ChunkedArray, mask: Any, value: Any) -> ChunkedArray:
    if value.size != 1 or value.ndim > 1:
        raise ValueError(
            f"x[mask] = value with a boolean mask needs a scalar value here (NumPy would need the "
            f"number of True values, which a lazy mask does not know); got shape {value.shape}. "
            f"Use where(mask, value, x) to write values of the array's shape"
        )
    value = value.reshape(()) if isinstance(value, np.ndarray) else value[(0,) * value.ndim]
    expand = (Ellipsis,) + (None,) * (x.ndim - mask.ndim)
    mask = mask[expand]
    return where(mask, value, x)
