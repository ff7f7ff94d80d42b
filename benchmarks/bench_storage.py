"""Storage rechunk workload: a zarr array read in its storage chunks, rechunked across them and
written to zarr, beside dask.array doing the same.

Run by hand (each engine in a fresh process; the input is made once and kept)::

    python benchmarks/bench_storage.py                 # 2 GiB float32, as in issue 11
    python benchmarks/bench_storage.py --quick         # 128 MiB, a smoke run
    python benchmarks/bench_storage.py --dir /data/bench   # where the zarr arrays go (default: tmp)

The input is float32 of shape (16384, 32768) stored in (16384, 64) chunks (4 MiB each, zstd by
zarr's default), read with its own chunks and rechunked to (64, 8192) blocks (2 MiB, 1,024 of
them) with ``memory_limit="256 MiB"``, then written with ``to_zarr``. Every new block needs a
piece of 128 storage chunks: made from storage directly, each would decompress 512 MiB. The table
gives wall time, peak RSS, and the peak above the process's RSS just before the compute began
("extra"), to hold against the goal of 4 x workers x block + 200 MiB (block: a storage chunk).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    from benchmarks.engines import peak_rss, rss
except ImportError:  # run as a script: benchmarks/ itself is on the path
    from engines import peak_rss, rss  # type: ignore[no-redef]

LIMIT = "256 MiB"
FULL = ((16384, 32768), (16384, 64), (64, 8192))
QUICK = ((4096, 8192), (4096, 64), (64, 2048))


def _make_input(path: str, shape: tuple[int, int], stored: tuple[int, int]) -> None:
    """The input array, written once (random float32, so compression does not flatter reads)."""
    import numpy as np
    import zarr

    if os.path.exists(os.path.join(path, "zarr.json")):
        return
    z = zarr.create_array(path, shape=shape, chunks=stored, dtype="f4", overwrite=True)
    rng = np.random.default_rng(0)
    step = stored[1] * 64
    for j in range(0, shape[1], step):
        z[:, j:j + step] = rng.random((shape[0], min(step, shape[1] - j)), dtype=np.float32)


def _run(engine: str, source: str, target: str, new: tuple[int, int]) -> dict[str, float]:
    if engine == "chunkarray":
        import chunkarray as ca

        x = ca.from_zarr(source)
        before, start = rss(), time.perf_counter()
        x.rechunk(new, memory_limit=LIMIT).to_zarr(target, overwrite=True)
        workers = ca.config.get("num_workers") or os.cpu_count()
    else:
        import dask
        import dask.array as da

        dask.config.set(scheduler="threads")
        x = da.from_zarr(source)
        before, start = rss(), time.perf_counter()
        with dask.config.set({"array.chunk-size": LIMIT}):
            x.rechunk(new).to_zarr(target, overwrite=True)
        workers = os.cpu_count()
    seconds = time.perf_counter() - start
    peak = peak_rss()
    return {"seconds": seconds, "peak": peak, "extra": peak - before, "workers": workers or 1}


def _check(source: str, target: str) -> bool:
    """The written array equals the input (compared a storage chunk's worth of rows at a time)."""
    import numpy as np
    import zarr

    a, b = zarr.open_array(source, mode="r"), zarr.open_array(target, mode="r")
    rows = 1024
    return all(np.array_equal(a[i:i + rows], b[i:i + rows]) for i in range(0, a.shape[0], rows))


def _warm(path: str) -> None:
    """Read every file of the input once, untimed, so that each engine finds it in the page
    cache: after a pause the machine may have dropped it, and the first engine would pay for the
    disk reads (measured: the engine run first after 90 s idle took 1.2-1.3 x its usual time,
    whichever it was), while the check after each run reads it back in for the next one."""
    for folder, _, names in os.walk(path):
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                while f.read(2**24):
                    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="128 MiB instead of 2 GiB")
    parser.add_argument("--dir", default=None, help="where the zarr arrays go")
    parser.add_argument("--engines", default="chunkarray,dask")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    shape, stored, new = QUICK if args.quick else FULL
    if args.child:
        engine, source, target, _ = args.child
        print(json.dumps(_run(engine, source, target, new)))
        return
    root = args.dir or os.path.join(tempfile.gettempdir(), "chunkarray-bench-storage")
    os.makedirs(root, exist_ok=True)
    source = os.path.join(root, f"in-{shape[0]}x{shape[1]}.zarr")
    _make_input(source, shape, stored)
    block = stored[0] * stored[1] * 4
    print(f"rechunk float32 {shape} ({shape[0] * shape[1] * 4 / 2**30:.2f} GiB) stored in "
          f"{stored} to {new}, memory_limit={LIMIT}, written with to_zarr")
    _warm(source)
    for engine in args.engines.split(","):
        target = os.path.join(root, f"out-{engine}.zarr")
        done = subprocess.run([sys.executable, __file__, "--child", engine, source, target, "-"],
                              capture_output=True, text=True)
        if done.returncode:
            print(f"  {engine:12s} failed: {done.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        goal = 4 * r["workers"] * block + 200 * 2**20
        print(f"  {engine:12s} {r['seconds']:8.2f} s   peak RSS {r['peak'] / 2**20:6.0f} MiB   "
              f"extra {r['extra'] / 2**20:6.0f} MiB (goal {goal / 2**20:.0f})   "
              f"equal: {_check(source, target)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
