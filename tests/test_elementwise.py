"""Elementwise operations against NumPy: operators, every ufunc, broadcasting, dtypes, helpers.

The operator and ufunc tests iterate the library's own tables (``_methods._BINARY``,
``_COMPARISONS``, ``_UNARY`` and ``chunkarray.UFUNCS``), so a new entry is tested as soon as it
exists. Each check runs NumPy first: where NumPy rejects the operands' dtypes or shapes, chunkarray
must raise the same kind of exception when the expression is built, not when it is computed.
"""

from __future__ import annotations

import operator
import warnings
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca
from chunkarray.ops import methods as _methods
from tests.strategies import (
    ALL_DTYPES,
    COMPLEX_DTYPES,
    FLOAT_DTYPES,
    INTEGER_DTYPES,
    arrays,
    assert_eq,
    chunkings,
    values,
)


def fixture_ok(n: int | None = None) -> settings:
    """Settings for a ``@given`` test taking the executor fixture, with ``n`` examples under the
    "ci" profile (scaled with the profile's own count, so "deep" runs more)."""
    default = settings.default
    checks = [*default.suppress_health_check, HealthCheck.function_scoped_fixture]
    if n is None:
        return settings(suppress_health_check=checks)
    return settings(suppress_health_check=checks,
                    max_examples=max(1, n * default.max_examples // 30))

# --- helpers -------------------------------------------------------------------------------------


def public_type(exc: BaseException) -> type[BaseException]:
    """The builtin exception class NumPy's (sometimes private) exception derives from."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls
    return type(exc)


def numpy_result(func: Any, *args: Any) -> tuple[Any, BaseException | None]:
    """NumPy's answer, or the exception it raises; floating-point warnings silenced."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return func(*args), None
        except Exception as exc:  # noqa: BLE001 - any NumPy error is a valid expectation
            return None, exc


def _dtype_stand_in(a: Any) -> Any:
    # The same shape and dtype with harmless values: what NumPy rejects here, it rejects for the
    # dtypes or shapes, not for the values (a negative integer power, say).
    return np.ones_like(a) if isinstance(a, np.ndarray) else a


def compute_all(result: Any) -> Any:
    """Compute one chunked array or a tuple of them (a multi-output ufunc)."""
    if isinstance(result, tuple):
        return ca.compute(*result)
    return result.compute()


def check_like_numpy(func: Any, np_args: tuple[Any, ...], ca_args: tuple[Any, ...], *,
                     ca_func: Any = None) -> None:
    """``func`` (or ``ca_func``) on the chunked operands behaves like ``func`` on the NumPy ones.

    Results are compared with their dtypes; NumPy's exceptions must be raised at the call when they
    come from dtypes or shapes, and on compute when they come from values.
    """
    expected, error = numpy_result(func, *np_args)
    ca_func = ca_func or func
    if error is not None and numpy_result(func, *map(_dtype_stand_in, np_args))[1] is not None:
        with pytest.raises(public_type(error)):
            ca_func(*ca_args)
        return
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if error is not None:
            # A value NumPy refuses: found on compute, or at the call when it is a literal.
            with pytest.raises(public_type(error)):
                compute_all(ca_func(*ca_args))
            return
        result = ca_func(*ca_args)
        computed = compute_all(result)
    if isinstance(expected, tuple):
        assert isinstance(result, tuple) and len(result) == len(expected)
        for r, c, e in zip(result, computed, expected):
            assert isinstance(r, ca.ChunkedArray)
            assert r.dtype == np.asarray(e).dtype and r.shape == np.shape(e)
            assert_eq(c, e)
    else:
        assert isinstance(result, ca.ChunkedArray), type(result)
        assert result.dtype == np.asarray(expected).dtype and result.shape == np.shape(expected)
        assert_eq(computed, expected)


@st.composite
def chunked(draw: st.DrawFn, a: np.ndarray) -> ca.ChunkedArray:
    """``a`` as a chunked array with a random chunking."""
    return ca.from_array(a, chunks=draw(chunkings(a.shape)))


@st.composite
def operands(draw: st.DrawFn, n: int, dtypes: Any = None, max_dims: int = 3,
             ) -> tuple[list[np.ndarray], list[ca.ChunkedArray]]:
    """``n`` NumPy arrays of mutually broadcastable shapes, each with its own dtype (from
    ``dtypes``, a list or a list per operand), and chunked copies with independent chunkings."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=n, max_dims=max_dims, min_side=0,
                                                    max_side=5)).input_shapes
    np_arrays, ca_arrays = [], []
    for i, shape in enumerate(shapes):
        choices = dtypes[i] if dtypes and isinstance(dtypes[0], list) else (dtypes or ALL_DTYPES)
        a = draw(values(draw(st.sampled_from(choices)), shape))
        np_arrays.append(a)
        ca_arrays.append(draw(chunked(a)))
    return np_arrays, ca_arrays


def _operator(name: str) -> Any:
    return getattr(operator, name, None) or getattr(operator, name + "_")


INT_LIKE = [np.bool_, *INTEGER_DTYPES]
PYTHON_SCALARS = [True, 0, 3, -2, 1000, 2**40, 1.5, -0.25, 1e300, 2j]


# --- Python operators, from the tables the library binds -----------------------------------------

BINARY_OPS = sorted(_methods._BINARY)
COMPARISON_OPS = sorted(_methods._COMPARISONS)
UNARY_OPS = sorted(_methods._UNARY)


def test_operator_tables_are_bound():
    for name in BINARY_OPS:
        for form in (f"__{name}__", f"__r{name}__", f"__i{name}__"):
            assert hasattr(ca.ChunkedArray, form), form
    for name in COMPARISON_OPS + UNARY_OPS + ["divmod", "rdivmod"]:
        assert hasattr(ca.ChunkedArray, f"__{name}__"), name


@pytest.mark.parametrize("name", BINARY_OPS + ["divmod"])
@fixture_ok(12)
@given(data=st.data())
def test_binary_operator(executor, name, data):
    op = divmod if name == "divmod" else _operator(name)
    dtypes = INT_LIKE if name in ("and", "or", "xor", "lshift", "rshift") else ALL_DTYPES
    (a, b), (x, y) = data.draw(operands(2, dtypes))
    check_like_numpy(op, (a, b), (x, y))
    check_like_numpy(op, (a, b), (x, b))  # a NumPy array on the right


@pytest.mark.parametrize("name", BINARY_OPS + ["divmod"])
@fixture_ok(10)
@given(data=st.data())
def test_reflected_operator(executor, name, data):
    """``2 - x``, ``np_array - x`` and ``np.int8(2) - x`` all defer to the chunked array."""
    op = divmod if name == "divmod" else _operator(name)
    (a, b), (x, _) = data.draw(operands(2))
    check_like_numpy(op, (b, a), (b, x))  # ndarray on the left must return a ChunkedArray
    scalar = data.draw(st.sampled_from(PYTHON_SCALARS))
    check_like_numpy(op, (scalar, a), (scalar, x))
    np_scalar = np.dtype(data.draw(st.sampled_from(ALL_DTYPES))).type(2)
    check_like_numpy(op, (np_scalar, a), (np_scalar, x))


def _inplace(name: str) -> Any:
    iop = getattr(operator, f"i{name}", None) or getattr(operator, f"i{name}_")

    def apply(target: Any, other: Any) -> Any:
        if isinstance(target, np.ndarray):
            target = target.copy()
        return iop(target, other)

    return apply


@pytest.mark.parametrize("name", BINARY_OPS)
@fixture_ok(12)
@given(data=st.data())
def test_inplace_operator(executor, name, data):
    """``x op= y`` is a new array with the dtype of ``x`` (same-kind casting, as NumPy)."""
    (a, b), (x, y) = data.draw(operands(2))
    other = data.draw(st.sampled_from([y, "scalar"]))
    if isinstance(other, str):
        b = y = data.draw(st.sampled_from(PYTHON_SCALARS))
    before = x.name
    check_like_numpy(_inplace(name), (a, b), (x, y))
    assert x.name == before  # the original is untouched


def test_inplace_returns_a_new_array_and_keeps_the_dtype(executor):
    a = np.arange(6, dtype=np.int8).reshape(2, 3)
    x = original = ca.from_array(a, chunks=(1, 2))
    x += 1
    assert x is not original and x.dtype == np.int8
    assert_eq(x.compute(), a + 1)
    assert_eq(original.compute(), a)
    x *= np.int64(3)  # a strong int64 result, cast back to int8 as NumPy does
    assert x.dtype == np.int8
    assert_eq(x.compute(), (a + 1) * np.int8(3))


@pytest.mark.parametrize(("dtype", "other", "error"), [
    (np.int64, 1.5, TypeError),  # float64 -> int64 is not same-kind
    (np.int32, np.ones(3, np.float32), TypeError),
    (np.bool_, 1, TypeError),
    (np.float32, 1j, TypeError),
    (np.int8, 1000, OverflowError),
    (np.uint8, -1, OverflowError),
])
def test_inplace_cast_errors_like_numpy(dtype, other, error):
    a = np.arange(3).astype(dtype)
    with pytest.raises(error):
        a += other
    x = ca.from_array(np.arange(3).astype(dtype), chunks=2)
    with pytest.raises(error):
        x += other


def test_inplace_cannot_broadcast_the_target():
    x = ca.ones((3,), chunks=2)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        x += np.ones((2, 3))


@pytest.mark.parametrize("name", COMPARISON_OPS)
@fixture_ok(12)
@given(data=st.data())
def test_comparison_operator(executor, name, data):
    op = _operator(name)
    (a, b), (x, y) = data.draw(operands(2))
    check_like_numpy(op, (a, b), (x, y))
    scalar = data.draw(st.sampled_from(PYTHON_SCALARS))
    check_like_numpy(op, (a, scalar), (x, scalar))
    check_like_numpy(op, (scalar, a), (scalar, x))


@pytest.mark.parametrize("name", UNARY_OPS)
@fixture_ok(12)
@given(data=st.data())
def test_unary_operator(executor, name, data):
    op = _operator(name)
    (a,), (x,) = data.draw(operands(1))
    check_like_numpy(op, (a,), (x,))


def test_operators_on_unknown_objects_return_not_implemented():
    x = ca.ones(3, chunks=2)
    with pytest.raises(TypeError):
        x + object()
    with pytest.raises(TypeError):
        object() - x
    assert x.__add__(object()) is NotImplemented
    assert x.__radd__(object()) is NotImplemented


# --- every ufunc: through __array_ufunc__ and as chunkarray.<name> --------------------------------

_OUR_CHARS = {np.dtype(t).char: np.dtype(t) for t in ALL_DTYPES}
UNIQUE_UFUNCS = sorted({u.__name__: u for u in ca.UFUNCS.values()}.items())


def _loops(ufunc: np.ufunc) -> list[tuple[np.dtype, ...]]:
    """The input dtypes of the ufunc's loops that use only the dtypes we test."""
    loops = []
    for sig in ufunc.types:
        ins = sig.split("->")[0]
        if all(c in _OUR_CHARS for c in ins):
            loops.append(tuple(_OUR_CHARS[c] for c in ins))
    return loops


@st.composite
def ufunc_dtypes(draw: st.DrawFn, ufunc: np.ufunc) -> list[list[Any]]:
    """Per operand, one dtype: mostly one of the ufunc's own loops, sometimes any combination
    (which NumPy may promote, or reject)."""
    loops = _loops(ufunc)
    if loops and draw(st.integers(0, 3)):
        return [[d] for d in draw(st.sampled_from(loops))]
    return [[draw(st.sampled_from(ALL_DTYPES))] for _ in range(ufunc.nin)]


@pytest.mark.parametrize(("name", "ufunc"), UNIQUE_UFUNCS, ids=[n for n, _ in UNIQUE_UFUNCS])
@fixture_ok(6)
@given(data=st.data())
def test_ufunc(executor, name, ufunc, data):
    dtypes = data.draw(ufunc_dtypes(ufunc))
    np_args, ca_args = data.draw(operands(ufunc.nin, dtypes))
    entry = data.draw(st.sampled_from(["numpy", "chunkarray"]))
    func = ufunc if entry == "numpy" else getattr(ca, name)
    # Mix in NumPy operands: an array in place of one chunked operand, or a Python scalar.
    if ufunc.nin > 1:
        i = data.draw(st.integers(0, ufunc.nin - 1))
        mix = data.draw(st.sampled_from(["chunked", "ndarray", "scalar"]))
        if mix == "ndarray":
            ca_args[i] = np_args[i]
        elif mix == "scalar":
            np_args[i] = ca_args[i] = data.draw(st.sampled_from(PYTHON_SCALARS))
    assume(any(isinstance(a, ca.ChunkedArray) for a in ca_args) or entry == "chunkarray")
    # Sometimes the ufunc's own dtype= (the loop's output dtype, checked with casting=).
    opts = data.draw(st.sampled_from([{}, {}, {"dtype": data.draw(st.sampled_from(ALL_DTYPES))}]))
    check_like_numpy(lambda *args: ufunc(*args, **opts), tuple(np_args), tuple(ca_args),
                     ca_func=lambda *args: func(*args, **opts))


@pytest.mark.parametrize("name", sorted(ca.UFUNCS))
def test_every_ufunc_name_is_a_chunkarray_function(name):
    func = getattr(ca, name)
    assert func.__name__ == ca.UFUNCS[name].__name__
    ufunc = ca.UFUNCS[name]
    with pytest.raises(TypeError, match="array arguments"):
        func(*([1.0] * (ufunc.nin + 1)))


def test_ufunc_functions_accept_plain_scalars(executor):
    assert_eq(ca.add(1, 2).compute(), np.add(1, 2))
    assert_eq(ca.sin(np.float32(1)).compute(), np.sin(np.float32(1)))


@pytest.mark.parametrize(("ufunc", "inputs"), [
    (np.divmod, 2), (np.modf, 1), (np.frexp, 1),
])
def test_multi_output_ufuncs(executor, ufunc, inputs):
    a = np.linspace(-7.5, 7.5, 12).reshape(3, 4)
    b = np.full((4,), 2.5)
    x = ca.from_array(a, chunks=(2, 3))
    args_np = (a, b)[:inputs]
    args_ca = (x, ca.from_array(b, chunks=1))[:inputs]
    for func in (ufunc, getattr(ca, ufunc.__name__)):
        result = func(*args_ca)
        expected = ufunc(*args_np)
        assert isinstance(result, tuple) and len(result) == ufunc.nout
        for r, e in zip(ca.compute(*result), expected):
            assert_eq(r, e)


@pytest.mark.parametrize("chunks", [4, 2])
def test_ufunc_kwargs_reach_every_block(executor, chunks):
    """The ufunc's dtype= is an option of the ufunc, not a label on the result: single blocks
    (which are handed out as computed) must have that dtype too."""
    a = np.linspace(0, 3, 4)
    x = ca.from_array(a, chunks=chunks)
    for func in (np.sin, ca.sin):
        r = func(x, dtype=np.float32)
        assert r.dtype == np.float32
        assert_eq(r.compute(), np.sin(a, dtype=np.float32))
    for func in (np.add, ca.add):
        r = func(x, 1, casting="same_kind", dtype=np.float32)
        assert_eq(r.compute(), np.add(a, 1, casting="same_kind", dtype=np.float32))
        with pytest.raises(TypeError, match="casting rule 'no'"):
            func(x, 1, casting="no", dtype=np.float32)
        q, r = func(x, 2, dtype=np.int8, casting="unsafe"), np.add(a, 2, dtype=np.int8,
                                                                    casting="unsafe")
        assert_eq(q.compute(), r)


def test_chunkarray_ufunc_functions_take_out_and_where(executor):
    a = np.arange(4.0)
    x = ca.from_array(a, chunks=3)
    y = ca.zeros(4, dtype=np.float32, chunks=2)
    assert ca.add(x, 1, out=y) is y
    assert y.dtype == np.float32
    assert_eq(y.compute(), (a + 1).astype(np.float32))
    mask = np.array([True, False, True, False])
    ca.add(x, 1, where=mask, out=y)  # where= is tested fully in tests/test_ufunc_where.py
    assert_eq(y.compute(), np.where(mask, a + 1, a + 1).astype(np.float32))
    with pytest.raises(TypeError, match="where="):
        ca.add(x, 1, where=np.array([1.0, 0.0, 1.0, 0.0]))


@pytest.mark.parametrize("call", [
    lambda x: np.add.accumulate(x),
    lambda x: np.add.outer(x, x),
    lambda x: np.add.reduceat(x, [0, 1]),
    lambda x: np.add.at(x, [0], 1),
    lambda x: np.add(x, 1, where=np.array([1, 0, 1])),
    lambda x: np.add(x, 1, out=np.empty(3)),
])
def test_unsupported_ufunc_uses_raise_type_error(call):
    x = ca.from_array(np.arange(3.0), chunks=2)
    with pytest.raises(TypeError):
        call(x)


def test_ufunc_reduce_is_a_reduction(executor):
    a = np.arange(12).reshape(3, 4)
    x = ca.from_array(a, chunks=2)
    assert_eq(np.add.reduce(x, axis=1).compute(), np.add.reduce(a, axis=1))
    assert_eq(np.maximum.reduce(x).compute(), np.maximum.reduce(a))


def test_ufunc_out_chunked_array(executor):
    a = np.arange(6.0).reshape(2, 3)
    x = ca.from_array(a, chunks=(1, 2))
    y = ca.zeros((2, 3), dtype=np.float32, chunks=2)
    result = np.add(x, 1, out=y)
    assert result is y
    assert y.dtype == np.float32  # out keeps its dtype, like NumPy's out=
    assert_eq(y.compute(), (a + 1).astype(np.float32))
    q, r = ca.zeros((2, 3), chunks=1), ca.zeros((2, 3), chunks=1)
    out = np.divmod(x, 4, out=(q, r))
    assert out == (q, r)
    assert_eq(q.compute(), a // 4)
    assert_eq(r.compute(), a % 4)


def test_ufunc_out_errors():
    x = ca.from_array(np.arange(6.0).reshape(2, 3), chunks=2)
    with pytest.raises(TypeError, match="same_kind"):
        np.add(x, 1, out=ca.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        np.add(x, 1, out=ca.zeros((3,)))


# --- broadcasting ---------------------------------------------------------------------------------


@fixture_ok()
@given(data=st.data(), n=st.integers(2, 3))
def test_broadcasting_with_independent_chunkings(executor, data, n):
    np_args, ca_args = data.draw(operands(n, [np.int16, np.float64]))
    func = {2: np.add, 3: lambda a, b, c: a * b - c}[n]
    check_like_numpy(func, tuple(np_args), tuple(ca_args))
    # Blocks of the result line up with every operand's blocks (common refinement).
    out = func(*ca_args)
    for axis, sizes in enumerate(out.chunks):
        for x in ca_args:
            ax = axis - (out.ndim - x.ndim)
            if ax >= 0 and x.shape[ax] == out.shape[axis]:
                bounds = set(np.cumsum(x.chunks[ax]))
                assert bounds <= set(np.cumsum(sizes)) | {0}


@fixture_ok()
@given(data=st.data())
def test_broadcasting_mixes_numpy_arrays(executor, data):
    (a, b, c), (x, _, _) = data.draw(operands(3, [np.int32, np.float32]))
    check_like_numpy(lambda p, q, r: p + q * r, (a, b, c), (x, b, c))
    check_like_numpy(lambda p, q, r: p + q * r, (b, a, c), (b, x, c))
    check_like_numpy(operator.sub, (a, b.tolist()), (x, b.tolist()))  # lists are arrays too


@pytest.mark.parametrize(("left", "right"), [((2, 3), (4,)), ((2, 1, 3), (5, 2)), ((0,), (2,))])
def test_shapes_that_do_not_broadcast_raise_at_the_call(left, right):
    x = ca.ones(left, chunks=1)
    for y in (ca.ones(right, chunks=2), np.ones(right)):
        with pytest.raises(ValueError) as info:
            x + y
        assert str(left) in str(info.value) and str(right) in str(info.value)
        with pytest.raises(ValueError):
            np.multiply(y, x)
        with pytest.raises(ValueError):
            ca.where(True, x, y)


@fixture_ok()
@given(data=st.data())
def test_results_do_not_depend_on_chunking(executor, data):
    a, _ = data.draw(arrays(dtypes=ALL_DTYPES, max_dims=3))
    b = data.draw(values(data.draw(st.sampled_from(ALL_DTYPES)), a.shape[-1:]))
    x1, x2 = data.draw(chunked(a)), data.draw(chunked(a))
    y1, y2 = data.draw(chunked(b)), data.draw(chunked(b))
    name = data.draw(st.sampled_from(["add", "subtract", "multiply", "true_divide", "equal",
                                      "maximum", "negative", "absolute", "floor_divide",
                                      "remainder", "power", "sqrt", "exp", "isnan", "sign"]))
    ufunc = ca.UFUNCS[name]
    args1, args2 = (x1, y1)[:ufunc.nin], (x2, y2)[:ufunc.nin]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r1, r2 = ufunc(*args1), ufunc(*args2)
        except TypeError:
            return  # NumPy has no loop for these dtypes: covered by test_ufunc
        try:
            v1 = compute_all(r1)
        except Exception as exc:  # noqa: BLE001 - e.g. negative integer powers
            with pytest.raises(type(exc)):
                compute_all(r2)
            return
        v2 = compute_all(r2)
    assert r1.dtype == r2.dtype
    assert_eq(v1, v2, exact=True)


# --- dtypes: NumPy 2 promotion, weak Python scalars, strong NumPy scalars -----------------------


@pytest.mark.parametrize(("dtype", "op", "scalar", "expected"), [
    (np.int8, operator.add, 1, np.int8),
    (np.uint8, operator.mul, 2, np.uint8),
    (np.float32, operator.mul, 2.0, np.float32),
    (np.float32, operator.add, 1, np.float32),
    (np.int16, operator.truediv, 2, np.float64),
    (np.int8, operator.add, 1.5, np.float64),
    (np.float32, operator.add, 1j, np.complex64),
    (np.bool_, operator.add, 1, np.int64),
    (np.bool_, operator.and_, True, np.bool_),
    (np.int8, operator.add, np.int64(1), np.int64),
    (np.float32, operator.mul, np.float64(2), np.float64),
    (np.int8, operator.add, np.uint8(1), np.int16),
    (np.uint64, operator.add, np.int64(1), np.float64),
])
def test_promotion_table(executor, dtype, op, scalar, expected):
    a = np.arange(1, 6).astype(dtype)
    x = ca.from_array(a, chunks=2)
    assert op(x, scalar).dtype == np.dtype(expected) == op(a, scalar).dtype
    assert_eq(op(x, scalar).compute(), op(a, scalar))
    assert_eq(op(scalar, x).compute(), op(scalar, a))


def test_power_by_python_two_squares_like_ndarray(executor):
    # ndarray.__pow__ squares for a Python int 2: booleans give int8 there, int64 in np.power.
    a = np.array([True, False, True])
    x = ca.from_array(a, chunks=2)
    assert_eq((x ** 2).compute(), a ** 2)
    assert_eq(np.power(x, 2).compute(), np.power(a, 2))
    assert_eq((x ** np.int64(2)).compute(), a ** np.int64(2))


def test_python_int_out_of_range_raises_at_the_call():
    x = ca.from_array(np.arange(3, dtype=np.int8), chunks=2)
    with pytest.raises(OverflowError):
        x + 1000
    with pytest.raises(OverflowError):
        1000 * x
    with pytest.raises(OverflowError):
        ca.from_array(np.arange(3, dtype=np.uint16), chunks=2) + (-1)


@fixture_ok()
@given(data=st.data())
def test_promotion_with_scalars_like_numpy(executor, data):
    a, x = data.draw(arrays(max_dims=2, max_side=4))
    kind = data.draw(st.sampled_from(["python", "numpy"]))
    if kind == "python":
        scalar = data.draw(st.sampled_from(PYTHON_SCALARS))
    else:
        scalar = np.dtype(data.draw(st.sampled_from(ALL_DTYPES))).type(1)
    op = data.draw(st.sampled_from([operator.add, operator.sub, operator.mul, operator.truediv,
                                    operator.eq, operator.lt, np.maximum, np.where]))
    if op is np.where:
        check_like_numpy(lambda c, s: np.where(c > 0, c, s), (a, scalar), (x, scalar))
    else:
        check_like_numpy(op, (a, scalar), (x, scalar))
        check_like_numpy(op, (scalar, a), (scalar, x))


@fixture_ok()
@given(data=st.data())
def test_promotion_between_arrays_like_numpy(executor, data):
    (a, b), (x, y) = data.draw(operands(2, max_dims=2))
    check_like_numpy(operator.add, (a, b), (x, y))
    assert (x + y).dtype == np.result_type(a, b)


def test_zero_dim_arrays_are_strong(executor):
    a = np.arange(4, dtype=np.int8)
    x = ca.from_array(a, chunks=3)
    for scalar in (np.array(1, dtype=np.int64), ca.from_array(np.array(1, dtype=np.int64))):
        r = x + scalar
        assert r.dtype == np.int64
        assert_eq(r.compute(), a + np.array(1, dtype=np.int64))


# --- where, clip, astype, round, real/imag/conj ---------------------------------------------------


@fixture_ok()
@given(data=st.data())
def test_where(executor, data):
    (c, a, b), (w, x, y) = data.draw(operands(3, [[np.bool_, np.int8], ALL_DTYPES, ALL_DTYPES]))
    check_like_numpy(ca.where, (c, a, b), (w, x, y))
    check_like_numpy(np.where, (c, a, b), (w, x, y))  # through __array_function__
    scalar = data.draw(st.sampled_from(PYTHON_SCALARS))
    check_like_numpy(np.where, (c, a, scalar), (w, x, scalar))
    check_like_numpy(np.where, (c, scalar, b), (c, scalar, y))


def test_where_arguments():
    x = ca.from_array(np.arange(4), chunks=3)
    # One argument: the indices of true elements (tested with nonzero in test_searching.py).
    (found,) = np.where(x > 1)
    np.testing.assert_array_equal(found.compute(), [2, 3])
    with pytest.raises(ValueError, match="both or neither"):
        ca.where(x > 1, x)
    assert isinstance(np.where(x > 1, x, 0), ca.ChunkedArray)


@fixture_ok()
@given(data=st.data(), bounds=st.sampled_from(["both", "min", "max", "none", "arrays"]))
def test_clip(executor, data, bounds):
    a, x = data.draw(arrays(dtypes=[*INTEGER_DTYPES, *FLOAT_DTYPES], max_dims=2))
    lo, hi = {"both": (1, 50), "min": (1, None), "max": (None, 50), "none": (None, None)}.get(
        bounds, (None, None))
    if bounds == "arrays":
        lo = data.draw(values(a.dtype, a.shape[-1:]))
        hi = ca.from_array(lo + 1, chunks=data.draw(chunkings(lo.shape)))
        expected, error = numpy_result(np.clip, a, lo, lo + 1)
        assume(error is None)
        assert_eq(x.clip(lo, hi).compute(), expected)
        assert_eq(np.clip(x, lo, hi).compute(), expected)
        return
    expected, error = numpy_result(lambda v: np.clip(v, lo, hi), a)
    if error is not None:
        with pytest.raises(public_type(error)):
            np.clip(x, lo, hi)
        return
    for result in (x.clip(lo, hi), np.clip(x, lo, hi), ca.clip(x, lo, hi),
                   np.clip(x, a_min=lo, a_max=hi), np.clip(x, min=lo, max=hi)):
        assert isinstance(result, ca.ChunkedArray)
        assert_eq(result.compute(), expected)


def test_clip_keywords(executor):
    a = np.arange(8)
    x = ca.from_array(a, chunks=3)
    assert_eq(x.clip(max=4).compute(), a.clip(max=4))
    assert_eq(x.clip(min=2).compute(), a.clip(min=2))
    assert_eq(np.clip(x, max=4).compute(), np.clip(a, max=4))
    assert_eq(ca.clip(x).compute(), np.clip(a, None, None))


CASTINGS = ["no", "equiv", "safe", "same_kind", "unsafe"]


@fixture_ok()
@given(data=st.data(), to=st.sampled_from(ALL_DTYPES), casting=st.sampled_from(CASTINGS))
def test_astype(executor, data, to, casting):
    a, _ = data.draw(arrays(max_dims=2))
    to = np.dtype(to)
    if a.dtype.kind in "fc" and to.kind in "iub":
        # Out-of-range float -> int casts are undefined in C: keep the values representable.
        a = np.clip(np.abs(np.real(a)), 0, 100).astype(a.dtype)
    x = data.draw(chunked(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        expected, error = numpy_result(lambda v: v.astype(to, casting=casting), a)
        if error is not None:
            with pytest.raises(TypeError):
                x.astype(to, casting=casting)
            with pytest.raises(TypeError):
                ca.astype(x, to, casting=casting)
            return
        results = [x.astype(to, casting=casting), ca.astype(x, to, casting=casting)]
        if casting == "unsafe":
            results.append(np.astype(x, to))  # numpy.astype has no casting=: always unsafe
        for result in results:
            assert result.dtype == to
            assert_eq(result.compute(), expected)


@fixture_ok()
@given(data=st.data(), decimals=st.integers(-2, 3))
def test_round(executor, data, decimals):
    a, x = data.draw(arrays(dtypes=[*INTEGER_DTYPES, *FLOAT_DTYPES, *COMPLEX_DTYPES], max_dims=2))
    expected, error = numpy_result(lambda v: np.round(v, decimals), a)
    assume(error is None)
    # Rounding an integer past its dtype's range casts out of range, whose result NumPy leaves
    # undefined (it differs with the array's length): no answer to compare with there.
    assume(a.dtype.kind not in "iu" or decimals >= 0
           or np.all(np.abs(np.round(a.astype(np.float64), decimals)) <= np.iinfo(a.dtype).max))
    for result in (x.round(decimals), np.round(x, decimals), np.around(x, decimals)):
        assert isinstance(result, ca.ChunkedArray)
        assert_eq(result.compute(), expected)


@fixture_ok()
@given(data=st.data())
def test_real_imag_conj(executor, data):
    a, x = data.draw(arrays(max_dims=2))
    pairs = [
        (x.real, np.real(a)), (x.imag, np.imag(a)), (x.conj(), a.conj()),
        (np.real(x), np.real(a)), (np.imag(x), np.imag(a)), (np.conj(x), np.conj(a)),
        (np.conjugate(x), np.conjugate(a)),
    ]
    for result, expected in pairs:
        assert isinstance(result, ca.ChunkedArray)
        assert result.dtype == expected.dtype
        assert_eq(result.compute(), expected)


# --- chains of operations (run fused, block by block) ---------------------------------------------

CHAIN_STEPS = [
    ("+1", lambda v, w: v + 1),
    ("*2.5", lambda v, w: v * 2.5),
    ("neg", lambda v, w: -v),
    ("v-v", lambda v, w: v - v),
    ("+w", lambda v, w: v + w),
    ("w*v", lambda v, w: w * v),
    ("sin", lambda v, w: np.sin(v)),
    (">0", lambda v, w: v > 0),
    ("where", lambda v, w: np.where(v > 1, v, w)),
    ("f32", lambda v, w: v.astype(np.float32)),
    ("i16", lambda v, w: v.astype(np.int16)),
    ("abs", lambda v, w: abs(v)),
    ("/3", lambda v, w: v / 3),
    ("//2", lambda v, w: v // 2),
    ("clip", lambda v, w: v.clip(0, 10)),
    ("add f64", lambda v, w: np.add(v, 1, dtype=np.float64)),
    ("**2", lambda v, w: v ** 2),
    ("maximum", lambda v, w: np.maximum(v, w)),
    ("divmod", lambda v, w: divmod(v, 3)[1]),
    ("+=", lambda v, w: _iadd(v, 3)),
]


def _iadd(v: Any, other: Any) -> Any:
    if isinstance(v, (np.ndarray, np.generic)):  # NumPy gives 0-d results as scalars
        v = np.array(v)
    v += other
    return v


@fixture_ok()
@given(data=st.data(), steps=st.lists(st.sampled_from(CHAIN_STEPS), min_size=1, max_size=5))
def test_chains_of_operations_like_numpy(executor, data, steps):
    """A chain runs fused, one task per block, in place where it can: same values and dtype as
    NumPy, and the NumPy inputs the blocks are views of are never written to."""
    (a, b), (x, y) = data.draw(operands(2, [[np.int8, np.int32, np.float32, np.float64],
                                            [np.int16, np.float64]], max_dims=2))
    a_before, b_before = a.copy(), b.copy()

    def chain(v: Any, w: Any) -> Any:
        for _, step in steps:
            v = step(v, w)
            if isinstance(v, np.generic):  # NumPy's 0-d results are scalars; ours stay arrays
                v = np.asarray(v)
        return v

    check_like_numpy(chain, (a, b), (x, y))
    np.testing.assert_array_equal(a, a_before)
    np.testing.assert_array_equal(b, b_before)


# --- arrays of unknown (NaN) block sizes ----------------------------------------------------------


def _masked_pair(keep1, keep2, chunks=4):
    a = np.arange(float(len(keep1)))
    x = ca.from_array(a, chunks=chunks)
    m1 = ca.from_array(np.array(keep1, bool), chunks=chunks)
    m2 = ca.from_array(np.array(keep2, bool), chunks=chunks)
    return a, x[m1], (x * 10)[m2]


def test_unknown_sizes_whose_blocks_differ_raise_when_the_blocks_are_made(executor):
    # Blocks of 1 and 2 elements, then 2 and 1: each pair would broadcast, giving 4 elements
    # where NumPy (3 against 3) gives 3.
    _, y1, y2 = _masked_pair([1, 0, 0, 0, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0, 0, 0])
    match = r"could not be broadcast together with shapes \(1,\) .*\(2,\): their blocks of unknown"
    for result in (y1 + y2, (y1 + y2).sum(), ca.maximum(y1, y2) * 2 + 1,
                   ca.where(y1 > 0, y1, y2)):
        with pytest.raises(ValueError, match=match):
            result.compute()


def test_unknown_sizes_whose_blocks_match_combine(executor):
    a, y1, y2 = _masked_pair([1, 0, 1, 0, 1, 1, 0, 0], [0, 1, 1, 0, 0, 1, 0, 1])
    keep1, keep2 = a[[0, 2, 4, 5]], 10 * a[[1, 2, 5, 7]]
    assert_eq(y1 + y2, keep1 + keep2)
    assert_eq((y1 * y2).sum(), (keep1 * keep2).sum())
    assert_eq(y1 + y1 * 2, keep1 * 3)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_unknown_sizes_combine_as_numpy_or_raise(executor, data):
    n = data.draw(st.integers(1, 9))
    chunks = data.draw(chunkings((n,)))
    keep1 = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    keep2 = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    a, y1, y2 = _masked_pair(keep1, keep2, chunks)
    bounds = np.cumsum((0, *chunks[0]))
    counts1 = [keep1[lo:hi].sum() for lo, hi in zip(bounds[:-1], bounds[1:])]
    counts2 = [keep2[lo:hi].sum() for lo, hi in zip(bounds[:-1], bounds[1:])]
    if counts1 == counts2:
        assert_eq(y1 - y2, a[keep1] - 10 * a[keep2])
    else:
        with pytest.raises(ValueError, match="could not be broadcast together"):
            (y1 - y2).compute()


# --- object arrays: errors of the dtypes at the call, of the values in compute -------------------


def test_object_ufuncs_are_not_tried_on_stand_in_values(executor):
    # What an element does depends on the element: Decimal has sqrt and exp, int does not.
    d = np.array([Decimal(1), Decimal(4), Decimal("2.25")], dtype=object)
    x = ca.from_array(d, chunks=2)
    assert_eq(np.sqrt(x), np.sqrt(d))
    assert_eq(np.exp(x) > 1, np.exp(d) > 1)
    s = np.array(["a", "bc", "d"], dtype=object)
    assert_eq(ca.from_array(s, chunks=2) + "x", s + "x")


@pytest.mark.parametrize("func", [np.isnan, np.isinf, np.signbit, np.spacing, np.isnat])
def test_object_ufuncs_without_an_object_loop_raise_at_the_call(func):
    x = ca.from_array(np.array([1.5, 2.0], dtype=object), chunks=1)
    with pytest.raises(TypeError):
        func(np.array([1.5, 2.0], dtype=object))
    with pytest.raises(TypeError):
        func(x)


@pytest.mark.parametrize("source", [np.arange(3) * 1000, np.array([1.5, 2.25, -0.125]),
                                    np.array([True, False, True])])
@pytest.mark.parametrize("dtype", ["U", "S", "V"])
def test_astype_to_an_unsized_dtype_takes_numpys_size(executor, source, dtype):
    # Each block sized its own strings: '1000' came back as '1'.
    y = ca.from_array(source, chunks=1).astype(dtype)
    expected = source.astype(dtype)
    assert y.dtype == expected.dtype
    assert_eq(y, expected)


@pytest.mark.parametrize("source, dtype", [
    (np.array([1, 100, 12345], dtype=object), "U"),
    (np.array([1, 100, 12345], dtype=object), "S"),
    (np.array(["2020-01-01", "2020-01-01T10"]), "M8"),
    (np.array([1, 2], dtype=object), "m8"),
])
def test_astype_whose_size_or_unit_depends_on_the_values_is_refused_at_the_call(source, dtype):
    with pytest.raises(TypeError, match="give the (size|unit)"):
        ca.from_array(source, chunks=1).astype(dtype)
    assert ca.from_array(source, chunks=1).astype(dtype + "[s]" if "8" in dtype
                                                  else dtype + "8").dtype.itemsize > 0
