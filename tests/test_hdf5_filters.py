"""HDF5's filters in NumPy and zlib: the bytes libhdf5 itself stores, from h5py's own writes."""

from __future__ import annotations

import zlib
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from chunkarray.kernels.hdf5_filters import DEFLATE, SHUFFLE, encode_chunk, shuffle

DTYPES = ["?", "i1", "u2", "i4", "u8", "f2", "f4", "f8", "c8", "c16", "S1", "S3", "S7"]


def _stored_by_hdf5(tmp_path: Any, a: np.ndarray, **options: Any) -> tuple[int, bytes]:
    """(filter mask, bytes) of the one chunk HDF5 stores for ``a`` written with ``options``."""
    with h5py.File(tmp_path / "ref.h5", "w") as f:
        d = f.create_dataset("x", data=a, chunks=a.shape, **options)
        return d.id.read_direct_chunk((0,) * a.ndim)  # type: ignore[no-any-return]


@given(st.data())
def test_shuffle_is_hdf5s(tmp_path_factory: Any, data: st.DataObject) -> None:
    dtype = np.dtype(data.draw(st.sampled_from(DTYPES)))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=6))
    a = data.draw(hnp.arrays(dtype, shape))
    mask, stored = _stored_by_hdf5(tmp_path_factory.mktemp("s"), a, shuffle=True)
    assert mask == 0
    assert bytes(encode_chunk(a, [(SHUFFLE, (dtype.itemsize,))])) == stored


@given(st.data())
def test_deflate_decodes_as_hdf5s(tmp_path_factory: Any, data: st.DataObject) -> None:
    # zlib's stream may differ between zlib builds; what HDF5 decodes from it may not.
    dtype = np.dtype(data.draw(st.sampled_from(DTYPES)))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=40))
    a = data.draw(hnp.arrays(dtype, shape))
    level, shuffled = data.draw(st.integers(0, 9)), data.draw(st.booleans())
    _, stored = _stored_by_hdf5(tmp_path_factory.mktemp("d"), a, compression="gzip",
                                compression_opts=level, shuffle=shuffled)
    pipeline = [(SHUFFLE, (dtype.itemsize,))] if shuffled else []
    mine = encode_chunk(a, [*pipeline, (DEFLATE, (level,))])
    assert zlib.decompress(mine) == zlib.decompress(stored)
    assert zlib.decompress(mine) == bytes(encode_chunk(a, pipeline))


def test_shuffle_leaves_one_element_and_trailing_bytes() -> None:
    one = np.arange(8, dtype=np.uint8)
    assert shuffle(one, 8) is one
    assert shuffle(one, 1) is one
    # Two whole 3-byte elements, then 2 bytes that HDF5 copies to the end as they are.
    np.testing.assert_array_equal(shuffle(one, 3), np.array([0, 3, 1, 4, 2, 5, 6, 7], np.uint8))


def test_no_filter_is_the_raw_bytes() -> None:
    a = np.arange(6, dtype="<i4").reshape(2, 3)
    assert bytes(encode_chunk(a, [])) == a.tobytes()


def test_an_unknown_filter_is_refused() -> None:
    with pytest.raises(ValueError, match="HDF5 filter 32000 is not one chunkarray encodes"):
        encode_chunk(np.zeros(3), [(32000, (4,))])
