"""npy stacks: written and read here, and read and written by dask.array."""

from __future__ import annotations

import os
import pathlib
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import arrays


@settings(max_examples=15)
@given(arrays(min_dims=1, nan=True), st.data())
def test_round_trip(data: tuple[np.ndarray, ca.ChunkedArray], draw: st.DataObject) -> None:
    import tempfile

    a, x = data
    axis = draw.draw(st.integers(0, a.ndim - 1))
    with tempfile.TemporaryDirectory() as d:
        x.to_npy_stack(d, axis=axis)
        y = ca.from_npy_stack(d)
        assert y.dtype == a.dtype and y.chunks[axis] == x.chunks[axis]
        np.testing.assert_array_equal(y.compute(), a)


def test_files_are_one_per_block_along_the_axis(tmp_path: pathlib.Path, executor: str) -> None:
    a = np.arange(30).reshape(5, 6)
    ca.from_array(a, chunks=(2, 4)).to_npy_stack(tmp_path / "s", axis=1)
    assert sorted(os.listdir(tmp_path / "s")) == ["0.npy", "1.npy", "info"]
    np.testing.assert_array_equal(np.load(tmp_path / "s" / "1.npy"), a[:, 4:])
    with open(tmp_path / "s" / "info", "rb") as f:
        assert pickle.load(f) == {"chunks": ((5,), (4, 2)), "dtype": a.dtype, "axis": 1}
    np.testing.assert_array_equal(ca.from_npy_stack(tmp_path / "s", mmap_mode=None).compute(), a)


def test_interoperates_with_dask(tmp_path: pathlib.Path) -> None:
    da = pytest.importorskip("dask.array")
    a = np.arange(24.0).reshape(4, 6)
    da.to_npy_stack(str(tmp_path / "from_dask"), da.from_array(a, chunks=(3, 2)), axis=0)
    y = ca.from_npy_stack(tmp_path / "from_dask")
    assert y.chunks == ((3, 1), (6,))
    np.testing.assert_array_equal(y.compute(), a)
    ca.from_array(a, chunks=(1, 5)).to_npy_stack(tmp_path / "from_ca", axis=1)
    d = da.from_npy_stack(str(tmp_path / "from_ca"))
    assert d.chunks == ((4,), (5, 1))
    np.testing.assert_array_equal(d.compute(), a)


def test_bad_input(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError, match="holds no 'info' file"):
        ca.from_npy_stack(tmp_path)
    ca.arange(6, chunks=2).to_npy_stack(tmp_path / "s")
    os.remove(tmp_path / "s" / "2.npy")
    with pytest.raises(FileNotFoundError, match=r"lacks 2.npy of the 3 blocks"):
        ca.from_npy_stack(tmp_path / "s")
    with pytest.raises(ValueError, match="mmap_mode='w': must be None"):
        ca.from_npy_stack(tmp_path / "s", mmap_mode="w")
    with pytest.raises(ValueError, match="a 0-d array has no axis"):
        ca.ones((), chunks=()).to_npy_stack(tmp_path / "t")
    with pytest.raises(Exception, match="axis 2 is out of bounds"):
        ca.ones((2, 2), chunks=1).to_npy_stack(tmp_path / "t", axis=2)
