"""xarray's chunk manager for chunkarray: ``chunked_array_type="chunkarray"``.

Registered under the ``xarray.chunkmanagers`` entry point (``pyproject.toml``), so
``xr.open_zarr(path, chunks={}, chunked_array_type="chunkarray")``, ``ds.chunk(...,
chunked_array_type="chunkarray")`` and every operation of a Dataset over chunked arrays (reductions,
``groupby``, ``resample``, ``rolling``, ``cumsum``, ``quantile``, ``apply_ufunc(...,
dask="parallelized")``, ``load``, ``to_zarr``) run on chunkarray, with or without dask installed.
A chunked array is recognised by this manager alone: it carries no dask protocol (``x.to_dask()``
gives that on request).

xarray is imported only by this module, which only xarray imports (through the entry point).

>>> import numpy as np
>>> manager = ChunkArrayManager()  # what xarray makes from the entry point
>>> x = manager.from_array(np.arange(6.0), chunks=(2,))
>>> manager.is_chunked_array(x), manager.chunks(x)
(True, ((2, 2, 2),))
>>> manager.compute(manager.reduction(x, np.sum, aggregate_func=np.sum, axis=0, dtype=float))
(np.float64(15.0),)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np
from xarray.namedarray.parallelcompat import ChunkManagerEntrypoint

import chunkarray
from chunkarray.array import ChunkedArray, compute, persist
from chunkarray.core import config
from chunkarray.core.bytesize import parse_bytes
from chunkarray.core.chunks import Chunks, normalize_chunks
from chunkarray.io.store import store
from chunkarray.ops.creation import from_array
from chunkarray.ops.cumreduction import cumreduction
from chunkarray.ops.gufunc import apply_gufunc
from chunkarray.ops.indexing import getitem
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import blockwise, map_blocks
from chunkarray.ops.udf_reduction import reduction
from chunkarray.primitives.blockwise import unify_chunks

__all__ = ["ChunkArrayManager"]

_COMPUTE_OPTIONS = ("scheduler", "num_workers")


def _options(kwargs: Mapping[str, Any], method: str) -> dict[str, Any]:
    unknown = sorted(set(kwargs) - set(_COMPUTE_OPTIONS))
    if unknown:
        raise TypeError(f"chunkarray's xarray {method}: unknown option(s) {unknown}; it takes "
                        f"{list(_COMPUTE_OPTIONS)}")
    return dict(kwargs)


class ChunkArrayManager(ChunkManagerEntrypoint[ChunkedArray]):  # type: ignore[type-var]
    """The bridge xarray calls for every operation on a chunkarray-backed variable."""

    array_cls = ChunkedArray
    available = True

    def __init__(self) -> None:
        self.array_cls = ChunkedArray

    def is_chunked_array(self, data: Any) -> bool:
        return isinstance(data, ChunkedArray)

    def chunks(self, data: ChunkedArray) -> Chunks:
        return data.chunks

    def normalize_chunks(self, chunks: Any, shape: tuple[int, ...] | None = None,
                         limit: int | None = None, dtype: Any = None,
                         previous_chunks: Any = None) -> Chunks:
        if shape is None:
            raise ValueError("normalize_chunks: shape= is needed to normalize chunks")
        if previous_chunks is not None:  # a block size per axis, or whole chunks per axis
            previous_chunks = tuple(max(c) if isinstance(c, tuple) and c else c
                                    for c in previous_chunks)
        return normalize_chunks(chunks, tuple(shape), dtype=None if dtype is None
                                else np.dtype(dtype), previous_chunks=previous_chunks,
                                limit=limit if limit is not None else config.get("chunk_size"))

    def from_array(self, data: Any, chunks: Any, **kwargs: Any) -> ChunkedArray:
        name = kwargs.pop("name", None)
        kwargs.pop("meta", None)  # xarray's hint that blocks are NumPy: they always are
        # What open_dataset passes for dask: reads need no lock of ours (zarr is thread-safe, HDF5
        # files are read under their own lock) and the source is never inlined into tasks.
        kwargs.pop("lock", None)
        kwargs.pop("inline_array", None)
        if kwargs:
            raise TypeError(f"chunkarray's from_array takes name=, lock= and inline_array= only, "
                            f"got {sorted(kwargs)}")
        if isinstance(data, ChunkedArray):
            return rechunk(data, chunks)
        return from_array(data, chunks, name=name)

    def rechunk(self, data: ChunkedArray, chunks: Any, **kwargs: Any) -> ChunkedArray:
        if isinstance(chunks, Mapping):
            chunks = {int(k): v for k, v in chunks.items()}
        return rechunk(data, chunks, **kwargs)

    def compute(self, *data: Any, **kwargs: Any) -> tuple[Any, ...]:
        return compute(*data, **_options(kwargs, "compute"))

    def persist(self, *data: Any, **kwargs: Any) -> tuple[Any, ...]:
        return persist(*data, **_options(kwargs, "persist"))

    @property
    def array_api(self) -> ModuleType:
        return chunkarray

    def reduction(self, arr: ChunkedArray, func: Callable[..., Any],
                  combine_func: Callable[..., Any] | None = None,
                  aggregate_func: Callable[..., Any] | None = None,
                  axis: int | Sequence[int] | None = None, dtype: Any = None,
                  keepdims: bool = False) -> ChunkedArray:
        return reduction(arr, func, aggregate_func if aggregate_func is not None else func,
                         combine=combine_func, axis=axis, dtype=dtype, keepdims=keepdims)

    def scan(self, func: Callable[..., Any], binop: Callable[..., Any], ident: float,
             arr: ChunkedArray, axis: int | None = None, dtype: Any = None,
             **kwargs: Any) -> ChunkedArray:
        return cumreduction(func, binop, ident, arr, axis=axis, dtype=dtype, **kwargs)

    def apply_gufunc(self, func: Callable[..., Any], signature: str, *args: Any,
                     axes: Any = None, axis: int | None = None, keepdims: bool = False,
                     output_dtypes: Any = None, output_sizes: dict[str, int] | None = None,
                     vectorize: bool | None = None, allow_rechunk: bool = False,
                     meta: Any = None, **kwargs: Any) -> Any:
        return apply_gufunc(func, signature, *args, axes=axes, axis=axis, keepdims=keepdims,
                            output_dtypes=output_dtypes, output_sizes=output_sizes,
                            vectorize=vectorize, allow_rechunk=allow_rechunk, meta=meta, **kwargs)

    def map_blocks(self, func: Callable[..., Any], *args: Any, dtype: Any = None,
                   chunks: Any = None, drop_axis: Any = None, new_axis: Any = None,
                   **kwargs: Any) -> ChunkedArray:
        return map_blocks(func, *args, dtype=dtype, chunks=chunks, drop_axis=drop_axis,
                          new_axis=new_axis, **kwargs)

    def blockwise(self, func: Callable[..., Any], out_ind: Iterable[Any], *args: Any,
                  name: str | None = None, token: Any = None, dtype: Any = None,
                  adjust_chunks: dict[Any, Callable[..., Any]] | None = None,
                  new_axes: dict[Any, int] | None = None, align_arrays: bool = True,
                  concatenate: bool | None = None, meta: Any = None,
                  **kwargs: Any) -> ChunkedArray:
        if not align_arrays:
            raise NotImplementedError("chunkarray's blockwise always aligns its arrays' chunks; "
                                      "align_arrays=False is not supported")
        if dtype is None:
            if meta is None:
                raise TypeError("blockwise: give dtype= (or meta=) of the result")
            dtype = np.asarray(meta).dtype
        return blockwise(func, tuple(out_ind), *args, dtype=dtype, name=name,
                         adjust_chunks=adjust_chunks, new_axes=new_axes,
                         concatenate=bool(concatenate), **kwargs)

    def unify_chunks(self, *args: Any, **kwargs: Any  # type: ignore[override]
                     ) -> tuple[dict[Any, tuple[int, ...]], list[Any]]:
        if kwargs:
            raise TypeError(f"unify_chunks takes no options, got {sorted(kwargs)}")
        if len(args) % 2:
            raise ValueError("unify_chunks: give arrays and their indices in pairs")
        pairs = [(a, tuple(ind)) for a, ind in zip(args[::2], args[1::2])]
        chunked = [(a._node, ind) for a, ind in pairs if isinstance(a, ChunkedArray)]
        letters, nodes = unify_chunks(chunked)
        new = iter(nodes)
        arrays = [ChunkedArray(next(new)) if isinstance(a, ChunkedArray) else a for a, _ in pairs]
        return dict(letters), arrays

    def store(self, sources: Any, targets: Any, **kwargs: Any) -> Any:
        if not kwargs.pop("compute", True):
            raise NotImplementedError("chunkarray writes when asked: to_zarr(compute=False) is "
                                      "not supported; call to_zarr() (compute=True)")
        kwargs.pop("lock", None)  # writes are aligned to storage chunks, never raced
        kwargs.pop("flush", None)
        regions = kwargs.pop("regions", None)
        if kwargs:
            raise TypeError(f"chunkarray's store: unknown option(s) {sorted(kwargs)}")
        if isinstance(regions, list):
            regions = [r if r else None for r in regions]
        store(sources, targets, regions=regions)
        return None

    def shuffle(self, x: ChunkedArray, indexer: list[list[int]], axis: int,
                chunks: Any) -> ChunkedArray:
        if chunks not in (None, "auto"):
            raise NotImplementedError(f"shuffle: chunks={chunks!r}; only 'auto' is supported")
        order = np.concatenate([np.asarray(g, dtype=np.intp) for g in indexer]) \
            if indexer else np.zeros(0, dtype=np.intp)
        index = (slice(None),) * (axis % x.ndim) + (order,)
        moved = getitem(x, index)
        sizes = tuple(len(g) for g in indexer if len(g))
        if not sizes:
            return moved
        return rechunk(moved, {axis % x.ndim: sizes})

    def get_auto_chunk_size(self) -> int:
        return parse_bytes(config.get("chunk_size"))
