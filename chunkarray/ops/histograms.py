"""Histograms and ``bincount``: counts per block, added by a tree (:mod:`chunkarray.ops.summary`).

Every block is counted with NumPy's own ``histogram`` against the same edges, so each element
falls in the bin NumPy puts it in; counts are then added exactly (weights within rounding).

Bin edges: where they are known on the call (an array of edges, or a number of bins with
``range``) they are returned as a NumPy array, as dask does. Where they depend on the data (a
number of bins or a rule without ``range``) the data's extent is reduced lazily first and the
edges come back as a chunked array of one block, computed exactly as NumPy computes them.
"""

from __future__ import annotations

import builtins
import operator
import warnings
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core.graph import Node
from chunkarray.kernels import statistics as kst
from chunkarray.kernels.blocks import identity
from chunkarray.ops.creation import asarray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import where
from chunkarray.ops.join import stack
from chunkarray.ops.quantiles import nanpercentile
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.reductions import nanmean, nanstd
from chunkarray.ops.shape import ravel, reshape
from chunkarray.ops.summary import combine_states, field_array, merge_states, summarize
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["bincount", "histogram", "histogram2d", "histogram_bin_edges", "histogramdd"]

_ALL_RULES = ("auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt")
_ADD = partial(merge_states, merge=kst.add_counts)
_EXTENT = partial(merge_states, merge=kst.extent_merge)


def _data(a: Any) -> ChunkedArray:
    x = asarray(a)
    if x.dtype == bool:  # NumPy's own conversion, with its warning
        warnings.warn(f"Converting input from {x.dtype} to {np.uint8} for compatibility.",
                      RuntimeWarning, stacklevel=3)
        x = asarray(x, np.uint8)
    if x.dtype.kind not in "iuf":
        raise TypeError(f"histogram: input of dtype {x.dtype} is not supported; integers and "
                        f"floats are")
    return x


def _weights(weights: Any, x: ChunkedArray, message: str) -> ChunkedArray | None:
    if weights is None:
        return None
    w = asarray(weights)
    if w.shape != x.shape:
        raise ValueError(f"{message} (weights.shape={w.shape}, a.shape={x.shape})")
    return w


def _lazy_bins(bins: Any, range: Any, weighted: bool) -> bool:
    """Check ``bins``; whether they depend on the data (else NumPy's edges are known now)."""
    if isinstance(bins, str):
        if bins not in _ALL_RULES:
            raise ValueError(f"bins={bins!r} is not a valid estimator for `bins`; choose "
                             f"an int, an array of edges or one of {', '.join(_ALL_RULES)}")
        if weighted:
            raise TypeError("Automated estimation of the number of bins is not supported for "
                            "weighted data")
        return True
    if np.ndim(bins) == 0:
        try:
            n = operator.index(bins)
        except TypeError:
            raise TypeError(f"bins={bins!r}: `bins` must be an integer, a string, or an "
                            f"array") from None
        if n < 1:
            raise ValueError(f"bins={n}: `bins` must be positive, when an integer")
        return range is None
    return False


# 'stone' counts every number of bins from 1 to max(100, sqrt(n)) in each block, as NumPy does:
# about bound**2 / 2 counts a block, refused beyond this many bytes of counts.
_STONE_BYTES = 2**28


def _rule_stats(x: ChunkedArray, rule: str, range: Any, extent: Node) -> tuple[Node, ...]:
    """0-d nodes of what ``rule`` needs beyond the extent (``kst.RULE_STATS``), of the data
    trimmed to ``range`` as NumPy trims it (elements outside become NaN, which the nan-aware
    reductions skip; NaNs in the data are outside any range, and without one NumPy refuses
    them anyway)."""
    needs = kst.RULE_STATS[rule]
    if not needs or x.size == 0:
        return (extent,) * len(needs)  # unused: no data means one bin
    if needs == ("stone",):
        bound = kst.stone_bound(x.size)
        if bound * (bound + 1) // 2 * 8 > _STONE_BYTES:
            raise ValueError(f"histogram: bins='stone' on {x.size} elements would count "
                             f"{bound} histograms per block ({bound * (bound + 1) // 2} bins); "
                             f"allowed up to {_STONE_BYTES} bytes of counts: use another rule")
        return (summarize(x, partial(kst.stone_chunk, range=range),
                          partial(merge_states, merge=kst.stone_merge), label="histogram-stone",
                          states=(extent,)),)
    y = ravel(x)
    if range is not None:
        first, last = kst.outer_edges(None, range)
        y = where((y >= first) & (y <= last), y, np.nan)
    out: list[ChunkedArray] = []
    if "iqr" in needs:
        p = nanpercentile(y, [75, 25])
        out.append(p[0] - p[1])
    if "std" in needs:
        out.append(nanstd(y))
    if "g1" in needs:
        std = out[-1]
        # NumPy divides by std only when it is positive; so does the rule, with g1 unused else.
        scale = where(std > 0, std, 1)
        out.append(nanmean(((y - nanmean(y)) / scale) ** 3))
    return tuple(o._node for o in out)


def _plan(x: ChunkedArray, bins: Any, range: Any) -> Node:
    """The 0-d node of the plan ``(bins, first edge, last edge)`` made from the data."""
    extent = summarize(x, partial(kst.extent_chunk, range=range), _EXTENT, label="extent")
    stats = _rule_stats(x, bins, range, extent) if isinstance(bins, str) else ()
    return combine_states(partial(kst.histogram_plan, bins=bins, range=range, dtype=x.dtype),
                          extent, *stats, label="histogram-plan")


def _edge_dtype(x: ChunkedArray, bins: Any, range: Any) -> np.dtype:
    first, last = (0, 1) if range is None else range
    return np.histogram_bin_edges(np.empty(0, dtype=x.dtype), 1, range=(first, last)).dtype


@implements(np.histogram_bin_edges)
def histogram_bin_edges(a: Any, /, bins: Any = 10, range: Any = None, weights: Any = None
                        ) -> Any:  # noqa: A002 - NumPy's name
    """The bin edges ``histogram`` uses, like ``numpy.histogram_bin_edges``.

    A NumPy array when known on the call, else a chunked array of one block (see the module).

    >>> import numpy as np, chunkarray as ca
    >>> ca.histogram_bin_edges(ca.arange(5, chunks=2), bins=2).compute()
    array([0., 2., 4.])
    """
    x = _data(a)
    _weights(weights, x, "weights should have the same shape as a.")
    if not _lazy_bins(bins, range, weights is not None):
        return np.histogram_bin_edges(np.empty(0, dtype=x.dtype), bins, range=range)
    plan = _plan(x, bins, range)
    length = None if isinstance(bins, str) else int(bins) + 1
    return field_array(plan, partial(kst.plan_edges, dtype=x.dtype),
                       _edge_dtype(x, bins, range), label="histogram-edges", length=length)


@implements(np.histogram)
def histogram(a: Any, /, bins: Any = 10, range: Any = None, density: Any = None,
              weights: Any = None) -> tuple[ChunkedArray, Any]:  # noqa: A002 - NumPy's name
    """The histogram of the flattened array and its bin edges, like ``numpy.histogram``.

    ``bins`` is an int, an array of edges, or one of NumPy's rules (``'auto'``, ``'fd'``,
    ``'doane'``, ``'scott'``, ``'stone'``, ``'rice'``, ``'sturges'``, ``'sqrt'``), computed
    lazily as NumPy computes them: ``'fd'`` and ``'auto'`` from exact percentiles, ``'scott'``
    and ``'doane'`` from the standard deviation (and skewness), ``'stone'`` by NumPy's search
    over histograms of 1 to ``max(100, sqrt(n))`` bins. Counts are one block; the edges are a
    NumPy array when known on the call, else chunked (see the module).

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.array([1.0, 2.0, 2.5, 4.0]), chunks=2)
    >>> counts, edges = ca.histogram(x, bins=3)
    >>> counts.compute(), edges.compute()
    (array([1, 2, 1]), array([1., 2., 3., 4.]))
    >>> ca.histogram(x, bins=[0, 2, 5])[0].compute()
    array([1, 3])
    """
    x = _data(a)
    w = _weights(weights, x, "weights should have the same shape as a.")
    weighted = w is not None
    ntype = np.dtype(np.intp) if w is None else w.dtype
    dtype = np.result_type(ntype, np.float64) if density else ntype
    inputs = () if w is None else (w,)
    if not _lazy_bins(bins, range, weighted):
        edges = np.histogram_bin_edges(np.empty(0, dtype=x.dtype), bins, range=range)
        given = bins if np.ndim(bins) == 0 else edges
        chunk = partial(kst.histogram_chunk, bins=given, range=range, weighted=weighted)
        counts = summarize(x, chunk, _ADD, label="histogram", inputs=inputs)
        finish = partial(kst.histogram_finish, density=bool(density), edges=edges)
        return field_array(counts, finish, dtype, label="histogram",
                           length=len(edges) - 1), edges
    plan = _plan(x, bins, range)
    chunk = partial(kst.histogram_chunk, bins=None, range=None, weighted=weighted)
    counts = summarize(x, chunk, _ADD, label="histogram", inputs=inputs, states=(plan,))
    finish = partial(kst.histogram_finish, density=bool(density), dtype=x.dtype)
    length = None if isinstance(bins, str) else int(bins)
    hist = field_array(counts, finish, dtype, label="histogram", length=length, others=(plan,))
    edges_out = field_array(plan, partial(kst.plan_edges, dtype=x.dtype),
                            _edge_dtype(x, bins, range), label="histogram-edges",
                            length=None if length is None else length + 1)
    return hist, edges_out


# --- several dimensions ---------------------------------------------------------------------------


def _samples(sample: Any) -> ChunkedArray:
    """The samples as an (N, D) chunked array, each row whole."""
    if isinstance(sample, (list, tuple)):
        x = stack([asarray(s) for s in sample], axis=1)
    else:
        x = asarray(sample)
        if x.ndim == 1:
            x = reshape(x, (x.shape[0], 1))
    if x.ndim != 2:
        raise ValueError(f"histogramdd: sample must be an (N, D) array or a sequence of D 1-d "
                         f"arrays, got shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"histogramdd: samples of dtype {x.dtype} are not supported")
    return rechunk(x, {1: -1})


def _dd_bins(bins: Any, range: Any, d: int) -> tuple[list[Any], list[Any], bool]:
    """Per-dimension bins and ranges, checked as NumPy checks them; whether any is lazy."""
    try:
        if len(bins) != d:
            raise ValueError(f"bins has {len(bins)} entries: the dimension of bins must be "
                             f"equal to the dimension of the sample x ({d})")
        per = list(bins)
    except TypeError:
        per = [bins] * d
    if range is None:
        ranges = [None] * d
    elif len(range) != d:
        raise ValueError(f"range has {len(range)} entries: range argument must have one entry "
                         f"per dimension ({d})")
    else:
        ranges = list(range)
    lazy = False
    for i, (b, r) in enumerate(zip(per, ranges)):
        if np.ndim(b) == 0:
            if b < 1:
                raise ValueError(f"bins[{i}]={b}: `bins[{i}]` must be positive, when an integer")
            try:
                per[i] = operator.index(b)
            except TypeError:
                raise TypeError(f"bins[{i}]={b!r}: `bins[{i}]` must be an integer, when a "
                                f"scalar") from None
            if r is None:
                lazy = True
            else:
                kst.outer_edges(None, r)  # NumPy's checks of the range, now
        elif np.ndim(b) == 1:
            e = np.asarray(b)
            if np.any(e[:-1] > e[1:]):
                raise ValueError(f"`bins[{i}]` must be monotonically increasing, when an array")
            per[i] = e
        else:
            raise ValueError(f"`bins[{i}]` must be a scalar or 1d array")
    return per, ranges, lazy


@implements(np.histogramdd)
def histogramdd(sample: Any, /, bins: Any = 10, range: Any = None, density: Any = None,
                weights: Any = None) -> tuple[ChunkedArray, list[Any]]:  # noqa: A002
    """The multidimensional histogram of (N, D) samples, like ``numpy.histogramdd``.

    The histogram is one block of float64; each dimension's edges are a NumPy array when known
    on the call, else a chunked array (see the module).

    >>> import numpy as np, chunkarray as ca
    >>> s = ca.from_array(np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0]]), chunks=(2, 2))
    >>> hist, edges = ca.histogramdd(s, bins=2)
    >>> hist.compute()
    array([[0., 1.],
           [1., 1.]])
    """
    x = _samples(sample)
    n, d = x.shape
    per, ranges, lazy = _dd_bins(bins, range, d)
    w = None
    if weights is not None:
        w = asarray(weights)
        if w.shape != (n,):
            raise ValueError(f"histogramdd: weights must have shape ({n},), got {w.shape}")
        w = reshape(w, (n, 1))
    shape = tuple(len(b) - 1 if np.ndim(b) else b for b in per)
    inputs = () if w is None else (w,)
    finish = partial(kst.histogramdd_finish, density=bool(density))
    if lazy:
        extent = summarize(x, partial(kst.extent_chunk, axis=0), _EXTENT, label="extent")
        edges = combine_states(partial(kst.histogramdd_edges, bins=per, ranges=ranges), extent,
                               label="histogramdd-edges")
        chunk = partial(kst.histogramdd_chunk, weighted=w is not None)
        counts = summarize(x, chunk, _ADD, label="histogramdd", inputs=inputs, states=(edges,))
        hist = combine_states(finish, counts, edges, label="histogramdd-finish")
    else:
        known = kst.histogramdd_edges(None, bins=per, ranges=ranges)
        chunk = partial(kst.histogramdd_chunk, weighted=w is not None, edges=known)
        counts = summarize(x, chunk, _ADD, label="histogramdd", inputs=inputs)
        hist = combine_states(partial(finish, edges=known), counts, label="histogramdd-finish")
    out_edges: list[Any] = []
    for i, (b, r) in enumerate(zip(per, ranges)):
        if np.ndim(b) == 1 or r is not None:
            out_edges.append(kst.histogramdd_edges(None, bins=[b], ranges=[r])[0])
        else:
            # np.linspace's dtype over two scalars of the samples' dtype (no samples: of the
            # Python ints 0 and 1).
            zero, one = np.zeros(2, dtype=x.dtype)[0], np.ones(2, dtype=x.dtype)[0]
            if n == 0:
                zero, one = 0, 1
            out_edges.append(field_array(edges, partial(kst.edges_field, i=i),
                                         np.linspace(zero, one, 2).dtype,
                                         label="histogramdd-edges", length=b + 1))
    return _as_array(hist, shape), out_edges


def _as_array(state: Node, shape: tuple[int, ...]) -> ChunkedArray:
    """A 0-d node holding a float64 array of ``shape``, as a chunked array of one block."""
    letters = tuple(f"h{i}" for i in builtins.range(len(shape)))
    return ChunkedArray(blockwise_node(
        identity, letters, state, (), dtype=np.float64, new_axes=dict(zip(letters, shape)),
        token="histogramdd",
    ))


@implements(np.histogram2d)
def histogram2d(x: Any, y: Any, /, bins: Any = 10, range: Any = None, density: Any = None,
                weights: Any = None) -> tuple[ChunkedArray, Any, Any]:  # noqa: A002
    """The 2-d histogram of points ``(x, y)``, like ``numpy.histogram2d`` (see ``histogramdd``).

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.array([0.0, 1.0, 1.0, 2.0]), chunks=2)
    >>> hist, xedges, yedges = ca.histogram2d(x, np.array([0.0, 0.0, 1.0, 1.0]), bins=2)
    >>> hist.compute()
    array([[1., 0.],
           [1., 2.]])
    """
    xs, ys = asarray(x), asarray(y)
    if xs.ndim != 1 or ys.shape != xs.shape:
        raise ValueError(f"histogram2d: x and y must be 1-d of the same length, got shapes "
                         f"{xs.shape} and {ys.shape}")
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n != 1 and n != 2:  # one array of edges for both axes, as NumPy reads it
        edges = np.asarray(bins)
        bins = [edges, edges]
    hist, (xedges, yedges) = histogramdd([xs, ys], bins, range, density, weights)
    return hist, xedges, yedges


@implements(np.bincount)
def bincount(x: Any, /, weights: Any = None, minlength: int = 0) -> ChunkedArray:
    """How often each non-negative integer occurs, like ``numpy.bincount``.

    The result's length (the largest value plus one, at least ``minlength``) is known only when
    computed: one block of unknown size. Negative values raise NumPy's error then.

    >>> import numpy as np, chunkarray as ca
    >>> ca.bincount(ca.from_array(np.array([0, 1, 1, 3]), chunks=2)).compute()
    array([1, 2, 0, 1])
    """
    values = asarray(x)
    if values.ndim != 1:
        raise ValueError(f"bincount: x must be 1-d, got shape {values.shape}")
    if not np.can_cast(values.dtype, np.intp, "safe"):
        raise TypeError(f"bincount: x of dtype {values.dtype} cannot be cast safely to "
                        f"{np.dtype(np.intp)}: Cannot cast array data from {values.dtype!r} to "
                        f"{np.dtype(np.intp)!r} according to the rule 'safe'")
    try:
        length = operator.index(minlength)
    except TypeError:
        raise TypeError(f"bincount: minlength={minlength!r} must be an integer") from None
    if length < 0:
        raise ValueError(f"bincount: minlength={length}: 'minlength' must not be negative")
    inputs: tuple[ChunkedArray, ...] = ()
    dtype: np.dtype = np.dtype(np.intp)
    if weights is not None:
        w = asarray(weights)
        if w.shape != values.shape:
            raise ValueError(f"bincount: weights.shape={w.shape} differs from x.shape="
                             f"{values.shape}: The weights and list don't have the same length.")
        if not np.can_cast(w.dtype, np.float64, "safe"):
            raise TypeError(f"bincount: weights of dtype {w.dtype}: Cannot cast array data "
                            f"from {w.dtype!r} to dtype('float64') according to the rule 'safe'")
        # NumPy counts no values as integers even with weights.
        inputs, dtype = (w,), np.dtype(np.float64 if values.shape[0] else np.intp)
    counts = summarize(values, kst.bincount_chunk, partial(merge_states, merge=kst.bincount_merge),
                       label="bincount", inputs=inputs)
    return field_array(counts, partial(kst.bincount_finish, minlength=length, dtype=dtype), dtype,
                       label="bincount")
