"""Workloads of issue 16 (closer to the hardware): storage read once, writes, a local cluster.

``anomaly_half`` / ``anomaly_all``: ``(x - x.mean(0)).std(0)`` on the 1 GiB float32 zarr array of
``zarr_mean`` (32 storage chunks of 32 MiB) with ``memory_limit`` half the array, and the array
plus the room the two workers need beside it (so all of it may be held). The "numpy" column is the
reference: one read of every storage chunk with zarr on two threads, nothing computed.

``zarr_write``: 1 GiB of float64 written to a new zarr array in chunks of 16 MiB (zarr's default
codecs); "numpy" is zarr's own ``z[...] = a``.

``hdf5_write``: 256 MiB of float64 (16 blocks of 16 MiB, one storage chunk each) written to a new
HDF5 dataset with gzip level 1 after the byte shuffle; "numpy" is h5py's own single call
``f.create_dataset(..., data=a)`` with the same chunks and filters, dask is ``da.to_hdf5``. Each
run writes a new file (the previous one is removed inside the timed call, for every engine).

``cluster_mean``: ``from_zarr(p).mean(axis=0)`` on a ``LocalCluster`` of 2 worker processes (one
thread each), started once per process; chunkarray's graph (``compute(scheduler=client)``) and
dask.array's own graph on that cluster. "numpy" reads the array whole with zarr and averages it.
"""

from __future__ import annotations

import atexit
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.engines import _ca, _da
from benchmarks.run import _zarr_array


def _anomaly_shape(quick: bool) -> tuple[tuple[int, int], int]:
    return ((4096, 2048), 512) if quick else ((32768, 8192), 1024)


def _read_once(path: str, threads: int = 2) -> float:
    """Every storage chunk of the array read once, ``threads`` at a time, and dropped."""
    import zarr

    z = zarr.open_array(path, mode="r")
    step = z.chunks[0]

    def read(start: int) -> float:
        return float(z[start:start + step][0, 0])

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(read, range(0, z.shape[0], step)))


def _anomaly(quick: bool, limit_of: Callable[[int, int], int]) -> dict[str, Callable[[], Any]]:
    shape, rows = _anomaly_shape(quick)
    path = _zarr_array(shape, rows)
    nbytes, block = shape[0] * shape[1] * 4, rows * shape[1] * 4

    def chunkarray() -> Any:
        ca = _ca()
        x = ca.from_zarr(path)
        with ca.config.set(memory_limit=limit_of(nbytes, block), num_workers=2):
            return (x - x.mean(axis=0)).std(axis=0).compute()

    def dask() -> Any:
        x = _da().from_zarr(path)
        return (x - x.mean(axis=0)).std(axis=0).compute(num_workers=2)

    return {"numpy": lambda: _read_once(path), "chunkarray": chunkarray, "dask": dask}


def anomaly_half(quick: bool) -> dict[str, Callable[[], Any]]:
    """The anomaly with ``memory_limit`` half the array."""
    return _anomaly(quick, lambda nbytes, block: nbytes // 2)


def anomaly_all(quick: bool) -> dict[str, Callable[[], Any]]:
    """The anomaly with ``memory_limit`` the array and the room each of 2 workers needs."""
    per_worker = _ca().optimize.holding.BLOCKS_PER_WORKER
    return _anomaly(quick, lambda nbytes, block: nbytes + 2 * per_worker * block)


def zarr_write(quick: bool) -> dict[str, Callable[[], Any]]:
    """1 GiB of float64 written to zarr in 16 MiB chunks (64 MiB, 2 MiB chunks with --quick)."""
    import numpy as np

    shape, chunks = ((4096, 2048), (128, 2048)) if quick else ((16384, 8192), (256, 8192))
    a = np.random.default_rng(0).standard_normal(shape)
    root = Path(tempfile.gettempdir(), "chunkarray-bench")
    root.mkdir(exist_ok=True)

    def numpy() -> None:
        import zarr

        z = zarr.create_array(root / "write-zarr.zarr", shape=shape, chunks=chunks,
                              dtype=a.dtype, overwrite=True)
        z[...] = a

    def chunkarray() -> None:
        _ca().from_array(a, chunks=chunks).to_zarr(root / "write-chunkarray.zarr",
                                                   overwrite=True)

    def dask() -> None:
        _da().from_array(a, chunks=chunks).to_zarr(str(root / "write-dask.zarr"),
                                                   overwrite=True)

    return {"numpy": numpy, "chunkarray": chunkarray, "dask": dask}


def hdf5_write(quick: bool) -> dict[str, Callable[[], Any]]:
    """256 MiB of float64 written to HDF5 with gzip 1 and shuffle (16 MiB with --quick)."""
    import numpy as np

    shape, chunks = ((1024, 2048), (128, 2048)) if quick else ((4096, 8192), (256, 8192))
    a = np.random.default_rng(0).standard_normal(shape)
    root = Path(tempfile.gettempdir(), "chunkarray-bench")
    root.mkdir(exist_ok=True)
    filters = dict(compression="gzip", compression_opts=1, shuffle=True)

    def fresh(name: str) -> Path:
        path = root / f"write-{name}.h5"
        path.unlink(missing_ok=True)
        return path

    def numpy() -> None:
        import h5py

        with h5py.File(fresh("h5py"), "w") as f:
            f.create_dataset("x", data=a, chunks=chunks, **filters)

    def chunkarray() -> None:
        _ca().from_array(a, chunks=chunks).to_hdf5(fresh("chunkarray"), "x", **filters)

    def dask() -> None:
        _da().to_hdf5(fresh("dask"), "/x", _da().from_array(a, chunks=chunks), **filters)

    return {"numpy": numpy, "chunkarray": chunkarray, "dask": dask}


def _cluster() -> Any:
    """A client of a 2-process LocalCluster, closed when the process exits."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    client = Client(cluster)
    atexit.register(cluster.close)
    atexit.register(client.close)
    return client


def _settled(client: Any) -> Any:
    """``client`` once the cluster has forgotten the previous run's keys: a repeat of the same
    graph must compute again, not find the last result still held."""
    for _ in range(200):
        if not client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)):
            break
        time.sleep(0.01)
    return client


def cluster_mean(quick: bool) -> dict[str, Callable[[], Any]]:
    """``from_zarr(p).mean(axis=0)`` over 1 GiB of float32 on a 2-worker LocalCluster."""
    shape, rows = _anomaly_shape(quick)
    path = _zarr_array(shape, rows)
    state: dict[str, Any] = {}

    def client() -> Any:
        if "client" not in state:
            state["client"] = _cluster()
        return _settled(state["client"])

    def numpy() -> Any:
        import zarr

        return zarr.open_array(path, mode="r")[...].mean(axis=0)

    def chunkarray() -> Any:
        return _ca().from_zarr(path).mean(axis=0).compute(scheduler=client())

    def dask() -> Any:
        return _da().from_zarr(path).mean(axis=0).compute(scheduler=client())

    return {"numpy": numpy, "chunkarray": chunkarray, "dask": dask}


WORKLOADS: dict[str, Callable[[bool], dict[str, Callable[[], Any]]]] = {
    "anomaly_half": anomaly_half,
    "anomaly_all": anomaly_all,
    "zarr_write": zarr_write,
    "hdf5_write": hdf5_write,
    "cluster_mean": cluster_mean,
}
