"""A warning for read chunkings that cut across the storage chunks they read."""

from __future__ import annotations

import warnings

from chunkarray.core.chunks import Chunks
from chunkarray.optimize.storage_reads import crossing_axes

__all__ = ["CrossingChunksWarning", "warn_if_crossing"]


class CrossingChunksWarning(UserWarning):
    """Blocks that cut across storage chunks: each read decompresses whole storage chunks, so
    the chunks on either side of a cut are read (and decompressed) once for each block."""


def warn_if_crossing(func: str, where: str, chunks: Chunks, storage: tuple[int, ...] | None,
                     stacklevel: int = 3) -> None:
    """Warn when ``chunks`` (a read of the array at ``where``) cut across ``storage`` chunks.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_crossing("from_zarr", "a.zarr", ((3, 3),), (2,))
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    from_zarr: chunks=((3, 3),) cut across the storage chunks (2,) of a.zarr along axis 0: each
    block decompresses every storage chunk it touches, whole; read in multiples of (2,)
    (chunks='auto' or None does) and rechunk afterwards
    """
    if storage is None:
        return
    axes = crossing_axes(chunks, storage)
    if axes:
        warnings.warn(
            f"{func}: chunks={chunks!r} cut across the storage chunks {storage} of {where} along "
            f"axis {', '.join(map(str, axes))}: each block decompresses every storage chunk it "
            f"touches, whole; read in multiples of {storage} (chunks='auto' or None does) and "
            f"rechunk afterwards", CrossingChunksWarning, stacklevel=stacklevel)
