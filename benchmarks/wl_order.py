"""Workloads of scans, sorting and order statistics (issue 12), beside NumPy and dask.array.

- ``sort``: ``sort`` of 64 Mi float64 (512 MiB) in 64 blocks. dask.array has no sort: its entry
  is ``topk`` of the whole axis, the nearest it offers.
- ``topk``: the 1000 largest of the same 64 Mi float64, largest first (NumPy: ``np.partition``
  then a sort of the 1000; dask: its own ``topk``).
- ``median_axis0``: ``median(x, axis=0)`` of a (16384, 4096) float64 array in (1024, 4096)
  blocks; dask rechunks the axis into one block.
- ``cumsum_axis0``: ``x.cumsum(axis=0)`` of the same array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.engines import _ca, _da


def sort(quick: bool) -> dict[str, Callable[[], Any]]:
    """``sort`` of 64 Mi float64 in 64 blocks."""
    import numpy as np

    n = 2**22 if quick else 2**26
    a = np.random.default_rng(0).random(n)
    chunks = n // 64
    return {
        "numpy": lambda: np.sort(a),
        "chunkarray": lambda: _ca().sort(_ca().from_array(a, chunks=chunks)).compute(),
        "dask": lambda: _da().topk(_da().from_array(a, chunks=chunks), -n).compute(),
    }


def topk(quick: bool) -> dict[str, Callable[[], Any]]:
    """``topk(x, 1000)`` of 64 Mi float64 in 64 blocks."""
    import numpy as np

    n, k = (2**22 if quick else 2**26), 1000
    a = np.random.default_rng(0).random(n)
    chunks = n // 64
    return {
        "numpy": lambda: np.sort(np.partition(a, n - k)[n - k:])[::-1],
        "chunkarray": lambda: _ca().topk(_ca().from_array(a, chunks=chunks), k).compute(),
        "dask": lambda: _da().topk(_da().from_array(a, chunks=chunks), k).compute(),
    }


def _grid(quick: bool) -> Any:
    import numpy as np

    rows = 2048 if quick else 16384
    return np.random.default_rng(0).random((rows, 4096)), (rows // 16, 4096)


def median_axis0(quick: bool) -> dict[str, Callable[[], Any]]:
    """``median(x, axis=0)`` of (16384, 4096) float64 in (1024, 4096) blocks."""
    import numpy as np

    a, chunks = _grid(quick)
    return {
        "numpy": lambda: np.median(a, axis=0),
        "chunkarray": lambda: _ca().median(_ca().from_array(a, chunks=chunks), axis=0).compute(),
        "dask": lambda: _da().median(_da().from_array(a, chunks=chunks), axis=0).compute(),
    }


def cumsum_axis0(quick: bool) -> dict[str, Callable[[], Any]]:
    """``x.cumsum(axis=0)`` of (16384, 4096) float64 in (1024, 4096) blocks."""

    a, chunks = _grid(quick)
    return {
        "numpy": lambda: a.cumsum(axis=0),
        "chunkarray": lambda: _ca().cumsum(_ca().from_array(a, chunks=chunks), axis=0).compute(),
        "dask": lambda: _da().from_array(a, chunks=chunks).cumsum(axis=0).compute(),
    }


WORKLOADS: dict[str, Callable[[bool], dict[str, Callable[[], Any]]]] = {
    "sort": sort,
    "topk": topk,
    "median_axis0": median_axis0,
    "cumsum_axis0": cumsum_axis0,
}
