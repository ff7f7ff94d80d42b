"""Tests of chunkarray.interop.array_api: chunkarray as the array API standard's namespace.

The reference is array_api_strict (the standard's semantics) where the standard speaks, NumPy
where chunkarray follows NumPy; random shapes, chunkings and dtypes from tests.strategies.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import array_api_strict as xps
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import ALL_DTYPES, INTEGER_DTYPES, arrays, assert_eq, chunkings, values

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

STRICT_ONLY = {"set_array_api_strict_flags", "get_array_api_strict_flags",
               "reset_array_api_strict_flags", "ArrayAPIStrictFlags", "Device"}


def strict(a: np.ndarray) -> Any:
    return xps.asarray(a)


def from_strict(r: Any) -> np.ndarray:
    return np.asarray(r)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """NumPy's warnings for invalid values (log of -1), which the results show as NaN."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


# --- the namespace ---------------------------------------------------------------------------

def test_namespace_has_every_name_of_the_standard():
    missing = [n for n in xps.__all__ if n not in STRICT_ONLY and not hasattr(ca, n)]
    assert missing == []
    for sub in ("linalg", "fft"):
        names = getattr(xps, sub).__all__
        assert [n for n in names if not hasattr(getattr(ca, sub), n)] == []


def test_version_constants_and_dtypes():
    assert ca.__array_api_version__ == "2024.12"
    assert (ca.e, ca.pi, ca.newaxis) == (np.e, np.pi, None)
    assert ca.inf == np.inf and np.isnan(ca.nan)
    for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "float32", "float64", "complex64", "complex128"):
        dtype = getattr(ca, name)
        assert ca.ones(2, dtype=dtype, chunks=1).dtype == dtype
        assert np.dtype(dtype) == np.dtype(getattr(xps, name)._np_dtype)
    assert ca.asarray([True]).dtype == ca.bool


def test_array_namespace_and_versions():
    x = ca.ones(3, chunks=2)
    assert x.__array_namespace__() is ca
    for version in ca.SUPPORTED_VERSIONS:
        assert x.__array_namespace__(api_version=version) is ca
    with pytest.raises(ValueError, match=r"api_version='2099\.01'.*2024\.12"):
        x.__array_namespace__(api_version="2099.01")


# --- elementwise functions, from one table: every one the standard names ---------------------

UNARY = ["abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "bitwise_invert", "ceil",
         "conj", "cos", "cosh", "exp", "expm1", "floor", "imag", "isfinite", "isinf", "isnan",
         "log", "log1p", "log2", "log10", "logical_not", "negative", "positive", "real",
         "reciprocal", "round", "sign", "signbit", "sin", "sinh", "square", "sqrt", "tan", "tanh",
         "trunc"]
BINARY = ["add", "atan2", "bitwise_and", "bitwise_left_shift", "bitwise_or",
          "bitwise_right_shift", "bitwise_xor", "copysign", "divide", "equal", "floor_divide",
          "greater", "greater_equal", "hypot", "less", "less_equal", "logaddexp", "logical_and",
          "logical_or", "logical_xor", "maximum", "minimum", "multiply", "nextafter",
          "not_equal", "pow", "remainder", "subtract"]


def _allowed(name: str, nargs: int) -> list[Any]:
    """The dtypes the standard lets ``name`` take (array_api_strict refuses the others)."""
    ok = []
    for dtype in ALL_DTYPES:
        try:
            with quiet():  # atanh(1) is infinite: only the dtype check matters here
                getattr(xps, name)(*[xps.ones(1, dtype=getattr(xps, np.dtype(dtype).name))] * nargs)
        except TypeError:
            continue
        ok.append(dtype)
    return ok


def _safe_values(name: str, a: np.ndarray) -> np.ndarray:
    # Integer powers with negative exponents and shifts by more than the width are errors or
    # undefined in NumPy and the standard alike: keep exponents and shifts small and positive.
    if a.dtype.kind in "iu" and name in ("pow", "bitwise_left_shift", "bitwise_right_shift"):
        return np.abs(a % 5).astype(a.dtype)
    return a


def test_elementwise_names_cover_the_standard():
    import array_api_strict._elementwise_functions as elementwise

    standard = {n for n in xps.__all__ if getattr(elementwise, n, None) is getattr(xps, n)}
    assert standard - {"newaxis", "asarray", "broadcast_to", "iinfo", "clip"} == set(UNARY + BINARY)


@pytest.mark.parametrize("name", UNARY)
@fixture_ok
@given(data=st.data())
def test_unary_elementwise_as_the_standard(executor, name, data):
    dtype = data.draw(st.sampled_from(_allowed(name, 1)))
    a, x = data.draw(arrays([dtype], nan=True))
    with quiet():
        expected = from_strict(getattr(xps, name)(strict(a)))
        result = getattr(ca, name)(x).compute()
    assert_eq(result, expected)


@pytest.mark.parametrize("name", BINARY)
@fixture_ok
@given(data=st.data())
def test_binary_elementwise_as_the_standard(executor, name, data):
    dtype = data.draw(st.sampled_from(_allowed(name, 2)))
    a, x = data.draw(arrays([dtype], nan=True))
    b = _safe_values(name, data.draw(values(dtype, a.shape[1:], nan=True)))
    with quiet():
        expected = from_strict(getattr(xps, name)(strict(a), strict(b)))
        result = getattr(ca, name)(x, ca.asarray(b, chunks=data.draw(chunkings(b.shape))))
        result = result.compute()
    assert_eq(result, expected)


# --- creation: device= and copy= -------------------------------------------------------------

CREATIONS = {
    "arange": ((5,), {}), "empty": ((3,), {}), "eye": ((3, 4), {"k": 1}),
    "full": ((3, 2.5), {}), "linspace": ((0, 1, 5), {}), "ones": ((2,), {}),
    "zeros": (((2, 3),), {}),
}


@pytest.mark.parametrize("name", sorted(CREATIONS))
def test_creation_takes_device(executor, name):
    args, kwargs = CREATIONS[name]
    for device in (None, ca.CPU_DEVICE, "cpu", ca.ones(1).device):
        x = getattr(ca, name)(*args, device=device, **kwargs)
        expected = getattr(xps, name)(*args, **kwargs)
        assert x.dtype == np.dtype(expected.dtype._np_dtype) and x.shape == expected.shape
        assert x.device == ca.CPU_DEVICE
        if name != "empty":
            assert_eq(x.compute(), from_strict(expected))
    with pytest.raises(ValueError, match="device='cuda:0'.*CPU only"):
        getattr(ca, name)(*args, device="cuda:0", **kwargs)


@pytest.mark.parametrize("name", ["empty_like", "ones_like", "zeros_like", "full_like"])
def test_like_functions_take_device_and_unknown_sizes(executor, name):
    a = np.array([3, 1, 3, 2, 2, 2])
    x = ca.from_array(a, chunks=4)
    args = (7,) if name == "full_like" else ()
    for like in (x, ca.unique_values(x)):
        out = getattr(ca, name)(like, *args, dtype=ca.float32, device="cpu")
        assert out.dtype == np.float32
        computed = out.compute()
        expected = getattr(np, name)(np.asarray(like), *args, dtype=np.float32)
        assert computed.shape == expected.shape
        if name != "empty_like":
            assert_eq(computed, expected)
    with pytest.raises(ValueError, match="device=3"):
        getattr(ca, name)(x, *args, device=3)


def test_asarray_copy_semantics(executor):
    a = np.arange(4)
    snapshot = ca.asarray(a, copy=True)
    shared = ca.asarray(a, copy=None)
    a[0] = 100
    assert snapshot.compute()[0] == 0
    assert ca.asarray(a, copy=False).compute()[0] == 100
    assert shared.dtype == a.dtype
    with pytest.raises(ValueError, match="copy=False"):
        ca.asarray([1, 2, 3], copy=False)
    with pytest.raises(ValueError, match="copy=False: converting int64 to float32"):
        ca.asarray(a, dtype=ca.float32, copy=False)
    x = ca.asarray(a, chunks=2)
    assert ca.asarray(x, copy=False) is x
    with pytest.raises(ValueError, match="copy=False"):
        ca.asarray(x, dtype=ca.int8, copy=False)
    with pytest.raises(ValueError, match="copy='yes'"):
        ca.asarray(a, copy="yes")
    with pytest.raises(ValueError, match="device='gpu'"):
        ca.asarray(a, device="gpu")


@pytest.mark.parametrize("obj", [1, 2.5, 1j, True, [1, 2], [[1.5], [2.0]], [], np.float32(3)])
def test_asarray_dtypes_as_the_standard(obj):
    assert_eq(ca.asarray(obj).compute(), from_strict(xps.asarray(obj)))


def test_astype_and_from_dlpack(executor):
    x = ca.asarray(np.arange(5), chunks=2)
    assert_eq(ca.astype(x, ca.float32, copy=True, device="cpu").compute(),
              np.arange(5, dtype=np.float32))
    assert ca.astype(x, x.dtype, copy=False) is x
    with pytest.raises(ValueError, match="device"):
        ca.astype(x, ca.int8, device="tpu")
    assert_eq(ca.from_dlpack(np.arange(3.0)).compute(), np.arange(3.0))
    assert ca.from_dlpack(x) is x


# --- data type functions ---------------------------------------------------------------------

DTYPE_NAMES = [np.dtype(d).name for d in ALL_DTYPES]


@pytest.mark.parametrize("to", DTYPE_NAMES)
@pytest.mark.parametrize("from_", DTYPE_NAMES)
def test_can_cast_and_result_type(from_, to):
    sf, st_ = getattr(xps, from_), getattr(xps, to)
    try:
        expected = np.dtype(xps.result_type(sf, st_)._np_dtype)
        castable = xps.can_cast(sf, st_)
    except TypeError:  # mixed kinds: the standard leaves them out; chunkarray follows NumPy
        expected = np.result_type(from_, to)
        castable = np.can_cast(from_, to)
    assert ca.can_cast(getattr(ca, from_), getattr(ca, to)) == castable
    assert ca.can_cast(ca.ones(1, dtype=from_), getattr(ca, to)) == castable
    assert ca.result_type(getattr(ca, from_), ca.ones(1, dtype=to)) == expected


def test_result_type_with_python_scalars_and_bad_input():
    assert ca.result_type(ca.int8, 1) == np.int8
    assert ca.result_type(ca.float32, 1.0) == np.float32
    assert ca.result_type(ca.ones(2, dtype=ca.uint8), 1) == np.uint8
    with pytest.raises(ValueError, match="at least one"):
        ca.result_type()


@pytest.mark.parametrize("kind", ["bool", "signed integer", "unsigned integer", "integral",
                                  "real floating", "complex floating", "numeric"])
@pytest.mark.parametrize("dtype", DTYPE_NAMES)
def test_isdtype(dtype, kind):
    assert ca.isdtype(getattr(ca, dtype), kind) == xps.isdtype(getattr(xps, dtype), kind)
    assert ca.isdtype(getattr(ca, dtype), (kind, ca.float64)) == xps.isdtype(
        getattr(xps, dtype), (kind, xps.float64))


def test_finfo_iinfo():
    for name in ("float32", "float64", "complex64", "complex128"):
        f, g = ca.finfo(getattr(ca, name)), xps.finfo(getattr(xps, name))
        assert (f.bits, f.eps, f.max, f.min, f.smallest_normal) == (
            g.bits, g.eps, g.max, g.min, g.smallest_normal)
    assert ca.finfo(ca.ones(2, dtype=ca.float32)).bits == 32
    for dtype in INTEGER_DTYPES:
        name = np.dtype(dtype).name
        i, j = ca.iinfo(getattr(ca, name)), xps.iinfo(getattr(xps, name))
        assert (i.bits, i.max, i.min) == (j.bits, j.max, j.min)
    with pytest.raises(ValueError):
        ca.iinfo(ca.float32)


# --- reductions and scans: the standard's dtypes, correction= --------------------------------

@pytest.mark.parametrize("name", ["sum", "prod", "cumulative_sum", "cumulative_prod", "max",
                                  "min", "mean", "std", "var", "all", "any"])
@fixture_ok
@given(data=st.data())
def test_reductions_as_the_standard(executor, name, data):
    dtype = data.draw(st.sampled_from(_allowed(name, 1)))
    # The standard's cumulative functions need an axis: 0-d arrays have none.
    a, x = data.draw(arrays([dtype], max_side=5, min_dims=int(name.startswith("cumulative"))))
    kwargs: dict[str, Any] = {}
    if name.startswith("cumulative"):
        if a.ndim > 1:
            kwargs["axis"] = data.draw(st.integers(0, a.ndim - 1))
        kwargs["include_initial"] = data.draw(st.booleans())
    elif a.ndim:
        kwargs["axis"] = data.draw(st.none() | st.integers(-a.ndim, a.ndim - 1))
        kwargs["keepdims"] = data.draw(st.booleans())
    if name in ("std", "var"):
        kwargs["correction"] = data.draw(st.sampled_from([0, 1, 0.5]))
    if name in ("max", "min") and a.size == 0:
        return  # the standard leaves empty max/min unspecified; NumPy raises
    with quiet():
        expected = from_strict(getattr(xps, name)(strict(a), **kwargs))
        result = getattr(ca, name)(x, **kwargs).compute()
    if name in ("mean", "std", "var") and a.size:
        # Blockwise moments round differently from NumPy's two passes: equal up to rounding
        # relative to the data's magnitude (std of equal values may be 1e-13, not 0).
        scale = float(np.max(np.abs(a))) or 1.0
        result = np.asarray(result)
        assert result.dtype == expected.dtype and result.shape == expected.shape
        eps = np.finfo(expected.dtype).eps
        tol = scale * (scale if name == "var" else 1.0) * eps * 2**10
        np.testing.assert_allclose(result, expected, rtol=eps * 2**8,
                                   atol=tol if name != "std" else np.sqrt(tol * scale),
                                   equal_nan=True)
    else:
        assert_eq(result, expected)


def test_correction_and_ddof(executor):
    a = np.arange(10.0)
    x = ca.asarray(a, chunks=3)
    assert_eq(ca.var(x, correction=1).compute(), np.var(a, ddof=1))
    assert_eq(ca.std(x, ddof=2).compute(), np.std(a, ddof=2))
    assert_eq(np.std(x, correction=1).compute(), np.std(a, correction=1))
    assert_eq(ca.nanvar(x, correction=1).compute(), np.nanvar(a, ddof=1))
    with pytest.raises(ValueError, match="ddof=1 and correction=1"):
        ca.std(x, ddof=1, correction=1)


# --- sorting: stable=, descending= -----------------------------------------------------------

SORTABLE = [d for d in ALL_DTYPES if np.dtype(d).kind in "iuf"]


@fixture_ok
@given(data=st.data())
def test_sort_and_argsort_as_the_standard(executor, data):
    a, x = data.draw(arrays(SORTABLE, min_dims=1, nan=True))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    descending = data.draw(st.booleans())
    # Few distinct values: ties decide whether the order is stable.
    a = (a % 3).astype(a.dtype) if a.dtype.kind in "iu" else a
    x = ca.asarray(a, chunks=x.chunks)
    for name in ("sort", "argsort"):
        with quiet():
            expected = from_strict(getattr(xps, name)(strict(a), axis=axis,
                                                      descending=descending, stable=True))
        result = getattr(ca, name)(x, axis=axis, descending=descending).compute()
        assert_eq(result, expected, exact=True)


def test_sort_keeps_numpy_options_and_refuses_bad_ones():
    x = ca.asarray(np.array([[3, 1], [2, 2]]), chunks=1)
    assert_eq(ca.sort(x, axis=None, descending=True).compute(), np.array([3, 2, 2, 1]))
    assert_eq(ca.argsort(x, kind="mergesort").compute(), np.argsort(np.asarray(x), kind="stable"))
    assert_eq(np.sort(x, axis=0).compute(), np.sort(np.asarray(x), axis=0))
    with pytest.raises(ValueError, match="kind"):
        ca.sort(x, kind="bogus")
    with pytest.raises(np.exceptions.AxisError, match="axis=2"):
        ca.sort(x, axis=2, descending=True)


# --- manipulation and indexing functions -----------------------------------------------------

@fixture_ok
@given(data=st.data())
def test_take(executor, data):
    a, x = data.draw(arrays(min_dims=1, max_dims=3, min_side=1))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    n = a.shape[axis]
    idx = np.array(data.draw(st.lists(st.integers(-n, n - 1), max_size=6)), dtype=np.int64)
    expected = np.take(a, idx, axis=axis)
    assert_eq(ca.take(x, idx, axis=axis).compute(), expected)
    chunked = ca.asarray(idx, chunks=data.draw(chunkings(idx.shape)))
    assert_eq(ca.take(x, chunked, axis=axis).compute(), expected)
    assert_eq(np.take(x, idx, axis=axis).compute(), expected)
    with quiet():
        assert_eq(from_strict(xps.take(strict(a), strict(idx), axis=axis)), expected)


def test_take_options_and_bad_input(executor):
    a = np.arange(12).reshape(3, 4)
    x = ca.asarray(a, chunks=2)
    assert_eq(ca.take(x, [0, 11]).compute(), np.take(a, [0, 11]))
    assert_eq(ca.take(x, 5, axis=1, mode="wrap").compute(), np.take(a, 5, axis=1, mode="wrap"))
    assert_eq(ca.take(x, [[9, -9]], axis=0, mode="clip").compute(),
              np.take(a, [[9, -9]], axis=0, mode="clip"))
    with pytest.raises(IndexError, match="out of bounds"):
        ca.take(x, [3], axis=0)
    with pytest.raises(IndexError, match="integers"):
        ca.take(x, [0.5], axis=0)
    with pytest.raises(ValueError, match="mode='bad'"):
        ca.take(x, [0], axis=0, mode="bad")
    with pytest.raises(np.exceptions.AxisError, match="axis=2"):
        ca.take(x, [0], axis=2)


@fixture_ok
@given(data=st.data())
def test_take_along_axis(executor, data):
    a, x = data.draw(arrays(min_dims=1, max_dims=3, min_side=1))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    n = a.shape[axis]
    shape = list(a.shape)
    shape[axis] = data.draw(st.integers(0, 5))
    if data.draw(st.booleans()):  # broadcast the other axes from length one
        shape = [1 if d != axis % a.ndim else s for d, s in enumerate(shape)]
    idx = data.draw(values(np.int64, tuple(shape)).map(lambda i: i % n))
    expected = np.take_along_axis(a, idx, axis=axis)
    assert_eq(ca.take_along_axis(x, idx, axis=axis).compute(), expected)
    chunked = ca.asarray(idx, chunks=data.draw(chunkings(idx.shape)))
    assert_eq(ca.take_along_axis(x, chunked, axis=axis).compute(), expected)
    assert_eq(np.take_along_axis(x, idx, axis=axis).compute(), expected)


def test_take_along_axis_bad_input():
    x = ca.ones((3, 4), chunks=2)
    with pytest.raises(ValueError, match="same number of dimensions"):
        ca.take_along_axis(x, np.zeros(3, dtype=int), axis=0)
    with pytest.raises(ValueError, match="do not broadcast"):
        ca.take_along_axis(x, np.zeros((2, 2), dtype=int), axis=0)
    with pytest.raises(IndexError, match="integers"):
        ca.take_along_axis(x, np.zeros((3, 4)), axis=0)
    assert_eq(ca.take_along_axis(ca.asarray([3, 1, 2]), np.array([1, 2]), axis=None).compute(),
              np.array([1, 2]))


@fixture_ok
@given(data=st.data())
def test_concat_unstack_expand_dims(executor, data):
    a, x = data.draw(arrays(min_dims=1))
    b = data.draw(values(a.dtype, a.shape))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    y = ca.asarray(b, chunks=data.draw(chunkings(b.shape)))
    assert_eq(ca.concat([x, y], axis=axis).compute(), np.concatenate([a, b], axis=axis))
    assert_eq(ca.concat((x, y), axis=None).compute(), np.concatenate([a, b], axis=None))
    pieces = ca.unstack(x, axis=axis)
    assert isinstance(pieces, tuple)
    expected = np.unstack(a, axis=axis)
    assert len(pieces) == len(expected)
    for piece, e in zip(pieces, expected):
        assert_eq(piece.compute(), e)
    assert_eq(ca.expand_dims(x).compute(), np.expand_dims(a, 0))
    assert_eq(ca.expand_dims(x, axis=-1).compute(), np.expand_dims(a, -1))


@fixture_ok
@given(data=st.data())
def test_repeat_with_array_repeats(executor, data):
    a, x = data.draw(arrays(min_dims=1, max_dims=3))
    axis = data.draw(st.none() | st.integers(-a.ndim, a.ndim - 1))
    n = a.size if axis is None else a.shape[axis]
    counts = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)),
                      dtype=np.int64)
    expected = np.repeat(a, counts, axis=axis)
    chunked = ca.asarray(counts, chunks=data.draw(chunkings(counts.shape)))
    result = ca.repeat(x, chunked, axis=axis)
    assert_eq(result.compute(), expected)
    assert_eq(ca.repeat(x, counts, axis=axis).compute(), expected)
    with quiet():
        assert_eq(from_strict(xps.repeat(strict(a), strict(counts), axis=axis)), expected)
    assert_eq(ca.repeat(x, ca.asarray(2), axis=axis).compute(), np.repeat(a, 2, axis=axis))


def test_repeat_bad_chunked_repeats():
    x = ca.ones((2, 3), chunks=1)
    with pytest.raises(ValueError, match="2 counts for axis 1 of length 3"):
        ca.repeat(x, ca.asarray([1, 2]), axis=1)
    with pytest.raises(TypeError, match="Cannot cast"):
        ca.repeat(x, ca.asarray([1.0, 2.0, 3.0]), axis=1)
    with pytest.raises(TypeError, match="Cannot cast"):
        ca.repeat(x, ca.asarray(np.array([1, 2, 3], dtype=np.uint64)), axis=1)
    with pytest.raises(ValueError, match="2-d"):
        ca.repeat(x, ca.ones((1, 3), dtype=int), axis=1)


def test_unstack_bad_input():
    with pytest.raises(ValueError, match="0-d"):
        ca.unstack(ca.asarray(1.0))
    with pytest.raises(np.exceptions.AxisError, match="axis=3"):
        ca.unstack(ca.ones((2, 2)), axis=3)
    with pytest.raises(ValueError, match="unknown"):
        ca.unstack(ca.unique_values(ca.asarray([1, 1, 2], chunks=2)))


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("sizes", [(), (3,), (3, 2), (2, 0, 4)])
def test_meshgrid(executor, sizes, indexing, sparse):
    vectors = [np.arange(n) * (i + 1) for i, n in enumerate(sizes)]
    chunked = [ca.asarray(v, chunks=2) for v in vectors]
    expected = np.meshgrid(*vectors, indexing=indexing, sparse=sparse)
    result = ca.meshgrid(*chunked, indexing=indexing, sparse=sparse)
    assert isinstance(result, list) and len(result) == len(expected)
    for r, e in zip(result, expected):
        assert_eq(r.compute(), e)
    dispatched = np.meshgrid(*chunked, indexing=indexing, sparse=sparse) if sizes else ()
    assert isinstance(dispatched, tuple)
    for r, e in zip(dispatched, expected):
        assert_eq(r.compute(), e)
    with pytest.raises(ValueError, match="indexing='ji'"):
        ca.meshgrid(*chunked, indexing="ji")


def test_broadcast_shapes_clip_round_real_imag_diff(executor):
    assert ca.broadcast_shapes((3, 1), (1, 4), ()) == (3, 4)
    with pytest.raises(ValueError):
        ca.broadcast_shapes((3,), (4,))
    x = ca.asarray(np.array([1, 5, 9], dtype=np.int8), chunks=2)
    lo = ca.asarray(np.array([2, 6, 0], dtype=np.int16), chunks=1)
    assert_eq(ca.clip(x, lo, 7).compute(), np.array([2, 6, 7], dtype=np.int8))
    assert_eq(ca.clip(x).compute(), np.asarray(x))
    assert_eq(np.clip(x, lo, 7).compute(), np.clip(np.asarray(x), np.asarray(lo), 7))
    z = np.array([1.5 + 2.5j, -0.5 - 3.5j])
    assert_eq(ca.round(ca.asarray(z)).compute(), np.round(z))
    assert_eq(ca.real(ca.asarray(z)).compute(), z.real)
    assert_eq(ca.imag(ca.asarray(z)).compute(), z.imag)
    assert_eq(ca.round(ca.asarray([1.234]), decimals=1).compute(), np.array([1.2]))
    assert_eq(ca.diff(x, prepend=None, append=None).compute(), np.diff(np.asarray(x)))
    assert_eq(ca.diff(x, n=2, axis=0, append=ca.asarray(np.array([0], dtype=np.int8))).compute(),
              np.diff(np.asarray(x), n=2, append=np.array([0], dtype=np.int8)))
    assert_eq(ca.vecdot(ca.asarray(z), ca.asarray(z)).compute(), np.vecdot(z, z))
    assert ca.matrix_transpose(ca.ones((2, 3, 4))).shape == (2, 4, 3)


# --- a table of calls written against the standard: array_api_strict's answer is the oracle -----

F3 = np.arange(24.0).reshape(2, 3, 4) - 7
N2 = np.array([[3, 1, 3], [0, 2, 2]])
BOOL = np.array([True, False, True])
M3 = np.arange(9.0).reshape(3, 3) + np.eye(3) * 5
V4 = np.array([0.0, 2.0, 2.0, 5.0])
# Calls written against the standard, run on array_api_strict and on chunkarray.
CASES = [
    ("stack", lambda xp, c: xp.stack([c(F3), c(F3)], axis=1)),
    ("flip", lambda xp, c: xp.flip(c(F3), axis=(0, 2))),
    ("flip0", lambda xp, c: xp.flip(c(F3))),
    ("roll", lambda xp, c: xp.roll(c(F3), 2, axis=-1)),
    ("roll2", lambda xp, c: xp.roll(c(F3), (1, -1), axis=(0, 1))),
    ("rollflat", lambda xp, c: xp.roll(c(F3), 5)),
    ("tile", lambda xp, c: xp.tile(c(N2), (2, 1, 2))),
    ("repeat", lambda xp, c: xp.repeat(c(N2), 2, axis=1)),
    ("repeat_arr", lambda xp, c: xp.repeat(c(V4), c(np.array([1, 0, 2, 1])))),
    ("repeat_flat", lambda xp, c: xp.repeat(c(N2), 2)),
    ("squeeze", lambda xp, c: xp.squeeze(c(F3[:1]), axis=0)),
    ("moveaxis", lambda xp, c: xp.moveaxis(c(F3), (0, 1), (2, 0))),
    ("permute_dims", lambda xp, c: xp.permute_dims(c(F3), (2, 0, 1))),
    ("broadcast_to", lambda xp, c: xp.broadcast_to(c(V4), (2, 4))),
    ("broadcast_arrays", lambda xp, c: xp.broadcast_arrays(c(V4), c(V4[:, None]))[1]),
    ("reshape", lambda xp, c: xp.reshape(c(F3), (4, -1), copy=None)),
    ("where", lambda xp, c: xp.where(c(F3) > 0, c(F3), 0.0)),
    ("searchsorted", lambda xp, c: xp.searchsorted(c(V4), c(np.array([2.0, 3.0])), side="right")),
    ("nonzero", lambda xp, c: xp.nonzero(c(N2))[1]),
    ("count_nonzero", lambda xp, c: xp.count_nonzero(c(N2), axis=1, keepdims=True)),
    ("unique_values", lambda xp, c: xp.unique_values(c(N2))),
    ("unique_counts", lambda xp, c: xp.unique_counts(c(N2)).counts),
    ("unique_inverse", lambda xp, c: xp.unique_inverse(c(N2)).inverse_indices),
    ("unique_all", lambda xp, c: xp.unique_all(c(N2)).indices),
    ("tril", lambda xp, c: xp.tril(c(M3), k=-1)),
    ("triu", lambda xp, c: xp.triu(c(M3), k=1)),
    ("matmul", lambda xp, c: xp.matmul(c(F3), c(F3).mT)),
    ("tensordot", lambda xp, c: xp.tensordot(c(F3), c(F3), axes=([1, 2], [1, 2]))),
    ("argmax", lambda xp, c: xp.argmax(c(F3), axis=1, keepdims=True)),
    ("argmin", lambda xp, c: xp.argmin(c(F3))),
    ("cumsum", lambda xp, c: xp.cumulative_sum(c(N2), axis=1, include_initial=True)),
    ("cumprod", lambda xp, c: xp.cumulative_prod(c(V4), include_initial=True)),
    ("diff", lambda xp, c: xp.diff(c(N2), axis=0, n=1)),
    ("diff2", lambda xp, c: xp.diff(c(V4), prepend=c(np.array([9.0])))),
    ("clip", lambda xp, c: xp.clip(c(F3), min=-2.0, max=c(np.full(4, 3.0)))),
    ("linspace", lambda xp, c: xp.linspace(0, 1, 5, endpoint=False)),
    ("arange", lambda xp, c: xp.arange(1, 10, 3, dtype=xp.float32)),
    ("eye", lambda xp, c: xp.eye(3, 4, k=-1, dtype=xp.int32)),
    ("full", lambda xp, c: xp.full((2,), True)),
    ("meshgrid", lambda xp, c: xp.meshgrid(c(V4), c(V4[:2]), indexing="ij")[0]),
    ("expand_dims", lambda xp, c: xp.expand_dims(c(V4), axis=-1)),
    ("concat", lambda xp, c: xp.concat([c(V4), c(V4)], axis=0)),
    ("concatNone", lambda xp, c: xp.concat([c(F3), c(F3)], axis=None)),
    ("astype", lambda xp, c: xp.astype(c(V4), xp.int16)),
    ("take", lambda xp, c: xp.take(c(F3), c(np.array([2, 0])), axis=1)),
    ("take_along", lambda xp, c: xp.take_along_axis(
     c(F3), c(np.zeros((2, 3, 1), dtype=np.int64)), axis=-1)),
    ("max", lambda xp, c: xp.max(c(F3), axis=(0, 2))),
    ("all", lambda xp, c: xp.all(c(BOOL))),
    ("any", lambda xp, c: xp.any(c(N2) > 2, axis=0)),
    ("mean", lambda xp, c: xp.mean(c(F3), axis=-1)),
    ("var", lambda xp, c: xp.var(c(F3), axis=(0, 1), correction=1)),
    ("prod", lambda xp, c: xp.prod(c(N2), dtype=xp.float32)),
    ("sum_int8", lambda xp, c: xp.sum(xp.astype(c(N2), xp.int8))),
    ("sum_u16", lambda xp, c: xp.sum(xp.astype(c(N2), xp.uint16))),
    ("sum_f32", lambda xp, c: xp.sum(xp.astype(c(F3), xp.float32))),
    ("unstack", lambda xp, c: xp.unstack(c(F3), axis=2)[1]),
    ("pow_scalar", lambda xp, c: xp.pow(c(V4), 2)),
    ("scalar_ops", lambda xp, c: 2 ** c(V4) - 1.5 * c(V4)),
    ("matrix_transpose", lambda xp, c: xp.matrix_transpose(c(F3))),
    ("sort_desc", lambda xp, c: xp.sort(c(F3), axis=0, descending=True)),
    ("argsort_desc", lambda xp, c: xp.argsort(c(N2), axis=-1, descending=True)),
    ("logaddexp", lambda xp, c: xp.logaddexp(c(V4), 1.0)),
    ("hypot", lambda xp, c: xp.hypot(c(V4), c(V4))),
    ("empty_like", lambda xp, c: xp.empty_like(c(V4)).shape),
    ("zeros_like", lambda xp, c: xp.zeros_like(c(N2), dtype=xp.float32)),
    ("full_like", lambda xp, c: xp.full_like(c(N2), 7)),
    ("linalg.solve", lambda xp, c: xp.linalg.solve(c(M3), c(V4[:3]))),
    ("linalg.inv", lambda xp, c: xp.linalg.inv(c(M3))),
    ("linalg.det", lambda xp, c: xp.linalg.det(c(M3))),
    ("linalg.cholesky", lambda xp, c: xp.linalg.cholesky(c(M3 @ M3.T), upper=True)),
    ("linalg.qr", lambda xp, c: xp.abs(xp.linalg.qr(c(M3)).R)),
    ("linalg.svdvals", lambda xp, c: xp.linalg.svdvals(c(M3))),
    ("linalg.eigvalsh", lambda xp, c: xp.linalg.eigvalsh(c(M3 + M3.T))),
    ("linalg.matrix_norm", lambda xp, c: xp.linalg.matrix_norm(c(M3), ord="fro")),
    ("linalg.vector_norm", lambda xp, c: xp.linalg.vector_norm(c(F3), axis=(0, 1), ord=1)),
    ("linalg.cross", lambda xp, c: xp.linalg.cross(c(M3), c(M3[::-1]))),
    ("linalg.outer", lambda xp, c: xp.linalg.outer(c(V4), c(V4))),
    ("linalg.trace", lambda xp, c: xp.linalg.trace(c(M3), offset=1)),
    ("linalg.diagonal", lambda xp, c: xp.linalg.diagonal(c(F3), offset=-1)),
    ("linalg.matrix_rank", lambda xp, c: xp.linalg.matrix_rank(c(M3))),
    ("linalg.pinv", lambda xp, c: xp.linalg.pinv(c(M3))),
    ("linalg.matrix_power", lambda xp, c: xp.linalg.matrix_power(c(M3), 3)),
    ("linalg.slogdet", lambda xp, c: xp.linalg.slogdet(c(M3)).logabsdet),
    ("linalg.tensordot", lambda xp, c: xp.linalg.tensordot(c(M3), c(M3), axes=1)),
    ("linalg.vecdot", lambda xp, c: xp.linalg.vecdot(c(M3), c(M3))),
    ("linalg.matmul", lambda xp, c: xp.linalg.matmul(c(M3), c(M3))),
    ("linalg.matrix_transpose", lambda xp, c: xp.linalg.matrix_transpose(c(M3))),
    ("fft.rfftn", lambda xp, c: xp.fft.rfftn(c(F3), axes=(1, 2))),
    ("fft.irfft", lambda xp, c: xp.fft.irfft(xp.astype(c(V4), xp.complex128), n=6)),
    ("fft.fftshift", lambda xp, c: xp.fft.fftshift(c(F3), axes=(0,))),
    ("fft.fftfreq", lambda xp, c: xp.fft.fftfreq(5, d=0.5, dtype=xp.float32)),
    ("fft.hfft", lambda xp, c: xp.fft.hfft(xp.astype(c(V4), xp.complex64))),
]


@pytest.mark.parametrize("name", [case[0] for case in CASES])
def test_standard_calls_as_array_api_strict(executor, name):
    call = dict(CASES)[name]
    with quiet():
        expected = call(xps, xps.asarray)
        result = call(ca, lambda a: ca.asarray(a, chunks=2))
    if isinstance(expected, tuple):
        assert result == expected
    else:
        assert_eq(np.asarray(result), from_strict(expected), exact=False
                  if from_strict(expected).dtype.kind in "fc" else True)


# --- the array object ------------------------------------------------------------------------

def test_array_device_to_device_mT(executor):
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ca.asarray(a, chunks=2)
    assert x.device == ca.CPU_DEVICE and repr(x.device) == "CPU_DEVICE"
    assert x.to_device("cpu") is x and x.to_device(ca.CPU_DEVICE) is x
    with pytest.raises(ValueError, match="device='gpu'"):
        x.to_device("gpu")
    with pytest.raises(ValueError, match="stream"):
        x.to_device("cpu", stream=1)
    assert_eq(x.mT.compute(), np.swapaxes(a, -1, -2))
    with pytest.raises(ValueError):
        _ = ca.ones(3).mT


def test_dlpack_and_scalar_conversions(executor):
    a = np.arange(6.0).reshape(2, 3)
    x = ca.asarray(a, chunks=(1, 2)) + 1
    assert x.__dlpack_device__() == (1, 0)
    assert_eq(np.from_dlpack(x), a + 1)
    with pytest.raises(BufferError, match="stream"):
        x.__dlpack__(stream=1)
    assert complex(ca.asarray(2.5)) == 2.5 + 0j
    assert [10, 20, 30][ca.asarray(1)] == 20
    with pytest.raises(TypeError):
        [1, 2][ca.asarray(1.0)]


def test_iter_is_lazy_over_the_first_axis(executor):
    a = np.arange(12).reshape(4, 3)
    x = ca.asarray(a, chunks=2)
    rows = list(x)
    assert len(rows) == 4 and all(isinstance(r, ca.ChunkedArray) for r in rows)
    for r, e in zip(rows, a):
        assert_eq(r.compute(), e)
    assert list(ca.ones((0, 2))) == []
    with pytest.raises(TypeError, match="0-d"):
        iter(ca.asarray(1.0))
    with pytest.raises(TypeError, match="unknown size"):
        iter(ca.unique_values(x))


def test_imatmul(executor):
    a = np.arange(4.0).reshape(2, 2)
    x = ca.asarray(a, chunks=1)
    x @= ca.asarray(a)
    assert_eq(x.compute(), a @ a)
    y = ca.asarray(np.eye(2, dtype=np.int32))
    with pytest.raises(TypeError, match="same_kind"):
        y @= ca.asarray(a)
    with pytest.raises(ValueError, match="shape"):
        x @= ca.ones((2, 3))
