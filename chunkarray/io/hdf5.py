"""HDF5 (through h5py) as a source and a target of chunked arrays.

libhdf5 is not thread-safe: every read and write holds a lock per file (see
:mod:`chunkarray.io._locks`), while the NumPy work on other blocks goes on in parallel. Between
processes, every open holds a lock of chunkarray's own on the file until it is closed (shared to
read, exclusive to write; see :func:`~chunkarray.io._hdf5_source.open_file`), besides HDF5's file
locking, which leaves a gap between reading the file's length and taking its lock. h5py is an
optional dependency, imported when one of these functions is called.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core import config
from chunkarray.core.chunks import normalize_chunks
from chunkarray.core.tokenize import tokenize
from chunkarray.io._alignment import warn_if_crossing
from chunkarray.io._hdf5_source import HDF5Array, open_file
from chunkarray.io._locks import file_lock
from chunkarray.io._optional import require
from chunkarray.io.store import plan_write, run_writes
from chunkarray.ops.creation import asarray
from chunkarray.primitives.sources import FromArray

__all__ = ["from_hdf5", "to_hdf5"]

# HDF5 refuses chunks of 4 GiB or more.
_MAX_CHUNK_BYTES = 2**32 - 1


def from_hdf5(path: str | os.PathLike[str], dataset: str, *, chunks: Any = None
              ) -> ChunkedArray:
    """A chunked array reading its blocks from a dataset of an HDF5 file.

    By default (``chunks=None``, the same as ``"auto"``) the blocks are whole multiples of the
    dataset's storage chunks near the configured ``chunk_size``: HDF5 chunks are usually far
    smaller than a good task. Every other form of ``chunks`` is accepted. The file is checked
    here (a missing file or dataset fails at the call) and then opened by each read, under the
    file's lock; the array pickles as the path and the dataset's name. Blocks that cut across
    the storage chunks get a :class:`CrossingChunksWarning`.

    >>> import os, tempfile, h5py, numpy as np, chunkarray as ca
    >>> path = os.path.join(tempfile.mkdtemp(), "data.h5")
    >>> with h5py.File(path, "w") as f:
    ...     _ = f.create_dataset("x", data=np.arange(12.0).reshape(4, 3), chunks=(2, 3))
    >>> x = ca.from_hdf5(path, "x", chunks=(2, 3))
    >>> x.numblocks
    (2, 1)
    >>> x.mean(axis=0).compute()
    array([4.5, 5.5, 6.5])
    """
    source = _open_dataset(path, dataset)
    normalized = normalize_chunks("auto" if chunks is None else chunks, source.shape,
                                  dtype=source.dtype, previous_chunks=source.chunks,
                                  limit=config.get("chunk_size"))
    warn_if_crossing("from_hdf5", f"dataset {source.dataset!r} of {source.path!r}", normalized,
                     source.chunks)
    name = "from-hdf5-" + tokenize(source, normalized)
    return ChunkedArray(FromArray(name, source, normalized, source.dtype))


def _open_dataset(path: str | os.PathLike[str], dataset: str) -> HDF5Array:
    """The dataset's description, read now so that a missing file or name fails at the call."""
    h5py = require("h5py", "hdf5")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"from_hdf5: path must be a str or os.PathLike, got {type(path).__name__}")
    if not isinstance(dataset, str):
        raise TypeError(f"from_hdf5: dataset must be a str naming a dataset in the file, got "
                        f"{dataset!r}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"from_hdf5: no such file: {path!r}")
    with file_lock(path):
        try:
            f = open_file(path, "r")
        except OSError as exc:
            raise ValueError(f"from_hdf5: cannot open {path!r} as an HDF5 file ({exc})") from None
        with f as h:
            node = h.get(dataset)
            if node is None:
                raise KeyError(f"from_hdf5: dataset={dataset!r} not found in {path!r}; it holds "
                               f"{_dataset_names(h, h5py)}")
            if not isinstance(node, h5py.Dataset):
                raise ValueError(f"from_hdf5: dataset={dataset!r} in {path!r} is a "
                                 f"{type(node).__name__}, not a dataset")
            return HDF5Array(path, node.name, node.shape, node.dtype, node.chunks)


def _dataset_names(f: Any, h5py: Any, most: int = 20) -> list[str]:
    names: list[str] = []
    f.visititems(lambda n, obj: names.append(n) if isinstance(obj, h5py.Dataset) else None)
    return names[:most] + (["..."] if len(names) > most else [])


def _storage_chunks(x: ChunkedArray, chunks: Any, filtered: bool) -> Any:
    """What to pass h5py as ``chunks`` for a new dataset holding ``x`` (``filtered``: with
    compression or shuffle, which need chunks)."""
    if chunks is True:
        if x.ndim == 0 or 0 in x.shape:
            return True if filtered else None  # scalars and empty arrays can't chunk
        block = tuple(max(s, 1) for s in x.chunksize)
        if np.prod(block, dtype=np.int64) * x.dtype.itemsize > _MAX_CHUNK_BYTES:
            return True  # too big for HDF5: let h5py choose (the file lock keeps writes safe)
        return block
    if chunks is False or chunks is None:
        return None
    ok = isinstance(chunks, (tuple, list)) and len(chunks) == x.ndim and all(
        isinstance(c, (int, np.integer)) and not isinstance(c, bool) and 0 < c for c in chunks)
    if not ok:
        raise ValueError(f"to_hdf5: chunks={chunks!r} must be True (the array's block shape), "
                         f"False or None (contiguous), or one positive int per axis of shape "
                         f"{x.shape}")
    return tuple(int(c) for c in chunks)


def _arrays(dataset_or_mapping: Any, x: Any) -> dict[str, ChunkedArray]:
    if isinstance(dataset_or_mapping, Mapping):
        if x is not None:
            raise TypeError("to_hdf5: give either a mapping {dataset: array} or a dataset name "
                            "and an array, not both")
        items = dict(dataset_or_mapping)
    elif isinstance(dataset_or_mapping, str):
        if x is None:
            raise TypeError(f"to_hdf5: no array given to write to dataset "
                            f"{dataset_or_mapping!r}")
        items = {dataset_or_mapping: x}
    else:
        raise TypeError(f"to_hdf5: dataset_or_mapping must be a dataset name or a mapping "
                        f"{{name: array}}, got {type(dataset_or_mapping).__name__}")
    if not items:
        raise ValueError("to_hdf5: the mapping of datasets to write is empty")
    for name in items:
        if not isinstance(name, str) or not name.strip("/"):
            raise ValueError(f"to_hdf5: dataset names must be non-empty strings, got {name!r}")
    return {name: a if isinstance(a, ChunkedArray) else asarray(a) for name, a in items.items()}


def to_hdf5(path: str | os.PathLike[str], dataset_or_mapping: Any, x: Any = None, *,
            chunks: Any = True, compression: Any = None, compression_opts: Any = None,
            shuffle: bool = False, overwrite: bool = False) -> None:
    """Write chunked arrays to datasets of an HDF5 file (created if missing), in one pass.

    ``to_hdf5(path, "x", x)`` writes one array; ``to_hdf5(path, {"x": x, "y": y})`` writes several
    in one computation, so inputs they share are read once. ``chunks=True`` stores each dataset in
    chunks of its array's block shape (``False``/``None``: contiguous; or a tuple);
    ``compression``, ``compression_opts`` and ``shuffle`` are h5py's (e.g. ``"gzip"``, its level,
    and the byte shuffle before it). An existing dataset is refused unless ``overwrite=True``.
    Writes hold the file's lock, so blocks need not line up with the storage chunks. The storage
    chunks a block covers whole are compressed by its worker outside the lock (gzip and shuffle;
    see :mod:`chunkarray.io.hdf5_chunks`), so compression uses every worker.

    >>> import os, tempfile, chunkarray as ca
    >>> path = os.path.join(tempfile.mkdtemp(), "out.h5")
    >>> x = ca.arange(6, chunks=2)
    >>> ca.to_hdf5(path, {"x": x, "double": x * 2})
    >>> ca.from_hdf5(path, "double").compute()
    array([ 0,  2,  4,  6,  8, 10])
    >>> x.to_hdf5(path, "x", overwrite=True, compression="gzip", compression_opts=1, shuffle=True)
    """
    h5py = require("h5py", "hdf5")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"to_hdf5: path must be a str or os.PathLike, got {type(path).__name__}")
    for name, flag in (("overwrite", overwrite), ("shuffle", shuffle)):
        if not isinstance(flag, bool):
            raise TypeError(f"to_hdf5: {name} must be True or False, got {flag!r}")
    path = os.fspath(path)
    arrays = _arrays(dataset_or_mapping, x)
    filters = dict(compression=compression, compression_opts=compression_opts, shuffle=shuffle)
    filtered = compression is not None or shuffle
    storage = {name: _storage_chunks(a, chunks, filtered) for name, a in arrays.items()}
    writes = {name: plan_write(a, None, None, func="to_hdf5", shape=a.shape, dtype=a.dtype,
                               unit=None) for name, a in arrays.items()}
    with file_lock(path):
        _check_existing(h5py, path, list(arrays), overwrite)
        _create(h5py, path, arrays, storage, filters, overwrite)
    run_writes([(w, HDF5Array(path, name, arrays[name].shape, arrays[name].dtype,
                              storage[name] if isinstance(storage[name], tuple) else None))
                for name, w in writes.items()])


def _check_existing(h5py: Any, path: str, names: list[str], overwrite: bool) -> None:
    if not os.path.exists(path):
        return
    try:
        f = open_file(path, "r")
    except OSError as exc:
        raise ValueError(f"to_hdf5: {path!r} exists and cannot be opened as an HDF5 file "
                         f"({exc})") from None
    with f as h:
        taken = [n for n in names if n in h]
        groups = [n for n in taken if not isinstance(h[n], h5py.Dataset)]
    if groups:
        raise ValueError(f"to_hdf5: {groups[0]!r} in {path!r} is a group, not a dataset")
    if taken and not overwrite:
        raise FileExistsError(f"to_hdf5: dataset(s) {taken} already exist in {path!r}; pass "
                              f"overwrite=True to replace them")


def _create(h5py: Any, path: str, arrays: dict[str, ChunkedArray], storage: dict[str, Any],
            filters: dict[str, Any], overwrite: bool) -> None:
    created: list[str] = []
    with open_file(path, "a") as f:
        try:
            for name, a in arrays.items():
                if overwrite and name in f:
                    del f[name]
                # A scalar dataset takes no storage options: it is one value, never chunked.
                options = dict(chunks=storage[name], **filters) if a.ndim else {}
                try:
                    f.create_dataset(name, shape=a.shape, dtype=a.dtype, **options)
                except (TypeError, ValueError) as exc:
                    shown = ", ".join(f"{k}={v!r}" for k, v in filters.items())
                    raise type(exc)(f"to_hdf5: h5py refused dataset {name!r} with {shown}: "
                                    f"{exc}") from None
                created.append(name)
        except Exception:
            for name in created:  # a refused option leaves no half-made set of datasets behind
                del f[name]
            raise
