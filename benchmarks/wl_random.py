"""Workloads of ``chunkarray.random`` (issue 14): generating 1 GiB of normals and reducing it.

``standard_normal``: ``default_rng(0).standard_normal((16384, 8192), chunks=(1024, 8192)).mean()``
against NumPy's single-threaded ``default_rng(0).standard_normal((16384, 8192)).mean()`` (the
goal: at least 1.5 x faster, on both cores) and dask's ``default_rng`` (whose values change
with the chunks). ``random``: the same with ``random()``, whose values are NumPy's own for
``Generator(Philox(0))``: every block jumps to its place in the stream. ``integers``:
``integers(0, 10**9)`` (about one 32-bit draw in 13 rejected), NumPy's own values too: a first
pass counts the rejections per segment of the stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.engines import _ca, _da


def _shape(quick: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    return ((2048, 8192), (256, 8192)) if quick else ((16384, 8192), (1024, 8192))


def standard_normal(quick: bool) -> dict[str, Callable[[], Any]]:
    """1 GiB of standard normals, generated block by block and averaged."""
    import numpy as np

    shape, chunks = _shape(quick)
    return {
        "numpy": lambda: np.random.default_rng(0).standard_normal(shape).mean(),
        "chunkarray": lambda: _ca().random.default_rng(0).standard_normal(
            shape, chunks=chunks).mean().compute(),
        "dask": lambda: _da().random.default_rng(0).standard_normal(
            shape, chunks=chunks).mean().compute(),
    }


def random(quick: bool) -> dict[str, Callable[[], Any]]:
    """1 GiB of uniform floats (NumPy's own Philox values), generated and averaged."""
    import numpy as np

    shape, chunks = _shape(quick)
    return {
        "numpy": lambda: np.random.Generator(np.random.Philox(0)).random(shape).mean(),
        "chunkarray": lambda: _ca().random.default_rng(0).random(
            shape, chunks=chunks).mean().compute(),
        "dask": lambda: _da().random.default_rng(0).random(shape, chunks=chunks).mean().compute(),
    }


def integers(quick: bool) -> dict[str, Callable[[], Any]]:
    """1 GiB of int64 in [0, 10**9) (NumPy's own Philox values, rejections and all), summed."""
    import numpy as np

    shape, chunks = _shape(quick)
    return {
        "numpy": lambda: np.random.Generator(np.random.Philox(0)).integers(
            0, 10**9, size=shape).sum(),
        "chunkarray": lambda: _ca().random.default_rng(0).integers(
            0, 10**9, size=shape, chunks=chunks).sum().compute(),
        "dask": lambda: _da().random.default_rng(0).integers(
            0, 10**9, size=shape, chunks=chunks).sum().compute(),
    }


WORKLOADS: dict[str, Callable[[bool], dict[str, Callable[[], Any]]]] = {
    "random_normal": standard_normal,
    "random_uniform": random,
    "random_integers": integers,
}
