"""Linear algebra, with NumPy's names: ``chunkarray.linalg.matmul``, ...

The operations are in :mod:`chunkarray.ops.linalg`; this is their public home.
"""

from chunkarray.ops.linalg import dot, matmul

__all__ = ["dot", "matmul"]
