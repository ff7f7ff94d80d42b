"""``x[index] = value`` against NumPy: basic indices, one index array, masks, casting, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import ALL_DTYPES, arrays, assert_eq, chunkings, values
from tests.test_indexing import indices

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


@st.composite
def assigned_values(draw, dtype, shape):
    """A scalar, or an array broadcastable to ``shape`` (NumPy or chunked)."""
    kind = draw(st.sampled_from(["scalar", "numpy", "chunked"]))
    if kind == "scalar":
        return draw(values(dtype, ()))[()]
    dims = draw(st.integers(0, len(shape)))
    vshape = tuple(n if draw(st.booleans()) else 1 for n in shape[len(shape) - dims:])
    v = draw(values(draw(st.sampled_from([dtype, np.float64, np.int16])), vshape))
    if kind == "numpy":
        return v
    return ca.from_array(v, chunks=draw(chunkings(v.shape)))


@fixture_ok
@given(arrays(max_dims=3, max_side=6), st.data())
def test_setitem_matches_numpy(executor, pair, data):
    a, x = pair
    original = a.copy()
    index = data.draw(indices(a.shape))
    if isinstance(index, tuple) and sum(isinstance(i, (list, np.ndarray)) for i in index) > 1:
        return
    value = data.draw(assigned_values(a.dtype, a[index].shape))
    expected = a.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ComplexWarning and the like: NumPy assigns all the same
        expected[index] = np.asarray(value) if isinstance(value, ca.ChunkedArray) else value
        x[index] = value
    assert x.dtype == a.dtype and x.shape == a.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_eq(x.compute(), expected, exact=True)
    np.testing.assert_array_equal(a, original)  # the user's input is never written to


@fixture_ok
@given(arrays(max_dims=3, max_side=6, dtypes=[np.int32, np.float64, np.bool_]), st.data())
def test_setitem_with_masks(executor, pair, data):
    a, x = pair
    original = a.copy()
    threshold = data.draw(values(a.dtype, ()))[()]
    fill = data.draw(values(a.dtype, ()))[()]
    chunked_mask = data.draw(st.booleans())
    mask = x > threshold if chunked_mask else a > threshold
    expected = a.copy()
    expected[a > threshold] = fill
    x[mask] = fill
    assert_eq(x.compute(), expected, exact=True)
    np.testing.assert_array_equal(a, original)


def test_mask_over_leading_axes(executor):
    a = np.arange(12.0).reshape(3, 4)
    x = ca.from_array(a, chunks=2)
    x[x[:, 0] > 3] = -1
    expected = a.copy()
    expected[a[:, 0] > 3] = -1
    assert_eq(x.compute(), expected)
    x[np.ones((3, 4), bool)] = ca.from_array(np.array(7.0), chunks=())
    assert_eq(x.compute(), np.full((3, 4), 7.0))


def test_setitem_casts_as_numpy_does(executor):
    a = np.arange(5, dtype=np.int16)
    x = ca.from_array(a, chunks=2)
    x[1:3] = 2.7  # floats into integers truncate
    x[3:] = np.array([-1.9, 8.2])
    expected = a.copy()
    expected[1:3] = 2.7
    expected[3:] = [-1.9, 8.2]
    assert_eq(x.compute(), expected)


def test_setitem_is_lazy_and_rebinds(executor):
    a = np.arange(6)
    x = ca.from_array(a, chunks=2)
    y = x
    before = x.name
    x[0] = 100
    assert x.name != before and y is x
    z = ca.from_array(a, chunks=2) + 0
    x[:] = z
    assert_eq(x.compute(), a)


def test_untouched_blocks_are_not_copied():
    x = ca.from_array(np.arange(100), chunks=10)
    x[5] = -1
    touched = [k for k in x._node.keys() if x._node.block_task(k[1:])[0][0].__class__.__name__
               == "partial"]
    assert len(touched) == 1


@pytest.mark.parametrize("index, value, error", [
    (10, 1, IndexError),
    ((0, 0), 1, IndexError),
    (slice(0, 3), [1, 2], ValueError),
    ([0, 11], 1, IndexError),
    (np.zeros((2, 5), bool), 1, IndexError),
    (slice(None), "abc", ValueError),
])
def test_errors_at_the_call(index, value, error):
    x = ca.from_array(np.arange(10), chunks=3)
    with pytest.raises(error):
        np.arange(10)[index] = value  # NumPy's own answer
    with pytest.raises(error):
        x[index] = value


def test_value_numpy_cannot_cast_raises_at_the_call():
    x = ca.from_array(np.arange(4, dtype=np.int8), chunks=2)
    with pytest.raises(OverflowError):
        x[0] = 300
    with pytest.raises(ValueError):
        x[x > 1] = np.arange(3)  # a lazy mask takes scalars only


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_chunked_value_with_index_array(executor, dtype):
    a = np.zeros((5, 4), dtype=dtype)
    x = ca.from_array(a, chunks=(2, 3))
    v = np.arange(12).reshape(3, 4).astype(dtype)
    x[[4, 0, 4], :] = ca.from_array(v, chunks=(1, 3))
    expected = a.copy()
    expected[[4, 0, 4], :] = v
    assert_eq(x.compute(), expected)


@pytest.mark.parametrize("key", [(), Ellipsis])
@pytest.mark.parametrize("index", [3, (1, 2)])
def test_setitem_on_a_0d_array_made_by_indexing(executor, key, index):
    base = np.arange(12.0).reshape(3, 4) if isinstance(index, tuple) else np.arange(10.0)
    for x in (ca.from_array(base, chunks=2) + 1, ca.from_array(base, chunks=2)):
        y = x[index]
        y[key] = 5
        expected = np.array(base[index])
        expected[key] = 5
        assert_eq(y, expected)
        assert_eq(y + 1, expected + 1)
