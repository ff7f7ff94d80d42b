"""Masked arrays (chunkarray.ma and masked blocks through every operation) against numpy.ma."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca
from tests.strategies import ALL_DTYPES, FLOAT_DTYPES, chunkings, shapes

# The executor fixture only sets the scheduler: nothing to reset between examples.
fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])
# For the tests run once per function of a table: the table multiplies their examples.
fewer = settings(fixture_ok, max_examples=max(settings().max_examples // 3, 5))


def _elements(dtype: np.dtype, nan: bool) -> st.SearchStrategy[Any] | None:
    # Quarters of small integers: exact in every float dtype, so sums do not depend on their
    # order and results equal numpy.ma's whatever the chunking.
    if dtype.kind not in "fc":
        return None
    part = st.integers(-64, 64).map(lambda v: v / 4)
    if nan:
        part = part | st.just(float("nan"))
    return st.builds(complex, part, part) if dtype.kind == "c" else part


@st.composite
def masked(draw: st.DrawFn, dtypes: list[Any] | None = None, nan: bool = False,
           shape: tuple[int, ...] | None = None, **shape_kwargs: Any
           ) -> tuple[np.ma.MaskedArray, ca.ChunkedArray]:
    """A numpy.ma array (random mask, sometimes a fill value of its own) and a chunked one of it."""
    dtype = np.dtype(draw(st.sampled_from(dtypes or ALL_DTYPES)))
    shape = draw(shapes(**shape_kwargs)) if shape is None else shape
    data = draw(hnp.arrays(dtype, shape, elements=_elements(dtype, nan)))
    mask = draw(hnp.arrays(np.bool_, shape))
    fill = draw(st.sampled_from([None, 3]))
    fill_value = None if fill is None else np.array(fill).astype(dtype)[()]
    m = np.ma.masked_array(data, mask=mask, fill_value=fill_value)
    return m, ca.from_array(m, chunks=draw(chunkings(shape)))


def assert_ma_eq(result: Any, expected: Any) -> None:
    """Equal to numpy.ma's answer: the same type (``masked`` for a masked scalar), mask, dtype,
    fill value (of a non-empty array), and values where not masked (floats within rounding).

    A 0-d result computes to a NumPy scalar, or ``masked``, as numpy.ma's reductions give (as
    plain 0-d arrays compute to scalars): a 0-d expectation is compared as such.
    """
    if isinstance(expected, np.ma.MaskedArray) and expected.ndim == 0:
        expected = expected[()]
    if expected is np.ma.masked:
        assert result is np.ma.masked, result
        return
    assert type(result) is type(expected), (type(result), type(expected))
    if not isinstance(expected, np.ma.MaskedArray):
        _assert_values(np.asarray(result), np.asarray(expected))
        return
    assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    np.testing.assert_array_equal(np.ma.getmaskarray(result), np.ma.getmaskarray(expected))
    if expected.size:  # (an empty array's fill value fills nothing)
        np.testing.assert_array_equal(np.asarray(result.fill_value),
                                      np.asarray(expected.fill_value))
    # Where not masked (the fill value, compared above, fills the rest).
    kept = ~np.ma.getmaskarray(expected)
    _assert_values(np.ma.getdata(result)[kept], np.ma.getdata(expected)[kept])


def _assert_values(result: np.ndarray, expected: np.ndarray) -> None:
    assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
    assert result.shape == expected.shape
    if expected.dtype.kind in "fc":
        eps = np.finfo(expected.dtype).eps
        np.testing.assert_allclose(result, expected, rtol=eps * 2**8, atol=eps * 2**8,
                                   equal_nan=True)
    else:
        np.testing.assert_array_equal(result, expected)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """NumPy's warnings (and numpy.ma's) silenced: the values are what is compared."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


# --- blocks keep their masks ----------------------------------------------------------------------


@fixture_ok
@given(data=st.data())
def test_from_array_keeps_mask_and_fill_value(executor: str, data: Any) -> None:
    m, x = data.draw(masked())
    assert ca.ma.is_masked_array(x)
    assert_ma_eq(x.compute(), m)


@fixture_ok
@given(data=st.data())
def test_rechunk_slicing_and_joining_keep_masks(executor: str, data: Any) -> None:
    m, x = data.draw(masked(min_dims=1))
    assert_ma_eq(x.rechunk(data.draw(chunkings(m.shape))).compute(), m)
    assert_ma_eq(x[::-1].compute(), m[::-1])
    assert_ma_eq(x[..., 1:].compute(), m[..., 1:])
    if m.shape[0]:
        index = data.draw(st.integers(0, m.shape[0] - 1))
        assert_ma_eq(x[index].compute(), m[index])
        assert_ma_eq(x[(index,) + (0,) * (m.ndim - 1)].compute() if m.size else np.ma.masked,
                     m[(index,) + (0,) * (m.ndim - 1)] if m.size else np.ma.masked)
    assert_ma_eq(ca.concatenate([x, x[::-1]]).compute(), np.ma.concatenate([m, m[::-1]]))
    assert_ma_eq(ca.stack([x, x]).compute(), np.ma.stack([m, m]))
    assert_ma_eq(x.T.compute(), m.T)
    assert_ma_eq(x.reshape(-1).compute(), m.reshape(-1))
    assert_ma_eq(x[None].compute(), m[None])


def test_a_masked_element_computes_to_masked(executor: str) -> None:
    x = ca.from_array(np.ma.array([1, 2, 3], mask=[0, 1, 0]), chunks=2)
    assert x[1].compute() is np.ma.masked
    assert x[2].compute() == 3 and type(x[2].compute()) is np.int64


def test_persist_keeps_masks(executor: str) -> None:
    m = np.ma.array(np.arange(6.0), mask=[0, 1, 0, 0, 1, 0], fill_value=-1)
    y = (ca.from_array(m, chunks=4) * 2).persist()
    assert ca.ma.is_masked_array(y)
    assert_ma_eq(y.compute(), m * 2)
    assert_ma_eq((y + 1).compute(), m * 2 + 1)


def test_map_blocks_hands_masked_blocks(executor: str) -> None:
    m = np.ma.array(np.arange(6.0), mask=[0, 1, 0, 0, 1, 0])
    x = ca.from_array(m, chunks=4)
    assert_ma_eq(x.map_blocks(lambda b: b * 3).compute(), m * 3)


# --- elementwise ----------------------------------------------------------------------------------

UNARY = ["negative", "absolute", "sqrt", "log", "exp", "sin", "isnan", "isfinite", "floor",
         "reciprocal", "square", "logical_not"]


@pytest.mark.parametrize("name", UNARY)
@fewer
@given(data=st.data())
def test_unary_ufuncs_keep_masks(executor: str, name: str, data: Any) -> None:
    m, x = data.draw(masked(FLOAT_DTYPES, nan=True))
    ufunc = getattr(np, name)
    with np.errstate(all="ignore"):
        expected = ufunc(m)
        result = ufunc(x).compute()
    assert_ma_eq(result, expected)


OPERATORS = {
    "add": lambda a, b: a + b, "subtract": lambda a, b: a - b, "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b, "floor_divide": lambda a, b: a // b,
    "power": lambda a, b: a ** b, "greater": lambda a, b: a > b, "equal": lambda a, b: a == b,
    "maximum": np.maximum, "arctan2": np.arctan2,
}


@pytest.mark.parametrize("name", sorted(OPERATORS))
@fewer
@given(data=st.data())
def test_binary_operations_keep_masks(executor: str, name: str, data: Any) -> None:
    m, x = data.draw(masked([np.int64, np.float64], nan=True, min_dims=1))
    # (NumPy refuses negative integer powers of integers.)
    exponents = [np.uint8, np.float64] if name == "power" else [np.int32, np.float64]
    n, y = data.draw(masked(exponents, shape=m.shape[1:]))
    op = OPERATORS[name]
    with _quiet():
        expected = op(m, n)
        result = op(x, y).compute()
        assert_ma_eq(result, expected)
        assert_ma_eq(op(x, 2).compute(), op(m, 2))
        if not (name == "power" and m.dtype.kind == "i"):
            assert_ma_eq(op(3, x).compute(), op(3, m))


@fixture_ok
@given(data=st.data())
def test_plain_and_masked_operands_mix(executor: str, data: Any) -> None:
    m, x = data.draw(masked([np.float64], min_dims=1))
    plain = np.arange(m.shape[-1], dtype=np.float32)
    assert_ma_eq((x + plain).compute(), m + plain)
    assert_ma_eq((ca.from_array(plain) * x).compute(), plain * m)
    assert_ma_eq((x + np.ma.masked).compute(), m + np.ma.masked)


@pytest.mark.parametrize("fuse", [True, False])
@fixture_ok
@given(data=st.data())
def test_fused_chains_keep_masks(executor: str, fuse: bool, data: Any) -> None:
    # numpy.ma's operations on 0-d arrays give NumPy scalars, which then follow NumPy's rules,
    # not numpy.ma's (a NaN is not masked): chained 0-d steps stay masked here.
    m, x = data.draw(masked([np.float32, np.float64], nan=True, min_dims=1))
    n, y = data.draw(masked([np.float64], shape=m.shape))
    with ca.config.set(fuse=fuse), _quiet():
        expected = np.sqrt(np.abs(m * 2 + 1)) / (n - 3)
        assert_ma_eq((np.sqrt(abs(x * 2 + 1)) / (y - 3)).compute(), expected)
        assert_ma_eq(((x * 2 + 1) - n).sum(axis=0).compute(), ((m * 2 + 1) - n).sum(axis=0))


def test_large_blocks_in_fused_programs_keep_masks(executor: str) -> None:
    # Blocks beyond the size that fused programs run in pieces, with out= buffers.
    rng = np.random.default_rng(0)
    m = np.ma.array(rng.random((2048, 600)), mask=rng.random((2048, 600)) < 0.3)
    x = ca.from_array(m, chunks=(1024, 600))
    assert_ma_eq(((x * 2 + 1) * x).compute(), (m * 2 + 1) * m)
    np.testing.assert_allclose(((x * 2 + 1) * x).sum().compute(), ((m * 2 + 1) * m).sum())


@fixture_ok
@given(data=st.data())
def test_astype_clip_and_where(executor: str, data: Any) -> None:
    m, x = data.draw(masked([np.float64, np.int16]))
    assert_ma_eq(x.astype(np.float32).compute(), m.astype(np.float32))
    assert_ma_eq(ca.clip(x, -2, 2).compute(), np.clip(m, -2, 2))
    with _quiet():
        assert_ma_eq(ca.ma.where(x > 0, x, -x).compute(), np.ma.where(m > 0, m, -m))
        assert_ma_eq(ca.ma.where(x > 0, 1.5, 0).compute(), np.ma.where(m > 0, 1.5, 0))


# --- reductions -----------------------------------------------------------------------------------


@st.composite
def axes(draw: st.DrawFn, ndim: int, single: bool = False) -> Any:
    if not ndim:
        return None
    if single:
        return draw(st.none() | st.integers(-ndim, ndim - 1))
    picked = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return draw(st.sampled_from([None, tuple(picked)] + ([picked[0]] if picked else [])))


@pytest.mark.parametrize("name", ["sum", "prod", "min", "max", "any", "all", "mean"])
@fixture_ok
@given(data=st.data())
def test_reductions_follow_numpy_ma(executor: str, name: str, data: Any) -> None:
    dtypes = [np.bool_, np.int8, np.uint32, np.int64, np.float32, np.float64, np.complex128]
    if name in ("min", "max"):
        dtypes.remove(np.complex128)
        m, x = data.draw(masked(dtypes, nan=True, min_side=1))
    else:
        m, x = data.draw(masked(dtypes, nan=True))
    axis = data.draw(axes(m.ndim))
    keepdims = data.draw(st.booleans())
    split_every = data.draw(st.sampled_from([None, 2]))
    with np.errstate(all="ignore"), _quiet():
        expected = getattr(m, name)(axis=axis, keepdims=keepdims)
        result = getattr(x, name)(axis=axis, keepdims=keepdims, split_every=split_every)
        assert_ma_eq(result.compute(), expected)


@pytest.mark.parametrize("name", ["var", "std"])
@fixture_ok
@given(data=st.data())
def test_moments_follow_numpy_ma(executor: str, name: str, data: Any) -> None:
    # NaN and infinities aside: numpy.ma's var hands odd data back for them (see the module).
    m, x = data.draw(masked([np.int32, np.float32, np.float64, np.complex64]))
    axis = data.draw(axes(m.ndim))
    ddof = data.draw(st.sampled_from([0, 1, 3]))
    keepdims = data.draw(st.booleans())
    with np.errstate(all="ignore"), _quiet():
        expected = getattr(m, name)(axis=axis, ddof=ddof, keepdims=keepdims)
        result = getattr(x, name)(axis=axis, ddof=ddof, keepdims=keepdims).compute()
    assert_ma_eq(result, expected)


@pytest.mark.parametrize("name", ["argmin", "argmax"])
@fixture_ok
@given(data=st.data())
def test_argmin_argmax_follow_numpy_ma(executor: str, name: str, data: Any) -> None:
    m, x = data.draw(masked([np.bool_, np.int8, np.uint16, np.float64], nan=True, min_side=1))
    axis = data.draw(axes(m.ndim, single=True))
    expected = getattr(m, name)(axis=axis)
    assert_ma_eq(getattr(x, name)(axis=axis).compute(), expected)
    assert_ma_eq(getattr(np, name)(x, axis=axis).compute(), expected)


@fixture_ok
@given(data=st.data())
def test_count(executor: str, data: Any) -> None:
    m, x = data.draw(masked())
    axis = data.draw(axes(m.ndim))
    keepdims = data.draw(st.booleans())
    assert_ma_eq(ca.ma.count(x, axis=axis, keepdims=keepdims).compute(),
                 np.asarray(m.count(axis=axis, keepdims=keepdims))[()])
    plain = np.ma.getdata(m)
    assert_ma_eq(ca.ma.count(ca.from_array(plain), axis=axis).compute(),
                 np.asarray(np.ma.count(plain, axis=axis))[()])


def test_full_reductions_of_masked_values_are_masked(executor: str) -> None:
    x = ca.from_array(np.ma.array([[1.0, 2.0], [3.0, 4.0]], mask=True), chunks=1)
    for name in ("sum", "prod", "min", "max", "mean", "var", "std", "any", "all"):
        assert getattr(x, name)().compute() is np.ma.masked, name
    assert x.argmin().compute() == 0


def test_numpy_functions_dispatch_to_masked_reductions(executor: str) -> None:
    m = np.ma.array([[1.0, 5.0], [3.0, -4.0]], mask=[[0, 1], [0, 0]])
    x = ca.from_array(m, chunks=1)
    assert_ma_eq(np.sum(x, axis=0).compute(), m.sum(axis=0))
    assert_ma_eq(np.mean(x).compute(), m.mean())
    assert_ma_eq(np.max(x, axis=1).compute(), m.max(axis=1))


@fixture_ok
@given(data=st.data())
def test_average(executor: str, data: Any) -> None:
    m, x = data.draw(masked([np.int16, np.float64], min_dims=1))
    axis = data.draw(st.sampled_from([None, 0]))
    keepdims = data.draw(st.booleans())
    with np.errstate(all="ignore"), _quiet():
        avg, scale = ca.ma.average(x, axis=axis, returned=True, keepdims=keepdims)
        expected, expected_scale = np.ma.average(m, axis=axis, returned=True, keepdims=keepdims)
        assert_ma_eq(avg.compute(), expected)
        np.testing.assert_array_equal(np.ma.filled(scale.compute(), 0),
                                      np.ma.filled(expected_scale, 0))
        weights = np.arange(1, m.shape[0] + 1, dtype=np.float32)
        full = np.broadcast_to(weights.reshape((-1,) + (1,) * (m.ndim - 1)), m.shape)
        assert_ma_eq(ca.ma.average(x, axis=0, weights=weights, keepdims=keepdims).compute(),
                     np.ma.average(m, axis=0, weights=weights, keepdims=keepdims))
        assert_ma_eq(ca.ma.average(x, weights=full).compute(), np.ma.average(m, weights=full))


# --- chunkarray.ma functions ----------------------------------------------------------------------


@fixture_ok
@given(data=st.data())
def test_making_masked_arrays(executor: str, data: Any) -> None:
    m, x = data.draw(masked([np.int64, np.float64], nan=True))
    a, plain = np.ma.getdata(m), ca.ma.getdata(x)
    mask = np.ma.getmaskarray(m)
    assert_ma_eq(ca.ma.masked_array(plain, mask=mask).compute(), np.ma.masked_array(a, mask=mask))
    assert_ma_eq(ca.ma.masked_array(plain, mask=ca.from_array(mask), fill_value=7).compute(),
                 np.ma.masked_array(a, mask=mask, fill_value=7))
    assert_ma_eq(ca.ma.masked_array(x, mask=True).compute(), np.ma.masked_array(m, mask=True))
    assert_ma_eq(ca.ma.masked_where(plain > 2, x).compute(), np.ma.masked_where(a > 2, m))
    with np.errstate(all="ignore"):
        for name in ("masked_greater", "masked_greater_equal", "masked_less",
                     "masked_less_equal", "masked_not_equal", "masked_equal"):
            assert_ma_eq(getattr(ca.ma, name)(x, 2).compute(), getattr(np.ma, name)(m, 2))
        assert_ma_eq(ca.ma.masked_inside(x, 3, -1).compute(), np.ma.masked_inside(m, 3, -1))
        assert_ma_eq(ca.ma.masked_outside(x, -1, 3).compute(), np.ma.masked_outside(m, -1, 3))
        assert_ma_eq(ca.ma.masked_values(x, 1.5).compute(), np.ma.masked_values(m, 1.5))
        assert_ma_eq(ca.ma.masked_invalid(plain).compute(), np.ma.masked_invalid(a))
        if m.ndim:  # numpy.ma's own fails on a 0-d masked array
            assert_ma_eq(ca.ma.masked_invalid(x).compute(), np.ma.masked_invalid(m))


@fixture_ok
@given(data=st.data())
def test_taking_masked_arrays_apart(executor: str, data: Any) -> None:
    m, x = data.draw(masked(nan=True))
    assert_ma_eq(ca.ma.getdata(x).compute(), np.ma.getdata(m)[()])
    assert_ma_eq(ca.ma.getmaskarray(x).compute(), np.ma.getmaskarray(m)[()])
    assert_ma_eq(ca.ma.filled(x).compute(), np.ma.filled(m)[()])
    assert_ma_eq(ca.ma.filled(x, 1).compute(), np.ma.filled(m, 1)[()])
    plain = np.ma.getdata(m)
    assert_ma_eq(ca.ma.getmaskarray(ca.from_array(plain)).compute(),
                 np.ma.getmaskarray(plain)[()])
    assert ca.ma.filled(ca.ma.getdata(x)) is not None


@fixture_ok
@given(data=st.data())
def test_fix_invalid_and_like(executor: str, data: Any) -> None:
    m, x = data.draw(masked([np.float32, np.float64], nan=True))
    assert_ma_eq(ca.ma.fix_invalid(x).compute(), np.ma.fix_invalid(m))
    assert_ma_eq(ca.ma.fix_invalid(x, fill_value=-2).compute(), np.ma.fix_invalid(m, fill_value=-2))
    assert_ma_eq(ca.ma.ones_like(x).compute(), np.ma.ones_like(m))
    assert_ma_eq(ca.ma.zeros_like(x, dtype=np.int8).compute(), np.ma.zeros_like(m, dtype=np.int8))
    empty = ca.ma.empty_like(x).compute()
    np.testing.assert_array_equal(np.ma.getmaskarray(empty), np.ma.getmaskarray(m))


def test_set_fill_value_in_place(executor: str) -> None:
    m = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    x = ca.from_array(m, chunks=2)
    y = x + 1
    assert ca.ma.set_fill_value(y, -9) is None
    assert y.compute().fill_value == -9
    np.testing.assert_array_equal(ca.ma.filled(y).compute(), [2.0, -9.0, 4.0])
    assert x.compute().fill_value == m.fill_value  # the input keeps its own
    plain = ca.arange(3, chunks=2)
    ca.ma.set_fill_value(plain, 1)  # as numpy.ma: nothing to do on an array with no mask
    np.testing.assert_array_equal(plain.compute(), [0, 1, 2])


@fixture_ok
@given(data=st.data())
def test_nonzero(executor: str, data: Any) -> None:
    m, x = data.draw(masked([np.int8, np.float64, np.bool_], min_dims=1))
    for result, expected in zip(ca.ma.nonzero(x), np.ma.nonzero(m)):
        assert_ma_eq(result.compute(), expected)
    for result, expected in zip(ca.ma.where(x), np.ma.nonzero(m)):
        assert_ma_eq(result.compute(), expected)


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", [
    lambda x: ca.sort(x), lambda x: x.cumsum(), lambda x: ca.nanmean(x), lambda x: x[[0, 2]],
    lambda x: x[x > 1], lambda x: ca.where(x > 1, x, 0), lambda x: np.nonzero(x),
    lambda x: ca.broadcast_to(x, (2, 4)), lambda x: ca.nanargmax(x),
], ids=["sort", "cumsum", "nanmean", "take", "boolean", "where", "nonzero", "broadcast_to",
        "nanargmax"])
def test_operations_that_would_drop_masks_refuse_at_the_call(operation: Any) -> None:
    x = ca.from_array(np.ma.array([1.0, 2.0, 3.0, 4.0], mask=[0, 1, 0, 0]), chunks=2)
    with pytest.raises(TypeError, match="does not support masked arrays.*ma.filled"):
        operation(x)


def test_storage_refuses_masked_arrays_naming_filled(tmp_path: Any) -> None:
    x = ca.from_array(np.ma.array([1.0, 2.0], mask=[0, 1]), chunks=1)
    writes = {
        "to_zarr": lambda: ca.to_zarr(x, str(tmp_path / "x.zarr")),
        "to_hdf5": lambda: ca.to_hdf5(str(tmp_path / "x.h5"), "x", x),
        "store": lambda: ca.store(x, np.zeros(2)),
        "to_npy_stack": lambda: x.to_npy_stack(str(tmp_path / "stack")),
    }
    for name, write in writes.items():
        with pytest.raises(TypeError, match=f"{name}: cannot write a masked array.*ma.filled"):
            write()
    assert os.listdir(tmp_path) == []  # nothing was created
    ca.to_zarr(ca.ma.filled(x, -1), str(tmp_path / "x.zarr"))
    np.testing.assert_array_equal(ca.from_zarr(str(tmp_path / "x.zarr")).compute(), [1.0, -1.0])


def test_bad_input() -> None:
    x = ca.from_array(np.ma.array([1, 2, 3], mask=[0, 1, 0]), chunks=2)
    with pytest.raises(ValueError, match=r"mask of shape \(2,\) does not match data of shape"):
        ca.ma.masked_array(x, mask=[True, False])
    with pytest.raises(IndexError, match="inconsistent shape between the condition"):
        ca.ma.masked_where(np.array([True, False]), x)
    with pytest.raises(TypeError, match="fill_value='a' cannot be a fill value.*int64"):
        ca.ma.filled(x, "a")
    with pytest.raises(TypeError, match="fill_value=300 cannot be a fill value.*int8"):
        ca.ma.masked_array(x.astype(np.int8), fill_value=300)
    with pytest.raises(ValueError, match="only a scalar fill value"):
        ca.ma.filled(x, [1, 2, 3])
    with pytest.raises(ValueError, match="masked_equal: value must be a scalar"):
        ca.ma.masked_equal(x, [1, 2, 3])
    with pytest.raises(TypeError, match="set_fill_value: a must be a chunked array"):
        ca.ma.set_fill_value(np.ma.array([1]), 2)
    with pytest.raises(TypeError, match="unsupported keyword arguments"):
        ca.ma.ones_like(x, order="F")
    with pytest.raises(TypeError, match="axis must be given"):
        ca.ma.average(x, weights=[1, 2])
    with pytest.raises(ValueError, match="weights of shape"):
        ca.ma.average(x, axis=0, weights=[1, 2])
    with pytest.raises(ValueError, match="either both or neither"):
        ca.ma.where(x > 1, x)
    with pytest.raises(ValueError, match="zero-size array to reduction operation minimum"):
        ca.from_array(np.ma.array(np.zeros((0, 2)), mask=False)).min(axis=0)


def test_tokens_depend_on_the_mask() -> None:
    a = ca.from_array(np.ma.array([1, 2], mask=[0, 1]))
    b = ca.from_array(np.ma.array([1, 2], mask=[1, 0]))
    assert a.name != b.name
    assert_ma_eq(ca.concatenate([a, b]).compute(),
                 np.ma.concatenate([np.ma.array([1, 2], mask=[0, 1]),
                                    np.ma.array([1, 2], mask=[1, 0])]))


@pytest.mark.parametrize("scheduler", ["processes", "dask"])
def test_other_schedulers_keep_masks(scheduler: str) -> None:
    m = np.ma.array(np.arange(12.0).reshape(3, 4), mask=np.arange(12).reshape(3, 4) % 5 == 0,
                    fill_value=2)
    x = ca.from_array(m, chunks=2)
    assert_ma_eq((x * 2 + 1).compute(scheduler=scheduler), m * 2 + 1)
    assert_ma_eq(x.var(axis=0).compute(scheduler=scheduler), m.var(axis=0))


def test_dask_collections_keep_masks() -> None:
    dask = pytest.importorskip("dask")
    m = np.ma.array(np.arange(6.0), mask=[0, 1, 0, 0, 1, 0], fill_value=2)
    x = ca.from_array(m, chunks=4) + 1
    (computed,) = dask.compute(x.to_dask())
    assert_ma_eq(computed, m + 1)
    (persisted,) = dask.persist(x.to_dask())
    assert ca.ma.is_masked_array(persisted.array)
    assert_ma_eq(persisted.array.compute(), m + 1)


def test_rechunk_of_masked_arrays_moves_blocks_in_memory(executor: str) -> None:
    m = np.ma.array(np.arange(64.0).reshape(8, 8), mask=np.arange(64).reshape(8, 8) % 3 == 0)
    x = ca.from_array(m, chunks=(1, 8)) * 1
    # An all-to-all rechunk: moved in memory within the limit, refused over it (plain arrays
    # would be staged through files, which hold no masks).
    assert_ma_eq(ca.rechunk(x, (8, 1), memory_limit=1000).compute(), m * 1)
    with pytest.raises(ValueError, match=r"masked blocks \(numpy.ma\) cannot be staged"):
        ca.rechunk(x, (8, 1), memory_limit=200)
    with pytest.raises(TypeError, match="does not support masked arrays"):
        ca.rechunk(x, (8, 1), method="disk")
