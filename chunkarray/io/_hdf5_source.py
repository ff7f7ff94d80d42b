"""An HDF5 dataset as a small picklable array-like whose reads and writes hold its file's lock.

It knows nothing of graphs or chunked arrays: :func:`chunkarray.from_array` reads its blocks by
slicing it, and :func:`chunkarray.store` writes blocks by assigning into it.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from chunkarray.io._locks import file_lock, process_lock, resolve

__all__ = ["HDF5Array", "as_hdf5_array", "is_h5py_dataset", "open_file"]

# How long to wait for another process to close a file it has open for writing.
_BUSY_TIMEOUT = 60.0


class open_file:  # noqa: N801 (used like the function it replaced: open_file(path, mode))
    """``h5py.File(path, mode)`` held under a lock across processes, waiting for other processes.

    The lock of :func:`file_lock` is per process. Across processes (the processes executor, a
    distributed cluster on one file system) HDF5's own file locking keeps a writer exclusive, but
    it samples the file's length before taking its lock: an opener that gets the lock just as a
    writer releases it may see the file shorter than the writer left it and fail with "truncated
    file". So every open takes a lock of our own first (shared to read, exclusive to write, see
    :func:`~chunkarray.io._locks.process_lock`) and keeps it until the file is closed. A second
    opener that still finds HDF5's lock taken (a process that is not chunkarray) waits for it.

    Use it as ``with open_file(path, mode) as f:``; the open (and its errors) happen at the call.
    """

    def __init__(self, path: str, mode: str) -> None:
        self._lock = process_lock(path, exclusive=mode != "r", timeout=_BUSY_TIMEOUT)
        self._lock.__enter__()
        try:
            self.file = _open_waiting(path, mode)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise

    def __enter__(self) -> Any:
        return self.file

    def __exit__(self, *exc: Any) -> None:
        try:
            self.file.close()
        finally:
            self._lock.__exit__(None, None, None)


def _open_waiting(path: str, mode: str) -> Any:
    """``h5py.File(path, mode)``, waiting while another process holds HDF5's own lock."""
    import h5py  # optional dependency: loaded only when an HDF5 file is opened

    delay, deadline = 0.001, time.monotonic() + _BUSY_TIMEOUT
    while True:
        try:
            return h5py.File(path, mode)
        except BlockingIOError as exc:
            if time.monotonic() > deadline:
                exc.add_note(f"chunkarray: waited {_BUSY_TIMEOUT:.0f} s for another process to "
                             f"close {path!r}")
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


def is_h5py_dataset(x: Any) -> bool:
    """Whether ``x`` is an h5py dataset (never importing h5py: if it isn't loaded, it isn't one)."""
    h5py = sys.modules.get("h5py")
    return h5py is not None and isinstance(x, h5py.Dataset)


class HDF5Array:
    """One dataset of an HDF5 file: ``shape``, ``dtype``, storage ``chunks``, and slicing.

    It holds the file's path and the dataset's name rather than an open file, so it pickles small
    and opens the file where it reads (a distributed worker included). The file is opened for each
    read or write and closed after it: a handle kept open would stop the caller from reopening
    the file for writing later (HDF5 refuses ``'a'`` on a file open read-only in the process).
    Made from an open h5py dataset (:meth:`of`), it reads through that dataset while it is open,
    so it sees what the caller's handle sees.

    >>> import os, tempfile, h5py, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "data.h5")
    >>> with h5py.File(path, "w") as f:
    ...     _ = f.create_dataset("x", data=np.arange(6.0), chunks=(2,))
    >>> a = HDF5Array(path, "x", (6,), "f8", (2,))
    >>> a[1:4]
    array([1., 2., 3.])
    """

    # Writes into one file are serialised by its lock, so tasks may share storage chunks.
    __chunkarray_write_unit__ = None

    def __init__(self, path: str | os.PathLike[str], dataset: str, shape: tuple[int, ...],
                 dtype: Any, chunks: tuple[int, ...] | None = None, *, handle: Any = None) -> None:
        self.path = os.fspath(path)
        self.dataset = dataset
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.chunks = None if chunks is None else tuple(int(c) for c in chunks)
        self._handle = handle

    @classmethod
    def of(cls, dataset: Any) -> HDF5Array:
        """The array-like of an open h5py dataset, reading through it while it stays open."""
        return cls(dataset.file.filename, dataset.name, dataset.shape, dataset.dtype,
                   dataset.chunks, handle=dataset)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def __chunkarray_token__(self) -> str:
        # Path and name, never the data: the same dataset gets the same name in every session.
        # An anonymous dataset has no name to find it by, only its handle.
        where = self.dataset if self.dataset is not None else f"anonymous-{id(self._handle)}"
        return f"hdf5:{resolve(self.path)}:{where}:{self.shape}:{self.dtype.str}"

    def __reduce__(self) -> tuple[Any, ...]:
        # An open handle doesn't pickle (nor mean anything in another process): leave it behind.
        return (HDF5Array, (self.path, self.dataset, self.shape, self.dtype, self.chunks))

    def __repr__(self) -> str:
        return (f"HDF5Array({self.path!r}, {self.dataset!r}, shape={self.shape}, "
                f"dtype={self.dtype}, chunks={self.chunks})")

    def _open_handle(self) -> Any:
        handle = self._handle
        return handle if handle is not None and handle.id.valid else None

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """The h5py dataset, open to read, with the file's lock held."""
        with file_lock(self.path):
            handle = self._open_handle()
            if handle is not None:
                yield handle
                return
            with open_file(self.path, "r") as f:
                yield f[self.dataset]

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """The h5py dataset, open to write, with the file's lock held."""
        with file_lock(self.path):
            handle = self._open_handle()
            if handle is not None and handle.file.mode != "r":
                yield handle
                return
            with open_file(self.path, "r+") as f:
                yield f[self.dataset]

    def __getitem__(self, index: Any) -> Any:
        with self.reading() as dataset:
            return dataset[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        with self.writing() as dataset:
            dataset[index] = value


def as_hdf5_array(x: Any) -> HDF5Array | None:
    """An h5py dataset as an :class:`HDF5Array` (None for anything else): for ``from_array``."""
    return HDF5Array.of(x) if is_h5py_dataset(x) else None
