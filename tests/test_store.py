"""``store``: many arrays into many targets in one pass, checked and aligned before any write."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.io.store import aligned_chunks, normalize_region

from .strategies import assert_eq, axis_chunks


class CountingSource:
    """An array-like that counts its reads (by block), to check inputs are read once."""

    def __init__(self, a: np.ndarray) -> None:
        self.a, self.shape, self.dtype = a, a.shape, a.dtype
        self.reads: list[Any] = []
        self._lock = threading.Lock()

    def __getitem__(self, index: Any) -> np.ndarray:
        with self._lock:
            self.reads.append(index)
        return self.a[index]


class RecordingTarget:
    """A target with storage chunks that records which storage chunks every write touches."""

    def __init__(self, shape: tuple[int, ...], dtype: Any, chunks: tuple[int, ...]) -> None:
        self.data = np.zeros(shape, dtype)
        self.shape, self.dtype, self.chunks = shape, np.dtype(dtype), chunks
        self.writes: list[tuple[slice, ...]] = []
        self._lock = threading.Lock()

    def __setitem__(self, region: tuple[slice, ...], block: Any) -> None:
        with self._lock:
            self.writes.append(region)
        self.data[region] = block

    def shared_chunks(self) -> set[tuple[int, ...]]:
        """Storage chunks that more than one write touched."""
        seen: dict[tuple[int, ...], int] = {}
        for region in self.writes:
            ranges = [range(s.start // c, (s.stop - 1) // c + 1) if s.stop > s.start else range(0)
                      for s, c in zip(region, self.chunks)]
            for chunk in np.ndindex(*[len(r) for r in ranges]):
                key = tuple(r[i] for r, i in zip(ranges, chunk))
                seen[key] = seen.get(key, 0) + 1
        return {k for k, n in seen.items() if n > 1}


def test_store_many_arrays_reads_shared_input_once(executor: str) -> None:
    a = np.arange(48.0).reshape(6, 8)
    source = CountingSource(a)
    x = ca.from_array(source, chunks=(2, 4))
    targets = [np.zeros((6, 8)), np.zeros((6, 8)), np.zeros((8, 8))]
    ca.store([x + 1, x * 2, x.T], targets, regions=[None, None, (slice(0, 8), slice(1, 7))])
    np.testing.assert_array_equal(targets[0], a + 1)
    np.testing.assert_array_equal(targets[1], a * 2)
    np.testing.assert_array_equal(targets[2][:, 1:7], a.T)
    assert not targets[2][:, [0, 7]].any()
    assert len(source.reads) == x.npartitions  # one read per block, shared by three writes


def test_store_single_array_and_region(executor: str) -> None:
    out = np.full((5, 6), -1)
    ca.store(ca.from_array(np.arange(6).reshape(1, 6), chunks=4), out, regions=(slice(2, 3),))
    expected = np.full((5, 6), -1)
    expected[2] = np.arange(6)
    np.testing.assert_array_equal(out, expected)


def test_store_into_zarr_and_hdf5_at_once(tmp_path: Any, executor: str) -> None:
    import h5py
    import zarr

    a = np.random.default_rng(0).random((9, 7))
    x = ca.from_array(a, chunks=(3, 7))
    z = zarr.create_array(tmp_path / "z.zarr", shape=(9, 7), chunks=(4, 4), dtype="f8")
    with h5py.File(tmp_path / "f.h5", "w") as f:
        d = f.create_dataset("d", shape=(9, 7), dtype="f8", chunks=(2, 2))
        ca.store([x, x - 1], [z, d])
        np.testing.assert_array_equal(d[...], a - 1)
    np.testing.assert_array_equal(z[...], a)


@pytest.mark.parametrize("chunks, unit, start", [
    (((3, 3, 3),), (4,), 0),
    (((4, 4, 2),), (4,), 0),
    (((1,) * 9,), (3,), 5),
    (((9,),), (2,), 1),
    (((2, 7),), (4,), 3),
])
def test_aligned_chunks_put_block_edges_on_storage_edges(chunks: Any, unit: Any, start: int
                                                          ) -> None:
    (new,) = aligned_chunks(chunks, unit, (start,))
    assert sum(new) == sum(chunks[0])
    edges = np.cumsum(new)[:-1] + start
    assert all(e % unit[0] == 0 for e in edges)
    if all((start + e) % unit[0] == 0 for e in np.cumsum(chunks[0])[:-1]):
        assert new == chunks[0]  # already aligned: left alone


@st.composite
def _misaligned_writes(draw: st.DrawFn) -> tuple[Any, ...]:
    ndim = draw(st.integers(1, 2))
    shape = tuple(draw(st.integers(1, 9)) for _ in range(ndim))
    chunks = tuple(draw(axis_chunks(n)) for n in shape)
    unit = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    starts = tuple(draw(st.integers(0, 5)) for _ in range(ndim))
    return shape, chunks, unit, starts


@given(_misaligned_writes())
def test_store_never_lets_two_tasks_share_a_storage_chunk(case: tuple[Any, ...]) -> None:
    shape, chunks, unit, starts = case
    a = np.arange(np.prod(shape), dtype=np.int32).reshape(shape) + 1
    target_shape = tuple(s + n + 2 for s, n in zip(starts, shape))
    target = RecordingTarget(target_shape, np.int32, unit)
    region = tuple(slice(s, s + n) for s, n in zip(starts, shape))
    ca.store(ca.from_array(a, chunks=chunks), target, regions=region)
    expected = np.zeros(target_shape, np.int32)
    expected[region] = a
    np.testing.assert_array_equal(target.data, expected)
    assert not target.shared_chunks()


def test_store_into_equal_numpy_targets_writes_each() -> None:
    # Small NumPy arrays are named by their contents: the targets must still be told apart.
    targets = [np.zeros(4), np.zeros(4)]
    ca.store([ca.ones(4, chunks=2), ca.full(4, 2.0, chunks=2)], targets)
    np.testing.assert_array_equal(targets, [[1, 1, 1, 1], [2, 2, 2, 2]])


def test_store_refuses_two_regions_sharing_a_storage_chunk(tmp_path: Any) -> None:
    import zarr

    z = zarr.create_array(tmp_path / "z.zarr", shape=(10,), dtype="f8", chunks=(4,))
    halves = [ca.ones(5, chunks=5), ca.zeros(5, chunks=5)]
    with pytest.raises(ValueError, match=r"targets\[0\] and targets\[1\].*share storage chunks"):
        ca.store(halves, [z, z], regions=[(slice(0, 5),), (slice(5, 10),)])
    assert z.nchunks_initialized == 0
    ca.store([ca.ones(4, chunks=2), ca.zeros(6, chunks=3)], [z, z],
             regions=[(slice(0, 4),), (slice(4, 10),)])  # chunk edges apart: allowed
    assert_eq(z[...], np.array([1.0] * 4 + [0.0] * 6))


def test_store_checks_everything_before_writing_anything() -> None:
    first, second = np.zeros(4), np.zeros(3)
    with pytest.raises(ValueError, match=r"shape \(4,\).*target shape \(3,\)"):
        ca.store([ca.ones(4, chunks=2), ca.ones(4, chunks=2)], [first, second])
    assert not first.any()  # the first pair was fine, but nothing ran


def test_store_refuses_a_dtype_the_target_cannot_hold() -> None:
    with pytest.raises(TypeError, match="dtype complex128 into a target of dtype float64"):
        ca.store(ca.ones(3, dtype=complex, chunks=2), np.zeros(3))
    out = np.zeros(3, dtype=np.float32)
    ca.store(ca.ones(3, chunks=2), out)  # float64 into float32: same kind, allowed
    assert_eq(out, np.ones(3, np.float32))


@pytest.mark.parametrize("sources, targets, regions, error, match", [
    ([np.ones(3)], [np.zeros(3)], None, TypeError, r"sources\[0\] must be a ChunkedArray"),
    ([ca.ones(3)], [np.zeros(3), np.zeros(3)], None, ValueError, "1 sources but 2 targets"),
    ([ca.ones(3)], [np.zeros(3)], [None, None], ValueError, "2 regions for 1 sources"),
    ([ca.ones(3)], [(1, 2, 3)], None, TypeError, r"targets\[0\] must support item assignment"),
    ([ca.ones(3)], [np.zeros(6)], [(slice(0, 6, 2),)], ValueError, "step 2 on axis 0"),
    ([ca.ones(3)], [np.zeros(3)], [(slice(0, 3), slice(0, 1))], ValueError, "2 slices"),
    ([ca.ones(3)], [np.zeros(3)], [(0,)], TypeError, "must be a tuple of slices"),
])
def test_store_errors_name_the_argument(sources: Any, targets: Any, regions: Any, error: Any,
                                        match: str) -> None:
    with pytest.raises(error, match=match):
        ca.store(sources, targets, regions=regions)


def test_store_refuses_read_only_targets(tmp_path: Any) -> None:
    import h5py
    import zarr

    zarr.create_array(tmp_path / "z.zarr", shape=(3,), dtype="f8")
    with pytest.raises(ValueError, match="read-only"):
        ca.store(ca.ones(3), zarr.open_array(tmp_path / "z.zarr", mode="r"))
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f.create_dataset("d", shape=(3,), dtype="f8")
    with h5py.File(tmp_path / "f.h5", "r") as f, pytest.raises(ValueError, match="read-only"):
        ca.store(ca.ones(3), f["d"])


def test_normalize_region_resolves_negative_and_open_bounds() -> None:
    assert normalize_region((slice(-3, None), slice(None, -1)), (10, 4), "store") == (
        slice(7, 10), slice(0, 3))
    assert normalize_region(None, (), "store") == ()
