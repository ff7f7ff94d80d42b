"""NumPy's quantile arithmetic on selected order statistics: plain NumPy, no graphs.

An exact quantile needs only a few order statistics of its lane: which ones depends on the
lane's length (its count of non-NaN values, for the nan-functions), ``q`` and ``method``. These
kernels call NumPy's own index and interpolation helpers (``numpy.lib._function_base_impl``), so
the result is NumPy's whatever the method: ``quantile_ranks`` says which ranks to select and
``quantile_from_ranks`` interpolates between the selected values as ``numpy.quantile`` does.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.lib import _function_base_impl

from chunkarray.kernels.order import Bounds, Selected, choose_bounds, count_block, select_rank

# NumPy's own (private) quantile helpers: the same index and interpolation arithmetic as
# numpy.quantile, whatever the method. Typed loosely: NumPy's stubs do not list them.
_fb: Any = _function_base_impl

__all__ = ["QuantileSpec", "finish_quantile", "lane_bounds", "quantile_ranks"]


class QuantileSpec(NamedTuple):
    """What NumPy's quantile was asked: ``q`` already in [0, 1], NumPy's weak-``q`` flag, the
    method, the input dtype, and whether NaNs are skipped or the lane is a ``median``."""

    q: np.ndarray
    weak_q: bool
    method: str
    dtype: np.dtype
    skipna: bool
    median: bool = False


def _indexes(n: int, spec: QuantileSpec) -> tuple[np.ndarray, Any, Any]:
    """NumPy's virtual indexes and, for interpolating methods, the two neighbours of each."""
    props = _fb._QuantileMethods[spec.method]
    virtual = np.asanyarray(props["get_virtual_index"](n, spec.q))
    if props["fix_gamma"] is None or (spec.method == "linear"
                                      and np.issubdtype(virtual.dtype, np.integer)):
        return virtual, None, None
    prev, nxt = _fb._get_indexes(np.empty(0, spec.dtype), virtual, n)
    return virtual, prev, nxt


def quantile_ranks(n: int, spec: QuantileSpec) -> np.ndarray:
    """The ranks (0 .. n-1) whose values the quantiles of a lane of ``n`` values need.

    >>> spec = QuantileSpec(np.array([0.5]), False, "linear", np.dtype("f8"), False)
    >>> quantile_ranks(4, spec)
    array([1, 2])
    """
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if spec.median:
        return np.unique(np.array([(n - 1) // 2, n // 2], dtype=np.int64))
    virtual, prev, nxt = _indexes(n, spec)
    idx = np.asarray(virtual if prev is None else np.concatenate([prev.ravel(), nxt.ravel()]))
    idx = idx.astype(np.int64).ravel()
    return np.unique(np.where(idx < 0, idx + n, idx))


def finish_quantile(n: int, has_nan: bool, ranks: np.ndarray, values: np.ndarray,
                    spec: QuantileSpec, out_dtype: np.dtype) -> np.ndarray:
    """The quantiles of a lane of ``n`` (valid) values from the values at ``ranks``.

    >>> spec = QuantileSpec(np.array([0.5]), False, "linear", np.dtype("f8"), False)
    >>> finish_quantile(4, False, np.array([1, 2]), np.array([2.0, 3.0]), spec, np.dtype("f8"))
    array([2.5])
    """
    shape = () if spec.median else spec.q.shape
    if has_nan or n == 0:
        return np.full(shape, np.nan, dtype=out_dtype)
    if spec.median:
        return np.asarray(np.mean(values), dtype=out_dtype)

    def at(idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx).astype(np.int64)
        return values[np.searchsorted(ranks, np.where(idx < 0, idx + n, idx))]

    virtual, prev, nxt = _indexes(n, spec)
    if prev is None:
        result = at(virtual)
    else:
        props = _fb._QuantileMethods[spec.method]
        gamma = _fb._get_gamma(virtual, prev, props)
        gamma = float(gamma) if spec.weak_q else gamma.reshape(virtual.shape)
        result = _fb._lerp(at(prev), at(nxt), gamma)
    return np.asarray(result, dtype=out_dtype).reshape(shape)


def nan_count(block: np.ndarray) -> np.ndarray:
    """The number of NaNs in a block, as a one-element array.

    >>> nan_count(np.array([1.0, np.nan]))
    array([1])
    """
    if block.dtype.kind not in "fc":
        return np.zeros(1, dtype=np.int64)
    return np.array([np.count_nonzero(np.isnan(block))], dtype=np.int64)


class LaneInfo(NamedTuple):
    """The bounds of the ranks to select, and what the final step needs besides their values."""

    bounds: Bounds
    n: int
    has_nan: bool


def lane_bounds(samples: list[np.ndarray], nans: list[np.ndarray], *, size: int, step: int,
                spec: QuantileSpec) -> LaneInfo:
    """The ranks one lane's quantiles need and their bounds, from its samples and NaN counts.

    NaNs sort last, so the first ``size - nans`` ranks are the valid values.

    >>> spec = QuantileSpec(np.array([0.5]), False, "linear", np.dtype("f8"), True)
    >>> info = lane_bounds([np.array([1.0, np.nan])], [np.array([1])], size=2, step=1,
    ...                    spec=spec)
    >>> info.n, info.bounds.ranks
    (1, array([0]))
    """
    missing = int(sum(int(c[0]) for c in nans))
    n = size - missing if spec.skipna else size
    ranks = quantile_ranks(n, spec)
    return LaneInfo(choose_bounds(samples, ranks, step=step), n,
                    missing > 0 and not spec.skipna)


def count_lane_block(sorted_block: np.ndarray, info: LaneInfo) -> Any:
    """:func:`chunkarray.kernels.order.count_block` against a lane's bounds."""
    return count_block(sorted_block, info.bounds)


def select_slot(parts: list[Any], info: LaneInfo, *, i: int) -> Selected | None:
    """Select the ``i``-th rank of the lane, if it needs that many (else None)."""
    if i >= len(info.bounds.ranks):
        return None
    return select_rank(parts, info.bounds, i=i)


def finish_lane(selected: list[Selected | None], info: LaneInfo, *, spec: QuantileSpec,
                out_dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """The lane's quantiles, shaped as the output block."""
    values = np.array([s.value for s in selected if s is not None], dtype=spec.dtype)
    result = finish_quantile(info.n, info.has_nan, info.bounds.ranks, values, spec, out_dtype)
    return result.reshape(shape)

