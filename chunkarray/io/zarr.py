"""Zarr (version 3 of the library) as a source and a target of chunked arrays.

zarr is an optional dependency, imported when one of these functions is called.
"""

from __future__ import annotations

import os
import warnings
from itertools import product
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, compute
from chunkarray.core import config
from chunkarray.core.chunks import normalize_chunks
from chunkarray.core.graph import ordered_keys
from chunkarray.core.tokenize import tokenize
from chunkarray.io._alignment import warn_if_crossing
from chunkarray.io._optional import require
from chunkarray.io.store import Write, plan_write, refuse_masked, run_writes, write_array
from chunkarray.ops.creation import asarray
from chunkarray.ops.rechunk import rechunk
from chunkarray.primitives.sources import FromArray

__all__ = ["from_zarr", "to_zarr", "zarr_is_complete"]


def from_zarr(url_or_store_or_array: Any, component: str | None = None, *, chunks: Any = None
              ) -> ChunkedArray:
    """A chunked array reading its blocks from a zarr array.

    The array is given by a path or URL, a zarr store, a zarr group with ``component`` (the
    array's path inside it), or a zarr array. By default the blocks are the storage chunks (whole
    shards when the array is sharded); ``chunks="auto"`` takes whole multiples of them near the
    configured ``chunk_size``, and every other form of ``chunks`` is accepted too. A missing path
    or component fails here, not in compute. Blocks that cut across the storage chunks get a
    :class:`CrossingChunksWarning`: every block decompresses each storage chunk it touches, whole.

    >>> import os, tempfile, numpy as np, zarr, chunkarray as ca
    >>> path = os.path.join(tempfile.mkdtemp(), "data.zarr")
    >>> z = zarr.create_array(path, shape=(6, 4), chunks=(2, 4), dtype="f8")
    >>> z[:] = np.arange(24.0).reshape(6, 4)
    >>> x = ca.from_zarr(path)
    >>> x.chunks
    ((2, 2, 2), (4,))
    >>> x.sum(axis=0).compute()
    array([60., 66., 72., 78.])
    """
    arr = _open(url_or_store_or_array, component, "from_zarr")
    if not _complete(arr):
        warnings.warn(
            f"from_zarr: the array at {location(arr)} is an unfinished write by chunkarray: "
            f"blocks that were never written read as the fill value. Finish it with "
            f"to_zarr(x, ..., resume=True)", IncompleteWriteWarning, stacklevel=2)
    shape, dtype = tuple(arr.shape), np.dtype(arr.dtype)
    storage = storage_chunks(arr)
    if chunks is None:
        normalized = normalize_chunks(storage, shape)
    else:
        normalized = normalize_chunks(chunks, shape, dtype=dtype, previous_chunks=storage,
                                      limit=config.get("chunk_size"))
        warn_if_crossing("from_zarr", location(arr), normalized, storage)
    # Named by where the array is, never by its data: the same path gives the same name.
    name = "from-zarr-" + tokenize(location(arr), shape, dtype, normalized)
    return ChunkedArray(FromArray(name, arr, normalized, dtype))


def storage_chunks(arr: Any) -> tuple[int, ...]:
    """The blocks a zarr array is written in: its shards, or its chunks when it isn't sharded."""
    shards = getattr(arr, "shards", None)
    return tuple(int(c) for c in (shards if shards is not None else arr.chunks))


def location(arr: Any) -> str:
    """Where a zarr array is stored, as a URL; local paths are made absolute.

    A store in memory is named by the store object, which is all that tells two apart.
    """
    root = getattr(arr.store, "root", None)
    if isinstance(root, os.PathLike):
        return f"file://{os.path.realpath(root)}/{arr.path}"
    return str(arr.store_path)


def _describe(url: Any) -> str:
    return repr(os.fspath(url)) if isinstance(url, (str, os.PathLike)) else type(url).__name__


def _open(url: Any, component: str | None, func: str, mode: str = "r") -> Any:
    """The zarr array at ``url`` (and ``component``), or an error that names what is missing."""
    zarr = require("zarr", "zarr")
    if isinstance(url, zarr.Array):
        if component is not None:
            raise ValueError(f"{func}: component={component!r} was given with a zarr array; "
                             f"a component names an array inside a group or store")
        return url
    if isinstance(url, zarr.Group):
        if component is None:
            raise ValueError(f"{func}: a zarr group needs component= naming an array in it; "
                             f"it holds {sorted(url.array_keys())}")
        try:
            node = url[component]
        except KeyError:
            raise KeyError(f"{func}: component={component!r} not found in the group at "
                           f"{url.store_path}; it holds {sorted(url.keys())}") from None
        return _array_or_error(node, component, str(url.store_path), func)
    if isinstance(url, (str, os.PathLike)):
        path = os.fspath(url)
        if "://" not in path and not os.path.exists(path):
            raise FileNotFoundError(f"{func}: no zarr array at {path!r}: the path does not exist")
    try:
        node = zarr.open(store=url, path=component or "", mode=mode)
    except (FileNotFoundError, KeyError) as exc:  # zarr's NodeNotFoundError is FileNotFoundError
        if component is None:
            raise FileNotFoundError(f"{func}: no zarr array or group at {_describe(url)}") from exc
        raise KeyError(f"{func}: component={component!r} not found in {_describe(url)}") from exc
    return _array_or_error(node, component, _describe(url), func)


def _array_or_error(node: Any, component: str | None, where: str, func: str) -> Any:
    zarr = require("zarr", "zarr")
    if isinstance(node, zarr.Group):
        what = "the root" if not component else f"component={component!r}"
        raise ValueError(f"{func}: {what} of {where} is a zarr group, not an array; pass "
                         f"component= one of {sorted(node.array_keys())}")
    return node


def _exists(url: Any, component: str | None) -> bool:
    zarr = require("zarr", "zarr")
    if isinstance(url, zarr.Group):
        return component is not None and component in url
    if isinstance(url, (str, os.PathLike)) and "://" not in os.fspath(url) \
            and not os.path.exists(os.fspath(url)):
        return False
    try:
        zarr.open(store=url, path=component or "", mode="r")
    except (FileNotFoundError, KeyError):
        return False
    return True


def _check_zarr_chunks(zarr_chunks: Any, x: ChunkedArray) -> tuple[int, ...]:
    if zarr_chunks is None:
        # The array's own block shape: every block is then one storage chunk (ragged at the end).
        return tuple(max(s, 1) for s in x.chunksize) if x.ndim else ()
    if isinstance(zarr_chunks, (int, np.integer)) and not isinstance(zarr_chunks, bool):
        zarr_chunks = (int(zarr_chunks),) * x.ndim
    ok = isinstance(zarr_chunks, (tuple, list)) and len(zarr_chunks) == x.ndim and all(
        isinstance(c, (int, np.integer)) and not isinstance(c, bool) and c > 0 for c in zarr_chunks)
    if not ok:
        raise ValueError(f"to_zarr: zarr_chunks={zarr_chunks!r} must be one positive int per axis "
                         f"of the array (shape {x.shape}), an int for every axis, or None")
    return tuple(int(c) for c in zarr_chunks)


def _compressors(compressors: Any) -> Any:
    # "default" rather than zarr's "auto": the same word the other writers use for "the library's".
    return "auto" if isinstance(compressors, str) and compressors == "default" else compressors


def to_zarr(x: Any, /, url: Any, component: str | None = None, *, overwrite: bool = False,
            region: Any = None, compressors: Any = "default", zarr_chunks: Any = None,
            resume: bool = False) -> None:
    """Write a chunked array to a zarr array, one task per block.

    ``url`` is a path or URL, a zarr store, a zarr group (with ``component``: the new array's path
    in it), or an existing zarr array to write into. A new array gets storage chunks of ``x``'s
    block shape, or ``zarr_chunks``; an existing one is refused unless ``overwrite=True``
    (replace it) or ``region=`` (a tuple of slices of it to write into). Blocks that don't line
    up with the storage chunks are rechunked first so that no two tasks write into the same
    chunk. Everything is checked before anything is written.

    A new array records which of its blocks have been written: if the write fails or is
    interrupted, :func:`zarr_is_complete` says so, ``from_zarr`` warns, and calling ``to_zarr``
    again with ``resume=True`` (and the same ``x``) writes only the blocks that are missing.

    >>> import os, tempfile, chunkarray as ca
    >>> path = os.path.join(tempfile.mkdtemp(), "out.zarr")
    >>> ca.arange(10, chunks=4).to_zarr(path)
    >>> ca.from_zarr(path).chunks
    ((4, 4, 2),)
    >>> ca.to_zarr(ca.zeros(4, dtype=int, chunks=4), path, region=(slice(4, 8),))
    >>> ca.from_zarr(path).compute()
    array([0, 1, 2, 3, 0, 0, 0, 0, 8, 9])
    """
    zarr = require("zarr", "zarr")
    x = x if isinstance(x, ChunkedArray) else asarray(x)
    refuse_masked(x, "to_zarr")
    for flag, value in (("overwrite", overwrite), ("resume", resume)):
        if not isinstance(value, bool):
            raise TypeError(f"to_zarr: {flag} must be True or False, got {value!r}")
    if resume:
        if overwrite or region is not None or zarr_chunks is not None:
            raise ValueError("to_zarr: resume=True continues an earlier write of a whole new "
                             "array; it takes no overwrite=, region= or zarr_chunks=")
        _resume(x, url, component)
        return
    existing = isinstance(url, zarr.Array) or region is not None
    if existing and zarr_chunks is not None:
        raise ValueError("to_zarr: zarr_chunks= only applies to a new array; an existing one "
                         "keeps its storage chunks")
    if existing and overwrite:
        raise ValueError("to_zarr: pass region= (or a zarr array) to write into an existing "
                         "array, or overwrite=True to replace it, not both")
    if existing:
        target = _open(url, component, "to_zarr", mode="r+")
        if target.read_only:
            raise ValueError(f"to_zarr: the zarr array at {location(target)} is read-only")
        run_writes([(plan_write(x, target, region, func="to_zarr"), target)])
        return
    chunks = _check_zarr_chunks(zarr_chunks, x)
    if not overwrite and _exists(url, component):
        where = _describe(url) + ("" if component is None else f", component={component!r}")
        raise FileExistsError(f"to_zarr: a zarr array or group already exists at {where}; pass "
                              f"overwrite=True to replace it, or region= to write into it")
    # Checked (and aligned) before the array is created, so a refusal leaves nothing behind.
    write = plan_write(x, None, None, func="to_zarr", shape=x.shape, dtype=x.dtype, unit=chunks)
    options = dict(shape=x.shape, dtype=x.dtype, chunks=chunks, overwrite=overwrite,
                   compressors=_compressors(compressors),
                   attributes={_RECORD: {"complete": False,
                                         "blocks": [list(c) for c in write.source.chunks]}})
    if isinstance(url, zarr.Group):
        if component is None:
            raise ValueError("to_zarr: writing into a zarr group needs component= naming the "
                             "new array")
        target = url.create_array(component, **options)
    else:
        target = zarr.create_array(url, name=component, **options)
    _write_recorded(write, target, set())


# --- resumable writes -----------------------------------------------------------------------------
#
# A new array written by ``to_zarr`` records, in its attributes, the blocks it is written in and
# that it is not complete yet; each block's task leaves a marker key under the array's own path in
# the store once the block has landed; the last step marks the array complete and removes the
# markers. After a failure, ``resume=True`` writes only the blocks that have no marker.

_RECORD = "chunkarray"  # attributes key: {"complete": bool, "blocks": chunks of the write}
_MARKERS = "chunkarray-written"  # the store prefix of the per-block markers


class IncompleteWriteWarning(UserWarning):
    """A zarr array whose write by chunkarray did not finish: unwritten blocks read as fill."""


def zarr_is_complete(url: Any, component: str | None = None) -> bool:
    """Whether the zarr array at ``url`` holds everything written to it.

    ``False`` for an array whose ``to_zarr`` failed or was interrupted (finish it with
    ``to_zarr(x, url, resume=True)``); ``True`` once it finished, and for arrays that chunkarray
    did not write, which carry no record.

    >>> import os, tempfile, chunkarray as ca
    >>> path = os.path.join(tempfile.mkdtemp(), "out.zarr")
    >>> ca.ones(4, chunks=2).to_zarr(path)
    >>> ca.zarr_is_complete(path)
    True
    """
    return _complete(_open(url, component, "zarr_is_complete"))


def _complete(arr: Any) -> bool:
    record = arr.attrs.get(_RECORD)
    return not isinstance(record, dict) or bool(record.get("complete", True))


class _Progress:
    """Records, in the target's store, each block of a write once it has landed."""

    def __init__(self, target: Any) -> None:
        self.target = target

    def _path(self, index: tuple[int, ...]) -> Any:
        return self.target.store_path / _MARKERS / (".".join(map(str, index)) or "0")

    def __call__(self, index: tuple[int, ...]) -> None:
        _sync_set(self._path(index), b"1")

    def written(self, numblocks: tuple[int, ...]) -> set[tuple[int, ...]]:
        return {i for i in product(*map(range, numblocks)) if _sync_exists(self._path(i))}

    def finish(self) -> None:
        self.target.attrs[_RECORD] = {**self.target.attrs[_RECORD], "complete": True}
        # Every marker at once (a directory removed, on a local store): one at a time, through
        # zarr's event loop, they took a second of a 1,024-block write.
        _sync_delete_dir(self.target.store_path / _MARKERS)

    @property
    def __chunkarray_token__(self) -> str:
        return f"zarr-progress:{location(self.target)}"


def _sync_set(path: Any, data: bytes) -> None:
    from zarr.core.buffer import default_buffer_prototype

    buffer = default_buffer_prototype().buffer.from_bytes(data)
    if hasattr(path, "set_sync"):
        path.set_sync(buffer)
    else:  # zarr before 3.1
        from zarr.core.sync import sync

        sync(path.set(buffer))


def _sync_exists(path: Any) -> bool:
    from zarr.core.sync import sync

    return bool(sync(path.exists()))


def _sync_delete_dir(path: Any) -> None:
    from zarr.core.sync import sync

    sync(path.delete_dir())


def _write_recorded(write: Write, target: Any, skip: set[tuple[int, ...]]) -> None:
    progress = _Progress(target)
    flags = write_array(write, target, record=progress)
    # In the order the blocks are best made (a staged rechunk's readers of one file together).
    todo = [i for i in (k[1:] for k in ordered_keys(flags._node)) if i not in skip]
    if todo:
        # One selection per block still to write: only their tasks (and their inputs') run.
        compute(*[flags.blocks[i] for i in todo])
    progress.finish()


def _resume(x: ChunkedArray, url: Any, component: str | None) -> None:
    target = _open(url, component, "to_zarr", mode="r+")
    record = target.attrs.get(_RECORD)
    where = location(target)
    if not isinstance(record, dict) or "blocks" not in record:
        raise ValueError(f"to_zarr: resume=True, but the array at {where} has no record of a "
                         f"write by chunkarray to resume; write it with overwrite=True")
    if record.get("complete"):
        return
    if tuple(target.shape) != x.shape or np.dtype(target.dtype) != x.dtype:
        raise ValueError(f"to_zarr: resume=True, but the array at {where} has shape "
                         f"{tuple(target.shape)} and dtype {target.dtype}, while x has shape "
                         f"{x.shape} and dtype {x.dtype}; resume with the array that was being "
                         f"written")
    blocks = tuple(tuple(int(n) for n in c) for c in record["blocks"])
    write = Write(rechunk(x, blocks), (0,) * x.ndim)
    _write_recorded(write, target, _Progress(target).written(tuple(map(len, blocks))))
