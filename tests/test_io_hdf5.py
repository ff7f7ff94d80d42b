"""``from_hdf5`` / ``to_hdf5`` and h5py datasets in ``from_array``: real files, a lock per file."""

from __future__ import annotations

import os
import pathlib
import pickle
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.io import _hdf5_source
from chunkarray.io._hdf5_source import HDF5Array, open_file
from chunkarray.io._locks import file_lock

from .strategies import arrays, assert_eq, chunkings

DTYPES = [np.bool_, np.int8, np.uint32, np.int64, np.float32, np.float64, np.complex64]


def _write(path: Any, **datasets: Any) -> None:
    with h5py.File(path, "w") as f:
        for name, (a, chunks) in datasets.items():
            f.create_dataset(name, data=a, chunks=chunks)


class RecordingLock:
    """Wraps a file's lock: counts acquisitions and the most holders at once (must be one)."""

    def __init__(self, lock: threading.Lock) -> None:
        self.lock, self.count, self.holders, self.most = lock, 0, 0, 0
        self._guard = threading.Lock()

    def __enter__(self) -> RecordingLock:
        self.lock.acquire()
        with self._guard:
            self.count += 1
            self.holders += 1
            self.most = max(self.most, self.holders)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._guard:
            self.holders -= 1
        self.lock.release()


@pytest.fixture
def recording_lock(monkeypatch: pytest.MonkeyPatch) -> dict[str, RecordingLock]:
    locks: dict[str, RecordingLock] = {}
    guard = threading.Lock()

    def lock_for(path: Any) -> RecordingLock:
        key = os.path.realpath(path)
        with guard:  # worker threads ask at once: make one wrapper per file, not one each
            if key not in locks:
                locks[key] = RecordingLock(file_lock(path))
            return locks[key]

    monkeypatch.setattr(_hdf5_source, "file_lock", lock_for)
    return locks


def test_from_hdf5_reads_blocks(tmp_path: Any, executor: str) -> None:
    a = np.random.default_rng(0).random((20, 9))
    _write(tmp_path / "f.h5", x=(a, (5, 3)))
    x = ca.from_hdf5(tmp_path / "f.h5", "x", chunks=(6, 3))
    assert x.chunks == ((6, 6, 6, 2), (3, 3, 3))
    assert_eq(x.compute(), a)
    assert_eq((x - x.mean(axis=0)).std(axis=0).compute(), (a - a.mean(axis=0)).std(axis=0))


def test_from_hdf5_default_chunks_are_multiples_of_storage(tmp_path: Any) -> None:
    a = np.arange(40 * 30, dtype=np.float64).reshape(40, 30)
    _write(tmp_path / "f.h5", x=(a, (3, 7)))
    with ca.config.set(chunk_size="2 KiB"):
        x = ca.from_hdf5(tmp_path / "f.h5", "x")
    for sizes, storage in zip(x.chunks, (3, 7)):
        assert all(s % storage == 0 for s in sizes[:-1])
    assert x.npartitions > 1
    assert_eq(x.compute(), a)


def test_every_read_holds_the_file_lock(tmp_path: Any, recording_lock: Any) -> None:
    a = np.arange(64.0).reshape(8, 8)
    _write(tmp_path / "f.h5", x=(a, (2, 2)))
    x = ca.from_hdf5(tmp_path / "f.h5", "x", chunks=2)
    with ca.config.set(num_workers=4):
        assert_eq((x * 2).sum(axis=1).compute(), (a * 2).sum(axis=1))
    (lock,) = recording_lock.values()
    assert lock.count >= x.npartitions and lock.most == 1


def test_from_array_of_an_h5py_dataset_reads_under_the_lock(tmp_path: Any, executor: str,
                                                            recording_lock: Any) -> None:
    a = np.arange(30).reshape(5, 6)
    _write(tmp_path / "f.h5", x=(a, (2, 3)))
    with h5py.File(tmp_path / "f.h5", "r") as f:
        x = ca.from_array(f["x"], chunks=(2, 3))
        assert isinstance(x._node.source, HDF5Array)
        assert x.name == ca.from_array(f["x"], chunks=(2, 3)).name  # by path and name
        assert_eq(x.compute(), a)
        assert_eq(ca.asarray(f["x"]).sum().compute(), a.sum())
    (lock,) = recording_lock.values()
    assert lock.count >= x.npartitions and lock.most == 1
    # The caller's file is closed: the source reopens the file by its path.
    assert_eq(x.compute(), a)


def test_concurrent_reductions_of_one_file(tmp_path: Any) -> None:
    a = np.random.default_rng(2).random((64, 16))
    _write(tmp_path / "f.h5", x=(a, (4, 16)))
    x = ca.from_hdf5(tmp_path / "f.h5", "x", chunks=(4, 16))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: (x + i).mean(axis=0).compute(), range(8)))
    for i, r in enumerate(results):
        assert_eq(r, (a + i).mean(axis=0))


def test_source_pickles_as_path_and_name(tmp_path: Any) -> None:
    a = np.arange(10.0)
    _write(tmp_path / "f.h5", x=(a, (5,)))
    source = ca.from_hdf5(tmp_path / "f.h5", "x")._node.source
    with h5py.File(tmp_path / "f.h5", "r") as f:
        from_handle = HDF5Array.of(f["x"])
        restored = pickle.loads(pickle.dumps(from_handle))
    assert restored._handle is None
    for s in (source, pickle.loads(pickle.dumps(source)), restored):
        assert_eq(s[2:5], a[2:5])
        assert (s.shape, s.dtype, s.chunks, s.dataset) == ((10,), a.dtype, (5,), "/x")


def test_no_handle_left_open_after_reading(tmp_path: Any) -> None:
    _write(tmp_path / "f.h5", x=(np.arange(4.0), None))
    ca.from_hdf5(tmp_path / "f.h5", "x").sum().compute()
    with h5py.File(tmp_path / "f.h5", "a") as f:  # HDF5 refuses this while open read-only
        f["y"] = np.ones(2)


def test_from_hdf5_names_are_deterministic(tmp_path: Any) -> None:
    _write(tmp_path / "f.h5", x=(np.ones(4), None), y=(np.ones(4), None))
    path = tmp_path / "f.h5"
    assert ca.from_hdf5(path, "x").name == ca.from_hdf5(str(path), "/x").name
    assert ca.from_hdf5(path, "x").name != ca.from_hdf5(path, "y").name


def test_from_hdf5_missing_things_fail_at_the_call(tmp_path: Any) -> None:
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f.create_dataset("g/x", data=np.ones(3))
    (tmp_path / "not.h5").write_text("hello")
    with pytest.raises(FileNotFoundError, match="nope.h5"):
        ca.from_hdf5(tmp_path / "nope.h5", "x")
    with pytest.raises(KeyError, match=r"dataset='y'.*\['g/x'\]"):
        ca.from_hdf5(tmp_path / "f.h5", "y")
    with pytest.raises(ValueError, match="dataset='g'.*is a Group"):
        ca.from_hdf5(tmp_path / "f.h5", "g")
    with pytest.raises(ValueError, match="cannot open .*not.h5"):
        ca.from_hdf5(tmp_path / "not.h5", "x")


def test_to_hdf5_one_and_many(tmp_path: Any, executor: str) -> None:
    a = np.random.default_rng(3).random((10, 6))
    x = ca.from_array(a, chunks=(4, 3))
    path = tmp_path / "out.h5"
    ca.to_hdf5(path, "x", x)
    ca.to_hdf5(path, {"y": x * 2, "g/z": x.sum(axis=1), "s": x.sum()}, compression="gzip")
    with h5py.File(path, "r") as f:
        assert f["x"].chunks == (4, 3)
        assert f["y"].compression == "gzip"
        assert_eq(f["x"][...], a)
        assert_eq(f["y"][...], a * 2)
        assert_eq(f["g/z"][...], a.sum(axis=1))
        assert_eq(f["s"][()], a.sum())


def test_to_hdf5_reads_shared_input_once(tmp_path: Any, executor: str) -> None:
    from .test_store import CountingSource

    source = CountingSource(np.arange(24.0).reshape(4, 6))
    x = ca.from_array(source, chunks=2)
    ca.to_hdf5(tmp_path / "out.h5", {"a": x + 1, "b": x - 1}, chunks=(3, 3))
    assert len(source.reads) == x.npartitions
    assert_eq(ca.from_hdf5(tmp_path / "out.h5", "b").compute(), source.a - 1)


def test_to_hdf5_from_hdf5_in_the_same_file(tmp_path: Any, executor: str) -> None:
    a = np.arange(50.0).reshape(10, 5)
    path = tmp_path / "f.h5"
    _write(path, x=(a, (2, 5)))
    x = ca.from_hdf5(path, "x", chunks=(3, 5))
    x.to_hdf5(path, "y", chunks=(2, 5))  # reads and writes of one file, one lock
    assert_eq(ca.from_hdf5(path, "y").compute(), a)


def test_to_hdf5_from_worker_processes(tmp_path: Any) -> None:
    # Each process has its own lock: HDF5's file locking makes writers of one file take turns.
    a = np.random.default_rng(4).random((60, 100))
    x = ca.from_array(a, chunks=(1, 100))
    with ca.config.set(scheduler="processes", num_workers=2):
        ca.to_hdf5(tmp_path / "p.h5", {"x": x, "y": x * 2})
        assert_eq(ca.from_hdf5(tmp_path / "p.h5", "y", chunks=(3, 100)).compute(), a * 2)


def test_to_hdf5_existing_dataset(tmp_path: Any) -> None:
    path = tmp_path / "f.h5"
    ca.to_hdf5(path, "x", ca.arange(4, chunks=2))
    with pytest.raises(FileExistsError, match=r"\['x'\] already exist.*overwrite=True"):
        ca.to_hdf5(path, {"new": ca.ones(3), "x": ca.ones(5)})
    with h5py.File(path, "r") as f:
        assert list(f) == ["x"]  # nothing written: not even the dataset that was free
        assert_eq(f["x"][...], np.arange(4))
    ca.to_hdf5(path, "x", ca.ones(5), overwrite=True)
    assert_eq(ca.from_hdf5(path, "x").compute(), np.ones(5))


def test_to_hdf5_bad_arguments_fail_at_the_call(tmp_path: Any) -> None:
    path = tmp_path / "f.h5"
    with pytest.raises(ValueError, match=r"chunks=\(2,\)"):
        ca.to_hdf5(path, "x", ca.ones((3, 3)), chunks=(2,))
    with pytest.raises(TypeError, match="not both"):
        ca.to_hdf5(path, {"x": ca.ones(3)}, ca.ones(3))
    with pytest.raises(TypeError, match="no array given"):
        ca.to_hdf5(path, "x")
    assert not path.exists()
    with pytest.raises(ValueError):  # h5py refuses the filter: nothing is left half made
        ca.to_hdf5(path, {"a": ca.ones(3), "b": ca.ones(3)}, compression="no-such-filter")
    with h5py.File(path, "r") as f:
        assert list(f) == []


def test_store_into_an_existing_dataset_checks_shape_and_dtype(tmp_path: Any) -> None:
    with h5py.File(tmp_path / "f.h5", "w") as f:
        d = f.create_dataset("d", shape=(4, 4), dtype="i4", fillvalue=7)
        with pytest.raises(ValueError, match=r"shape \(4, 5\).*target shape \(4, 4\)"):
            ca.store(ca.ones((4, 5)), d)
        with pytest.raises(TypeError, match="dtype float64 into a target of dtype int32"):
            ca.store(ca.ones((4, 4)), d)
        assert (d[...] == 7).all()
        ca.store(ca.ones((2, 4), dtype=np.int16, chunks=1), d, regions=(slice(1, 3),))
        assert_eq(d[...], np.array([[7] * 4, [1] * 4, [1] * 4, [7] * 4], dtype=np.int32))


@given(st.data())
def test_round_trip(data: st.DataObject) -> None:
    a, x = data.draw(arrays(dtypes=DTYPES, max_dims=2, max_side=6))
    shape = a.shape
    storage = data.draw(st.sampled_from([True, None]))
    read_chunks = data.draw(st.none() | chunkings(shape))
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "x.h5"
        ca.to_hdf5(path, "x", x, chunks=storage)
        assert_eq(ca.from_hdf5(path, "x", chunks=read_chunks).compute(), a)


# --- across processes: chunkarray's own lock around every open, held until the close ---------

_TRY_LOCK = """
import importlib.util, sys
# The module alone, not the package: a quick start.
spec = importlib.util.spec_from_file_location("locks", sys.argv[3])
locks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(locks)
process_lock = locks.process_lock
try:
    with process_lock(sys.argv[1], exclusive=sys.argv[2] == "w", timeout=0):
        print("free")
except TimeoutError:
    print("busy")
"""


def _other_process_finds(path: Any, mode: str) -> str:
    module = pathlib.Path(__file__).resolve().parent.parent / "chunkarray" / "io" / "_locks.py"
    done = subprocess.run([sys.executable, "-c", _TRY_LOCK, str(path), mode, str(module)],
                          check=True, capture_output=True, text=True)
    return done.stdout.strip()


def test_an_open_for_writing_excludes_other_processes_until_closed(tmp_path: Any) -> None:
    # HDF5 reads a file's length before it takes its own lock: an opener that got the lock just
    # as a writer released it saw a stale length ("truncated file: eof 74904 < stored_eof 75704",
    # in test_to_hdf5_from_worker_processes under load). Opens now hold a lock of our own from
    # before the open to after the close.
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=np.arange(6.0))
    with open_file(str(path), "r+") as f:
        f["x"][0] = 7.0
        assert _other_process_finds(path, "r") == "busy"
        assert _other_process_finds(path, "w") == "busy"
    assert _other_process_finds(path, "w") == "free"
    with open_file(str(path), "r") as f:
        assert f["x"][0] == 7.0
        assert _other_process_finds(path, "r") == "free"  # readers share
        assert _other_process_finds(path, "w") == "busy"
    assert _other_process_finds(path, "w") == "free"


def test_a_failed_open_releases_the_lock(tmp_path: Any) -> None:
    path = tmp_path / "not.h5"
    path.write_bytes(b"not an HDF5 file")
    with pytest.raises(OSError):
        open_file(str(path), "r+")
    assert _other_process_finds(path, "w") == "free"
