"""Whole-chunk HDF5 writes: what h5py reads back, and the chunks it decodes itself, are those of
h5py's own ``dataset[...] = a``."""

from __future__ import annotations

import os
import pathlib
import pickle
import tempfile
import threading
import zlib
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.io import _hdf5_source, hdf5_chunks
from chunkarray.io._hdf5_source import HDF5Array
from chunkarray.io._locks import file_lock
from chunkarray.io.hdf5_chunks import HDF5ChunkWriter, chunk_layout, chunk_writer

from .strategies import assert_eq, chunkings, shapes, values

DTYPES = [np.bool_, np.int8, np.uint16, np.int32, np.int64, np.uint64, np.float16, np.float32,
          np.float64, np.complex64, np.complex128, "S1", "S5"]
FILTERS = [{}, {"compression": "gzip"}, {"shuffle": True},
           *({"compression": "gzip", "compression_opts": level, "shuffle": shuffled}
             for level in (0, 1, 9) for shuffled in (False, True))]


def _decoded_chunks(dataset: Any) -> dict[tuple[int, ...], bytes]:
    """Every chunk the file holds, by offset, inflated (still shuffled if it was): filter mask 0."""
    out = {}
    for i in range(dataset.id.get_num_chunks()):
        info = dataset.id.get_chunk_info(i)
        mask, data = dataset.id.read_direct_chunk(info.chunk_offset)
        assert mask == 0
        out[info.chunk_offset] = zlib.decompress(data) if dataset.compression else bytes(data)
    return out


class OwnedLock:
    """A file's lock that knows which thread holds it."""

    def __init__(self, lock: threading.Lock) -> None:
        self.lock, self.owner = lock, None

    def __enter__(self) -> OwnedLock:
        self.lock.acquire()
        self.owner = threading.get_ident()
        return self

    def __exit__(self, *exc: object) -> None:
        self.owner = None
        self.lock.release()


class Spy:
    """Counts the chunks encoded, and checks that no thread encodes while it holds a file's lock."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.chunks: list[tuple[int, ...]] = []
        locks: dict[str, OwnedLock] = {}
        guard = threading.Lock()
        encode = hdf5_chunks.encode_chunk

        def lock_for(path: Any) -> OwnedLock:
            with guard:
                return locks.setdefault(os.path.realpath(path), OwnedLock(file_lock(path)))

        def spy(values: np.ndarray, pipeline: Any) -> Any:
            assert all(lock.owner != threading.get_ident() for lock in locks.values())
            self.chunks.append(values.shape)
            return encode(values, pipeline)

        monkeypatch.setattr(_hdf5_source, "file_lock", lock_for)
        monkeypatch.setattr(hdf5_chunks, "encode_chunk", spy)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    return Spy(monkeypatch)


@st.composite
def _case(draw: st.DrawFn) -> tuple[np.ndarray, Any, Any, dict[str, Any]]:
    """(values, chunks of the array, storage chunks, filters)."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(shapes(max_dims=3, max_side=7))
    a = draw(values(dtype, shape, nan=True))
    filters = draw(st.sampled_from(FILTERS))
    if a.size and draw(st.booleans()):  # blocks of one or two whole storage chunks an axis
        storage = tuple(draw(st.integers(1, n)) for n in shape)
        steps = [s * draw(st.integers(1, 2)) for s in storage]
        chunks = tuple(tuple(min(k, n - i) for i in range(0, n, k)) for k, n in zip(steps, shape))
        return a, chunks, storage, filters
    # Any blocks (ragged ones cut across the storage chunks), stored in chunks of the largest
    # block or in any chunks: a block covers some chunks whole and others in part.
    chunks = draw(chunkings(shape))
    if a.size and draw(st.booleans()):
        return a, chunks, tuple(draw(st.integers(1, n)) for n in shape), filters
    return a, chunks, True, filters


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(_case())
def test_to_hdf5_stores_what_h5py_stores(executor: str, case: Any) -> None:
    a, chunks, storage, filters = case
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "f.h5"
        ca.to_hdf5(path, "x", ca.from_array(a, chunks=chunks), chunks=storage, **filters)
        with h5py.File(path, "a") as f:
            written = f["x"]
            # h5py chose the chunks of an empty dataset, and refuses them when given.
            same = True if a.size == 0 and written.chunks else written.chunks
            options = dict(chunks=same, **filters) if a.ndim else {}
            reference = f.create_dataset("ref", shape=a.shape, dtype=a.dtype, **options)
            reference[...] = a  # h5py's own write, through HDF5's filter pipeline
            assert written.dtype == a.dtype
            assert_eq(written[...], a, exact=True)  # h5py decodes (bits equal, NaN included)
            if written.chunks is not None:
                assert (written.compression, written.shuffle) == (reference.compression,
                                                                  reference.shuffle)
                assert _decoded_chunks(written) == _decoded_chunks(reference)
        # compute() of a 0-d array is NumPy's a[()], a scalar (bytes_ keep no width).
        assert_eq(ca.from_hdf5(path, "x").compute(), a[()] if a.ndim == 0 else a, exact=True)


@pytest.mark.parametrize("filters", FILTERS)
def test_whole_chunks_are_encoded_outside_the_lock(tmp_path: Any, spy: Spy, executor: str,
                                                   filters: dict[str, Any]) -> None:
    a = np.random.default_rng(0).standard_normal((37, 12))
    path = tmp_path / "f.h5"
    ca.to_hdf5(path, "x", ca.from_array(a, chunks=(8, 6)), **filters)
    assert sorted(spy.chunks) == [(8, 6)] * 10  # the edge chunks are padded whole
    with h5py.File(path, "r") as f:
        assert_eq(f["x"][...], a)
        assert f["x"].id.get_num_chunks() == 10


def test_compression_is_real(tmp_path: Any) -> None:
    a = np.repeat(np.arange(100.0), 100)
    ca.to_hdf5(tmp_path / "f.h5", "x", ca.from_array(a, chunks=1000), compression="gzip",
               compression_opts=1, shuffle=True)
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert f["x"].id.get_storage_size() < a.nbytes // 10
        assert_eq(f["x"][...], a)


def test_incompressible_chunks(tmp_path: Any) -> None:
    a = np.random.default_rng(1).integers(0, 256, 10_000, dtype=np.uint8)
    ca.to_hdf5(tmp_path / "f.h5", "x", ca.from_array(a, chunks=3000), compression="gzip",
               compression_opts=9)
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert_eq(f["x"][...], a)


def _dataset(path: Any, shape: tuple[int, ...] = (10,), **options: Any) -> HDF5Array:
    with h5py.File(path, "a") as f:
        d = f.create_dataset("x", shape=shape, **{"dtype": "f8", "chunks": (4,), **options})
        return HDF5Array.of(d)


def test_part_of_a_chunk_goes_through_h5py(tmp_path: Any, spy: Spy) -> None:
    target = _dataset(tmp_path / "f.h5", compression="gzip", fillvalue=1.0)
    writer = chunk_writer(target)
    assert isinstance(writer, HDF5ChunkWriter)
    writer[(slice(2, 6),)] = np.full(4, 5.0)  # cuts two chunks: HDF5 reads them back
    writer[(slice(8, 10),)] = np.full(2, 6.0)  # the edge chunk, whole within the dataset
    writer[(slice(6, 8),)] = np.full(2, 7)  # ints into floats: HDF5 converts
    assert spy.chunks == [(4,)]
    assert_eq(target[...], np.array([1, 1, 5, 5, 5, 5, 7, 7, 6, 6.0]))


def test_blocks_across_chunks_encode_those_they_cover_whole(tmp_path: Any, spy: Spy) -> None:
    a = np.arange(70.0).reshape(10, 7)
    with h5py.File(tmp_path / "f.h5", "w") as f:
        for name in ("x", "ref"):
            f.create_dataset(name, shape=a.shape, dtype="f8", chunks=(4, 3), compression="gzip",
                             shuffle=True, fillvalue=-1.0)
        target = HDF5Array.of(f["x"])
        writer = chunk_writer(target)
        corner = (slice(1, 10), slice(2, 7))
        writer[corner] = a[corner]  # whole: rows 4:10 (8:10 ends the array) by columns 3:7
        assert sorted(spy.chunks) == [(4, 3)] * 4
        writer[(slice(0, 1),)] = a[:1]  # the rest, in part of chunks: through HDF5
        writer[(slice(1, 10), slice(0, 2))] = a[1:, :2]
        assert len(spy.chunks) == 4
        f["ref"][...] = a
        assert_eq(f["x"][...], a)
        assert _decoded_chunks(f["x"]) == _decoded_chunks(f["ref"])


@pytest.mark.parametrize("libver", ["earliest", "latest"])
def test_resizable_datasets(tmp_path: Any, spy: Spy, libver: str) -> None:
    # Other chunk indexes than the B-tree of a fixed-size dataset (extensible array, B-tree v2).
    a = np.arange(60, dtype=np.int32).reshape(10, 6)
    with h5py.File(tmp_path / "f.h5", "w", libver=libver) as f:
        d = f.create_dataset("x", shape=a.shape, maxshape=(None, None), chunks=(4, 3),
                             dtype=a.dtype, compression="gzip", shuffle=True)
        ca.store(ca.from_array(a, chunks=(4, 3)), d)
    assert len(spy.chunks) == 6
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert_eq(f["x"][...], a)


def test_edge_chunks_are_padded_with_the_fill_value(tmp_path: Any) -> None:
    target = _dataset(tmp_path / "f.h5", shape=(5,), fillvalue=np.nan)
    chunk_writer(target)[(slice(0, 5),)] = np.arange(5.0)
    with h5py.File(tmp_path / "f.h5", "r") as f:
        _, edge = f["x"].id.read_direct_chunk((4,))
    assert_eq(np.frombuffer(edge, dtype="f8"), np.array([4.0, np.nan, np.nan, np.nan]))


def test_filters_in_any_order(tmp_path: Any, spy: Spy) -> None:
    # h5py's create_dataset puts the shuffle first; a file made otherwise deflates first.
    with h5py.File(tmp_path / "f.h5", "w") as f:
        plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        plist.set_chunk((4, 3))
        plist.set_deflate(6)
        plist.set_shuffle()
        space = h5py.h5s.create_simple((9, 7))
        h5py.h5d.create(f.id, b"x", h5py.h5t.NATIVE_INT32, space, dcpl=plist)
    target = HDF5Array(tmp_path / "f.h5", "/x", (9, 7), np.int32)
    a = np.arange(63, dtype=np.int32).reshape(9, 7)
    ca.store(ca.from_array(a, chunks=(4, 3)), target)
    assert len(spy.chunks) == 9
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert_eq(f["x"][...], a)


@pytest.mark.parametrize("options", [
    {"fletcher32": True},
    {"scaleoffset": 2},
    {"compression": "lzf"},
    {"chunks": None},
    {"dtype": ">f8", "compression": "gzip"},
    {"dtype": np.longdouble, "compression": "gzip"},
    {"dtype": [("a", "f4"), ("b", "i2")], "compression": "gzip"},
    {"dtype": h5py.string_dtype(), "compression": "gzip"},
])
def test_other_datasets_keep_h5pys_path(tmp_path: Any, spy: Spy, options: dict[str, Any]
                                        ) -> None:
    target = _dataset(tmp_path / "f.h5", **options)
    with target.reading() as d:
        assert chunk_layout(d) is None
    assert chunk_writer(target) is target
    a = np.arange(10).astype(target.dtype) if target.dtype.kind != "O" else np.array(
        [str(i) for i in range(10)], dtype=object)
    ca.store(ca.from_array(a, chunks=4), target)
    assert spy.chunks == []
    got = target[...]
    if a.dtype == object:  # h5py reads variable-length strings as bytes
        got = np.array([v.decode() for v in got], dtype=object)
    assert got.dtype == a.dtype and (got == a).all()


def test_other_targets_are_left_as_they_are() -> None:
    a = np.zeros(3)
    assert chunk_writer(a) is a


def test_a_replaced_dataset_is_written_as_it_is_now(tmp_path: Any, spy: Spy) -> None:
    writer = chunk_writer(_dataset(tmp_path / "f.h5", compression="gzip"))
    with h5py.File(tmp_path / "f.h5", "a") as f:
        del f["x"]
        f.create_dataset("x", shape=(10,), dtype="f8", chunks=(2,), fletcher32=True)
    writer[(slice(0, 4),)] = np.arange(4.0)  # planned as one whole chunk: now two, checksummed
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert_eq(f["x"][:4], np.arange(4.0))


def test_store_into_an_open_dataset(tmp_path: Any, spy: Spy, executor: str) -> None:
    a = np.arange(30.0).reshape(6, 5)
    with h5py.File(tmp_path / "f.h5", "w") as f:
        d = f.create_dataset("x", shape=a.shape, dtype="f8", chunks=(2, 5), compression="gzip")
        ca.store(ca.from_array(a, chunks=(2, 5)), d)
        assert_eq(d[...], a)  # seen through the caller's own handle
    assert len(spy.chunks) == 3
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert_eq(f["x"][...], a)


def test_a_writer_travels_to_other_processes(tmp_path: Any) -> None:
    writer = pickle.loads(pickle.dumps(chunk_writer(_dataset(tmp_path / "f.h5",
                                                             compression="gzip"))))
    assert isinstance(writer, HDF5ChunkWriter)
    writer[(slice(0, 10),)] = np.arange(10.0)
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert_eq(f["x"][...], np.arange(10.0))


def test_to_hdf5_from_worker_processes(tmp_path: Any) -> None:
    a = np.random.default_rng(4).random((60, 100))
    x = ca.from_array(a, chunks=(10, 100))
    with ca.config.set(scheduler="processes", num_workers=2):
        ca.to_hdf5(tmp_path / "p.h5", {"x": x, "y": x * 2}, compression="gzip", shuffle=True)
    with h5py.File(tmp_path / "p.h5", "r") as f:
        assert_eq(f["x"][...], a)
        assert_eq(f["y"][...], a * 2)


def test_to_hdf5_filter_options_are_checked_at_the_call(tmp_path: Any) -> None:
    path = tmp_path / "f.h5"
    with pytest.raises(TypeError, match="shuffle must be True or False, got 'yes'"):
        ca.to_hdf5(path, "x", ca.ones(3), shuffle="yes")
    with pytest.raises(TypeError, match="h5py refused dataset 'x' with .*compression_opts=3"):
        ca.to_hdf5(path, "x", ca.ones(3), compression_opts=3)
    with pytest.raises(ValueError, match="compression_opts=12.*0-9"):
        ca.to_hdf5(path, "x", ca.ones(3), compression="gzip", compression_opts=12)
    with h5py.File(path, "r") as f:
        assert list(f) == []


def test_to_hdf5_method_takes_the_filter_options(tmp_path: Any) -> None:
    ca.arange(10.0, chunks=5).to_hdf5(tmp_path / "f.h5", "x", compression="gzip",
                                      compression_opts=2, shuffle=True)
    with h5py.File(tmp_path / "f.h5", "r") as f:
        d = f["x"]
        assert (d.compression, d.compression_opts, d.shuffle) == ("gzip", 2, True)
        assert_eq(d[...], np.arange(10.0))
