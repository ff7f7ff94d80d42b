"""Workloads of the sets and statistics family (issue 12): ``histogram`` and ``unique``.

``histogram``: 100 bins over 1 GiB of float64 with no ``range`` (so the data's extent is reduced
first: two passes over the data, both parallel). ``unique``: values and counts of 128 Mi int32
category codes in ``[0, 2**20)``; ``unique_wide``: the same over the whole int32 range, where
almost every value is distinct: each block is sorted, and the sorted blocks are merged by value
ranges in parallel (a timsort of runs per range), so the work is about one sort of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.engines import _ca, _da


def histogram(quick: bool) -> dict[str, Callable[[], Any]]:
    """``histogram(x, bins=100)`` of 1 GiB of float64 in 128 MiB blocks."""
    import numpy as np

    a = np.random.default_rng(0).standard_normal(2**24 if quick else 2**27)
    block = 2**21 if quick else 2**24
    return {
        "numpy": lambda: np.histogram(a, bins=100),
        "chunkarray": lambda: _ca().compute(*_ca().histogram(_ca().from_array(a, chunks=block),
                                                             bins=100)),
        # dask needs the range given: it cannot find it lazily.
        "dask": lambda: _da().histogram(_da().from_array(a, chunks=block), bins=100,
                                        range=(float(a.min()), float(a.max())))[0].compute(),
    }


def _codes(quick: bool, high: int) -> Any:
    import numpy as np

    n = 2**23 if quick else 2**27
    return np.random.default_rng(0).integers(0, high, n, dtype=np.int32)


def _unique(a: Any, quick: bool) -> dict[str, Callable[[], Any]]:
    import numpy as np

    block = 2**21 if quick else 2**24
    return {
        "numpy": lambda: np.unique(a, return_counts=True),
        "chunkarray": lambda: _ca().compute(*_ca().unique(_ca().from_array(a, chunks=block),
                                                          return_counts=True)),
        # No dask entry: da.unique(return_counts=True) did not finish 2 Mi int32 codes in
        # 200 s on this machine (it merges structured arrays of every block's values).
    }


def unique(quick: bool) -> dict[str, Callable[[], Any]]:
    """``unique(x, return_counts=True)`` of 128 Mi int32 codes in ``[0, 2**20)``."""
    return _unique(_codes(quick, 2**20), quick)


def unique_wide(quick: bool) -> dict[str, Callable[[], Any]]:
    """``unique(x, return_counts=True)`` of 128 Mi int32 over the whole int32 range."""
    import numpy as np

    return _unique(_codes(quick, np.iinfo(np.int32).max), quick)


WORKLOADS: dict[str, Callable[[bool], dict[str, Callable[[], Any]]]] = {
    "histogram": histogram,
    "unique": unique,
    "unique_wide": unique_wide,
}
