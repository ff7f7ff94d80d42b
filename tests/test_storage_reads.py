"""Storage reads: whole storage chunks counted, and rechunks of reads that stay bounded."""

from __future__ import annotations

import warnings
from typing import Any

import h5py
import numpy as np
import pytest
import zarr
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.chunks import chunk_boundaries
from chunkarray.io import CrossingChunksWarning
from chunkarray.optimize.storage_reads import (
    axis_reads,
    crossing_axes,
    remake_reads_fit,
    source_storage_chunks,
    storage_reads,
)
from chunkarray.primitives.sources import FromArray
from tests.strategies import assert_eq, axis_chunks


class Counting:
    """An array-like stored in chunks that counts the elements of whole chunks its reads touch."""

    def __init__(self, data: np.ndarray, chunks: tuple[int, ...]) -> None:
        self.data, self.chunks = data, chunks
        self.shape, self.dtype = data.shape, data.dtype
        self.decompressed = 0

    def __getitem__(self, index: Any) -> np.ndarray:
        touched = 1
        for s, c, n in zip(index, self.chunks, self.shape):
            start, stop, _ = s.indices(n)
            if stop > start:
                touched *= ((stop - 1) // c - start // c + 1) * c
            else:
                touched = 0
        self.decompressed += touched
        return self.data[index]


def _brute(sizes: tuple[int, ...], storage: int, start: int, step: int) -> tuple[int, int]:
    bounds = chunk_boundaries(sizes)
    counts = [len({(start + i * step) // storage for i in range(lo, hi)})
              for lo, hi in zip(bounds[:-1], bounds[1:])]
    return sum(counts) * storage, max([0, *counts]) * storage


@given(st.integers(0, 30).flatmap(axis_chunks), st.integers(1, 9), st.integers(0, 5),
       st.sampled_from([1, 2, 3, 7, 12]))
def test_axis_reads_count_whole_storage_chunks(sizes, storage, start, step):
    total, widest = axis_reads(sizes, storage, start, step)
    expected_total, expected_widest = _brute(sizes, storage, start, step)
    if step < storage:  # exact; with large steps an upper bound (one chunk per element)
        assert (total, widest) == (expected_total, expected_widest)
    assert total >= expected_total and widest >= expected_widest


@given(st.integers(1, 30).flatmap(lambda n: st.tuples(axis_chunks(n), st.integers(1, 9))))
def test_crossing_axes_finds_cuts_inside_storage_chunks(case):
    sizes, storage = case
    cuts = chunk_boundaries(sizes)[1:-1]
    assert crossing_axes((sizes,), (storage,)) == ([0] if any(b % storage for b in cuts) else [])


def test_source_storage_chunks_recognises_storage_only(tmp_path: Any) -> None:
    z = zarr.create_array(tmp_path / "a.zarr", shape=(8, 8), chunks=(2, 4), dtype="f4")
    assert source_storage_chunks(z) == (2, 4)
    with h5py.File(tmp_path / "f.h5", "w") as f:
        d = f.create_dataset("x", shape=(8, 8), chunks=(4, 2), dtype="f4")
        assert source_storage_chunks(d) == (4, 2)
        assert source_storage_chunks(f.create_dataset("c", shape=(8,), dtype="f4")) is None
    assert source_storage_chunks(np.ones((4, 4))) is None
    assert source_storage_chunks(ca.ones((4, 4), chunks=2)) is None  # tuples of tuples


def test_rechunk_across_storage_chunks_does_not_reread_storage(executor: str) -> None:
    # Stored in tall chunks, rechunked to wide blocks: made from storage, every new block would
    # decompress a whole column of storage chunks (here 16 times the array in all).
    a = np.arange(64 * 64, dtype="f8").reshape(64, 64)
    source = Counting(a, (64, 4))
    x = ca.from_array(source, chunks=(64, 4))
    y = x.rechunk((4, 32), memory_limit="1 MiB")
    assert not isinstance(y._node, FromArray)  # before the fix: a FromArray read in (4, 32)
    assert_eq(y.compute(), a)
    assert source.decompressed <= 2 * a.size


def test_rechunk_along_storage_chunks_still_reads_anew(executor: str) -> None:
    a = np.arange(64 * 64, dtype="f8").reshape(64, 64)
    source = Counting(a, (64, 4))
    x = ca.from_array(source, chunks=(64, 4))
    for new in [(64, 16), (32, 4), (64, 64)]:  # whole storage chunks, or halves of them
        y = x.rechunk(new, memory_limit="1 MiB")
        assert isinstance(y._node, FromArray) and y.chunks == ca.ones((64, 64), chunks=new).chunks
        assert_eq(y.compute(), a)


def test_remake_refused_when_one_block_reads_more_than_the_limit() -> None:
    source = Counting(np.zeros((256, 256)), (256, 8))  # storage chunks of 16 KiB
    x = ca.from_array(source, chunks=(256, 8))
    wide = ca.from_array(source, chunks=(256, 8)).rechunk((256, 256))._node  # 32 whole chunks
    assert storage_reads(wide) == (256 * 256 * 8, 256 * 256 * 8)
    assert remake_reads_fit(x._node, wide, 2**20)
    assert not remake_reads_fit(x._node, wide, 2**18)  # 512 KiB per block over a 256 KiB limit


def test_zarr_rechunk_across_storage_chunks_stages(tmp_path: Any, executor: str) -> None:
    a = np.random.default_rng(0).random((64, 64))
    z = zarr.create_array(tmp_path / "a.zarr", shape=a.shape, chunks=(64, 2), dtype="f8")
    z[:] = a
    x = ca.from_zarr(tmp_path / "a.zarr")
    y = x.rechunk((2, 64), memory_limit=16 * 1024)
    assert type(y._node).__name__ == "StagedRechunk"
    y.to_zarr(tmp_path / "b.zarr")
    assert_eq(ca.from_zarr(tmp_path / "b.zarr").compute(), a)
    # In memory, every new block waits for all 32 storage blocks: refused under the limit.
    with pytest.raises(ValueError, match=r"32,768 bytes at once.*memory_limit=16,384.*'disk'"):
        x.rechunk((2, 64), memory_limit=16 * 1024, method="tasks")
    assert_eq(x.rechunk((2, 64), memory_limit=64 * 1024, method="tasks").compute(), a)


def test_reads_crossing_storage_chunks_warn(tmp_path: Any) -> None:
    z = zarr.create_array(tmp_path / "a.zarr", shape=(10, 6), chunks=(4, 3), dtype="f8")
    z[:] = np.arange(60.0).reshape(10, 6)
    with pytest.warns(CrossingChunksWarning, match=r"storage chunks \(4, 3\).*axis 0"):
        x = ca.from_zarr(tmp_path / "a.zarr", chunks=(5, 3))
    assert_eq(x.compute(), np.arange(60.0).reshape(10, 6))
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f.create_dataset("x", data=np.arange(60.0).reshape(10, 6), chunks=(4, 3))
    with pytest.warns(CrossingChunksWarning, match=r"storage chunks \(4, 3\).*axis 1"):
        ca.from_hdf5(tmp_path / "f.h5", "x", chunks=(4, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ca.from_zarr(tmp_path / "a.zarr")
        ca.from_zarr(tmp_path / "a.zarr", chunks=(8, 6))  # whole multiples (ragged end)
        ca.from_zarr(tmp_path / "a.zarr", chunks="auto")
        ca.from_hdf5(tmp_path / "f.h5", "x")
        ca.from_hdf5(tmp_path / "f.h5", "x", chunks=(8, -1))
