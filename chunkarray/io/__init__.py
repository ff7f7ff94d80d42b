"""Reading and writing storage: zarr, HDF5, and any target with ``__setitem__``.

zarr and h5py are optional: they are imported by the functions that need them, never by
``import chunkarray``.
"""

from typing import Any

from chunkarray.array_methods import provide
from chunkarray.io._alignment import CrossingChunksWarning
from chunkarray.io._hdf5_source import HDF5Array, as_hdf5_array
from chunkarray.io.delayed import from_blocks, from_delayed, to_delayed
from chunkarray.io.hdf5 import from_hdf5, to_hdf5
from chunkarray.io.npy_stack import from_npy_stack, to_npy_stack
from chunkarray.io.store import store
from chunkarray.io.zarr import IncompleteWriteWarning, from_zarr, to_zarr, zarr_is_complete
from chunkarray.ops.creation import register_source_adapter

__all__ = [
    "CrossingChunksWarning", "HDF5Array", "IncompleteWriteWarning", "from_blocks",
    "from_delayed", "from_hdf5", "from_npy_stack", "from_zarr", "store", "to_delayed", "to_hdf5",
    "to_npy_stack", "to_zarr", "zarr_is_complete",
]

# from_array reads h5py datasets through HDF5Array, which holds the file's lock.
register_source_adapter(as_hdf5_array)

# x.to_zarr(url, ...) is to_zarr(x, url, ...); x.to_hdf5(path, "x") is to_hdf5(path, "x", x).
provide("to_zarr")(to_zarr)
provide("to_hdf5")(lambda x, path, dataset, **options: to_hdf5(path, dataset, x, **options))


@provide("store")
def _store_method(x: Any, target: Any, /, *, region: Any = None) -> None:
    """``x.store(target, region=...)``: :func:`store` of one array.

    >>> import numpy as np, chunkarray as ca
    >>> a = np.zeros(4)
    >>> ca.arange(4.0, chunks=3).store(a)
    >>> a
    array([0., 1., 2., 3.])
    """
    store([x], [target], regions=[region])
