"""Per-block NumPy functions of histograms, ``bincount`` and the statistics built on reductions.

Histograms are counted block by block with NumPy's own ``histogram`` (so every element falls in
the bin NumPy puts it in) and the counts added. Where the bins depend on the data (an int or a
rule with no ``range``), an *extent* state ``(count, min, max)`` of the data is reduced first, and
a *plan* ``(bins, first_edge, last_edge)`` made from it exactly as NumPy makes its own.
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import numpy as np

Extent = "tuple[int, Any, Any] | None"
Plan = tuple[int, Any, Any]

_SIGNED_TO_UNSIGNED = {
    np.byte: np.ubyte, np.short: np.ushort, np.intc: np.uintc, np.int_: np.uint,
    np.longlong: np.ulonglong,
}


def unsigned_subtract(a: Any, b: Any) -> Any:
    """``a - b`` for ``a >= b`` without overflow in signed integers (as NumPy's histogram does)."""
    dt = np.result_type(a, b)
    unsigned = _SIGNED_TO_UNSIGNED.get(dt.type)
    if unsigned is None:
        return np.subtract(a, b, dtype=dt)
    return np.subtract(np.asarray(a, dtype=dt), np.asarray(b, dtype=dt), casting="unsafe",
                       dtype=unsigned)


# --- extents: count, min and max of the data (within ``range``) -----------------------------------


def extent_chunk(block: np.ndarray, *, range: Any = None, axis: int | None = None) -> Any:
    """``(count, min, max)`` of a block, per column with ``axis=0``; None when it is empty."""
    if range is not None:
        keep = (block >= range[0]) & (block <= range[1])
        if not keep.all():
            block = block[keep]
    n = block.size if axis is None else block.shape[0]
    if n == 0:
        return None
    return n, block.min(axis=axis), block.max(axis=axis)


def extent_merge(states: list[Any]) -> Any:
    kept = [s for s in states if s is not None]
    if not kept:
        return None
    count = sum(s[0] for s in kept)
    lo, hi = kept[0][1], kept[0][2]
    for _, a, b in kept[1:]:
        # minimum/maximum propagate NaN, as the data's own min() and max() do.
        lo, hi = np.minimum(lo, a), np.maximum(hi, b)
    return count, lo, hi


def outer_edges(extent: Any, range: Any) -> tuple[Any, Any]:
    """NumPy's ``_get_outer_edges``: the histogram's outer edges from ``range`` or the data."""
    if range is not None:
        first, last = range
        if first > last:
            raise ValueError(f"range=({first!r}, {last!r}): max must be larger than min")
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"supplied range of [{first}, {last}] is not finite")
    elif extent is None:  # no data: NumPy's range is [0, 1]
        first, last = 0, 1
    else:
        _, first, last = extent
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"autodetected range of [{first}, {last}] is not finite")
    if first == last:
        first, last = first - 0.5, last + 0.5
    return first, last


# The rules for ``bins``, as NumPy's ``_hist_bin_*``: ``n`` the count of the (trimmed) data,
# ``ptp`` its extent, ``stats`` what the rule needs beyond them, reduced lazily beforehand
# (see ``RULE_STATS``).
def _width_sqrt(n: int, ptp: Any, *stats: Any) -> Any:
    return ptp / np.sqrt(n)


def _width_sturges(n: int, ptp: Any, *stats: Any) -> Any:
    return ptp / (np.log2(n) + 1.0)


def _width_rice(n: int, ptp: Any, *stats: Any) -> Any:
    return ptp / (2.0 * n ** (1.0 / 3))


def _width_scott(n: int, ptp: Any, std: Any) -> Any:
    return (24.0 * np.pi**0.5 / n)**(1.0 / 3.0) * std


def _width_doane(n: int, ptp: Any, std: Any, g1: Any) -> Any:
    # g1 is the mean of ((x - mean) / std)**3, NumPy's skewness (std replaced by 1 where 0).
    if n > 2:
        sg1 = np.sqrt(6.0 * (n - 2) / ((n + 1.0) * (n + 3)))
        if std > 0.0:
            return ptp / (1.0 + np.log2(n) + np.log2(1.0 + np.absolute(g1) / sg1))
    return 0.0


def _width_fd(n: int, ptp: Any, iqr: Any) -> Any:
    return 2.0 * iqr * n ** (-1.0 / 3.0)


def _width_auto(n: int, ptp: Any, iqr: Any) -> Any:
    fd_bw = _width_fd(n, ptp, iqr)
    sturges_bw = _width_sturges(n, ptp)
    sqrt_bw = _width_sqrt(n, ptp)
    # NumPy's heuristic to limit the number of bins: FD relaxed to half the sqrt width.
    return min(max(fd_bw, sqrt_bw / 2), sturges_bw)


def stone_bound(n: int) -> int:
    """The largest number of bins NumPy's ``'stone'`` search tries for ``n`` elements.

    >>> stone_bound(10), stone_bound(40000)
    (100, 200)
    """
    return max(100, int(np.sqrt(n)))


def stone_chunk(block: np.ndarray, extent: Any, *, range: Any) -> np.ndarray | None:
    """One block's counts for every number of bins ``'stone'`` tries (1, 2, ... bins, joined),
    over the outer edges of the whole data; None when the data is empty."""
    if extent is None:
        return None
    first, last = outer_edges(extent if range is None else None, range)
    if range is not None:
        keep = (block >= first) & (block <= last)
        if not keep.all():
            block = block[keep]
    bound = stone_bound(extent[0])
    return np.concatenate([np.histogram(block, bins=k, range=(first, last))[0]
                           for k in builtins.range(1, bound + 1)])


def stone_merge(states: list[Any]) -> Any:
    kept = [s for s in states if s is not None]
    return add_counts(kept) if kept else None


def _width_stone(n: int, ptp: Any, counts: np.ndarray) -> Any:
    # NumPy's own search: the number of bins minimizing the estimated integrated squared error.
    if n <= 1 or ptp == 0:
        return 0

    def jhat(nbins: int) -> Any:
        hh = ptp / nbins
        start = nbins * (nbins - 1) // 2
        p_k = counts[start:start + nbins] / n
        return (2 - (n + 1) * p_k.dot(p_k)) / hh

    upper = stone_bound(n)
    nbins = min(builtins.range(1, upper + 1), key=jhat)
    if nbins == upper:
        warnings.warn("The number of bins estimated may be suboptimal.", RuntimeWarning,
                      stacklevel=2)
    return ptp / nbins


BIN_RULES = {"sqrt": _width_sqrt, "sturges": _width_sturges, "rice": _width_rice,
             "scott": _width_scott, "doane": _width_doane, "fd": _width_fd, "auto": _width_auto,
             "stone": _width_stone}
# What each rule needs beyond the count and extent of the data.
RULE_STATS = {"sqrt": (), "sturges": (), "rice": (), "scott": ("std",), "doane": ("std", "g1"),
              "fd": ("iqr",), "auto": ("iqr",), "stone": ("stone",)}


def histogram_plan(extent: Any, *stats: Any, bins: Any, range: Any, dtype: np.dtype) -> Plan:
    """``(number of bins, first edge, last edge)`` as ``numpy.histogram`` chooses them;
    ``stats`` are the values ``RULE_STATS`` names for the rule ``bins``."""
    first, last = outer_edges(extent if range is None else None, range)
    if not isinstance(bins, str):
        return int(bins), first, last
    if extent is None:  # no data (within the range)
        return 1, first, last
    n, lo, hi = extent
    width = BIN_RULES[bins](n, unsigned_subtract(hi, lo), *stats)
    if not width:
        return 1, first, last
    if np.issubdtype(dtype, np.integer) and width < 1:
        width = 1
    return int(np.ceil(unsigned_subtract(last, first) / width)), first, last


def plan_edges(plan: Plan, *, dtype: np.dtype) -> np.ndarray:
    bins, first, last = plan
    return np.histogram_bin_edges(np.empty(0, dtype=dtype), bins, range=(first, last))


# --- counting -------------------------------------------------------------------------------------


def histogram_chunk(block: np.ndarray, *rest: Any, bins: Any, range: Any, weighted: bool
                    ) -> np.ndarray:
    """Counts (or weights) of one block; ``rest`` is its weights and/or the plan, in that order."""
    weights = rest[0] if weighted else None
    if len(rest) > weighted:  # bins planned from the data
        bins, first, last = rest[-1]
        range = (first, last)
    return np.histogram(block, bins=bins, range=range, weights=weights)[0]


def add_counts(states: list[np.ndarray]) -> np.ndarray:
    """Sum of equally shaped counts, in their dtype (booleans add as a logical or, as NumPy's)."""
    total = states[0].copy()
    for s in states[1:]:
        total += s
    return total


def histogram_finish(counts: np.ndarray, *plan: Plan, density: bool, edges: Any = None,
                     dtype: np.dtype | None = None) -> np.ndarray:
    """The histogram from the summed counts: NumPy's density formula when asked."""
    if not density:
        return counts
    if plan:
        edges = plan_edges(plan[0], dtype=dtype)  # type: ignore[arg-type]
    widths = np.array(np.diff(edges), float)
    return counts / widths / counts.sum()


def histogramdd_edges(extent: Any, *, bins: list[Any], ranges: list[Any]) -> list[np.ndarray]:
    """Each dimension's edges: given arrays kept, counts of bins spread over the outer edges."""
    edges = []
    for i, (b, r) in enumerate(zip(bins, ranges)):
        if np.ndim(b) == 1:
            edges.append(np.asarray(b))
            continue
        column = None if extent is None else (extent[0], extent[1][i], extent[2][i])
        first, last = outer_edges(column if r is None else None, r)
        edges.append(np.linspace(first, last, int(b) + 1))
    return edges


def histogramdd_chunk(block: np.ndarray, *rest: Any, weighted: bool,
                      edges: list[np.ndarray] | None = None) -> np.ndarray:
    """Counts of one block of samples (rows); ``rest`` is its weights, then the planned edges."""
    weights = rest[0][:, 0] if weighted else None
    return np.histogramdd(block, bins=rest[-1] if edges is None else edges, weights=weights)[0]


def histogramdd_finish(hist: np.ndarray, *planned: list[np.ndarray], density: bool,
                       edges: list[np.ndarray] | None = None) -> np.ndarray:
    if planned:
        edges = planned[0]
    assert edges is not None
    if not density:
        return hist
    # NumPy's own arithmetic, in its order.
    s = hist.sum()
    for i, e in enumerate(edges):
        shape = np.ones(hist.ndim, int)
        shape[i] = hist.shape[i]
        hist = hist / np.diff(e).reshape(shape)
    hist /= s
    return hist


def edges_field(edges: list[np.ndarray], *, i: int) -> np.ndarray:
    return edges[i]


# --- bincount -------------------------------------------------------------------------------------


def bincount_chunk(block: np.ndarray, *weights: np.ndarray) -> np.ndarray:
    return np.bincount(block, weights[0] if weights else None)


def bincount_merge(states: list[np.ndarray]) -> np.ndarray:
    # An empty block counts as integers even with weights: the others' dtype wins.
    dtype = np.result_type(*[s.dtype for s in states])
    total = np.zeros(max(len(s) for s in states), dtype=dtype)
    for s in states:
        total[:len(s)] += s
    return total


def bincount_finish(counts: np.ndarray, *, minlength: int, dtype: np.dtype) -> np.ndarray:
    counts = counts.astype(dtype, copy=False)
    if len(counts) >= minlength:
        return counts
    out = np.zeros(minlength, dtype=dtype)
    out[:len(counts)] = counts
    return out


# --- checks made once the data is known -----------------------------------------------------------


def check_nonzero_weights(scale: np.ndarray) -> np.ndarray:
    """The sums of weights of ``average``, refused where one is zero (as NumPy does)."""
    if np.any(scale == 0.0):
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    return scale


def corrcoef_block(c: np.ndarray) -> np.ndarray:
    """``numpy.corrcoef`` from the covariance matrix, in NumPy's own steps."""
    try:
        d = np.diag(c)
    except ValueError:  # a scalar covariance: NumPy gives c / c
        return c / c
    stddev = np.sqrt(d.real)
    c = c / stddev[:, None]
    c /= stddev[None, :]
    # Clip to [-1, 1], real and imaginary parts alike: rounding may leave them just outside.
    np.clip(c.real, -1, 1, out=c.real)
    if np.iscomplexobj(c):
        np.clip(c.imag, -1, 1, out=c.imag)
    return c
