"""Linear algebra with NumPy's names: ``chunkarray.linalg.solve``, ``chunkarray.linalg.qr``, ...

The operations live in :mod:`chunkarray.ops` (``linalg``, ``linalg_qr``, ``linalg_lu``,
``linalg_norms``, ``contractions``); this is their public home. Beyond ``numpy.linalg``:
``lu`` and ``solve_triangular`` (SciPy's conventions, as dask's), ``svd_compressed`` (dask's
randomized SVD) and ``tsqr``.
"""

from chunkarray.ops.contractions import einsum
from chunkarray.ops.diagonals import matrix_transpose
from chunkarray.ops.linalg import dot, matmul
from chunkarray.ops.linalg_lu import (
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    lu,
    slogdet,
    solve,
    solve_triangular,
)
from chunkarray.ops.linalg_norms import (
    diagonal,
    matrix_norm,
    matrix_power,
    multi_dot,
    norm,
    outer,
    tensordot,
    trace,
    vecdot,
    vector_norm,
)
from chunkarray.ops.linalg_norms import (
    linalg_cross as cross,
)
from chunkarray.ops.linalg_qr import (
    lstsq,
    matrix_rank,
    pinv,
    qr,
    svd,
    svd_compressed,
    svdvals,
    tsqr,
    tsqr_complete,
)

__all__ = [
    "cholesky", "cross", "det", "diagonal", "dot", "eigh", "eigvalsh", "einsum", "inv", "lstsq",
    "lu", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose",
    "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd",
    "svd_compressed", "svdvals", "tensordot", "trace", "tsqr", "tsqr_complete", "vecdot",
    "vector_norm",
]
