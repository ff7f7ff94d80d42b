"""NumPy's ``numpy.lib`` names that chunkarray implements, where libraries look for them (as
``dask.array.lib``): ``chunkarray.lib.stride_tricks.sliding_window_view``."""

from chunkarray.lib import stride_tricks

__all__ = ["stride_tricks"]
