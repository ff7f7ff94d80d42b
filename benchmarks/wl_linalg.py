"""Linear-algebra workloads: a contraction over 1 GiB and a tall-and-skinny QR.

``einsum``: ``einsum("ij,ij->j", x, x)`` on 1 GiB of float64 (goal: at most 1.1 x NumPy's
``einsum``). ``qr``: QR of a (2**21, 32) float64 array in 16 row blocks by TSQR (goal: at most
NumPy's ``np.linalg.qr`` time, in bounded memory).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.engines import _ca, _da


def einsum(quick: bool) -> dict[str, Callable[[], Any]]:
    """``einsum("ij,ij->j", x, x)`` on 1 GiB of float64 in 128 MiB row blocks."""
    import numpy as np

    rows = 2**14 if quick else 2**17
    a = np.random.default_rng(0).random((rows, 1024))
    block = rows // 8
    return {
        "numpy": lambda: np.einsum("ij,ij->j", a, a),
        "chunkarray": lambda: _ca().einsum("ij,ij->j", _ca().from_array(a, chunks=(block, -1)),
                                           _ca().from_array(a, chunks=(block, -1))).compute(),
        "dask": lambda: _da().einsum("ij,ij->j", _da().from_array(a, chunks=(block, -1)),
                                     _da().from_array(a, chunks=(block, -1))).compute(),
    }


def qr(quick: bool) -> dict[str, Callable[[], Any]]:
    """Q and R of a (2**21, 32) float64 array in 16 row blocks."""
    import numpy as np

    rows = 2**17 if quick else 2**21
    a = np.random.default_rng(0).random((rows, 32))
    block = rows // 16

    def chunkarray() -> Any:
        ca = _ca()
        q, r = ca.linalg.qr(ca.from_array(a, chunks=(block, 32)))
        return ca.compute(q, r)

    def dask() -> Any:
        da = _da()
        import dask

        q, r = da.linalg.qr(da.from_array(a, chunks=(block, 32)))
        return dask.compute(q, r)

    return {"numpy": lambda: np.linalg.qr(a), "chunkarray": chunkarray, "dask": dask}


WORKLOADS: dict[str, Callable[[bool], dict[str, Callable[[], Any]]]] = {
    "einsum": einsum,
    "qr": qr,
}
