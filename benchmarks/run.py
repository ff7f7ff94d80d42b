"""Benchmark runner: fixed workloads for chunkarray, NumPy and dask.array in one run.

Each (workload, engine) pair runs in a fresh Python process, so one engine's memory or warm caches
never help another; the table gives the median wall time of the repeats, the peak RSS of that
process, and each engine's time as a ratio to NumPy's and to dask's. Run by hand::

    pip install -e ".[bench]"
    python -m benchmarks                 # every workload
    python -m benchmarks overhead fused  # some of them
    python -m benchmarks --quick         # small sizes, a smoke run

Workloads: ``overhead`` (per-task cost), ``build`` (graph building over 200 x 200 blocks),
``fused`` and ``plain_sum`` (an elementwise chain and a reduction on 1 GiB), ``matmul``,
``slicing`` (a strided, offset selection across blocks) and ``zarr_mean`` (a mean over a zarr
array written once under the temporary directory's ``chunkarray-bench``), and those of the
``wl_*.py`` modules. A workload that returns :class:`~benchmarks.engines.Measured` timed itself
(part of its call, or a subprocess); one marked :func:`~benchmarks.engines.once` runs once, cold.
Every timed run is printed beside the median.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.engines import Measured, _ca, _da, peak_rss

ENGINES = ("numpy", "chunkarray", "dask")
_ROOT = Path(__file__).resolve().parent.parent


# --- workloads: each returns {engine: callable to time}, building its data first ---------------


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


def slicing(quick: bool) -> dict[str, Callable[[], Any]]:
    """``x[r::3, 100:-100] + 1`` on 1 GiB of float64 in 128 MiB blocks, computed to NumPy.

    The step and the offsets cut across block boundaries, so every block is sliced differently;
    the result (~300 MiB) must be gathered from strided pieces of every block and assembled.
    """
    import numpy as np

    (rows, cols), block = ((2048, 1024), 512) if quick else ((16384, 8192), 4096)
    a = np.random.default_rng(0).random((rows, cols))
    r = rows // 16

    def numpy() -> Any:
        return a[r::3, 100:-100] + 1

    def chunkarray() -> Any:
        return (_ca().from_array(a, chunks=block)[r::3, 100:-100] + 1).compute()

    def dask() -> Any:
        return (_da().from_array(a, chunks=block)[r::3, 100:-100] + 1).compute()

    return {"numpy": numpy, "chunkarray": chunkarray, "dask": dask}


def zarr_mean(quick: bool) -> dict[str, Callable[[], Any]]:
    """``from_zarr(path).mean(axis=0)`` over 1 GiB of float32 in 32 MiB storage chunks.

    The array is written once (outside the timed call) and reused by later runs; NumPy reads it
    whole with zarr and takes the same mean, so it pays for the read as the others do.
    """
    shape, chunk_rows = ((4096, 2048), 512) if quick else ((32768, 8192), 1024)
    path = _zarr_array(shape, chunk_rows)

    def numpy() -> Any:
        import zarr

        return zarr.open_array(path, mode="r")[...].mean(axis=0)

    return {
        "numpy": numpy,
        "chunkarray": lambda: _ca().from_zarr(path).mean(axis=0).compute(),
        "dask": lambda: _da().from_zarr(path).mean(axis=0).compute(),
    }


def _zarr_array(shape: tuple[int, int], chunk_rows: int) -> str:
    """The path of a float32 zarr array of ``shape`` in chunks of ``chunk_rows`` whole rows.

    Written chunk by chunk (so the setup never holds the whole array) into a temporary name and
    renamed when complete, so an interrupted write is never mistaken for the array.
    """
    import shutil

    import numpy as np
    import zarr

    path = Path(tempfile.gettempdir(), "chunkarray-bench", f"zarr_mean-{shape[0]}x{shape[1]}.zarr")
    chunks = (chunk_rows, shape[1])
    try:
        z = zarr.open_array(path, mode="r")
        if z.shape == shape and z.chunks == chunks and z.dtype == np.float32:
            return str(path)
    except (FileNotFoundError, ValueError, TypeError, zarr.errors.BaseZarrError):
        pass
    partial = path.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    z = zarr.create_array(partial, shape=shape, chunks=chunks, dtype="float32")
    rng = np.random.default_rng(0)
    for start in range(0, shape[0], chunk_rows):
        rows = min(chunk_rows, shape[0] - start)
        z[start:start + rows] = rng.standard_normal((rows, shape[1]), dtype=np.float32) + 1
    shutil.rmtree(path, ignore_errors=True)
    partial.rename(path)
    return str(path)


WORKLOADS: dict[str, Callable[[bool], dict[str, Callable[[], Any]]]] = {
    "overhead": overhead,
    "build": build,
    "fused": fused,
    "plain_sum": plain_sum,
    "matmul": matmul,
    "slicing": slicing,
    "zarr_mean": zarr_mean,
}
# Each family of operations keeps its workloads in a module of its own, ``benchmarks/wl_*.py``,
# with a ``WORKLOADS`` table of the same form.
for _path in sorted(Path(__file__).resolve().parent.glob("wl_*.py")):
    WORKLOADS.update(importlib.import_module(f"benchmarks.{_path.stem}").WORKLOADS)


# --- running -------------------------------------------------------------------------------


def _child(workload: str, engine: str, quick: bool, repeat: int) -> None:
    """Run one (workload, engine) in this process; print its median time and peak RSS as JSON."""
    func = WORKLOADS[workload](quick).get(engine)
    if func is None:
        print(json.dumps(None))
        return
    if getattr(func, "once", False):  # an engine that takes minutes: one cold run
        repeat = 1
    else:
        func()  # warm up: imports, thread start, first page faults
    times, notes = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
        if isinstance(result, Measured):  # the workload timed itself (see engines.Measured)
            elapsed = result.seconds
            notes.append(result.note)
        times.append(elapsed)
    peak = peak_rss()
    print(json.dumps({"seconds": statistics.median(times), "peak": peak, "runs": times,
                      "note": notes[times.index(statistics.median_low(times))] if notes else ""}))


def _measure(workload: str, engine: str, quick: bool, repeat: int) -> dict[str, float] | None:
    cmd = [sys.executable, "-m", "benchmarks", "--child", workload, engine, "--repeat", str(repeat)]
    if quick:
        cmd.append("--quick")
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=_ROOT)
    if done.returncode:
        # A child killed by a signal (the kernel's OOM killer sends SIGKILL) leaves no stderr:
        # say so, rather than fail on the empty message and lose the whole table.
        lines = done.stderr.strip().splitlines()
        killed = f" (killed by signal {-done.returncode}; out of memory?)" \
            if done.returncode < 0 else ""
        why = lines[-1] if lines else f"exit status {done.returncode}{killed}"
        return {"error": why}  # type: ignore[dict-item]
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
            runs = " ".join(f"{t * 1e3:.1f}" for t in r.get("runs", []))
            note = f"  {r['note']}" if r.get("note") else ""
            print(f"{name:10s} {engine:11s} {_fmt_time(r['seconds'])} "
                  f"{r['peak'] / 2**20:7.0f} MiB {ratios[0]} {ratios[1]}  runs (ms): {runs}{note}")


if __name__ == "__main__":
    main()
