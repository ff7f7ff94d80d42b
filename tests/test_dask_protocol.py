"""dask's collection protocol on request (``x.to_dask()``): dask.compute / persist / optimize /
delayed, and the array itself is no dask collection."""

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
    got_x, got_sum, got_expr = dask.compute(x.to_dask(), x.sum().to_dask(),
                                            (np.sin(x) * 2 + 1).to_dask())
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
    assert rename(x.to_dask().__dask_keys__(), "k") == rename(d.__dask_keys__(), "k")


def test_dask_graph_is_a_plain_culled_dict() -> None:
    x = ca.from_array(np.arange(12.0).reshape(3, 4), chunks=2)
    y = (x + 1).sum(axis=0).to_dask()
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
    assert dask.base.tokenize(x1.to_dask()) == dask.base.tokenize(x2.to_dask())
    assert dask.base.tokenize(x1.to_dask()) != dask.base.tokenize((x1 + 1).to_dask())


def test_dask_persist_gives_an_array_over_held_blocks() -> None:
    a = np.arange(20.0).reshape(4, 5)
    x = ca.from_array(a, chunks=(3, 2))
    y, total, other = dask.persist((x * 2).to_dask(), x.sum().to_dask(), 5)
    assert isinstance(y, ca.DaskView) and y.chunks == x.chunks and other == 5
    y, total = y.array, total.array
    np.testing.assert_array_equal(y.compute(), a * 2)
    np.testing.assert_array_equal((y + 1).compute(), a * 2 + 1)
    assert total.compute() == a.sum()
    out = y.compute()
    out[...] = -1  # the caller's result is theirs: the held blocks are not changed
    np.testing.assert_array_equal(y.compute(), a * 2)


def test_dask_optimize_returns_an_equal_array() -> None:
    x = ca.from_array(np.arange(6), chunks=2) + 1
    (y,) = dask.optimize(x.to_dask())
    y = y.array
    assert y.name == x.name
    np.testing.assert_array_equal(y.compute(), np.arange(6) + 1)


def test_dask_delayed_takes_chunked_arrays() -> None:
    a = np.arange(10.0)
    x = ca.from_array(a, chunks=4)
    result = dask.delayed(lambda v, w: v.sum() + w)((x * 2).to_dask(), x.max().to_dask()).compute()
    assert result == (a * 2).sum() + a.max()


def test_mixing_with_dask_arrays() -> None:
    a = np.arange(8.0)
    x, d = ca.from_array(a, chunks=3), da.from_array(a, chunks=3)
    got_x, got_d = dask.compute((x + 1).to_dask(), d + 1)
    np.testing.assert_array_equal(got_x, got_d)


@pytest.mark.parametrize("get", ["sync", "threads"])
def test_dask_schedulers_by_name(get: str) -> None:
    x = ca.arange(10, chunks=3)
    (got,) = dask.compute((x * 3).to_dask(), scheduler=get)
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


def test_a_chunked_array_is_no_dask_collection() -> None:
    # Otherwise xarray's dask manager claims it too ("Multiple ChunkManagers recognise type").
    x = ca.arange(4, chunks=2)
    assert not dask.is_dask_collection(x)
    assert not any(name.startswith("__dask") for name in dir(x))
    assert dask.is_dask_collection(x.to_dask())


def test_the_view_lowers_once_per_array(monkeypatch: pytest.MonkeyPatch) -> None:
    from chunkarray.interop import dask as protocol

    calls = []
    real = protocol.dask_graph
    monkeypatch.setattr(protocol, "dask_graph", lambda x: calls.append(x) or real(x))
    x = ca.ones((6, 6), chunks=2) + 1
    assert x.to_dask().__dask_graph__() is x.to_dask().__dask_graph__()
    for _ in range(3):
        x.to_dask().__dask_graph__()
        dask.compute(x.to_dask())
    assert len(calls) == 1
    y = x + 1  # another array: its own view
    assert y.to_dask().__dask_graph__() is not x.to_dask().__dask_graph__()
    assert y.to_dask().array is y and len(calls) == 2


def test_the_cached_graph_is_forgotten_with_its_array() -> None:
    import gc

    from chunkarray.interop.dask import _GRAPHS

    before = len(_GRAPHS)
    x = ca.ones(4, chunks=2)
    dask.compute(x.to_dask())
    assert len(_GRAPHS) == before + 1
    del x
    gc.collect()
    assert len(_GRAPHS) == before


def test_scheduler_reads_from_class_and_instance() -> None:
    import dask.threaded

    v = ca.arange(4, chunks=2).to_dask()
    assert ca.DaskView.__dask_scheduler__ is v.__dask_scheduler__ is dask.threaded.get
    graph = v.__dask_graph__()
    assert ca.DaskView.__dask_optimize__(graph, v.__dask_keys__()) is graph
    assert v.__dask_tokenize__() == v.name
    assert "DaskView<" in repr(v)


def test_view_refuses_non_arrays() -> None:
    with pytest.raises(TypeError, match="wraps a ChunkedArray, got ndarray"):
        ca.DaskView(np.ones(3))


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_dask_computes_a_disk_rechunk_after_ours_removed_its_directory(tmp_path, scheduler):
    import os

    import dask

    a = np.arange(64.0).reshape(8, 8)
    x = ca.from_array(a, chunks=(8, 1)).map_blocks(np.negative, dtype=float)
    with ca.config.set(temporary_directory=str(tmp_path)):
        y = x.rechunk((1, 8), method="disk", memory_limit=400)
    np.testing.assert_array_equal(y.compute(), -a)
    assert os.listdir(tmp_path) == []  # our compute removed the staging when it ended
    (out,) = dask.compute(y.to_dask(), scheduler=scheduler)  # workers write into it again
    np.testing.assert_array_equal(out, -a)
