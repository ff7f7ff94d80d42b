"""The process-pool executor: the standard checks of every executor."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import chunkarray as ca
from chunkarray.executors import processes

A = np.arange(120.0).reshape(10, 12)


@pytest.fixture(scope="module", autouse=True)
def pool() -> Iterator[None]:
    yield
    processes.shutdown()


def _double(block: np.ndarray) -> np.ndarray:
    return block * 2


def _fail(block: np.ndarray) -> np.ndarray:
    raise KeyError(f"no block {block.shape}")


@pytest.mark.parametrize("make, expected", [
    (lambda x: x + 1, A + 1),
    (lambda x: (x - x.mean(axis=0)).std(axis=0), (A - A.mean(axis=0)).std(axis=0)),
    (lambda x: ca.rechunk(x, (5, 5)).T.sum(axis=1), A.T.sum(axis=1)),
    (lambda x: x.map_blocks(_double, dtype=float).max(), (A * 2).max()),
    (lambda x: x.argmin(axis=1), A.argmin(axis=1)),
])
def test_results_equal_numpy(make: object, expected: np.ndarray) -> None:
    x = ca.from_array(A, chunks=(3, 5))
    got = make(x).compute(scheduler="processes", num_workers=2)  # type: ignore[operator]
    np.testing.assert_allclose(got, expected)


def test_compute_several_and_persist() -> None:
    x = ca.from_array(A, chunks=4)
    with ca.config.set(scheduler="processes", num_workers=2):
        total, doubled = ca.compute(x.sum(), x * 2)
        held = x.persist()
    assert total == A.sum()
    np.testing.assert_array_equal(doubled, A * 2)
    np.testing.assert_array_equal(held.compute(scheduler="sync"), A)


def test_lambdas_run_when_cloudpickle_is_installed() -> None:
    pytest.importorskip("cloudpickle")
    x = ca.arange(9, chunks=4).map_blocks(lambda b: b + 100, dtype=int)
    np.testing.assert_array_equal(x.compute(scheduler="processes", num_workers=2),
                                  np.arange(9) + 100)


def test_an_exception_reaches_the_caller() -> None:
    x = ca.from_array(A, chunks=5).map_blocks(_fail, dtype=float)
    with pytest.raises(KeyError, match=r"no block \(5, 5\)") as info:
        x.compute(scheduler="processes", num_workers=2)
    assert any("raised while computing block" in n for n in info.value.__notes__)
    assert ca.arange(4, chunks=2).sum().compute(scheduler="processes", num_workers=2) == 6
