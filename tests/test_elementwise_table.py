"""The one elementwise table (chunkarray.kernels.elementwise): what it holds, and that operators,
ufunc functions and fusion all read it. The operators themselves are tested against NumPy, from
the same table, in test_elementwise.py."""

from __future__ import annotations

import dataclasses
import operator

import numpy as np
import pytest

import chunkarray as ca
from chunkarray.array_methods import ArrayMethods
from chunkarray.kernels.elementwise import ELEMENTWISE, ELEMENTWISE_FUNCS, Elementwise
from chunkarray.ops import methods as _methods
from chunkarray.optimize import fuse
from tests.strategies import assert_eq

OPERATOR_ENTRIES = sorted(name for name, e in ELEMENTWISE.items() if e.operator)


def test_table_holds_every_elementwise_ufunc_and_where_clip():
    ufuncs = {name for name in dir(np)
              if isinstance(getattr(np, name), np.ufunc) and getattr(np, name).signature is None}
    assert {n for n, e in ELEMENTWISE.items() if e.is_ufunc} == ufuncs
    assert {n for n, e in ELEMENTWISE.items() if not e.is_ufunc} == {"where", "clip"}
    assert all(e.name == name for name, e in ELEMENTWISE.items())
    assert ca.UFUNCS == {n: e.func for n, e in ELEMENTWISE.items() if e.is_ufunc}


def test_entries_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ELEMENTWISE["add"].operator = "sub"  # type: ignore[misc]


def test_dunders():
    assert Elementwise("x", np.add, "add", reflected=True).dunders == ("__add__", "__radd__")
    assert ELEMENTWISE["divmod"].dunders == ("__divmod__", "__rdivmod__")
    assert ELEMENTWISE["negative"].dunders == ("__neg__",)
    assert ELEMENTWISE["sin"].dunders == ()
    # One operator per Python name, even where NumPy has two names for the ufunc.
    operators = [e.operator for e in ELEMENTWISE.values() if e.operator]
    assert len(operators) == len(set(operators)) == 23


@pytest.mark.parametrize("name", OPERATOR_ENTRIES)
def test_every_operator_is_declared_and_applies_the_tables_function(name):
    entry = ELEMENTWISE[name]
    a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)
    b = np.array([3, 1, 2], dtype=np.int64)
    x = ca.from_array(a, chunks=(1, 2))
    for dunder in entry.dunders:
        assert dunder in vars(ArrayMethods), dunder
        _check_like_numpy(entry, dunder, a, b, x)


def _check_like_numpy(entry: Elementwise, dunder: str, a: np.ndarray, b: np.ndarray,
                      x: ca.ChunkedArray) -> None:
    operands = () if entry.nin == 1 else (b,)
    if dunder == f"__i{entry.operator}__":
        numpy = lambda: getattr(a.copy(), dunder)(b)  # noqa: E731
    elif dunder == f"__r{entry.operator}__":
        numpy = lambda: entry.func(b, a)  # noqa: E731
    else:
        numpy = lambda: getattr(a, dunder)(*operands)  # noqa: E731
    try:
        expected = numpy()
    except TypeError:  # ``x /= y`` on integers: refused, as NumPy does, when it is written
        with pytest.raises(TypeError):
            getattr(x, dunder)(*operands)
        return
    result = getattr(x, dunder)(*operands)
    if isinstance(expected, tuple):
        assert len(result) == len(expected)
        for r, e in zip(result, expected):
            assert_eq(r.compute(), e)
    else:
        assert_eq(result.compute(), expected)


def test_operator_tables_are_derived_from_the_table():
    assert _methods._BINARY["truediv"] is np.divide is ELEMENTWISE["divide"].func
    assert _methods._COMPARISONS["le"] is np.less_equal
    assert _methods._UNARY["invert"] is np.invert
    assert set(_methods._BINARY) | set(_methods._COMPARISONS) | set(_methods._UNARY) | {
        "divmod"} == {e.operator for e in ELEMENTWISE.values() if e.operator}


def test_public_ufunc_functions_come_from_the_table():
    for name, entry in ELEMENTWISE.items():
        if entry.is_ufunc:
            assert getattr(ca, name).__name__ == entry.func.__name__
    assert_eq(ca.sin(ca.arange(3, chunks=2)).compute(), np.sin(np.arange(3)))


def test_fusion_reads_the_table():
    assert fuse._ELEMENTWISE_FUNCS is ELEMENTWISE_FUNCS
    assert {np.where, np.clip, np.add, np.sin} <= ELEMENTWISE_FUNCS
    # Several outputs cannot be written piece by piece into one buffer.
    assert not {np.divmod, np.frexp, np.modf} & ELEMENTWISE_FUNCS
    x = ca.arange(6, chunks=4)
    assert fuse.is_elementwise(ca.where(x > 2, x, 0)._node)
    assert fuse.is_elementwise(ca.clip(x, 1, 3)._node)
    assert not fuse.is_elementwise(x.sum()._node)


def test_operator_module_names_match_python():
    # Each operator name is Python's own (operator.add, operator.truediv, ...).
    for e in ELEMENTWISE.values():
        if e.operator and e.operator != "divmod":
            assert hasattr(operator, e.operator) or hasattr(operator, e.operator + "_")
