"""Running on a real distributed cluster: two worker processes started by the tests themselves."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import chunkarray as ca
from chunkarray.core.graph import lower
from chunkarray.optimize.fuse import fuse

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster, set_as_default=False) as c:
            yield c


def _fail(block: np.ndarray) -> np.ndarray:  # module level: workers import it by name
    raise ValueError(f"bad block of shape {block.shape}")


A = np.arange(96.0).reshape(8, 12)


def test_compute_on_client(client: Any) -> None:
    x = ca.from_array(A, chunks=(3, 5))
    np.testing.assert_allclose((x - x.mean(axis=0)).std(axis=0).compute(scheduler=client),
                               (A - A.mean(axis=0)).std(axis=0))
    with ca.config.set(scheduler=client):
        assert ca.config.get("scheduler") is client
        assert x.sum().compute() == A.sum()


def test_client_compute_and_dask_compute(client: Any) -> None:
    x = ca.from_array(A, chunks=4)
    np.testing.assert_array_equal(client.compute((x * 2).to_dask()).result(), A * 2)
    total, top, plain = dask.compute(x.sum().to_dask(), x.max(axis=1).to_dask(), 3,
                                     scheduler=client)
    assert total == A.sum() and plain == 3
    np.testing.assert_array_equal(top, A.max(axis=1))


def test_persist_then_compute(client: Any) -> None:
    x = ca.from_array(A, chunks=(5, 5))
    held = x.persist(scheduler=client)  # our persist: blocks gathered to the caller
    np.testing.assert_array_equal((held + 1).compute(scheduler=client), A + 1)
    remote = client.persist((x * 3).to_dask()).array  # blocks stay on the workers as futures
    assert remote.chunks == x.chunks
    np.testing.assert_array_equal(remote.compute(scheduler=client), A * 3)
    np.testing.assert_array_equal(client.compute(remote.sum(axis=0).to_dask()).result(),
                                  (A * 3).sum(0))
    np.testing.assert_array_equal(remote.compute(scheduler="threads"), A * 3)  # waits on them


def test_zarr_array_read_on_workers(client: Any, tmp_path: Any) -> None:
    zarr = pytest.importorskip("zarr")
    path = str(tmp_path / "data.zarr")
    z = zarr.open_array(path, mode="w", shape=(20, 9), chunks=(6, 4), dtype="f4")
    data = np.random.default_rng(0).random((20, 9), dtype=np.float32)
    z[:] = data
    x = ca.from_array(zarr.open_array(path, mode="r"), chunks=(6, 4))
    np.testing.assert_allclose(x.mean(axis=0).compute(scheduler=client), data.mean(axis=0),
                               rtol=1e-6)


def test_task_exception_reaches_the_caller(client: Any) -> None:
    x = ca.from_array(A, chunks=4).map_blocks(_fail, dtype=float)
    with pytest.raises(ValueError, match=r"bad block of shape \(4, 4\)"):
        x.compute(scheduler=client)
    with pytest.raises(ValueError, match="bad block"):
        client.compute(x.sum().to_dask()).result()


def test_config_accepts_only_client_like_objects() -> None:
    with pytest.raises(TypeError, match="distributed.Client"):
        ca.config.set(scheduler=object())


def _expressions() -> dict[str, ca.ChunkedArray]:
    x = ca.from_array(A, chunks=(3, 5))
    return {
        "elementwise": np.sin(x) * 2 + 1, "mean": x.mean(axis=0), "var": x.var(axis=1, ddof=1),
        "argmax": x.argmax(axis=0), "rechunk": ca.rechunk(x, (4, 6)), "transpose": x.T,
        "astype": x.astype(np.float32), "where": ca.where(x > 3, x, 0), "blocks": x.blocks[0],
        "arange": ca.arange(10, chunks=3) * 2, "eye": ca.eye(5, chunks=2),
        "divmod": divmod(x, 3)[1], "nanmax": ca.nanmax(x, axis=0), "persisted": x.persist() + 1,
        "centered": x - x.mean(axis=0), "map_blocks": x.map_blocks(np.negative, dtype=float),
    }


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("name", sorted(_expressions()))
def test_every_task_pickles(name: str, fused: bool) -> None:
    # Standard pickle, not cloudpickle: task functions must be importable on any worker.
    y = _expressions()[name]
    roots = [y._node]
    for task in lower(roots, y._node.keys(), fuse(roots) if fused else None).tasks.values():
        pickle.loads(pickle.dumps(task))
