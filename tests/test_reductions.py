"""Tests of chunkarray.ops.reductions: every reduction against NumPy, from one table.

NumPy is the oracle: same dtype, integers exactly, floats within a rounding bound that scales with
the data (a chunked sum adds in another order than NumPy's pairwise sum, so its error is bounded by
``eps * sum(|x|)``, not by ``eps * |result|``).
"""

from __future__ import annotations

import inspect
import operator
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.exceptions import AxisError

import chunkarray as ca
from chunkarray.core.graph import lower
from chunkarray.executors import get_executor
from chunkarray.kernels import program
from tests.strategies import (
    ALL_DTYPES,
    INTEGER_DTYPES,
    assert_eq,
    chunkings,
    shapes,
    values,
)

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])
# The tests beside the main one (entry points, chunking, block dtypes, pieces) run the same code
# paths on other axes of the problem: a third of the profile's examples keeps the file fast.
fewer = settings(fixture_ok, max_examples=max(settings().max_examples // 3, 5))


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One reduction: chunkarray's function, NumPy's, and what NumPy accepts for it."""

    name: str
    func: Callable[..., Any]
    np_func: Callable[..., Any]
    dtypes: tuple[Any, ...] = tuple(ALL_DTYPES)
    error: str = "sum"  # how rounding error grows: "sum", "prod", "mean", "var", "std", "exact"
    dtype_arg: tuple[Any, ...] = ()  # dtype= values NumPy accepts (filtered by same_kind)
    ddof: bool = False
    arg: bool = False  # axis is None or an int
    identity: bool = True  # defined on an empty reduced axis
    method: bool = False  # also a ChunkedArray method

    def __repr__(self) -> str:
        return self.name


_SUM_DTYPES = (np.int32, np.int64, np.uint64, np.float32, np.float64, np.complex128)
_VAR_DTYPES = (np.float32, np.float64, np.complex128)
# numpy.mean(x, dtype=int) sums in that int and truncates the quotient; var/std reject it or
# compute with a truncated mean, which no merge of block moments reproduces.
_MEAN_DTYPES = (*_VAR_DTYPES, np.int64)

OPS = [
    Op("sum", ca.sum, np.sum, dtype_arg=_SUM_DTYPES, method=True),
    Op("prod", ca.prod, np.prod, error="prod", dtype_arg=_SUM_DTYPES, method=True),
    Op("mean", ca.mean, np.mean, error="mean", dtype_arg=_MEAN_DTYPES, method=True),
    Op("var", ca.var, np.var, error="var", dtype_arg=_VAR_DTYPES, ddof=True, method=True),
    Op("std", ca.std, np.std, error="std", dtype_arg=_VAR_DTYPES, ddof=True, method=True),
    Op("min", ca.min, np.min, error="exact", identity=False, method=True),
    Op("max", ca.max, np.max, error="exact", identity=False, method=True),
    Op("any", ca.any, np.any, error="exact", method=True),
    Op("all", ca.all, np.all, error="exact", method=True),
    Op("argmin", ca.argmin, np.argmin, error="exact", arg=True, identity=False, method=True),
    Op("argmax", ca.argmax, np.argmax, error="exact", arg=True, identity=False, method=True),
    Op("count_nonzero", ca.count_nonzero, np.count_nonzero, error="exact"),
    Op("nansum", ca.nansum, np.nansum, dtype_arg=_SUM_DTYPES),
    Op("nanprod", ca.nanprod, np.nanprod, error="prod", dtype_arg=_SUM_DTYPES),
    Op("nanmean", ca.nanmean, np.nanmean, error="mean", dtype_arg=_MEAN_DTYPES),
    Op("nanvar", ca.nanvar, np.nanvar, error="var", dtype_arg=_VAR_DTYPES, ddof=True),
    Op("nanstd", ca.nanstd, np.nanstd, error="std", dtype_arg=_VAR_DTYPES, ddof=True),
    Op("nanmin", ca.nanmin, np.nanmin, error="exact", identity=False),
    Op("nanmax", ca.nanmax, np.nanmax, error="exact", identity=False),
    Op("nanargmin", ca.nanargmin, np.nanargmin, error="exact", arg=True, identity=False),
    Op("nanargmax", ca.nanargmax, np.nanargmax, error="exact", arg=True, identity=False),
]
BY_NAME = {op.name: op for op in OPS}


# --- strategies -----------------------------------------------------------------------------------

# Products are tested on factors near one: with arbitrary floats, whether a partial product over- or
# underflows depends on the order of the factors, so no chunked product could match NumPy's.
_FACTORS = [0.0, 0.5, 0.75, 1.0, 1.5, 2.0]


def _prod_values(dtype: Any, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        factor = st.sampled_from(_FACTORS) | st.just(np.nan)
        elements = st.builds(operator.mul, st.sampled_from([1.0, -1.0]), factor)
    elif dtype.kind == "c":
        part = st.sampled_from([0.0, 0.5, -0.5, 1.0, -1.0]) | st.just(np.nan)
        elements = st.builds(complex, part, part)
    else:
        return values(dtype, shape)
    return hnp.arrays(dtype, shape, elements=elements)


@st.composite
def cases(draw: st.DrawFn, op: Op, max_dims: int = 3, dtypes: Any = None,
          int_axis: bool = False) -> tuple[np.ndarray, ca.ChunkedArray, dict[str, Any]]:
    """An array (with NaNs sometimes), a chunking of it, and keyword arguments for ``op``.

    With ``int_axis`` the array has axes and ``axis`` is one of them, never None.
    """
    dtype = np.dtype(draw(st.sampled_from(dtypes or op.dtypes)))
    # Products of more than ~125 factors in [0.5, 2] could over/underflow float32.
    shape = draw(shapes(min_dims=int(int_axis), max_dims=max_dims,
                        max_side=5 if op.error == "prod" else 7))
    if op.error == "prod":
        a = draw(_prod_values(dtype, shape))
    else:
        a = draw(values(dtype, shape, nan=True))
    x = ca.from_array(a, chunks=draw(chunkings(shape)))
    axis = st.integers(-a.ndim, a.ndim - 1) if int_axis else axes(a.ndim, arg=op.arg)
    kwargs: dict[str, Any] = {"axis": draw(axis)}
    if draw(st.booleans()):
        kwargs["keepdims"] = draw(st.booleans())
    if op.dtype_arg and draw(st.booleans()):
        allowed = [d for d in op.dtype_arg if np.can_cast(dtype, d, "same_kind")]
        kwargs["dtype"] = np.dtype(draw(st.sampled_from(allowed)))
    if op.ddof and draw(st.booleans()):
        kwargs["ddof"] = draw(st.integers(0, 4) | st.sampled_from([0.5, 1.5]))
    split = draw(split_everys(a.ndim))
    if split is not None:
        kwargs["split_every"] = split
    return a, x, kwargs


def axes(ndim: int, *, arg: bool = False) -> st.SearchStrategy[Any]:
    """``axis=`` values: None, an int (maybe negative) and, unless ``arg``, tuples of axes."""
    options: list[st.SearchStrategy[Any]] = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
    if not arg:
        options.append(hnp.valid_tuple_axes(ndim))
    return st.one_of(*options)


def split_everys(ndim: int) -> st.SearchStrategy[Any]:
    """Small fan-ins, so that even a few blocks make a tree of several levels."""
    # Keys are distinct axes, each given as itself or as its negative alias.
    if not ndim:
        return st.none() | st.integers(2, 3) | st.just({})
    entries = st.lists(st.tuples(st.integers(0, ndim - 1), st.booleans(), st.integers(2, 3)),
                       unique_by=lambda entry: entry[0])
    per_axis = entries.map(lambda es: {a - ndim if negative else a: s for a, negative, s in es})
    return st.none() | st.integers(2, 3) | per_axis


# --- comparing with NumPy -------------------------------------------------------------------------


def numpy_result(op: Op, a: np.ndarray, **kwargs: Any) -> Any:
    kwargs.pop("split_every", None)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return op.np_func(a, **kwargs)


def compute_quietly(x: ca.ChunkedArray) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return x.compute()


def reduced_size(a: np.ndarray, kwargs: dict[str, Any]) -> int:
    axis = kwargs.get("axis")
    if axis is None:
        return a.size
    axis = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([a.shape[i] for i in axis], dtype=np.int64))


def assert_matches(op: Op, result: Any, expected: Any, a: np.ndarray, kwargs: dict[str, Any]
                   ) -> None:
    """``result`` is NumPy's ``expected``: dtype and shape exactly, values within rounding."""
    result, expected = np.asarray(result), np.asarray(expected)
    if expected.dtype.kind not in "fc" or op.error == "exact":
        assert_eq(result, expected, exact=True)
        return
    assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    eps = float(np.finfo(expected.dtype).eps)
    work = expected.dtype  # the dtype deviations are squared in
    if op.name in ("nanvar", "nanstd") and a.dtype.kind in "fc":
        # numpy.nanvar keeps deviations in the input's dtype, whatever dtype= says (so they
        # round, and underflow, as that dtype's do).
        eps = max(eps, float(np.finfo(a.dtype).eps))
        work = a.dtype if np.finfo(a.dtype).tiny > np.finfo(work).tiny else work
    with np.errstate(all="ignore"):
        finite = np.abs(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64))
        finite = finite[np.isfinite(finite)]
    top = float(finite.max()) if finite.size else 0.0
    n = reduced_size(a, kwargs)
    rtol = eps * max(2**8, 4 * n)
    if op.error == "sum":
        atol = eps * 4 * n * top
    elif op.error == "var":
        atol = eps * 16 * n * top**2
    elif op.error in ("mean", "std"):
        atol = eps * 16 * n * top
    else:
        atol = 0.0
    # Squares of tiny deviations underflow differently in different orders.
    tiny = float(np.finfo(work).tiny) * 16 * n
    atol += {"var": tiny, "std": np.sqrt(tiny)}.get(op.error, 0.0)
    ddof = kwargs.get("ddof", 0)
    if op.ddof and ddof >= 1:
        # Dividing by n - ddof instead of n magnifies the rounding of the sum of squares.
        atol *= n / max(n - ddof, 1)
    if op.ddof and np.any(n - np.asarray(ddof) <= 0) or op.error == "prod":
        # m2 / 0 is inf, unless m2 rounds to exactly zero (NaN): which one is up to rounding.
        assert np.array_equal(np.isfinite(result), np.isfinite(expected))
        mask = np.isfinite(expected)
        result, expected = result[mask], expected[mask]
    np.testing.assert_allclose(result, expected, rtol=rtol, atol=atol, equal_nan=True)


def check(op: Op, a: np.ndarray, x: ca.ChunkedArray, kwargs: dict[str, Any],
          call: Callable[..., Any] | None = None) -> None:
    """``op`` on ``x`` gives NumPy's answer on ``a``, or raises NumPy's error at the call.

    ``call`` is the entry point to test (``op.func`` unless given).
    """
    call = call or op.func
    try:
        expected = numpy_result(op, a, **kwargs)
    except (ValueError, TypeError) as exc:
        if "All-NaN" in str(exc):  # NumPy must look at the data to know: so must we
            result = call(x, **kwargs)
            with pytest.raises(type(exc), match="All-NaN"):
                compute_quietly(result)
        else:
            with pytest.raises(type(exc)):
                call(x, **kwargs)
        return
    result = call(x, **kwargs)
    assert isinstance(result, ca.ChunkedArray)  # lazy, not computed through __array__
    assert result.shape == np.shape(expected)
    assert result.dtype == np.asarray(expected).dtype
    assert_matches(op, compute_quietly(result), expected, a, kwargs)


# --- every reduction against NumPy ----------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=repr)
@fixture_ok
@given(data=st.data())
def test_reduction_matches_numpy(executor, op, data):
    a, x, kwargs = data.draw(cases(op))
    check(op, a, x, kwargs)


@pytest.mark.parametrize("op", OPS, ids=repr)
@fewer
@given(data=st.data())
def test_result_does_not_depend_on_chunking(op, data):
    """Integer results are bit-identical whatever the chunking and tree; floats agree closely."""
    a, x, kwargs = data.draw(cases(op, dtypes=[np.bool_, *INTEGER_DTYPES, np.float64]))
    try:
        first = compute_quietly(op.func(x, **kwargs))
    except ValueError:
        return  # an empty reduction or an all-NaN slice: the errors are checked above
    y = ca.from_array(a, chunks=data.draw(chunkings(a.shape)))
    kwargs["split_every"] = data.draw(split_everys(a.ndim))
    second = compute_quietly(op.func(y, **kwargs))
    if np.asarray(first).dtype.kind in "fc":
        assert_matches(op, second, first, a, kwargs)
    else:
        assert np.asarray(first).dtype == np.asarray(second).dtype
        assert np.asarray(first).tobytes() == np.asarray(second).tobytes()


def raw_blocks(x: ca.ChunkedArray) -> list[Any]:
    """The blocks of ``x`` as its tasks return them, before compute() casts them into place."""
    keys = list(x._node.keys())
    lowered = lower([x._node], keys)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return list(get_executor()(lowered, keys, 1))


@pytest.mark.parametrize("op", OPS, ids=repr)
@fewer
@given(data=st.data())
def test_blocks_have_the_declared_dtype(op, data):
    """What the tasks return is what the next operation sees: it must be the array's dtype."""
    a, x, kwargs = data.draw(cases(op, max_dims=2))
    try:
        result = op.func(x, **kwargs)
        blocks = raw_blocks(result)
    except ValueError:
        return  # an empty reduction or an all-NaN slice: the errors are checked elsewhere
    for block in blocks:
        assert np.asarray(block).dtype == result.dtype


@pytest.mark.parametrize("name, dtype", [("sum", np.int8), ("sum", np.bool_), ("prod", np.uint8),
                                         ("nansum", np.int8), ("nanprod", np.bool_)])
def test_narrow_dtype_wraps_before_the_next_operation(executor, name, dtype):
    a = np.full((6, 20), 100, dtype=np.int8)
    x = ca.from_array(a, chunks=(4, 3))
    for axis in (None, 1):
        result = getattr(ca, name)(x, axis=axis, dtype=dtype, split_every=2) / 2
        assert_eq(result.compute(), getattr(np, name)(a, axis=axis, dtype=dtype) / 2)


@pytest.mark.parametrize("op", OPS, ids=repr)
@fewer
@given(data=st.data())
def test_reduction_of_a_fused_chain_run_in_pieces(executor, op, data):
    """A reduction fused after elementwise steps, with every block run in pieces of rows."""
    a, x, kwargs = data.draw(cases(op, dtypes=[np.int16, np.uint8, np.float32, np.complex128]))
    with pytest.MonkeyPatch.context() as patch, np.errstate(all="ignore"):
        patch.setattr(program, "PIECE_BYTES", 2)  # a piece of a row or two
        check(op, a * 2 - a, x * 2 - x, kwargs)


@pytest.mark.parametrize("op", [op for op in OPS if op.name.startswith("nan")], ids=repr)
def test_nan_family_ignores_nan(executor, op):
    a = np.array([[np.nan, 2.0, 1.0, np.nan], [3.0, np.nan, np.nan, 5.0], [4.0, 0.5, 6.0, 1.0]])
    x = ca.from_array(a, chunks=(2, 1))
    for axis in (None, 0, 1):
        check(op, a, x, {"axis": axis, "split_every": 2})


@pytest.mark.parametrize("op", [op for op in OPS if not op.name.startswith("nan")], ids=repr)
def test_nan_propagates_through_plain_reductions(executor, op):
    a = np.array([[1.0, 2.0, np.nan, 4.0], [5.0, 6.0, 7.0, 8.0], [np.nan, 0.0, 1.0, np.nan]])
    x = ca.from_array(a, chunks=(1, 3))
    for axis in (None, 0, 1, -1):
        check(op, a, x, {"axis": axis, "split_every": 2})


@pytest.mark.parametrize("name", ["nanmin", "nanmax", "nanmean", "nanvar", "nanstd", "nansum",
                                  "nanprod"])
def test_all_nan_slices_match_numpy(executor, name):
    """NumPy warns on all-NaN slices: the warnings may differ, the values may not."""
    a = np.array([[np.nan, np.nan, 1.0], [np.nan, np.nan, 2.0]])
    x = ca.from_array(a, chunks=1)
    for axis in (None, 0, 1):
        check(BY_NAME[name], a, x, {"axis": axis})


@pytest.mark.parametrize("name", ["nanargmin", "nanargmax"])
def test_nanarg_of_all_nan_slice_raises_at_compute(executor, name):
    a = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    x = ca.from_array(a, chunks=1)
    with pytest.raises(ValueError, match="All-NaN"):
        getattr(np, name)(a, axis=0)
    result = getattr(ca, name)(x, axis=0)  # NumPy needs the values to know: not at the call
    with pytest.raises(ValueError, match="All-NaN"):
        result.compute()
    assert_eq(getattr(ca, name)(x, axis=1).compute(), getattr(np, name)(a, axis=1))
    nan = ca.from_array(np.full((2, 3), np.nan), chunks=1)
    with pytest.raises(ValueError, match="All-NaN"):
        getattr(ca, name)(nan).compute()


@pytest.mark.parametrize("name", ["mean", "var", "std", "nanmean", "nanvar", "nanstd", "sum",
                                  "prod", "any", "all", "count_nonzero", "nansum"])
def test_empty_reductions_match_numpy(executor, name):
    a = np.ones((0, 3))
    x = ca.from_array(a, chunks=((0,), (2, 1)))
    for axis in (None, 0, 1, ()):
        for keepdims in (False, True):
            check(BY_NAME[name], a, x, {"axis": axis, "keepdims": keepdims})


@pytest.mark.parametrize("name", ["std", "nanstd"])
@pytest.mark.parametrize("dtype", [np.int64, np.int8])
def test_std_with_integer_dtype_raises_at_call(name, dtype):
    # NumPy refuses to write the square root into an int array (a 0-d result slips through).
    a = np.arange(12).reshape(3, 4)
    x = ca.from_array(a, chunks=2)
    with pytest.raises(TypeError):
        getattr(np, name)(a, axis=0, dtype=dtype)
    with pytest.raises(TypeError):
        getattr(ca, name)(x, axis=0, dtype=dtype)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "nanmean", "nanvar", "nanstd"])
@pytest.mark.parametrize("dtype", [np.float16, np.int64])
def test_float16_and_integer_accumulators(executor, name, dtype):
    """dtype=float16 accumulates in float16 and dtype=int truncates, as in NumPy."""
    if dtype == np.int64 and name in ("var", "std", "nanvar", "nanstd"):
        return  # NumPy uses a truncated mean there: see test_std_with_integer_dtype_raises_at_call
    a = np.arange(24).reshape(4, 6) % 5 + 1
    x = ca.from_array(a, chunks=(3, 2))
    for axis in (None, 0, 1):
        expected = getattr(np, name)(a, axis=axis, dtype=dtype)
        result = getattr(ca, name)(x, axis=axis, dtype=dtype, split_every=2).compute()
        assert_matches(BY_NAME[name], result, expected, a, {"axis": axis})


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("ddof", [1, 3, 4, 7])
def test_ddof_up_to_and_beyond_n(executor, name, ddof):
    a = np.arange(12.0).reshape(3, 4) ** 1.5
    a[0, 1] = np.nan if name.startswith("nan") else a[0, 1]
    x = ca.from_array(a, chunks=(2, 3))
    for axis in (None, 0, 1):
        check(BY_NAME[name], a, x, {"axis": axis, "ddof": ddof, "split_every": 2})


def test_zero_d_arrays(executor):
    a = np.array(3.5)
    x = ca.from_array(a)
    for op in OPS:
        check(op, a, x, {})
        check(op, a, x, {"keepdims": True})
        if not op.arg:
            check(op, a, x, {"axis": ()})


# --- the three entry points -----------------------------------------------------------------------

METHOD_OPS = [op for op in OPS if op.method]


@pytest.mark.parametrize("op", METHOD_OPS, ids=repr)
@fewer
@given(data=st.data())
def test_method_with_positional_axis(executor, op, data):
    a, x, kwargs = data.draw(cases(op, max_dims=2, dtypes=[np.int16, np.float64],
                                   int_axis=True))
    axis = kwargs.pop("axis")
    kwargs.pop("split_every", None)
    method = getattr(a, op.name)  # NumPy's method takes the same arguments
    try:
        expected = numpy_result(op, a, **kwargs, axis=axis)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert_eq(method(axis, **kwargs), expected, exact=True)
    except ValueError:
        with pytest.raises(ValueError):
            getattr(x, op.name)(axis, **kwargs)
        return
    result = getattr(x, op.name)(axis, **kwargs)
    assert_matches(op, compute_quietly(result), expected, a, {"axis": axis, **kwargs})


@pytest.mark.parametrize("op", OPS, ids=repr)
@fewer
@given(data=st.data())
def test_numpy_function_dispatches(executor, op, data):
    a, x, kwargs = data.draw(cases(op, max_dims=2, dtypes=[np.uint8, np.float32, np.complex128]))
    kwargs.pop("split_every", None)
    check(op, a, x, kwargs, call=op.np_func)


def test_numpy_functions_positional_and_renamed_arguments(executor):
    a = np.arange(24.0).reshape(4, 6) ** 2
    x = ca.from_array(a, chunks=(3, 4))
    assert_eq(np.sum(x, 1).compute(), np.sum(a, 1))
    assert_eq(np.sum(x, 0, np.float32).compute(), np.sum(a, 0, np.float32))
    assert_eq(np.mean(x, axis=0, keepdims=True).compute(), np.mean(a, axis=0, keepdims=True))
    assert_eq(np.var(x, ddof=1).compute(), np.var(a, ddof=1))
    assert_eq(np.std(x, correction=1).compute(), np.std(a, correction=1))
    assert_eq(np.nanvar(x, 0, None, None, 2).compute(), np.nanvar(a, 0, None, None, 2))
    assert_eq(np.amin(x, axis=1).compute(), np.amin(a, axis=1))
    assert_eq(np.amax(x, axis=1).compute(), np.amax(a, axis=1))
    assert_eq(np.argmax(x, axis=1, keepdims=True).compute(), np.argmax(a, axis=1, keepdims=True))
    assert_eq(np.count_nonzero(x, axis=(0, 1)).compute(), np.count_nonzero(a, axis=(0, 1)))
    assert_eq(np.sum(x, where=True).compute(), np.sum(a, where=True))


def test_numpy_ddof_and_correction_together_raise():
    x = ca.ones((4,), chunks=2)
    with pytest.raises(ValueError, match="ddof"):
        np.var(np.ones(4), ddof=1, correction=1)
    with pytest.raises(ValueError, match="ddof"):
        np.var(x, ddof=1, correction=1)
    with pytest.raises(ValueError, match="ddof"):
        np.nanstd(x, ddof=1, correction=0)


@pytest.mark.parametrize("ufunc", [np.add, np.multiply, np.minimum, np.maximum, np.logical_and,
                                   np.logical_or])
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint32, np.float64])
def test_ufunc_reduce(executor, ufunc, dtype):
    a = (np.arange(30).reshape(5, 6) % 7).astype(dtype)
    x = ca.from_array(a, chunks=(2, 4))
    for kwargs in ({}, {"axis": 0}, {"axis": 1}, {"axis": None}, {"axis": (0, 1)},
                   {"axis": -1, "keepdims": True}):
        assert_eq(ufunc.reduce(x, **kwargs).compute(), ufunc.reduce(a, **kwargs))
    assert_eq(ufunc.reduce(x, 1).compute(), ufunc.reduce(a, 1))
    if ufunc in (np.add, np.multiply):
        assert_eq(ufunc.reduce(x, 0, np.int64).compute(), ufunc.reduce(a, 0, np.int64))
        assert_eq(ufunc.reduce(x, axis=0, dtype=np.float32).compute(),
                  ufunc.reduce(a, axis=0, dtype=np.float32))


@pytest.mark.parametrize("ufunc", [np.add, np.multiply, np.minimum, np.maximum, np.logical_and,
                                   np.logical_or])
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.float32])
def test_ufunc_reduce_with_dtype(executor, ufunc, dtype):
    """``dtype=`` counts for min, max, all and any too: NumPy reduces in it, or refuses it."""
    a = (np.arange(30).reshape(5, 6) % 7 - 2).astype(np.float64)
    x = ca.from_array(a, chunks=(2, 4))
    try:
        expected = ufunc.reduce(a, axis=0, dtype=dtype)
    except TypeError:
        with pytest.raises(TypeError):
            ufunc.reduce(x, axis=0, dtype=dtype)
        return
    assert_eq(ufunc.reduce(x, axis=0, dtype=dtype).compute(), expected)


def test_ufunc_reduce_of_empty_axis(executor):
    a = np.ones((0, 3))
    x = ca.from_array(a, chunks=(1, 2))
    assert_eq(np.add.reduce(x, axis=0).compute(), np.add.reduce(a, axis=0))
    with pytest.raises(ValueError):
        np.minimum.reduce(a, axis=0)
    with pytest.raises(ValueError):
        np.minimum.reduce(x, axis=0)


# --- errors at the call -------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=repr)
@pytest.mark.parametrize("axis", [2, -3, 5])
def test_axis_out_of_range(op, axis):
    x = ca.ones((3, 4), chunks=2)
    with pytest.raises(AxisError, match=str(axis)):
        op.func(x, axis=axis)
    with pytest.raises(AxisError, match=str(axis)):
        op.np_func(x, axis=axis)
    if not op.arg:
        with pytest.raises(AxisError, match=str(axis)):
            op.func(x, axis=(0, axis))


@pytest.mark.parametrize("op", [op for op in OPS if not op.arg], ids=repr)
def test_repeated_axis_raises(op):
    x = ca.ones((3, 4), chunks=2)
    with pytest.raises(ValueError, match="axis"):
        op.np_func(np.ones((3, 4)), axis=(0, 0))
    with pytest.raises(ValueError, match="axis"):
        op.func(x, axis=(0, -2))


@pytest.mark.parametrize("op", [op for op in OPS if not op.arg], ids=repr)
def test_list_axis_raises_type_error_like_numpy(op):
    with pytest.raises(TypeError):
        op.np_func(np.ones((3, 4)), axis=[0])
    with pytest.raises(TypeError, match="axis"):
        op.func(ca.ones((3, 4), chunks=2), axis=[0])


def test_axis_on_zero_d_raises():
    x = ca.from_array(np.array(1.0))
    for op in OPS:
        with pytest.raises(AxisError):
            op.func(x, axis=0)


@pytest.mark.parametrize("op", [op for op in OPS if not op.identity], ids=repr)
@pytest.mark.parametrize("shape, axis", [((0,), None), ((0, 3), 0), ((3, 0), -1), ((3, 0), None),
                                         ((2, 0, 2), (1, 2))])
def test_empty_axis_without_identity_raises_at_call(op, shape, axis):
    if op.arg and isinstance(axis, tuple):
        return
    with pytest.raises(ValueError):
        numpy_result(op, np.ones(shape), axis=axis)
    x = ca.ones(shape, chunks=2)
    with pytest.raises(ValueError, match=op.name.removeprefix("nan").removeprefix("arg")[:3]):
        op.func(x, axis=axis)


@pytest.mark.parametrize("op", [op for op in OPS if not op.identity], ids=repr)
def test_empty_but_not_along_the_reduced_axis(executor, op):
    a = np.ones((0, 3))
    x = ca.from_array(a, chunks=((0,), (2, 1)))
    check(op, a, x, {"axis": 1})
    check(op, a, x, {"axis": 1, "keepdims": True})


@pytest.mark.parametrize("op", [op for op in OPS if op.arg], ids=repr)
@pytest.mark.parametrize("axis", [(0,), (0, 1), [0], 1.0, True])
def test_arg_reductions_take_one_axis(op, axis):
    x = ca.ones((3, 4), chunks=2)
    with pytest.raises(TypeError, match="axis"):
        op.func(x, axis=axis)


@pytest.mark.parametrize("op", OPS, ids=repr)
@pytest.mark.parametrize("split_every", [0, 1, -2, 2.5, "2", True, {0: 1}, {0: 0},
                                         {5: 2}, {0: 2.5}, {0: "3"}, {0: None}, {-1: True}])
def test_bad_split_every_raises(op, split_every):
    x = ca.ones((4, 4), chunks=1)
    with pytest.raises((ValueError, AxisError), match="split_every|axis"):
        op.func(x, axis=0, split_every=split_every)


def test_bad_split_every_message_names_the_value():
    x = ca.ones((4, 4), chunks=1)
    with pytest.raises(ValueError, match=r"split_every=\{0: 1\}.*>= 2"):
        ca.sum(x, split_every={0: 1})
    with pytest.raises(ValueError, match="split_every.*got 1"):
        ca.sum(x, split_every=1)


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_unsupported_numpy_arguments_raise_type_error(op):
    x = ca.ones((3, 4), chunks=2)
    with pytest.raises(TypeError, match="out"):
        op.np_func(x, axis=0, out=np.empty(4))
    if "where" in inspect.signature(op.np_func).parameters:
        with pytest.raises(TypeError, match="where"):
            op.np_func(x, axis=0, where=np.ones((3, 4), bool))
    with pytest.raises(TypeError):
        op.np_func(x, axis=0, no_such_argument=1)


def test_unsupported_initial_raises_type_error():
    x = ca.ones((3, 4), chunks=2)
    for func in (np.sum, np.prod, np.min, np.max, np.nanmin, np.nanmax):
        with pytest.raises(TypeError, match="initial"):
            func(x, axis=0, initial=1.0)


def test_unsupported_ufunc_reduce_arguments():
    x = ca.ones((3, 4), chunks=2)
    with pytest.raises(TypeError, match="where"):
        np.add.reduce(x, axis=0, where=np.ones((3, 4), bool))
    with pytest.raises(TypeError):
        np.add.reduce(x, axis=0, initial=5.0)
    with pytest.raises(TypeError):
        np.add.reduce(x, axis=0, out=(np.empty(4),))


# --- numerical stability --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
def test_variance_of_offset_data_is_accurate(executor, name):
    """1e9 + noise: a sum of squares would lose every digit; merged moments lose none."""
    rng = np.random.default_rng(0)
    a = 1e9 + rng.standard_normal((4000, 3))
    x = ca.from_array(a, chunks=(37, 2))
    exact = np.var(a.astype(np.longdouble) - np.mean(a.astype(np.longdouble), axis=0), axis=0)
    exact = np.sqrt(exact) if "std" in name else exact
    for split_every in (2, 3, None):
        result = getattr(ca, name)(x, axis=0, split_every=split_every).compute()
        np.testing.assert_allclose(result, getattr(np, name)(a, axis=0), rtol=1e-6)
        np.testing.assert_allclose(result, exact.astype(np.float64), rtol=1e-6)
    whole = getattr(ca, name)(x, split_every=2).compute()
    np.testing.assert_allclose(whole, getattr(np, name)(a), rtol=1e-6)


@pytest.mark.parametrize("name", ["var", "std", "mean"])
def test_float32_moments_of_offset_data(executor, name):
    rng = np.random.default_rng(1)
    a = (1e3 + rng.standard_normal(20000)).astype(np.float32)
    x = ca.from_array(a, chunks=97)
    truth = getattr(np, name)(a.astype(np.float64))
    result = getattr(ca, name)(x, split_every=2).compute()
    expected = getattr(np, name)(a)
    assert result.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(result, truth, rtol=1e-4 if name != "mean" else 1e-6)


def test_mean_of_large_ints_does_not_overflow(executor):
    """As NumPy: integers are summed in float64, so the sum cannot wrap around."""
    a = np.full(1000, 2**62, dtype=np.int64)
    x = ca.from_array(a, chunks=7)
    for name in ("mean", "nanmean", "var", "std"):
        assert_eq(getattr(ca, name)(x, split_every=2).compute(), getattr(np, name)(a))


# --- the tree ------------------------------------------------------------------------------------


def _depth(lowered: Any, key: Any, memo: dict[Any, int]) -> int:
    if key not in memo:
        deps = lowered.dependencies[key]
        memo[key] = 1 + max((_depth(lowered, d, memo) for d in deps), default=0)
    return memo[key]


@pytest.mark.parametrize("name", ["sum", "mean", "var", "argmin", "nanargmax"])
def test_split_every_two_on_sixteen_blocks_is_four_levels(name):
    x = ca.from_array(np.arange(16.0), chunks=1)
    result = getattr(ca, name)(x, axis=0, split_every=2)
    lowered = lower([result._node], list(result._node.keys()))
    (root,) = list(result._node.keys())
    reduce_tasks = [k for k in lowered.tasks if "-combine-" in k[0] or "-aggregate-" in k[0]]
    assert len(reduce_tasks) == 8 + 4 + 2 + 1
    assert all(len(lowered.dependencies[k]) <= 2 for k in reduce_tasks)
    # chunk -> four levels of the tree
    memo: dict[Any, int] = {}
    levels = {k[0] for k in reduce_tasks}
    chunk_depth = {_depth(lowered, d, memo) for k in reduce_tasks for d in lowered.dependencies[k]
                   if d[0] not in levels}
    assert len(chunk_depth) == 1
    assert _depth(lowered, root, memo) == chunk_depth.pop() + 4
    assert len({k[0] for k in reduce_tasks}) == 4


def test_split_every_dict_sets_fan_in_per_axis():
    x = ca.ones((8, 9), chunks=1)
    result = ca.sum(x, split_every={0: 2, 1: 3})
    lowered = lower([result._node], list(result._node.keys()))
    levels = {k[0] for k in lowered.tasks if "sum-" in k[0] and "chunk" not in k[0]}
    # axis 0: 8 -> 4 -> 2 -> 1 (three levels); axis 1: 9 -> 3 -> 1 (two): three in all.
    assert len(levels) == 3
    assert all(len(lowered.dependencies[k]) <= 6 for k in lowered.tasks if k[0] in levels)
    assert_eq(result.compute(), np.full((8, 9), 1.0).sum())


def test_split_every_default_comes_from_config(executor):
    x = ca.from_array(np.arange(64), chunks=1)
    with ca.config.set(split_every=4):
        result = ca.sum(x)
    lowered = lower([result._node], list(result._node.keys()))
    assert max(len(d) for d in lowered.dependencies.values()) == 4
    assert_eq(result.compute(), np.arange(64).sum())


def test_one_block_needs_no_combine():
    x = ca.ones((5, 5), chunks=5)
    result = ca.mean(x, axis=0, split_every=2)
    lowered = lower([result._node], list(result._node.keys()))
    assert not [k for k in lowered.tasks if "-combine-" in k[0]]
    assert_eq(result.compute(scheduler="sync"), np.ones((5, 5)).mean(axis=0))


def test_reductions_are_lazy_and_named_deterministically():
    a = np.arange(20).reshape(4, 5)
    x = ca.from_array(a, chunks=2)
    assert ca.sum(x, axis=0).name == ca.sum(x, axis=0).name
    assert ca.sum(x, axis=0).name != ca.sum(x, axis=1).name
    assert ca.sum(x, axis=0).name != ca.sum(x, axis=0, split_every=2).name
    assert ca.var(x, ddof=0).name != ca.var(x, ddof=1).name
    assert ca.sum(x, axis=0).name != ca.prod(x, axis=0).name
    assert ca.argmin(x).name != ca.nanargmin(x).name
    assert ca.min(x).name != ca.nanmin(x).name


def test_results_compose_with_elementwise(executor):
    a = np.arange(20.0).reshape(4, 5)
    x = ca.from_array(a, chunks=(3, 2))
    assert_eq(((x - x.mean(axis=0)) / x.std(axis=0)).sum(axis=0).compute(),
              ((a - a.mean(axis=0)) / a.std(axis=0)).sum(axis=0))
    s, m = ca.compute(x.sum(), x.max(axis=1))
    assert_eq(s, a.sum())
    assert_eq(m, a.max(axis=1))


def test_extrema_skip_empty_blocks_left_by_a_mask(executor):
    a = np.arange(20.0)
    x = ca.from_array(a, chunks=4)
    for func in (ca.max, ca.min, ca.nanmax, ca.nanmin):
        np_func = getattr(np, func.__name__)
        assert func(x[x > 13]).compute() == np_func(a[a > 13])


def test_arg_reductions_need_known_block_sizes():
    x = ca.from_array(np.arange(20.0), chunks=4)
    masked = x[x > 13]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        masked.argmax()
    assert masked.compute_chunk_sizes().argmax().compute() == 5


@pytest.mark.parametrize("name", ["sum", "prod", "min", "max", "any", "all", "mean"])
def test_out_none_is_accepted_and_an_out_array_refused(name):
    # xarray's duck_array_ops pass NumPy's out=None through to the array's namespace.
    a = np.arange(1.0, 7.0).reshape(2, 3)
    x = ca.from_array(a, chunks=1)
    func = getattr(ca, name)
    np.testing.assert_allclose(func(x, axis=0, out=None).compute(), getattr(np, name)(a, axis=0))
    with pytest.raises(TypeError, match=rf"{name}: out=ndarray is not supported"):
        func(x, axis=0, out=np.empty(3))
