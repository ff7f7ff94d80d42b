"""The public operations, one module per family (creation, elementwise, reductions, indexing,
shape manipulation, linear algebra, rechunking, ...).

An operation validates its arguments, works out the result's metadata and builds nodes from
:mod:`chunkarray.primitives`; what runs per block lives in :mod:`chunkarray.kernels`.
"""
