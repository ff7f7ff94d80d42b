"""Neighbourhood operations: ``overlap``, ``map_overlap``, trimming, ``sliding_window_view``.

Each block is enlarged by the elements of its neighbours within ``depth`` (from as many
neighbouring blocks as that reaches: nothing is rechunked) and by a boundary rule at the array's
ends, as in ``dask.array.overlap``:

- ``"reflect"``: mirrored, the edge repeated (NumPy's ``pad`` mode ``"symmetric"``),
- ``"periodic"``: wrapped around (``"wrap"``), ``"nearest"``: the edge repeated (``"edge"``),
- ``"none"``: not enlarged past the ends, or any scalar: filled with that constant.

One node, one task per block: the task reads the neighbours, assembles the enlarged block, runs
the function and trims its result (see :mod:`chunkarray.primitives.overlap`).
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.array_methods import provide
from chunkarray.core.chunks import chunk_boundaries
from chunkarray.core.tokenize import tokenize
from chunkarray.ops.dispatch import implements
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import _accepts
from chunkarray.primitives.blockwise import unify_chunks
from chunkarray.primitives.overlap import (
    BOUNDARY_KINDS,
    AxisSpec,
    Overlap,
    fill_value,
    halo_plan,
)
from chunkarray.primitives.slicing import Slice

__all__ = ["map_overlap", "overlap", "sliding_window_view", "trim_internal", "trim_overlap"]

Depths = list[tuple[int, int]]


# --- arguments -----------------------------------------------------------------------------------


def _as_depth(value: Any, axis: int) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"depth={value!r} for axis {axis}: give an int or a (before, after) "
                             f"pair of ints")
        pair = tuple(_as_depth(v, axis)[0] for v in value)
        return pair[0], pair[1]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"depth={value!r} for axis {axis}: depths must be non-negative ints or "
                        f"(before, after) pairs of them")
    if value < 0:
        raise ValueError(f"depth={value!r} for axis {axis}: depths must be non-negative")
    return int(value), int(value)


def coerce_depth(depth: Any, ndim: int) -> Depths:
    """``depth`` (an int, a tuple per axis, or a dict ``{axis: depth}``) as (before, after) pairs.

    >>> coerce_depth({1: (0, 2)}, 2), coerce_depth(1, 2)
    ([(0, 0), (0, 2)], [(1, 1), (1, 1)])
    """
    if depth is None:
        return [(0, 0)] * ndim
    if isinstance(depth, Mapping):
        out = [(0, 0)] * ndim
        for axis, d in depth.items():
            a = normalize_axis_index(operator.index(axis), ndim, "depth")
            out[a] = _as_depth(d, a)
        return out
    if isinstance(depth, (tuple, list)):
        if len(depth) != ndim:
            raise ValueError(f"depth={depth!r} has {len(depth)} entries but the array has {ndim} "
                             f"axes; give one depth per axis, an int, or a dict {{axis: depth}}")
        return [_as_depth(d, a) for a, d in enumerate(depth)]
    return [_as_depth(depth, a) for a in range(ndim)]


def _as_boundary(value: Any, axis: int, dtype: np.dtype) -> tuple[str, Any]:
    if isinstance(value, str):
        if value not in BOUNDARY_KINDS:
            raise ValueError(f"boundary={value!r} for axis {axis} is not a boundary rule; allowed: "
                             f"{', '.join(map(repr, BOUNDARY_KINDS))} or a scalar constant")
        return value, None
    if value is None:
        return "none", None
    if np.ndim(value) != 0 or isinstance(value, (dict, list, tuple)):
        raise TypeError(f"boundary={value!r} for axis {axis}: a constant boundary must be a scalar")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return "constant", fill_value(value, dtype)
    except (ValueError, TypeError, RuntimeWarning, OverflowError) as exc:
        raise ValueError(f"boundary={value!r} for axis {axis} cannot be stored in the array's "
                         f"dtype {dtype} ({exc})") from None


def coerce_boundary(boundary: Any, ndim: int, dtype: Any = float) -> list[tuple[str, Any]]:
    """``boundary`` (a rule or constant, a tuple per axis, a dict) as (kind, fill) per axis.

    >>> coerce_boundary({0: "periodic"}, 2)
    [('periodic', None), ('none', None)]
    """
    dtype = np.dtype(dtype)
    if isinstance(boundary, Mapping):
        out = [("none", None)] * ndim
        for axis, b in boundary.items():
            a = normalize_axis_index(operator.index(axis), ndim, "boundary")
            out[a] = _as_boundary(b, a, dtype)
        return out
    if isinstance(boundary, tuple):
        if len(boundary) != ndim:
            raise ValueError(f"boundary={boundary!r} has {len(boundary)} entries but the array "
                             f"has {ndim} axes; give one per axis, one for all, or a dict")
        return [_as_boundary(b, a, dtype) for a, b in enumerate(boundary)]
    return [_as_boundary(boundary, a, dtype) for a in range(ndim)]


def _check_depth(x: ChunkedArray, depths: Depths, allow_rechunk: bool = True) -> None:
    require_known_chunks(x, "overlap")
    for axis, ((lo, hi), n) in enumerate(zip(depths, x.shape)):
        if max(lo, hi) > n:
            raise ValueError(f"depth {max(lo, hi)} for axis {axis} is larger than the array there "
                             f"(length {n}, shape {x.shape})")
        if not allow_rechunk and max(lo, hi) > min(x.chunks[axis]):
            raise ValueError(
                f"depth {max(lo, hi)} for axis {axis} is larger than its smallest block "
                f"(chunks {x.chunks[axis]}) and allow_rechunk=False; with allow_rechunk=True each "
                f"block reads as many neighbouring blocks as the depth reaches (no rechunk)")


def _specs(x: ChunkedArray, depth: Any, boundary: Any, allow_rechunk: bool = True
           ) -> list[AxisSpec]:
    depths = coerce_depth(depth, x.ndim)
    bounds = coerce_boundary(boundary, x.ndim, x.dtype)
    _check_depth(x, depths, allow_rechunk)
    return [(lo, hi, kind, fill) for (lo, hi), (kind, fill) in zip(depths, bounds)]


def _plans(x: ChunkedArray, specs: Sequence[AxisSpec]) -> list[list[Any]]:
    return [halo_plan(c, lo, hi, kind, fill) for c, (lo, hi, kind, fill) in zip(x.chunks, specs)]


# --- overlap and trimming -----------------------------------------------------------------------


def overlap(x: ChunkedArray, /, depth: Any, boundary: Any = None, *,
            allow_rechunk: bool = True) -> ChunkedArray:
    """Every block enlarged by ``depth`` elements of its neighbours (or the ``boundary`` rule).

    As ``dask.array.overlap.overlap``: ``depth`` is an int, one per axis, or ``{axis: depth}``
    (a depth may be a ``(before, after)`` pair); ``boundary`` is ``"reflect"``, ``"periodic"``,
    ``"nearest"``, ``"none"`` (the default) or a constant, one for all axes, a tuple or a dict.
    A depth may exceed the neighbouring blocks: elements come from as many blocks as needed.

    >>> import chunkarray as ca
    >>> x = ca.arange(6, chunks=3)
    >>> overlap(x, 1, "periodic").compute()
    array([5, 0, 1, 2, 3, 2, 3, 4, 5, 0])
    >>> overlap(x, 1, 9).chunks
    ((5, 5),)
    """
    specs = _specs(x, depth, boundary, allow_rechunk)
    if all(lo == hi == 0 for lo, hi, _, _ in specs):
        return x
    plans = _plans(x, specs)
    chunks = tuple(tuple(p[0] for p in plan) for plan in plans)
    name = "overlap-" + tokenize(x.name, _spec_token(specs))
    return ChunkedArray(Overlap(name, chunks, x.dtype, [x._node], [plans]))


def _spec_token(specs: Sequence[AxisSpec]) -> list[Any]:
    return [(lo, hi, kind, repr(fill)) for lo, hi, kind, fill in specs]


def _trim_slices(chunks: tuple[int, ...], front: Sequence[int], back: Sequence[int], axis: int
                 ) -> tuple[tuple[int, ...], list[tuple[int, slice]]]:
    sizes, pieces = [], []
    for b, (c, f, k) in enumerate(zip(chunks, front, back)):
        if f + k > c:
            raise ValueError(f"cannot trim {f} + {k} elements from block {b} of axis {axis}, "
                             f"which has {c}")
        sizes.append(c - f - k)
        pieces.append((b, slice(f, c - k)))
    return tuple(sizes), pieces


def trim_internal(x: ChunkedArray, /, axes: Any, boundary: Any = None) -> ChunkedArray:
    """Remove ``axes[i]`` elements from both sides of every block along axis ``i``.

    As ``dask.array.overlap.trim_internal``: with boundary ``"none"`` on an axis, the outer sides
    of its first and last blocks (never enlarged) are kept.

    >>> import chunkarray as ca
    >>> x = ca.arange(6, chunks=3)
    >>> trim_internal(overlap(x, 1, "nearest"), {0: 1}, "nearest").compute()
    array([0, 1, 2, 3, 4, 5])
    """
    depths = coerce_depth(axes, x.ndim)
    kinds = [k for k, _ in coerce_boundary(boundary, x.ndim, x.dtype)]
    require_known_chunks(x, "trim_internal")
    if all(lo == hi == 0 for lo, hi in depths):
        return x
    entries: list[Any] = []
    chunks = []
    for axis, (c, (lo, hi), kind) in enumerate(zip(x.chunks, depths, kinds)):
        front = [0 if kind == "none" and b == 0 else lo for b in range(len(c))]
        back = [0 if kind == "none" and b == len(c) - 1 else hi for b in range(len(c))]
        sizes, pieces = _trim_slices(c, front, back, axis)
        chunks.append(sizes)
        entries.append(pieces)
    return ChunkedArray(Slice(x._node, entries, tuple(chunks)))


def trim_overlap(x: ChunkedArray, /, depth: Any, boundary: Any = None) -> ChunkedArray:
    """Trim ``depth`` from each block, like ``dask.array.overlap.trim_overlap``.

    >>> import chunkarray as ca
    >>> trim_overlap(overlap(ca.arange(4, chunks=2), 1, 0), 1, 0).compute()
    array([0, 1, 2, 3])
    """
    return trim_internal(x, depth, boundary)


# --- map_overlap ---------------------------------------------------------------------------------


def _per_array(value: Any, n: int) -> list[Any]:
    if isinstance(value, list):
        if len(value) != n:
            raise ValueError(f"a list of depths or boundaries needs one entry per array ({n}), "
                             f"got {len(value)}")
        return value
    return [value] * n


def _align(arrays: list[ChunkedArray]) -> list[ChunkedArray]:
    ndim = max(x.ndim for x in arrays)
    pairs = [(x._node, tuple(range(ndim - x.ndim, ndim))) for x in arrays]
    _, nodes = unify_chunks(pairs)
    return [ChunkedArray(n) for n in nodes]


def _output_chunks(arrays: list[ChunkedArray]) -> list[tuple[int, ...]]:
    ndim = max(x.ndim for x in arrays)
    out: list[tuple[int, ...] | None] = [None] * ndim
    for x in arrays:
        for a, c in enumerate(x.chunks):
            o = a + ndim - x.ndim
            current = out[o]
            if current is None or (len(current) == 1 and len(c) > 1):
                out[o] = c
            elif len(c) > 1 and len(c) != len(current):
                raise ValueError(
                    f"map_overlap: axis {o} has {len(current)} blocks in one array and {len(c)} "
                    f"in another; use align_arrays=True to rechunk them alike")
    return [c if c is not None else (1,) for c in out]


def _infer_dtype(func: Callable[..., Any], arrays: list[ChunkedArray], specs: list[Any],
                 kwargs: dict[str, Any]) -> np.dtype:
    # A neighbourhood function often indexes its block, so try a small block of ones, whose
    # sides cover the depth, before an empty one.
    errors = []
    for make in (lambda x, s: np.ones([lo + hi + 1 for lo, hi, _, _ in s], x.dtype),
                 lambda x, s: np.empty((0,) * x.ndim, x.dtype)):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return np.asarray(func(*map(make, arrays, specs), **kwargs)).dtype
        except Exception as exc:  # noqa: BLE001 - any failure means: ask for dtype=
            errors.append(f"{type(exc).__name__}: {exc}")
    raise ValueError(f"map_overlap could not infer the output dtype by calling {func!r} on small "
                     f"blocks ({'; '.join(errors)}); pass dtype= explicitly")


def map_overlap(func: Callable[..., Any], /, *args: Any, depth: Any = None, boundary: Any = None,
                trim: bool = True, align_arrays: bool = True, allow_rechunk: bool = True,
                dtype: Any = None, chunks: Any = None, drop_axis: Any = None,
                new_axis: Any = None, meta: Any = None, name: str | None = None,
                **kwargs: Any) -> ChunkedArray:
    """Apply ``func`` to every block enlarged by its neighbours, then trim the result.

    As ``dask.array.map_overlap``: ``depth`` and ``boundary`` are as for :func:`overlap` (or a
    list, one per array); ``func`` gets each enlarged block (of every array, aligned and
    broadcast block by block as in ``map_blocks``) and, with ``trim``, its result loses on each
    side what was added to the blocks of the first array of highest rank. ``chunks`` are those
    of ``func``'s results before trimming (by default the enlarged blocks', or the arrays' own
    with ``trim=False``). ``drop_axis``/``new_axis``, ``block_id``/``block_info``,
    ``dtype``/``meta`` and extra keyword arguments mean what they mean to ``map_blocks`` given
    the enlarged arrays, as in dask: a dropped axis arrives as the enlarged blocks along it
    concatenated, ``block_info`` describes the enlarged arrays. One task per block.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.array([1, 1, 2, 3, 3, 3, 2, 1, 1]), chunks=5)
    >>> map_overlap(np.gradient, x, depth=1, boundary="none").compute()
    array([ 0. ,  0.5,  1. ,  0.5,  0. , -0.5, -1. , -0.5,  0. ])
    >>> y = ca.ones((4, 6), chunks=(2, 3))
    >>> map_overlap(lambda b: b.sum(axis=0), y, depth={1: 1}, boundary=0, drop_axis=0).compute()
    array([4., 4., 4., 4., 4., 4.])
    """
    if not callable(func):
        raise TypeError(f"map_overlap: the first argument must be a function, got "
                        f"{type(func).__name__}; call map_overlap(func, x, ...)")
    if not args:
        raise TypeError("map_overlap needs at least one array after the function")
    bad = [type(a).__name__ for a in args if not isinstance(a, ChunkedArray)]
    if bad:
        raise TypeError(f"map_overlap: every positional argument after the function must be a "
                        f"ChunkedArray, got {bad}; pass other values as keyword arguments")
    if dtype is None and meta is not None:
        dtype = np.asarray(meta).dtype
    arrays = list(args)
    arrays = _align(arrays) if align_arrays else _check_aligned(arrays)
    depths, bounds = _per_array(depth, len(arrays)), _per_array(boundary, len(arrays))
    specs = [_specs(x, d, b, allow_rechunk) for x, d, b in zip(arrays, depths, bounds)]
    ndim = max(x.ndim for x in arrays)
    sources = _output_sources(ndim, drop_axis, new_axis)
    if dtype is None:
        dtype = _infer_dtype(func, arrays, specs, kwargs)
    dtype = np.dtype(dtype)
    plans = [_plans(x, s) for x, s in zip(arrays, specs)]
    grid = _output_chunks(arrays)
    trims = None
    if trim:
        raw, trims, out_chunks = _trims(arrays, plans, grid, sources, chunks)
    else:
        default = [(1,) if s is None else grid[s] for s in sources]
        out_chunks = raw = _given_chunks(chunks, default) if chunks is not None else default
    out_of = {s: o for o, s in enumerate(sources) if s is not None}
    in_axes = [tuple(out_of.get(a + ndim - x.ndim) for a in range(x.ndim)) for x in arrays]
    block_kwargs = _block_kwargs(func, arrays, plans, in_axes, tuple(raw), dtype)
    kernel = partial(func, **kwargs) if kwargs else func
    label = name or getattr(func, "__name__", "map_overlap")
    node_name = f"{label}-" + tokenize(
        func, kwargs, [x.name for x in arrays], [_spec_token(s) for s in specs], trim,
        tuple(out_chunks), tuple(raw), in_axes, dtype)
    node = Overlap(node_name, tuple(out_chunks), dtype, [x._node for x in arrays], plans,
                   func=kernel, trims=trims, block_kwargs=block_kwargs, in_axes=in_axes)
    return ChunkedArray(node)


def _output_sources(ndim: int, drop_axis: Any, new_axis: Any) -> list[int | None]:
    """Per output axis, the (aligned) input axis it comes from, or None for a new axis."""
    dropped = normalize_axis_tuple(drop_axis, ndim, "drop_axis") if drop_axis is not None else ()
    kept: list[int | None] = [a for a in range(ndim) if a not in dropped]
    if new_axis is None:
        return kept
    added = [operator.index(a) for a in np.atleast_1d(new_axis).tolist()]
    for p in sorted(normalize_axis_tuple(added, len(kept) + len(added), "new_axis")):
        kept.insert(p, None)
    return kept


def _check_aligned(arrays: list[ChunkedArray]) -> list[ChunkedArray]:
    """With ``align_arrays=False``, an axis in several blocks must be split alike in every array
    that has it in more than one block (arrays with one block there are broadcast to each)."""
    ndim = max(x.ndim for x in arrays)
    seen: dict[int, tuple[int, ...]] = {}
    for x in arrays:
        for a, c in enumerate(x.chunks):
            o = a + ndim - x.ndim
            if len(c) == 1 and x.shape[a] == 1:
                continue
            if seen.setdefault(o, c) != c and (len(c) > 1 or len(seen[o]) > 1):
                raise ValueError(
                    f"map_overlap: axis {o} is chunked {seen[o]} in one array and {c} in another "
                    f"and align_arrays=False; chunk them alike or pass align_arrays=True")
    return arrays


def _block_kwargs(func: Callable[..., Any], arrays: list[ChunkedArray], plans: list[Any],
                  in_axes: list[tuple[int | None, ...]], raw: tuple[tuple[int, ...], ...],
                  dtype: np.dtype) -> Callable[[tuple[int, ...]], dict[str, Any]] | None:
    """``block_id`` and ``block_info`` as ``map_blocks`` gives them over the enlarged arrays."""
    wants_id, wants_info = _accepts(func, "block_id"), _accepts(func, "block_info")
    if not (wants_id or wants_info):
        return None
    enlarged = [[tuple(p[0] for p in plan) for plan in ps] for ps in plans]
    in_bounds = [[chunk_boundaries(c) for c in e] for e in enlarged]
    out_bounds = [chunk_boundaries(c) for c in raw]
    shape = tuple(b[-1] for b in out_bounds)

    def kwargs(index: tuple[int, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {"block_id": index} if wants_id else {}
        if not wants_info:
            return out
        info: dict[Any, Any] = {}
        for k, (chunks, bounds, axes) in enumerate(zip(enlarged, in_bounds, in_axes)):
            nums, loc, spans = [], [], []
            for c, b, o in zip(chunks, bounds, axes):
                i = 0 if o is None or len(c) == 1 else index[o]
                nums.append(1 if o is None else len(c))
                loc.append(i)
                spans.append((0, b[-1]) if o is None else (b[i], b[i + 1]))
            info[k] = {"shape": tuple(b[-1] for b in bounds), "num-chunks": tuple(nums),
                       "chunk-location": tuple(loc), "array-location": spans}
        info[None] = {"shape": shape, "num-chunks": tuple(map(len, raw)),
                      "chunk-location": index,
                      "array-location": [(b[i], b[i + 1]) for b, i in zip(out_bounds, index)],
                      "chunk-shape": tuple(c[i] for c, i in zip(raw, index)), "dtype": dtype}
        out["block_info"] = info
        return out

    return kwargs


def _given_chunks(chunks: Any, default: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    chunks = tuple(chunks)
    if len(chunks) != len(default):
        raise ValueError(f"map_overlap: chunks={chunks!r} has {len(chunks)} entries but the "
                         f"output has {len(default)} axes")
    out = []
    for c, d in zip(chunks, default):
        out.append((int(c),) * len(d) if isinstance(c, (int, np.integer)) else tuple(c))
        if len(out[-1]) != len(d):
            raise ValueError(f"map_overlap: chunks={chunks!r} must keep the number of blocks "
                             f"{tuple(map(len, default))}")
    return out


def _trim_plans(arrays: list[ChunkedArray], plans: list[Any], grid: list[tuple[int, ...]]
                ) -> list[list[Any] | None]:
    """Per aligned axis, the halo plan trimming follows: the first array of highest rank, as
    dask's, unless it is broadcast there (one block where the others have several)."""
    ndim = len(grid)
    order = sorted(range(len(arrays)), key=lambda i: (-arrays[i].ndim, i))
    out: list[list[Any] | None] = []
    for o in range(ndim):
        having = [i for i in order if o >= ndim - arrays[i].ndim]
        split = [i for i in having if len(arrays[i].chunks[o - ndim + arrays[i].ndim]) ==
                 len(grid[o])]
        k = (split or having)[0]
        out.append(plans[k][o - ndim + arrays[k].ndim])
    return out


def _trims(arrays: list[ChunkedArray], plans: list[Any], grid: list[tuple[int, ...]],
           sources: list[int | None], chunks: Any
           ) -> tuple[list[tuple[int, ...]], list[list[slice]], list[tuple[int, ...]]]:
    """Per output axis: the chunks of ``func``'s results, the slice of each to keep, and the
    chunks kept."""
    lead = _trim_plans(arrays, plans, grid)
    axis_plans = [None if s is None else lead[s] for s in sources]
    default = [(1,) if p is None else tuple(q[0] for q in p) for p in axis_plans]
    # A plan of one block (broadcast) trims every block alike.
    default = [d if s is None or len(d) == len(grid[s]) else d * len(grid[s])
               for d, s in zip(default, sources)]
    raw = _given_chunks(chunks, default) if chunks is not None else default
    trims, sizes = [], []
    for o, (plan, c) in enumerate(zip(axis_plans, raw)):
        row, kept = [], []
        for b, size in enumerate(c):
            front = back = 0
            if plan is not None:
                p = plan[b if len(plan) > 1 else 0]
                front, back = p[2], p[3]
            if size < front + back:
                raise ValueError(f"map_overlap: chunks={chunks!r} give blocks of {size} along "
                                 f"axis {o}, which leave nothing after trimming {front} + {back}")
            # Relative to the result's end, so a result of the wrong size shows in its check.
            row.append(slice(front, -back if back else None))
            kept.append(size - front - back)
        trims.append(row)
        sizes.append(tuple(kept))
    return raw, trims, sizes


# --- sliding windows -----------------------------------------------------------------------------


def _window_axes(x: ChunkedArray, window_shape: Any, axis: Any) -> tuple[tuple[int, ...],
                                                                           tuple[int, ...]]:
    shape = tuple(window_shape) if np.iterable(window_shape) else (window_shape,)
    shape = tuple(operator.index(w) for w in shape)
    if any(w < 0 for w in shape):
        raise ValueError(f"window_shape={window_shape!r}: `window_shape` cannot contain "
                         f"negative values")
    if axis is None:
        if len(shape) != x.ndim:
            raise ValueError(f"Since axis is `None`, must provide window_shape for all "
                             f"dimensions of `x`; got {len(shape)} window_shape elements and "
                             f"`x.ndim` is {x.ndim}.")
        axes = tuple(range(x.ndim))
    else:
        raw = tuple(axis) if np.iterable(axis) else (axis,)
        axes = tuple(normalize_axis_index(operator.index(a), x.ndim, "axis") for a in raw)
        if len(shape) != len(axes):
            raise ValueError(f"Must provide matching length window_shape and axis; got "
                             f"{len(shape)} window_shape elements and {len(axes)} axes elements.")
    return shape, axes


@implements(np.lib.stride_tricks.sliding_window_view)
def sliding_window_view(x: ChunkedArray, /, window_shape: Any, axis: Any = None, *,
                        subok: bool = False, writeable: bool = False) -> ChunkedArray:
    """Every window of ``window_shape`` along ``axis``, like NumPy's ``sliding_window_view``.

    The window axes come last and are one block each; each block's windows start in that block
    and read the following blocks as far as the window reaches.

    >>> import chunkarray as ca
    >>> sliding_window_view(ca.arange(6, chunks=2), 3).compute()
    array([[0, 1, 2],
           [1, 2, 3],
           [2, 3, 4],
           [3, 4, 5]])
    """
    if writeable:
        raise ValueError("sliding_window_view: writeable=True is not supported: the windows of "
                         "a chunked array are computed copies, not views")
    require_known_chunks(x, "sliding_window_view")
    shape, axes = _window_axes(x, window_shape, axis)
    reach = [0] * x.ndim
    for w, a in zip(shape, axes):
        reach[a] += w - 1
    if any(reach[a] > x.shape[a] - 1 for a in axes):  # NumPy's check, one window after another
        raise ValueError(f"window_shape={tuple(shape)} cannot be larger than input array shape "
                         f"{x.shape} along axis={axes}")
    # Blocks starting where no window starts would have no output: join them to the one before.
    new = []
    for c, r in zip(x.chunks, reach):
        bounds = chunk_boundaries(c)
        last = bounds[-1] - r
        cuts = [b for b in bounds[1:-1] if b < last]
        new.append(tuple(np.diff([0, *cuts, bounds[-1]]).tolist()) if bounds[-1] else c)
    x = rechunk(x, tuple(new))
    specs: list[AxisSpec] = [(0, r, "none", None) for r in reach]
    plans = _plans(x, specs)
    kept = tuple(tuple(p[0] - r for p in plan) for plan, r in zip(plans, reach))
    chunks = kept + tuple((w,) for w in shape)
    kernel = partial(np.lib.stride_tricks.sliding_window_view, window_shape=shape, axis=axes)
    name = "sliding_window_view-" + tokenize(x.name, shape, axes)
    return ChunkedArray(Overlap(name, chunks, x.dtype, [x._node], [plans], func=kernel,
                                in_axes=[tuple(range(x.ndim))]))


@provide("map_overlap")
def _map_overlap_method(x: ChunkedArray, func: Callable[..., Any], depth: Any,
                        boundary: Any = None, trim: bool = True, **kwargs: Any) -> ChunkedArray:
    # ``x.map_overlap(func, depth, ...)``: dask's method, the array first.
    return map_overlap(func, x, depth=depth, boundary=boundary, trim=trim, **kwargs)
