"""Kernels: the plain-NumPy functions that run inside tasks.

A kernel sees NumPy arrays (and Python values), never graphs, nodes or ``ChunkedArray``: it is what
a task calls. Kernels are importable from any layer and import nothing of the package but
:mod:`chunkarray.core`. One module per family: :mod:`~chunkarray.kernels.blocks` (making, copying
and joining blocks), :mod:`~chunkarray.kernels.reductions` (chunk, combine and aggregate steps),
:mod:`~chunkarray.kernels.program` (fused per-block programs), :mod:`~chunkarray.kernels.selection`
(takes, points, masks, writes), :mod:`~chunkarray.kernels.shape` (reshaping, broadcasting) and
:mod:`~chunkarray.kernels.staging` (the files of a rechunk staged through storage).
"""
