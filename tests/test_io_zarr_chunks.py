"""Whole-chunk zarr writes: the store ends up byte for byte as zarr's own ``z[region] = block``."""

from __future__ import annotations

import pickle
from itertools import product
from typing import Any

import numpy as np
import pytest
import zarr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.io.zarr_chunks import ChunkWriter, chunk_writer

from .strategies import assert_eq


def _pair(root: Any, shape: tuple[int, ...], chunks: tuple[int, ...], dtype: Any,
          **options: Any) -> tuple[Any, Any]:
    """Two empty arrays alike: one written by zarr, one by the chunk writer."""
    return tuple(  # type: ignore[return-value]
        zarr.create_array(root / name, shape=shape, chunks=chunks, dtype=dtype, **options)
        for name in ("zarr", "writer"))


def _stored(array: Any) -> dict[str, bytes]:
    """Every chunk the array's store holds, by key."""
    store = array.store
    keys = zarr.core.sync.sync(_collect(store.list_prefix(array.path)))
    prototype = zarr.core.buffer.default_buffer_prototype()
    return {k: zarr.core.sync.sync(store.get(k, prototype)).to_bytes()
            for k in keys if not k.endswith("zarr.json")}


async def _collect(items: Any) -> list[str]:
    return [k async for k in items]


def _blocks(shape: tuple[int, ...], step: tuple[int, ...]) -> list[tuple[slice, ...]]:
    return [tuple(slice(i, min(i + s, n)) for i, s, n in zip(start, step, shape))
            for start in product(*[range(0, n, s) for n, s in zip(shape, step)])]


def _write_both(pair: tuple[Any, Any], a: np.ndarray, step: tuple[int, ...]) -> None:
    plain, target = pair
    writer = chunk_writer(target)
    assert isinstance(writer, ChunkWriter)
    for region in _blocks(a.shape, step):
        plain[region] = a[region]
        writer[region] = a[region]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_whole_chunks_are_stored_as_zarr_stores_them(tmp_path_factory, data):
    ndim = data.draw(st.integers(1, 3))
    shape = tuple(data.draw(st.lists(st.integers(1, 9), min_size=ndim, max_size=ndim)))
    chunks = tuple(data.draw(st.integers(1, n)) for n in shape)
    per_block = tuple(data.draw(st.integers(1, 3)) * c for c in chunks)  # whole chunks a block
    dtype = data.draw(st.sampled_from([np.float64, np.float32, np.int16, np.uint8, np.bool_]))
    # Zeros are the fill value: some chunks are all fill (not stored), some start with it.
    a = (np.random.default_rng(0).random(shape) * data.draw(st.sampled_from([0, 2, 300])))
    a = a.astype(dtype)
    pair = _pair(tmp_path_factory.mktemp("z"), shape, chunks, dtype)
    _write_both(pair, a, per_block)
    assert _stored(pair[1]) == _stored(pair[0])
    assert_eq(pair[1][...], a)


@pytest.mark.parametrize("options", [
    {"fill_value": np.nan},
    {"fill_value": 7.0},
    {"config": {"write_empty_chunks": True}},
    {"compressors": None},
    {"shards": (4, 6)},
])
def test_options_of_the_array_are_honoured(tmp_path, options):
    a = np.arange(60.0).reshape(10, 6)
    a[:4] = options.get("fill_value", 0.0)  # the first chunk rows hold only the fill value
    a[8, 0] = options.get("fill_value", 0.0)  # a chunk that starts with it, but is not all fill
    pair = _pair(tmp_path, a.shape, (2, 3), a.dtype, **options)
    _write_both(pair, a, (4, 6))
    assert _stored(pair[1]) == _stored(pair[0])
    assert_eq(pair[1][...], a)


def test_blocks_are_cast_to_the_array_dtype(tmp_path):
    plain, target = _pair(tmp_path, (6,), (3,), np.float32)
    a = np.arange(6)
    plain[...] = a
    chunk_writer(target)[(slice(0, 6),)] = a
    assert _stored(target) == _stored(plain)


def test_part_of_a_chunk_goes_through_zarr(tmp_path):
    _, target = _pair(tmp_path, (10,), (4,), np.float64)
    target[...] = 1.0
    writer = chunk_writer(target)
    writer[(slice(2, 6),)] = np.full(4, 5.0)  # cuts two chunks: zarr reads them back
    writer[(slice(8, 10),)] = np.full(2, 6.0)  # the edge chunk, whole within the array
    assert_eq(target[...], np.array([1, 1, 5, 5, 5, 5, 1, 1, 6, 6.0]))


def test_other_targets_are_left_as_they_are(tmp_path):
    a = np.zeros(3)
    assert chunk_writer(a) is a
    v2 = zarr.create_array(tmp_path / "v2", shape=(4,), chunks=(2,), dtype="f8", zarr_format=2)
    assert chunk_writer(v2) is v2


def test_a_writer_travels_to_other_processes(tmp_path):
    _, target = _pair(tmp_path, (4,), (2,), np.float64)
    writer = pickle.loads(pickle.dumps(chunk_writer(target)))
    writer[(slice(0, 4),)] = np.arange(4.0)
    assert_eq(zarr.open_array(tmp_path / "writer")[...], np.arange(4.0))


def test_to_zarr_writes_through_the_chunk_writer(tmp_path, executor):
    a = np.random.default_rng(1).random((37, 12))
    x = ca.from_array(a, chunks=(8, 5))
    ca.to_zarr(x, tmp_path / "out.zarr", zarr_chunks=(8, 5))
    reference = zarr.create_array(tmp_path / "ref.zarr", shape=a.shape, chunks=(8, 5),
                                  dtype=a.dtype)
    reference[...] = a
    written = zarr.open_array(tmp_path / "out.zarr")
    assert _stored(written) == _stored(reference)
    assert ca.zarr_is_complete(tmp_path / "out.zarr")
