"""npy stacks, dask's format: a directory of ``0.npy``, ``1.npy``... (one per block along one axis)
and an ``info`` file (a pickle of ``{"chunks", "dtype", "axis"}``). Stacks written here read in
dask and the other way round.

The ``info`` file is a pickle: read stacks only from directories you trust.
"""

from __future__ import annotations

import os
import pickle
from functools import partial

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.array_methods import provide
from chunkarray.core.tokenize import tokenize
from chunkarray.io.store import refuse_masked
from chunkarray.kernels import loaders
from chunkarray.ops.rechunk import rechunk
from chunkarray.primitives.sources import BlockCalls

__all__ = ["from_npy_stack", "to_npy_stack"]


def from_npy_stack(dirname: str | os.PathLike[str], /, mmap_mode: str | None = "r"
                   ) -> ChunkedArray:
    """The array stored as an npy stack in ``dirname`` (by ``to_npy_stack`` or dask's).

    >>> import tempfile, chunkarray as ca
    >>> path = tempfile.mkdtemp()
    >>> ca.arange(5, chunks=2).to_npy_stack(path)
    >>> ca.from_npy_stack(path).chunks, ca.from_npy_stack(path).sum().compute()
    (((2, 2, 1),), np.int64(10))
    """
    if mmap_mode not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap_mode={mmap_mode!r}: must be None, 'r', 'r+' or 'c'")
    dirname = os.fspath(dirname)
    info_path = os.path.join(dirname, "info")
    if not os.path.isfile(info_path):
        raise FileNotFoundError(f"from_npy_stack: {dirname!r} holds no 'info' file: not an npy "
                                f"stack (written by to_npy_stack)")
    with open(info_path, "rb") as f:
        info = pickle.load(f)
    chunks = tuple(tuple(int(n) for n in c) for c in info["chunks"])
    dtype, axis = np.dtype(info["dtype"]), int(info["axis"])
    missing = [i for i in range(len(chunks[axis]))
               if not os.path.isfile(os.path.join(dirname, f"{i}.npy"))]
    if missing:
        raise FileNotFoundError(f"from_npy_stack: {dirname!r} lacks {missing[0]}.npy of the "
                                f"{len(chunks[axis])} blocks its info file lists")
    funcs = [partial(loaders.load_npy, os.path.join(dirname, f"{i}.npy"), mmap_mode)
             for i in range(len(chunks[axis]))]
    name = "from-npy-stack-" + tokenize(os.path.abspath(dirname), chunks, dtype, mmap_mode)
    return ChunkedArray(BlockCalls(name, chunks, dtype, funcs, "from_npy_stack"))


@provide("to_npy_stack")
def to_npy_stack(x: ChunkedArray, dirname: str | os.PathLike[str], axis: int = 0) -> None:
    """Write ``x`` as an npy stack in ``dirname``: one ``.npy`` per block along ``axis``.

    Other axes are made whole first (as dask does); the directory is created if missing.

    >>> import tempfile, os, chunkarray as ca
    >>> path = tempfile.mkdtemp()
    >>> ca.ones((4, 3), chunks=2).to_npy_stack(path, axis=0)
    >>> sorted(os.listdir(path))
    ['0.npy', '1.npy', 'info']
    """
    refuse_masked(x, "to_npy_stack")
    if x.ndim == 0:
        raise ValueError("to_npy_stack: a 0-d array has no axis to split into files")
    axis = normalize_axis_index(axis, x.ndim, "axis")
    require_known_chunks(x, "to_npy_stack")
    chunks = tuple(c if d == axis else (x.shape[d],) for d, c in enumerate(x.chunks))
    whole = rechunk(x, chunks)
    dirname = os.fspath(dirname)
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, "info"), "wb") as f:
        pickle.dump({"chunks": chunks, "dtype": x.dtype, "axis": axis}, f)
    paths = [os.path.join(dirname, f"{i}.npy") for i in range(len(chunks[axis]))]
    flags = tuple((1,) * len(c) for c in chunks)
    written = whole.map_blocks(loaders.save_stack_block, dtype=bool, chunks=flags, paths=paths,
                               axis=axis)
    written.compute()

