"""HDF5's shuffle and deflate filters in NumPy and zlib: storage chunks encoded outside libhdf5.

libhdf5 is not thread-safe, so whatever it does runs under a lock, its filter pipeline included.
These kernels encode a chunk exactly as that pipeline would (the same bytes in the same order, a
standard zlib stream), so a worker thread can encode while another holds the lock to store: the
byte shuffle is a NumPy copy and ``zlib.compress`` releases the GIL while it deflates.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

__all__ = ["DEFLATE", "SHUFFLE", "encode_chunk", "shuffle"]

# HDF5's identifiers of its filters (H5Z_FILTER_DEFLATE, H5Z_FILTER_SHUFFLE).
DEFLATE = 1
SHUFFLE = 2


def shuffle(data: np.ndarray, itemsize: int) -> np.ndarray:
    """HDF5's byte shuffle of ``data`` (bytes): byte 0 of every element, then byte 1, and so on.

    As HDF5 does, one element (or one-byte elements) is left as it is, and bytes past the last
    whole element stay at the end.

    >>> shuffle(np.array([1, 2, 3], dtype="<u2").view(np.uint8), 2)
    array([1, 2, 3, 0, 0, 0], dtype=uint8)
    """
    n = data.size // itemsize
    if itemsize <= 1 or n <= 1:
        return data
    body = data[:n * itemsize].reshape(n, itemsize).T.reshape(-1)  # the transpose copies
    tail = data[n * itemsize:]
    return np.concatenate([body, tail]) if tail.size else body


def encode_chunk(values: np.ndarray, pipeline: Sequence[tuple[int, tuple[int, ...]]]
                 ) -> np.ndarray | bytes:
    """The bytes HDF5 stores for one whole chunk of C-contiguous ``values``, run through
    ``pipeline``: ``(filter id, client data)`` pairs in the dataset's order (every filter applied,
    so the chunk's filter mask is 0).

    >>> raw = np.arange(4, dtype="<i2")
    >>> bytes(encode_chunk(raw, [(SHUFFLE, (2,))]))
    b'\\x00\\x01\\x02\\x03\\x00\\x00\\x00\\x00'
    >>> zlib.decompress(encode_chunk(raw, [(DEFLATE, (1,))])) == raw.tobytes()
    True
    """
    data: np.ndarray | bytes = values.reshape(-1).view(np.uint8)
    for code, cd_values in pipeline:
        if code == SHUFFLE:
            raw = data if isinstance(data, np.ndarray) else np.frombuffer(data, dtype=np.uint8)
            data = shuffle(raw, cd_values[0])
        elif code == DEFLATE:
            data = zlib.compress(data.data if isinstance(data, np.ndarray) else data,
                                 cd_values[0])
        else:
            raise ValueError(f"encode_chunk: HDF5 filter {code} is not one chunkarray encodes; "
                             f"it encodes deflate ({DEFLATE}) and shuffle ({SHUFFLE})")
    return data
