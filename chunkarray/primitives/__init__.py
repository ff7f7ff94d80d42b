"""Every node kind of the expression graph, and the only place a ``Node`` subclass is defined.

A node is built from other nodes and parameters (never a ``ChunkedArray`` or the configuration),
is frozen once built, and says how to make any one of its blocks. Blockwise steps
(:mod:`~chunkarray.primitives.blockwise`), rechunks (:mod:`~chunkarray.primitives.rechunk`,
:mod:`~chunkarray.primitives.staged`), reduction trees (:mod:`~chunkarray.primitives.reduce`),
sources (:mod:`~chunkarray.primitives.sources`), slicing, takes and points
(:mod:`~chunkarray.primitives.slicing`, :mod:`~chunkarray.primitives.gather`,
:mod:`~chunkarray.primitives.take`, :mod:`~chunkarray.primitives.points`), assignment, stacking,
sinks, and the fused nodes fusion builds (:mod:`~chunkarray.primitives.fused`).

Imports :mod:`chunkarray.core` and :mod:`chunkarray.kernels` only.
"""
