"""ChunkedArray's declared interface: every method visible on the class, typed, provided, and
taking NumPy's arguments the way NumPy's methods do (NumPy as the oracle)."""

from __future__ import annotations

import inspect
import typing

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy._globals import _NoValueType
from numpy.typing import ArrayLike, DTypeLike

import chunkarray as ca
from chunkarray import array_methods
from chunkarray.array import ChunkedArray
from chunkarray.array_methods import IMPLEMENTATIONS, ArrayMethods, declared, provide
from tests.strategies import INTEGER_DTYPES, arrays, assert_eq
from tests.test_elementwise import fixture_ok

# Methods and attributes of numpy.ndarray that chunkarray implements: each must be declared in a
# class body (seen by type checkers and editors), not attached at import time.
NDARRAY_NAMES = sorted(
    name for name in dir(np.ndarray)
    if hasattr(ChunkedArray, name)
    and inspect.getattr_static(ChunkedArray, name) is not inspect.getattr_static(object, name, 0)
    and name not in ("__doc__", "__hash__", "__array_priority__")
)
EXPECTED = [
    "T", "__add__", "__radd__", "__iadd__", "__eq__", "__neg__", "__matmul__", "__getitem__",
    "__setitem__", "__array__", "__array_ufunc__", "__array_function__", "astype", "sum", "mean",
    "var", "std", "argmax", "all", "reshape", "transpose", "ravel", "conj", "real", "imag",
    "round", "clip", "dot", "repeat", "squeeze", "swapaxes",
]
CHUNKARRAY_NAMES = ["vindex", "rechunk", "map_blocks", "compute_chunk_sizes", "to_zarr",
                    "to_hdf5", "to_dask", "to_delayed", "to_npy_stack",
                    "_repr_html_", "visualize"]


def _defining_class(name: str) -> type:
    return next(cls for cls in ChunkedArray.__mro__ if name in vars(cls))


def test_ndarray_names_are_covered():
    assert set(EXPECTED) <= set(NDARRAY_NAMES)


@pytest.mark.parametrize("name", NDARRAY_NAMES + CHUNKARRAY_NAMES)
def test_declared_in_a_class_body(name):
    cls = _defining_class(name)
    assert cls in (ChunkedArray, ArrayMethods), (name, cls)
    member = vars(cls)[name]
    func = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
    if callable(func):
        # Defined in the array layer's own modules: nothing set it from the layers above.
        assert func.__module__ in ("chunkarray.array", "chunkarray.array_methods"), func
        assert inspect.signature(func).parameters


@pytest.mark.parametrize("name", declared())
def test_declared_methods_are_annotated(name):
    member = vars(ArrayMethods)[name]
    func = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
    assert func.__doc__, name
    names = {"ChunkedArray": ChunkedArray, "ArrayLike": ArrayLike, "DTypeLike": DTypeLike,
             "_NoValueType": _NoValueType}
    hints = typing.get_type_hints(func, vars(array_methods), names)
    assert "return" in hints
    params = [p for p in inspect.signature(func).parameters.values()
              if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert all(p.name in hints for p in params), name


def test_every_declared_method_is_provided_and_nothing_else():
    assert array_methods.missing_implementations() == []
    assert set(IMPLEMENTATIONS) == set(declared())


def test_missing_implementation_fails_loudly(monkeypatch):
    x = ca.arange(4, chunks=2)
    monkeypatch.delitem(IMPLEMENTATIONS, "sum")
    assert array_methods.missing_implementations() == ["sum"]
    with pytest.raises(NotImplementedError, match=r"ChunkedArray.sum has no implementation"):
        x.sum()
    monkeypatch.delitem(IMPLEMENTATIONS, "to_dask")
    with pytest.raises(NotImplementedError, match="to_dask"):
        x.to_dask()


def test_provide_registers_and_returns_the_function():
    def double(x):
        return x * 2

    try:
        assert provide("__probe__", "__probe2__")(double) is double
        assert IMPLEMENTATIONS["__probe__"] is IMPLEMENTATIONS["__probe2__"] is double
    finally:
        IMPLEMENTATIONS.pop("__probe__", None)
        IMPLEMENTATIONS.pop("__probe2__", None)


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "min", "max", "any",
                                  "all", "argmin", "argmax"])
def test_reduction_methods_take_numpys_arguments(name):
    ours = list(inspect.signature(getattr(ChunkedArray, name)).parameters)
    numpys = list(inspect.signature(getattr(np, name)).parameters)
    assert ours == ["self", *numpys[1:], "split_every"]


def test_operators_defer_on_foreign_operands():
    x = ca.arange(4, chunks=2)
    with pytest.raises(TypeError):
        x + object()
    with pytest.raises(TypeError):
        object() @ x
    # NotImplemented from both sides: Python compares identities.
    assert (x == object()) is False
    assert (x != object()) is True


@fixture_ok(15)
@given(data=st.data())
def test_reductions_positional_like_numpy(executor, data):
    a, x = data.draw(arrays(INTEGER_DTYPES + [np.bool_], min_side=1, max_dims=3))
    axis = data.draw(st.sampled_from([None, *range(-a.ndim, a.ndim)]))
    dtype = data.draw(st.sampled_from([None, np.int64, np.float64]))
    keepdims = data.draw(st.booleans())
    # The oracle is NumPy's functions, whose arguments after the array the methods take in order.
    assert_eq(x.sum(axis, dtype, None, keepdims).compute(), np.sum(a, axis, dtype, None, keepdims))
    assert_eq(x.prod(axis, dtype).compute(), np.prod(a, axis, dtype))
    assert_eq(x.min(axis, None, keepdims).compute(), np.min(a, axis, None, keepdims))
    assert_eq(x.any(axis, None, keepdims).compute(), np.any(a, axis, None, keepdims))
    assert_eq(x.all(axis, None, keepdims).compute(), np.all(a, axis, None, keepdims))
    assert_eq(x.argmax(axis, None, keepdims=keepdims).compute(),
              np.argmax(a, axis, None, keepdims=keepdims))


@pytest.mark.filterwarnings("ignore:Degrees of freedom:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@fixture_ok(15)
@given(data=st.data())
def test_moments_positional_like_numpy(executor, data):
    # Small integers: their moments are exact enough that any chunking gives NumPy's answer.
    a, x = data.draw(arrays([np.int8, np.int16], min_side=2, max_dims=2))
    axis = data.draw(st.sampled_from([None, *range(a.ndim)]))
    ddof = data.draw(st.sampled_from([0, 1]))
    assert_eq(x.mean(axis, None, None, True).compute(), np.mean(a, axis, None, None, True))
    assert_eq(x.var(axis, None, None, ddof).compute(), np.var(a, axis, None, None, ddof))
    assert_eq(x.std(axis, correction=ddof).compute(), np.std(a, axis, correction=ddof))
    assert_eq(x.var(axis, np.float32, split_every=2).compute(), np.var(a, axis, np.float32))


def test_method_bad_arguments():
    x = ca.arange(6, chunks=4)
    with pytest.raises(TypeError, match=r"numpy.sum: out= is not supported"):
        x.sum(out=np.empty(()))
    with pytest.raises(TypeError, match=r"numpy.min: initial= is not supported"):
        x.min(initial=0)
    with pytest.raises(TypeError, match=r"numpy.mean: where= is not supported"):
        x.mean(where=np.array([True] * 6))
    with pytest.raises(ValueError, match="ddof and correction"):
        x.var(ddof=1, correction=1)
    with pytest.raises(TypeError):
        x.sum(0, None, None, False, 0, True, 5)  # one positional argument too many
    with pytest.raises(TypeError):
        x.sum(bogus=1)
    with pytest.raises(TypeError, match="cannot cast"):
        x.astype(np.int8, casting="safe")


def test_shape_methods_like_numpy(executor):
    a = np.arange(24).reshape(2, 3, 4)
    x = ca.from_array(a, chunks=(1, 2, 3))
    assert_eq(x.T.compute(), a.T)
    assert_eq(x.transpose(1, 0, 2).compute(), a.transpose(1, 0, 2))
    assert_eq(x.transpose((2, 0, 1)).compute(), a.transpose((2, 0, 1)))
    assert_eq(x.reshape(6, 4).compute(), a.reshape(6, 4))
    assert_eq(x.reshape((4, 6), order="C").compute(), a.reshape((4, 6), order="C"))
    assert_eq(x.ravel().compute(), a.ravel())
    assert_eq(x.flatten().compute(), a.flatten())
    assert_eq(x.swapaxes(0, 2).compute(), a.swapaxes(0, 2))
    assert_eq(x[:1].squeeze(0).compute(), a[:1].squeeze(0))
    assert_eq(x.repeat(2, axis=1).compute(), a.repeat(2, axis=1))
    assert_eq(x.round(1).compute(), a.round(1))
    assert_eq(x.clip(3, 20).compute(), a.clip(3, 20))
    assert_eq(x.vindex[[0, 1], [2, 0]].compute(), a[[0, 1], [2, 0]])
    assert_eq(x[0].dot(x[1].T).compute(), a[0].dot(a[1].T))
