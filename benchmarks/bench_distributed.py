"""Threads vs. a 2-worker distributed cluster on the same zarr reduction.

Run by hand (needs zarr and dask.distributed: ``pip install -e ".[zarr,distributed]"``)::

    python benchmarks/bench_distributed.py            # a ~1 GiB float32 array
    python benchmarks/bench_distributed.py --quick    # 64 MiB, a smoke run

The script writes the array into a temporary directory with zarr itself, then times
``x.mean(axis=0)`` on the ``threads`` executor and on a ``LocalCluster(n_workers=2,
threads_per_worker=1, processes=True)``, median of a few repeats after a warm-up, and prints the
wall times and their ratio. Both read from the same files, so after the first run both read from
the page cache: this measures the executors, not the disk.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import zarr
from distributed import Client, LocalCluster

import chunkarray as ca


def write_array(path: str, side: int, chunk: int) -> zarr.Array:
    """A ``side x side`` float32 zarr array of random values, written a row of chunks at a time."""
    z = zarr.open_array(path, mode="w", shape=(side, side), chunks=(chunk, chunk), dtype="f4")
    rng = np.random.default_rng(42)
    for start in range(0, side, chunk):
        z[start:start + chunk] = rng.random((min(chunk, side - start), side), dtype=np.float32)
    return zarr.open_array(path, mode="r")


def median_time(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = func()  # warm up: imports, worker start-up, page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 MiB instead of 1 GiB")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    side, chunk = (4096, 1024) if args.quick else (16384, 2048)

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        z = write_array(os.path.join(tmp, "data.zarr"), side, chunk)
        written = time.perf_counter() - start
        x = ca.from_array(z, chunks=(chunk, chunk))
        expr = x.mean(axis=0)
        print(f"array: {z.shape} float32 = {z.nbytes / 2**30:.2f} GiB, zarr chunks {z.chunks}, "
              f"{x.npartitions} blocks; written in {written:.1f} s; {os.cpu_count()} cores")

        threads, expected = median_time(lambda: expr.compute(scheduler="threads"), args.repeat)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            dist, got = median_time(lambda: expr.compute(scheduler=client), args.repeat)
        np.testing.assert_allclose(got, expected, rtol=1e-5)

    print(f"{'executor':<28}{'seconds':>10}")
    print(f"{'threads':<28}{threads:>10.3f}")
    print(f"{'distributed, 2 workers':<28}{dist:>10.3f}")
    print(f"ratio distributed / threads: {dist / threads:.2f}")


if __name__ == "__main__":
    main()
