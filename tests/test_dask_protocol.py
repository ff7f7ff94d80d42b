"""dask's collection protocol: dask.compute / persist / optimize / delayed on chunked arrays."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import chunkarray as ca

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

CASES = [
    ((), ()),
    ((7,), (3,)),
    ((6, 5), ((4, 2), (1, 3, 1))),
    ((4, 3, 5), (2, 3, 2)),
]


@pytest.mark.parametrize("shape, chunks", CASES)
def test_dask_compute_matches_numpy(shape: tuple[int, ...], chunks: object) -> None:
    a = np.arange(np.prod(shape), dtype=float).reshape(shape)
    x = ca.from_array(a, chunks=chunks)
    got_x, got_sum, got_expr = dask.compute(x, x.sum(), np.sin(x) * 2 + 1)
    np.testing.assert_array_equal(got_x, a)
    assert got_sum == a.sum() and isinstance(got_sum, np.generic)
    np.testing.assert_allclose(got_expr, np.sin(a) * 2 + 1)
    assert got_x is not a and not np.shares_memory(got_x, a)


@pytest.mark.parametrize("shape, chunks", CASES)
def test_dask_keys_are_nested_like_dask_array(shape: tuple[int, ...], chunks: object) -> None:
    x = ca.zeros(shape, chunks=chunks)
    d = da.zeros(shape, chunks=x.chunks)
    rename = lambda nested, name: (  # noqa: E731
        [rename(n, name) for n in nested] if isinstance(nested, list) else (name, *nested[1:]))
    assert rename(x.__dask_keys__(), "k") == rename(d.__dask_keys__(), "k")


def test_dask_graph_is_a_plain_culled_dict() -> None:
    x = ca.from_array(np.arange(12.0).reshape(3, 4), chunks=2)
    y = (x + 1).sum(axis=0)
    graph = y.__dask_graph__()
    assert type(graph) is dict
    keys = y.__dask_keys__()  # one axis: a flat list
    assert all(k in graph for k in keys)
    assert all(type(k) is tuple and all(type(p) in (str, int) for p in k) for k in graph)
    assert y.__dask_optimize__(graph, keys) is graph
    blocks = dask.get(graph, keys)  # the graph runs as is under dask's own scheduler
    expected = (np.arange(12.0).reshape(3, 4) + 1).sum(axis=0)
    np.testing.assert_array_equal(np.concatenate(blocks), expected)


def test_tokenize_is_deterministic() -> None:
    a = np.arange(10)
    x1 = ca.from_array(a, chunks=3) * 2
    x2 = ca.from_array(a, chunks=3) * 2
    assert dask.base.tokenize(x1) == dask.base.tokenize(x2)
    assert dask.base.tokenize(x1) != dask.base.tokenize(x1 + 1)


def test_dask_persist_gives_an_array_over_held_blocks() -> None:
    a = np.arange(20.0).reshape(4, 5)
    x = ca.from_array(a, chunks=(3, 2))
    y, total, other = dask.persist(x * 2, x.sum(), 5)
    assert isinstance(y, ca.ChunkedArray) and y.chunks == x.chunks and other == 5
    np.testing.assert_array_equal(y.compute(), a * 2)
    np.testing.assert_array_equal((y + 1).compute(), a * 2 + 1)
    assert total.compute() == a.sum()
    out = y.compute()
    out[...] = -1  # the caller's result is theirs: the held blocks are not changed
    np.testing.assert_array_equal(y.compute(), a * 2)


def test_dask_optimize_returns_an_equal_array() -> None:
    x = ca.from_array(np.arange(6), chunks=2) + 1
    (y,) = dask.optimize(x)
    assert y.name == x.name
    np.testing.assert_array_equal(y.compute(), np.arange(6) + 1)


def test_dask_delayed_takes_chunked_arrays() -> None:
    a = np.arange(10.0)
    x = ca.from_array(a, chunks=4)
    result = dask.delayed(lambda v, w: v.sum() + w)(x * 2, x.max()).compute()
    assert result == (a * 2).sum() + a.max()


def test_mixing_with_dask_arrays() -> None:
    a = np.arange(8.0)
    x, d = ca.from_array(a, chunks=3), da.from_array(a, chunks=3)
    got_x, got_d = dask.compute(x + 1, d + 1)
    np.testing.assert_array_equal(got_x, got_d)


@pytest.mark.parametrize("get", ["sync", "threads"])
def test_dask_schedulers_by_name(get: str) -> None:
    x = ca.arange(10, chunks=3)
    (got,) = dask.compute(x * 3, scheduler=get)
    np.testing.assert_array_equal(got, np.arange(10) * 3)


@pytest.mark.parametrize("in_config", [False, True])
def test_dask_executor(in_config: bool) -> None:
    a = np.arange(30.0).reshape(5, 6)
    x = ca.from_array(a, chunks=(2, 4))
    expr = (x - x.mean(axis=0)).std(axis=1)
    if in_config:
        with ca.config.set(scheduler="dask"):
            got = expr.compute()
    else:
        got = expr.compute(scheduler="dask", num_workers=2)
    np.testing.assert_allclose(got, (a - a.mean(axis=0)).std(axis=1))


def test_dask_executor_raises_the_task_exception() -> None:
    def fail(block: np.ndarray) -> np.ndarray:
        raise ZeroDivisionError("no block for you")

    x = ca.arange(6, chunks=2).map_blocks(fail, dtype=int)
    with pytest.raises(ZeroDivisionError, match="no block for you"):
        x.compute(scheduler="dask")


def test_importing_chunkarray_does_not_import_dask() -> None:
    code = ("import sys, chunkarray, chunkarray.diagnostics; "
            "print('dask' in sys.modules, 'distributed' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
