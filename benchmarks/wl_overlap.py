"""Workloads of the neighbourhood family: a 5-point stencil through ``map_overlap``.

``stencil``: the 5-point Laplacian of a (8192, 8192) float64 array in (1024, 1024) blocks with a
zero boundary, computed to NumPy. NumPy pads the whole array and adds four shifted slices; the
chunked engines run the same arithmetic on each block enlarged by one element of its neighbours,
with a function that returns a block of the enlarged shape (``trim=True``, the default).
``stencil_interior``: the same with a function that returns only the interior, as NumPy's
expression does (``trim=False``), so the function makes no extra copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.engines import _ca, _da


def _laplacian(p: Any) -> Any:
    """The 5-point stencil of the interior of ``p`` (its outer ring only feeds the interior)."""
    return p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * p[1:-1, 1:-1]


def _laplacian_same_shape(p: Any) -> Any:
    """The stencil in a block of ``p``'s shape, as ``map_overlap`` with ``trim=True`` wants."""
    import numpy as np

    out = np.empty_like(p)
    out[1:-1, 1:-1] = _laplacian(p)
    return out


def stencil(quick: bool) -> dict[str, Callable[[], Any]]:
    """5-point stencil, ``map_overlap(depth=1, boundary=0)`` vs NumPy's pad-and-slice."""
    import numpy as np

    n, block = (2048, 256) if quick else (8192, 1024)
    a = np.random.default_rng(0).random((n, n))

    def numpy() -> Any:
        return _laplacian(np.pad(a, 1))

    def chunkarray() -> Any:
        x = _ca().from_array(a, chunks=block)
        return _ca().map_overlap(_laplacian_same_shape, x, depth=1, boundary=0,
                                 dtype=a.dtype).compute()

    def dask() -> Any:
        x = _da().from_array(a, chunks=block)
        return _da().map_overlap(_laplacian_same_shape, x, depth=1, boundary=0,
                                 dtype=a.dtype).compute()

    return {"numpy": numpy, "chunkarray": chunkarray, "dask": dask}


def stencil_interior(quick: bool) -> dict[str, Callable[[], Any]]:
    """5-point stencil, ``map_overlap(depth=1, boundary=0, trim=False)`` with a function that
    returns the interior of each enlarged block, vs NumPy's pad-and-slice."""
    import numpy as np

    n, block = (2048, 256) if quick else (8192, 1024)
    a = np.random.default_rng(0).random((n, n))

    def numpy() -> Any:
        return _laplacian(np.pad(a, 1))

    def chunkarray() -> Any:
        x = _ca().from_array(a, chunks=block)
        return _ca().map_overlap(_laplacian, x, depth=1, boundary=0, trim=False,
                                 dtype=a.dtype).compute()

    def dask() -> Any:
        x = _da().from_array(a, chunks=block)
        return _da().map_overlap(_laplacian, x, depth=1, boundary=0, trim=False,
                                 dtype=a.dtype).compute()

    return {"numpy": numpy, "chunkarray": chunkarray, "dask": dask}


WORKLOADS: dict[str, Callable[[bool], dict[str, Callable[[], Any]]]] = {
    "stencil": stencil, "stencil_interior": stencil_interior}
