"""Core-engine benchmark: per-task overhead and a fused elementwise + sum on 1 GiB.

Run by hand (needs dask for the comparison: ``pip install -e ".[bench]"``)::

    python benchmarks/bench_core.py            # full sizes
    python benchmarks/bench_core.py --quick    # small sizes, a smoke run

Every workload runs for chunkarray, NumPy and dask.array in the same run; the table gives the
median wall time of several repeats and the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import chunkarray as ca

try:
    import dask
    import dask.array as da
except ImportError:  # the comparison is skipped, the rest still runs
    da = None


def median_time(func: Callable[[], Any], repeat: int) -> float:
    func()  # warm up (imports, thread start, page faults)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def task_overhead(nblocks: int, repeat: int) -> dict[str, float]:
    """A 1-D sum over ``nblocks`` tiny blocks: seconds per block."""
    a = np.ones(nblocks * 8)
    out = {
        "numpy": median_time(lambda: a.sum(), repeat) / nblocks,
        "chunkarray": median_time(lambda: ca.from_array(a, chunks=8).sum().compute(),
                                  repeat) / nblocks,
    }
    if da is not None:
        out["dask"] = median_time(lambda: da.from_array(a, chunks=8).sum().compute(),
                                  max(repeat // 2, 1)) / nblocks
    return out


def fused_sum(nbytes: int, repeat: int) -> dict[str, float]:
    """``(x * 2 + 1).sum()`` on ``nbytes`` of float64, beside NumPy's plain ``a.sum()``."""
    a = np.random.default_rng(0).random(nbytes // 8)
    x = ca.from_array(a)
    out = {
        "numpy a.sum()": median_time(lambda: a.sum(), repeat),
        "numpy (a*2+1).sum()": median_time(lambda: (a * 2 + 1).sum(), repeat),
        "chunkarray": median_time(lambda: (x * 2 + 1).sum().compute(), repeat),
    }
    if da is not None:
        d = da.from_array(a)
        out["dask"] = median_time(lambda: (d * 2 + 1).sum().compute(), repeat)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    nblocks = 2_000 if args.quick else 20_000
    nbytes = 2**24 if args.quick else 2**30
    repeat = 3 if args.quick else 5
    if da is not None:
        dask.config.set(scheduler="threads")
    ca.config.set(warn_small_chunks=False)  # the overhead workload is tiny blocks on purpose

    overhead = task_overhead(nblocks, repeat)
    print(f"\n1-D sum over {nblocks:,} blocks of 8 elements: seconds per block")
    for k, v in overhead.items():
        print(f"  {k:12s} {v * 1e6:9.2f} us/block")
    if "dask" in overhead:
        print(f"  chunkarray / dask = {overhead['chunkarray'] / overhead['dask']:.3f}")

    fused = fused_sum(nbytes, repeat)
    base = fused["numpy a.sum()"]
    print(f"\n(x * 2 + 1).sum() on {nbytes / 2**30:.3g} GiB float64 "
          f"({ca.from_array(np.empty(nbytes // 8)).npartitions} chunkarray blocks)")
    for k, v in fused.items():
        print(f"  {k:22s} {v:8.3f} s   {v / base:6.2f} x numpy a.sum()")
    if "dask" in fused:
        print(f"  chunkarray / dask = {fused['chunkarray'] / fused['dask']:.3f}")


if __name__ == "__main__":
    main()
