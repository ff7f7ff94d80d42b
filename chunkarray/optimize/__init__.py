"""Rewrites of the expression graph before it is lowered: fusion of blockwise chains
(:mod:`~chunkarray.optimize.fuse`), push-down of slices, takes and rechunks into source reads
(:mod:`~chunkarray.optimize.pushdown`), rechunk planning (:mod:`~chunkarray.optimize.rechunk_plan`),
and the one path from roots to tasks (:mod:`~chunkarray.optimize.lowering`).

Imports :mod:`chunkarray.core`, :mod:`chunkarray.kernels` and :mod:`chunkarray.primitives`; knows
nothing of ``ChunkedArray``.
"""
