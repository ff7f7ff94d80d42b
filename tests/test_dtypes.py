"""np.result_type and NumPy's other dtype questions answered from metadata, never computing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import ALL_DTYPES


def _refuse(block: np.ndarray) -> np.ndarray:
    raise AssertionError("computed")


def _lazy(dtype: object, shape: tuple[int, ...] = (3,)) -> ca.ChunkedArray:
    x = ca.zeros(shape, dtype=dtype, chunks=2)
    return x.map_blocks(_refuse, dtype=x.dtype)  # any compute fails the test


@given(st.sampled_from(ALL_DTYPES), st.sampled_from(ALL_DTYPES),
       st.sampled_from([1, 1.5, 1j, True, np.float32(2), np.int8(1)]), st.booleans())
def test_result_type_matches_numpy(d1: object, d2: object, scalar: object, zero_d: bool) -> None:
    shape = () if zero_d else (3,)
    x, a = _lazy(d1, shape), np.zeros(shape, dtype=d1)
    y, b = _lazy(d2), np.zeros(3, dtype=d2)
    assert np.result_type(x, y) == np.result_type(a, b)
    assert np.result_type(x, scalar) == np.result_type(a, scalar)
    assert np.result_type(x, b, np.float16) == np.result_type(a, b, np.float16)


@given(st.sampled_from(ALL_DTYPES), st.sampled_from(ALL_DTYPES),
       st.sampled_from(["no", "equiv", "safe", "same_kind", "unsafe"]))
def test_can_cast_matches_numpy(d1: object, d2: object, casting: str) -> None:
    a = np.zeros(3, dtype=d1)
    assert np.can_cast(_lazy(d1), d2, casting=casting) == np.can_cast(a, d2, casting=casting)


@pytest.mark.parametrize("dtype", ["int8", "float32", "complex64", "bool"])
def test_object_kind_questions(dtype: str) -> None:
    x, a = _lazy(dtype), np.zeros(3, dtype=dtype)
    assert np.iscomplexobj(x) == np.iscomplexobj(a)
    assert np.isrealobj(x) == np.isrealobj(a)
    assert np.min_scalar_type(x) == np.min_scalar_type(a)
    if dtype != "bool":
        assert np.common_type(x, np.ones(2, np.float32)) == np.common_type(a,
                                                                            np.ones(2, np.float32))


def test_min_scalar_type_of_a_0d_array_is_refused() -> None:
    with pytest.raises(TypeError, match="depends on its value"):
        np.min_scalar_type(_lazy(np.int64, ()))
