"""Benchmark runner: fixed workloads for chunkarray, NumPy and dask.array in one run.

Each (workload, engine) pair runs in a fresh Python process, so one engine's memory or warm caches
never help another; the table gives the median wall time of the repeats, the peak RSS of that
process, and each engine's time as a ratio to NumPy's and to dask's. Run by hand::

    pip install -e ".[bench]"
    python benchmarks/run.py                 # every workload
    python benchmarks/run.py overhead fused  # some of them
    python benchmarks/run.py --quick         # small sizes, a smoke run
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENGINES = ("numpy", "chunkarray", "dask")


# --- workloads: each returns {engine: callable to time}, building its data first -----------------------


def overhead(quick: bool) -> dict[str, Callable[[], Any]]:
    """1-D sum over 20,000 blocks of 8 elements: the cost of scheduling, per task."""
    import numpy as np

    nblocks = 2_000 if quick else 20_000
    a = np.ones(nblocks * 8)
    return {
        "numpy": lambda: a.sum(),
        "chunkarray": lambda: _ca().from_array(a, chunks=8).sum().compute(),
        "dask": lambda: _da().from_array(a, chunks=8).sum().compute(),
    }


def build(quick: bool) -> dict[str, Callable[[], Any]]:
    """Building (not computing) ``((x + 1) * 2).sum(axis=0)`` over 200 x 200 blocks."""
    n = 100 if quick else 200
    return {
        "chunkarray": lambda: ((_ca().ones((n * 100, n * 100), chunks=100) + 1) * 2).sum(axis=0),
        "dask": lambda: ((_da().ones((n * 100, n * 100), chunks=100) + 1) * 2).sum(axis=0),
    }


def fused(quick: bool) -> dict[str, Callable[[], Any]]:
    """``(x * 2 + 1).sum()`` on 1 GiB of float64 (NumPy: the same expression)."""
    import numpy as np

    a = np.random.default_rng(0).random(2**24 if quick else 2**27)
    return {
        "numpy": lambda: (a * 2 + 1).sum(),
        "chunkarray": lambda: (_ca().from_array(a) * 2 + 1).sum().compute(),
        "dask": lambda: (_da().from_array(a) * 2 + 1).sum().compute(),
    }


def plain_sum(quick: bool) -> dict[str, Callable[[], Any]]:
    """NumPy's plain ``a.sum()`` on the same 1 GiB: the memory-bandwidth floor for ``fused``."""
    import numpy as np

    a = np.random.default_rng(0).random(2**24 if quick else 2**27)
    return {"numpy": lambda: a.sum()}


def matmul(quick: bool) -> dict[str, Callable[[], Any]]:
    """4000 x 4000 matrix product in 1000 x 1000 blocks."""
    import numpy as np

    n, b = (1000, 250) if quick else (4000, 1000)
    rng = np.random.default_rng(0)
    a, c = rng.random((n, n)), rng.random((n, n))
    return {
        "numpy": lambda: a @ c,
        "chunkarray": lambda: (_ca().from_array(a, chunks=b) @ _ca().from_array(c, chunks=b))
        .compute(),
        "dask": lambda: (_da().from_array(a, chunks=b) @ _da().from_array(c, chunks=b)).compute(),
    }


WORKLOADS: dict[str, Callable[[bool], dict[str, Callable[[], Any]]]] = {
    "overhead": overhead,
    "build": build,
    "fused": fused,
    "plain_sum": plain_sum,
    "matmul": matmul,
}


def _ca() -> Any:
    import chunkarray

    chunkarray.config.set(warn_small_chunks=False)
    return chunkarray


def _da() -> Any:
    import dask
    import dask.array

    dask.config.set(scheduler="threads")
    return dask.array


# --- running ------------------------------------------------------------------------------------------


def _child(workload: str, engine: str, quick: bool, repeat: int) -> None:
    """Run one (workload, engine) in this process; print its median time and peak RSS as JSON."""
    func = WORKLOADS[workload](quick).get(engine)
    if func is None:
        print(json.dumps(None))
        return
    func()  # warm up: imports, thread start, first page faults
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    print(json.dumps({"seconds": statistics.median(times), "peak": peak}))


def _measure(workload: str, engine: str, quick: bool, repeat: int) -> dict[str, float] | None:
    cmd = [sys.executable, __file__, "--child", workload, engine, "--repeat", str(repeat)]
    if quick:
        cmd.append("--quick")
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1]}  # type: ignore[dict-item]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fmt_time(seconds: float) -> str:
    return f"{seconds * 1e3:9.2f} ms" if seconds < 1 else f"{seconds:9.3f} s "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", help=f"some of {', '.join(WORKLOADS)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats per workload")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child, quick=args.quick, repeat=args.repeat)
        return
    names = args.workloads or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workloads {unknown}; choose from {list(WORKLOADS)}")
    print(f"{'workload':10s} {'engine':11s} {'median':>12s} {'peak RSS':>10s} "
          f"{'/ numpy':>8s} {'/ dask':>8s}")
    for name in names:
        results = {e: _measure(name, e, args.quick, args.repeat) for e in ENGINES}
        for engine, r in results.items():
            if r is None:
                continue
            if "error" in r:
                print(f"{name:10s} {engine:11s} failed: {r['error']}")
                continue
            ratios = []
            for ref in ("numpy", "dask"):
                other = results.get(ref)
                ok = other and "error" not in other
                ratios.append(f"{r['seconds'] / other['seconds']:8.3f}" if ok else f"{'':8s}")
            print(f"{name:10s} {engine:11s} {_fmt_time(r['seconds'])} "
                  f"{r['peak'] / 2**20:7.0f} MiB {ratios[0]} {ratios[1]}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
