"""Zarr benchmark: reductions over a float32 zarr array, beside dask.array and a plain zarr read.

Run by hand (needs zarr and, for the comparison, dask: ``pip install -e ".[bench,zarr]"``)::

    python benchmarks/bench_zarr.py              # a 4 GiB array
    python benchmarks/bench_zarr.py --gib 0.5    # a quick run

The array is written once with ``chunkarray.to_zarr``; then every workload runs in a fresh
subprocess, so its peak RSS (the kernel's ``VmHWM``) is its own, measured beside the RSS right
after the imports. Workloads: reading every chunk with zarr alone (the floor),
``from_zarr(path).mean(axis=0)`` and the anomaly pattern ``(x - x.mean(axis=0)).std(axis=0)``,
each with chunkarray and dask.array.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

try:
    from benchmarks.engines import peak_rss, rss
except ImportError:  # run as a script: benchmarks/ itself is on the path
    from engines import peak_rss, rss  # type: ignore[no-redef]

COLUMNS = 8192  # a row is 32 KiB of float32
CHUNK_ROWS = 1024  # storage chunks of 1024 x 8192 float32 = 32 MiB
MiB = 2**20


# --- the workloads, each run in its own process --------------------------------------------------


def _read_all(path: str, threads: int) -> float:
    import zarr

    z = zarr.open_array(path, mode="r")
    starts = range(0, z.shape[0], z.chunks[0])
    total = 0.0

    def read(start: int) -> float:
        return float(z[start:start + z.chunks[0]][0, 0])  # touch it; the block is dropped

    with ThreadPoolExecutor(threads) as pool:
        for v in pool.map(read, starts):
            total += v
    return total


def _workload(name: str, path: str) -> Any:
    if name == "zarr-read-1":
        return _read_all(path, 1)
    if name == "zarr-read-n":
        return _read_all(path, os.cpu_count() or 1)
    engine, op = name.split("-", 1)
    if engine == "chunkarray":
        import chunkarray as ca

        x = ca.from_zarr(path)
    else:
        import dask
        import dask.array as da

        dask.config.set(scheduler="threads")
        x = da.from_zarr(path)
    result = x.mean(axis=0) if op == "mean" else (x - x.mean(axis=0)).std(axis=0)
    return np.asarray(result.compute(), dtype=np.float64).tolist()


def worker(name: str, path: str) -> None:
    """Run one workload and print its time and memory as JSON (in a fresh process)."""
    if name.startswith("chunkarray"):
        import chunkarray  # noqa: F401 - imports count towards the baseline, not the workload
    elif name.startswith("dask"):
        import dask.array  # noqa: F401
    import zarr  # noqa: F401

    baseline = rss()
    start = time.perf_counter()
    result = _workload(name, path)
    seconds = time.perf_counter() - start
    peak = peak_rss()
    print(json.dumps({"seconds": seconds, "peak": peak, "baseline": baseline, "result": result}))


def run(name: str, path: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--worker", name, "--path", path],
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"workload {name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- setting up and reporting --------------------------------------------------------------------


def write_array(path: str, gib: float) -> tuple[tuple[int, int], float]:
    import chunkarray as ca

    rows = max(int(gib * 2**30 / (4 * COLUMNS)), 1)

    def random_block(block: np.ndarray, block_id: tuple[int, ...] = ()) -> np.ndarray:
        rng = np.random.default_rng(block_id[0])
        return rng.standard_normal(block.shape, dtype=np.float32) * 3 + block_id[0]

    x = ca.zeros((rows, COLUMNS), dtype=np.float32, chunks=(CHUNK_ROWS, COLUMNS))
    x = x.map_blocks(random_block, dtype=np.float32)
    start = time.perf_counter()
    x.to_zarr(path, overwrite=True)
    return (rows, COLUMNS), time.perf_counter() - start


def _mib(n: float) -> str:
    return f"{n / MiB:,.0f} MiB"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def report(shape: tuple[int, int], write_seconds: float, results: dict[str, dict[str, Any]]
           ) -> None:
    nbytes = shape[0] * shape[1] * 4
    nchunks = -(-shape[0] // CHUNK_ROWS)
    print(f"array: {nbytes / 2**30:.2f} GiB float32 {shape}, storage chunks ({CHUNK_ROWS}, "
          f"{COLUMNS}) = {CHUNK_ROWS * COLUMNS * 4 // MiB} MiB, {nchunks} chunks, "
          f"{os.cpu_count()} cores")
    print(f"written with chunkarray.to_zarr in {write_seconds:.2f} s "
          f"({nbytes / MiB / write_seconds:,.0f} MiB/s)\n")
    header = f"{'workload':<34}{'time':>9}{'peak RSS':>12}{'RSS - base':>12}"
    print(header + f"{'vs read(n)':>12}{'vs dask t':>11}{'vs dask RSS':>13}")
    print("-" * (len(header) + 36))
    floor = results["zarr-read-n"]["seconds"]
    rows = [("zarr-read-1", "zarr: read every chunk, 1 thread"),
            ("zarr-read-n", f"zarr: read every chunk, {os.cpu_count()} threads")]
    for op, label in (("mean", "mean(axis=0)"), ("anomaly", "(x - x.mean(0)).std(0)")):
        rows += [(f"chunkarray-{op}", f"chunkarray {label}"), (f"dask-{op}", f"dask.array {label}")]
    for key, label in rows:
        if key not in results:
            continue
        r = results[key]
        line = (f"{label:<34}{r['seconds']:>8.2f}s{_mib(r['peak']):>12}"
                f"{_mib(r['peak'] - r['baseline']):>12}{_ratio(r['seconds'], floor):>12}")
        other = results.get(key.replace("chunkarray", "dask")) if key.startswith("chunk") else None
        if other is not None:
            line += f"{_ratio(r['seconds'], other['seconds']):>11}"
            line += f"{_ratio(r['peak'] - r['baseline'], other['peak'] - other['baseline']):>13}"
        print(line)
    for op in ("mean", "anomaly"):
        a, b = results.get(f"chunkarray-{op}"), results.get(f"dask-{op}")
        if a and b and not np.allclose(a["result"], b["result"], rtol=1e-4, atol=1e-4):
            print(f"WARNING: chunkarray and dask disagree on {op}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=4.0, help="array size in GiB (default 4)")
    parser.add_argument("--path", help="where to write the zarr array (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the array after the run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.path)
        return
    tmp = None
    if args.path is None:
        tmp = tempfile.mkdtemp(prefix="bench_zarr-")
        args.path = os.path.join(tmp, "x.zarr")
    try:
        shape, write_seconds = write_array(args.path, args.gib)
        try:
            import dask.array  # noqa: F401
            engines = ["chunkarray", "dask"]
        except ImportError:
            engines = ["chunkarray"]
        names = ["zarr-read-1", "zarr-read-n"] + [
            f"{e}-{op}" for op in ("mean", "anomaly") for e in engines]
        results = {}
        for name in names:
            results[name] = run(name, args.path)
        report(shape, write_seconds, results)
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
