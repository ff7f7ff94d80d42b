"""Bridges to other libraries' protocols: dask's collection protocol
(:mod:`~chunkarray.interop.dask`).

Modules here import the array and the operations and are imported only by the public namespace.
"""
