"""``numpy.lib.stride_tricks`` on chunked arrays: :func:`sliding_window_view`."""

from chunkarray.ops.overlap import sliding_window_view

__all__ = ["sliding_window_view"]
