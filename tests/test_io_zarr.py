"""``from_zarr`` / ``to_zarr`` on real zarr stores, with NumPy as the oracle."""

from __future__ import annotations

import os
import pathlib
import tempfile
import warnings
from typing import Any

import numpy as np
import pytest
import zarr
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca

from .strategies import arrays, assert_eq, chunkings

DTYPES = [np.bool_, np.int8, np.uint16, np.int64, np.float32, np.float64, np.complex128]


def _zarr_array(path: Any, a: np.ndarray, chunks: tuple[int, ...], **kwargs: Any) -> Any:
    z = zarr.create_array(path, shape=a.shape, dtype=a.dtype, chunks=chunks, **kwargs)
    z[...] = a
    return z


# --- reading -------------------------------------------------------------------------------------


def test_from_zarr_reads_storage_chunks_by_default(tmp_path: Any, executor: str) -> None:
    a = np.random.default_rng(0).random((10, 7))
    _zarr_array(tmp_path / "a.zarr", a, (4, 3))
    x = ca.from_zarr(tmp_path / "a.zarr")
    assert x.chunks == ((4, 4, 2), (3, 3, 1))
    assert_eq(x.compute(), a)
    assert_eq((x - x.mean(axis=0)).std(axis=0).compute(), (a - a.mean(axis=0)).std(axis=0))


def test_from_zarr_auto_chunks_are_whole_storage_chunks(tmp_path: Any) -> None:
    a = np.arange(60 * 50, dtype=np.float64).reshape(60, 50)
    _zarr_array(tmp_path / "a.zarr", a, (7, 10))
    with ca.config.set(chunk_size="8 KiB"):
        x = ca.from_zarr(tmp_path / "a.zarr", chunks="auto")
    for sizes, storage in zip(x.chunks, (7, 10)):
        assert all(s % storage == 0 for s in sizes[:-1])
    assert x.npartitions > 1
    assert_eq(x.compute(), a)


def test_from_zarr_takes_any_chunks(tmp_path: Any) -> None:
    a = np.arange(30).reshape(5, 6)
    _zarr_array(tmp_path / "a.zarr", a, (2, 2))
    x = ca.from_zarr(str(tmp_path / "a.zarr"), chunks=((1, 4), 5))
    assert x.chunks == ((1, 4), (5, 1))
    assert_eq(x.compute(), a)


def test_from_zarr_sharded_reads_whole_shards(tmp_path: Any) -> None:
    a = np.arange(100.0)
    _zarr_array(tmp_path / "s.zarr", a, (5,), shards=(20,))
    x = ca.from_zarr(tmp_path / "s.zarr")
    assert x.chunks == ((20,) * 5,)
    assert_eq(x.compute(), a)


def test_from_zarr_accepts_stores_groups_and_arrays(tmp_path: Any) -> None:
    a = np.arange(12).reshape(3, 4)
    group = zarr.open_group(tmp_path / "g.zarr", mode="w")
    group.create_array("sub/a", shape=a.shape, dtype=a.dtype, chunks=(2, 2))[...] = a
    memory = zarr.storage.MemoryStore()
    _zarr_array(memory, a, (3, 1))
    for x in [
        ca.from_zarr(tmp_path / "g.zarr", "sub/a"),
        ca.from_zarr(str(tmp_path / "g.zarr"), component="sub/a"),
        ca.from_zarr(zarr.storage.LocalStore(tmp_path / "g.zarr"), "sub/a"),
        ca.from_zarr(group, "sub/a"),
        ca.from_zarr(group["sub/a"]),
        ca.from_zarr(memory),
    ]:
        assert_eq(x.compute(), a)


def test_from_zarr_names_are_deterministic(tmp_path: Any) -> None:
    group = zarr.open_group(tmp_path / "g.zarr", mode="w")
    for name in ("a", "b"):
        group.create_array(name, shape=(4,), dtype="f8", chunks=(2,))[...] = 1.0
    path = tmp_path / "g.zarr"
    assert ca.from_zarr(path, "a").name == ca.from_zarr(str(path), "a").name
    assert ca.from_zarr(path, "a").name == ca.from_zarr(group["a"]).name
    assert ca.from_zarr(path, "a").name != ca.from_zarr(path, "b").name
    assert ca.from_zarr(path, "a").name != ca.from_zarr(path, "a", chunks=1).name


def test_from_zarr_missing_things_fail_at_the_call(tmp_path: Any) -> None:
    group = zarr.open_group(tmp_path / "g.zarr", mode="w")
    group.create_array("a", shape=(4,), dtype="f8")
    with pytest.raises(FileNotFoundError, match="nope.zarr"):
        ca.from_zarr(tmp_path / "nope.zarr")
    with pytest.raises(KeyError, match="component='b'"):
        ca.from_zarr(tmp_path / "g.zarr", "b")
    with pytest.raises(KeyError, match="component='b'"):
        ca.from_zarr(group, "b")
    with pytest.raises(ValueError, match=r"is a zarr group.*\['a'\]"):
        ca.from_zarr(tmp_path / "g.zarr")
    with pytest.raises(ValueError, match="needs component="):
        ca.from_zarr(group)
    with pytest.raises(ValueError, match="component='a' was given with a zarr array"):
        ca.from_zarr(group["a"], "a")


# --- writing -------------------------------------------------------------------------------------


def test_to_zarr_stores_the_array_chunks(tmp_path: Any, executor: str) -> None:
    a = np.random.default_rng(1).random((10, 7)).astype(np.float32)
    x = ca.from_array(a, chunks=(4, 7))
    x.to_zarr(tmp_path / "x.zarr")
    z = zarr.open_array(tmp_path / "x.zarr", mode="r")
    assert z.chunks == (4, 7)
    assert_eq(z[...], a)
    assert ca.from_zarr(tmp_path / "x.zarr").chunks == x.chunks


@pytest.mark.parametrize("chunks, zarr_chunks", [
    ((3, 3), (4, 4)),  # blocks smaller than storage chunks, edges across them
    ((6, 5), (4, 4)),  # larger, and not multiples
    (((3, 5, 2), (1, 9)), None),  # ragged: the default storage chunk is the largest block
    ((10, 10), (3, 3)),  # one block: always aligned
])
def test_to_zarr_aligns_misaligned_blocks(tmp_path: Any, executor: str, chunks: Any,
                                          zarr_chunks: Any) -> None:
    a = np.arange(100).reshape(10, 10)
    ca.to_zarr(ca.from_array(a, chunks=chunks) * 3, tmp_path / "x.zarr", zarr_chunks=zarr_chunks)
    assert_eq(ca.from_zarr(tmp_path / "x.zarr").compute(), a * 3)


def test_to_zarr_into_sharded_array_aligns_to_shards(tmp_path: Any, executor: str) -> None:
    z = zarr.create_array(tmp_path / "s.zarr", shape=(40,), dtype="i8", chunks=(2,), shards=(10,))
    a = np.arange(40)
    ca.to_zarr(ca.from_array(a, chunks=4), z)
    assert_eq(z[...], a)


def test_to_zarr_region_of_an_existing_array(tmp_path: Any, executor: str) -> None:
    z = zarr.create_array(tmp_path / "r.zarr", shape=(10, 12), dtype="f8", chunks=(4, 4),
                          fill_value=-1.0)
    a = np.arange(30.0).reshape(5, 6)
    ca.to_zarr(ca.from_array(a, chunks=(2, 3)), tmp_path / "r.zarr",
               region=(slice(3, 8), slice(5, 11)))
    expected = np.full((10, 12), -1.0)
    expected[3:8, 5:11] = a
    assert_eq(z[...], expected)
    ca.from_array(-a, chunks=5).to_zarr(z, region=(slice(0, 5), slice(0, 6)))  # a zarr array
    expected[:5, :6] = -a
    assert_eq(z[...], expected)


def test_to_zarr_group_component_and_options(tmp_path: Any) -> None:
    group = zarr.open_group(tmp_path / "g.zarr", mode="w")
    x = ca.arange(10, chunks=3)
    ca.to_zarr(x, group, "a", compressors=None)
    ca.to_zarr(x + 1, tmp_path / "g.zarr", "b/c", zarr_chunks=5)
    assert group["a"].compressors == ()
    assert group["b/c"].chunks == (5,)
    assert_eq(ca.from_zarr(group, "a").compute(), np.arange(10))
    assert_eq(ca.from_zarr(tmp_path / "g.zarr", "b/c").compute(), np.arange(1, 11))


def test_to_zarr_overwrite(tmp_path: Any) -> None:
    path = tmp_path / "x.zarr"
    ca.arange(4, chunks=2).to_zarr(path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        ca.ones(6, chunks=2).to_zarr(path)
    assert_eq(ca.from_zarr(path).compute(), np.arange(4))
    ca.ones(6, chunks=2).to_zarr(path, overwrite=True)
    assert_eq(ca.from_zarr(path).compute(), np.ones(6))


def test_zero_d_and_empty_arrays_round_trip(tmp_path: Any) -> None:
    ca.asarray(np.float64(2.5)).to_zarr(tmp_path / "s.zarr")
    assert_eq(ca.from_zarr(tmp_path / "s.zarr").compute(), np.float64(2.5))
    ca.zeros((0, 3), chunks=2).to_zarr(tmp_path / "e.zarr")
    assert_eq(ca.from_zarr(tmp_path / "e.zarr").compute(), np.zeros((0, 3)))


def test_to_zarr_wrong_shape_or_dtype_fails_at_the_call(tmp_path: Any) -> None:
    z = zarr.create_array(tmp_path / "r.zarr", shape=(6, 6), dtype="f8", chunks=(3, 3))
    with pytest.raises(ValueError, match=r"shape \(4, 4\) into region \[0:3, 0:6\]"):
        ca.to_zarr(ca.ones((4, 4)), tmp_path / "r.zarr", region=(slice(0, 3),))
    with pytest.raises(ValueError, match=r"shape \(5, 5\) into the target.*\(6, 6\)"):
        ca.to_zarr(ca.ones((5, 5)), z)
    with pytest.raises(TypeError, match="dtype complex128 into a target of dtype float64"):
        ca.to_zarr(ca.ones((6, 6), dtype=complex), z)
    assert z.nchunks_initialized == 0  # nothing written
    with pytest.raises(FileNotFoundError, match="missing.zarr"):
        ca.to_zarr(ca.ones(3), tmp_path / "missing.zarr", region=(slice(0, 3),))
    with pytest.raises(ValueError, match="not both"):
        ca.to_zarr(ca.ones(3), z, overwrite=True)
    with pytest.raises(ValueError, match=r"zarr_chunks=\(2, 0\)"):
        ca.to_zarr(ca.ones((3, 3)), tmp_path / "y.zarr", zarr_chunks=(2, 0))


def test_to_zarr_refuses_misalignment_it_cannot_fix(tmp_path: Any) -> None:
    x = ca.ones((400, 400), chunks=100)
    with ca.config.set(memory_limit="100 KiB"), \
            pytest.raises(ValueError, match=r"storage chunks \(300, 300\).*memory_limit"):
        ca.to_zarr(x, tmp_path / "x.zarr", zarr_chunks=(300, 300))
    assert not (tmp_path / "x.zarr").exists()  # refused before anything was created


def _fail_on_block(block: np.ndarray, block_id: tuple[int, ...] = ()) -> np.ndarray:
    if block_id == (2,):
        raise RuntimeError("block 2 fails")
    return block + 1


def test_a_failed_write_leaves_written_chunks_intact(tmp_path: Any, executor: str) -> None:
    a = np.arange(24.0)
    x = ca.from_array(a, chunks=4).map_blocks(_fail_on_block, dtype=a.dtype)
    with pytest.raises(RuntimeError, match="block 2 fails"):
        x.to_zarr(tmp_path / "x.zarr")
    z = zarr.open_array(tmp_path / "x.zarr", mode="r")
    back = ca.from_zarr(tmp_path / "x.zarr").compute()
    for b in range(6):
        chunk = back[4 * b:4 * b + 4]
        written = np.array_equal(chunk, a[4 * b:4 * b + 4] + 1)
        assert written or np.all(chunk == z.fill_value), (b, chunk)  # whole chunks, or none
        if b == 2:
            assert not written
        if executor == "sync" and b < 2:
            assert written  # the blocks before the failing one were written


@given(st.data())
def test_round_trip(data: st.DataObject) -> None:
    a, x = data.draw(arrays(dtypes=DTYPES, max_dims=2, max_side=6))
    shape = a.shape
    zarr_chunks = data.draw(st.none() | st.tuples(*[st.integers(1, 4)] * len(shape)))
    read_chunks = data.draw(st.none() | st.just("auto") | chunkings(shape))
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "x.zarr"
        ca.to_zarr(x, path, zarr_chunks=zarr_chunks, compressors=None)
        y = ca.from_zarr(path, chunks=read_chunks)
        assert_eq(y.compute(scheduler="sync"), a)


class _FailOnce:
    """A block function that fails on one block the first time, and counts the blocks it made."""

    def __init__(self, fail_block: int) -> None:
        self.fail_block = fail_block
        self.failed = False
        self.made: list[int] = []

    def __call__(self, block: np.ndarray, block_id: tuple[int, ...]) -> np.ndarray:
        if block_id[0] == self.fail_block and not self.failed:
            self.failed = True
            raise OSError("the network went away")
        self.made.append(block_id[0])
        return block + 1


def test_a_failed_write_is_known_and_resumed_writing_only_missing_blocks(tmp_path):
    path = str(tmp_path / "out.zarr")
    data = np.arange(40.0)
    step = _FailOnce(fail_block=3)
    x = ca.from_array(data, chunks=5).map_blocks(step, dtype=float)
    with ca.config.set(scheduler="sync"), pytest.raises(OSError, match="network"):
        x.to_zarr(path)
    assert not ca.zarr_is_complete(path)
    with pytest.warns(ca.IncompleteWriteWarning, match="resume=True"):
        ca.from_zarr(path)
    written = set(step.made)
    assert 3 not in written
    step.made.clear()
    with ca.config.set(scheduler="sync"):
        x.to_zarr(path, resume=True)
    assert set(step.made) == set(range(8)) - written  # nothing written twice
    assert ca.zarr_is_complete(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ca.from_zarr(path).compute(), data + 1)
    x.to_zarr(path, resume=True)  # a finished write: nothing to do
    assert set(step.made) == set(range(8)) - written
    assert sorted(os.listdir(path)) == ["c", "zarr.json"]  # no markers left behind


def test_resume_needs_a_record_and_the_same_array(tmp_path):
    path = str(tmp_path / "plain.zarr")
    zarr.create_array(path, shape=(4,), chunks=(2,), dtype="f8")
    assert ca.zarr_is_complete(path)  # not written by chunkarray: no record, nothing missing
    with pytest.raises(ValueError, match="no record"):
        ca.ones(4, chunks=2).to_zarr(path, resume=True)
    with pytest.raises(ValueError, match="takes no overwrite"):
        ca.ones(4, chunks=2).to_zarr(path, resume=True, overwrite=True)
    with pytest.raises(TypeError, match="resume must be True or False"):
        ca.ones(4, chunks=2).to_zarr(path, resume="yes")
    other = str(tmp_path / "other.zarr")
    failing = ca.ones(4, chunks=2).map_blocks(_FailOnce(fail_block=1), dtype=float)
    with ca.config.set(scheduler="sync"), pytest.raises(OSError):
        failing.to_zarr(other)
    with pytest.raises(ValueError, match="shape"):
        ca.ones(6, chunks=2).to_zarr(other, resume=True)
