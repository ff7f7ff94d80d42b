"""Rewrites of the expression graph before it is lowered: fusion of blockwise chains into fused
programs, push-down of changes into source reads, and rechunk planning.

Imports :mod:`chunkarray.core` and :mod:`chunkarray.primitives`; knows nothing of ``ChunkedArray``.
"""
