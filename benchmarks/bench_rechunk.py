"""Rechunk and take benchmark: bounded-memory rechunking, and a random permutation index.

Run by hand (``pip install -e ".[bench]"`` for dask)::

    python benchmarks/bench_rechunk.py            # 2 GiB rechunk, 1 Mi-element permutation
    python benchmarks/bench_rechunk.py --quick    # 256 MiB, a smoke run

Rechunk: a 2 GiB float64 array made block by block (``ones``), from (16384, 64) blocks to
(64, 16384) blocks with ``memory_limit="256 MiB"``, each new block summed so nothing but the
rechunk itself holds memory. ``chunkarray`` remakes the new blocks directly (a creation function
is cheap to call again); ``chunkarray-computed`` puts a ``map_blocks`` in between, so the blocks
must be moved: by default (an all-to-all rechunk) through temporary files on disk, written
whole in files of a few old blocks, under ``temporary_directory`` (the system's temporary
directory unless set; it needs 2 GiB free). ``chunkarray-computed-tasks`` asks to move them in
memory (``method="tasks"``), which would hold the whole array at once: it is refused at the call
(the row shows the refusal). Each engine runs in a fresh process; the table gives wall time and
peak RSS.

Take: ``x[perm].compute()`` for a random permutation of 1 Mi elements in 1,000 blocks, beside
NumPy's ``a[perm]``, with the number of tasks in the graph: once on a ``from_array`` read (taken
straight from the source) and once on computed blocks (a ``map_blocks`` in between).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

try:
    from benchmarks.engines import peak_rss
except ImportError:  # run as a script: benchmarks/ itself is on the path
    from engines import peak_rss  # type: ignore[no-redef]

LIMIT = "256 MiB"


def _rechunk(engine: str, n: int) -> dict[str, float]:
    start = time.perf_counter()
    if engine.startswith("chunkarray"):
        import chunkarray as ca

        x = ca.ones((n, n), chunks=(n, 64))
        method = "tasks" if engine.endswith("-tasks") else None
        if engine.startswith("chunkarray-computed"):  # blocks that must be moved, not made anew
            x = x.map_blocks(lambda b: b * 1, dtype=float)
        total = x.rechunk((64, n), memory_limit=LIMIT, method=method).map_blocks(
            lambda b: b.sum(keepdims=True), chunks=(1, 1), dtype=float).sum().compute()
    else:
        import dask
        import dask.array as da

        with dask.config.set({"array.rechunk.method": "tasks", "array.chunk-size": LIMIT}):
            x = da.ones((n, n), chunks=(n, 64))
            total = x.rechunk((64, n)).map_blocks(
                lambda b: b.sum(keepdims=True), chunks=(1, 1), dtype=float).sum().compute()
    seconds = time.perf_counter() - start
    assert total == n * n
    return {"seconds": seconds, "peak": peak_rss()}


def _take(n: int, nblocks: int, computed: bool = False) -> dict[str, float]:
    """Best of 5 of ``x[perm].compute()`` (graph building, lowering and running), beside NumPy.

    ``computed`` puts a ``map_blocks`` between the read and the index, so the elements must be
    gathered from computed blocks instead of taken straight from the source.
    """
    import numpy as np

    import chunkarray as ca
    from chunkarray.core.graph import lower
    from chunkarray.optimize.fuse import fuse

    a = np.random.default_rng(0).random(n)
    perm = np.random.default_rng(1).permutation(n)
    x = ca.from_array(a, chunks=n // nblocks)
    if computed:
        x = x.map_blocks(lambda b: b[...], dtype=x.dtype)
    y = x[perm]
    tasks = len(lower([y._node], list(y._node.keys()), fuse([y._node])).tasks)
    best_ca = best_np = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        result = x[perm].compute()
        best_ca = min(best_ca, time.perf_counter() - start)
        start = time.perf_counter()
        expected = a[perm]
        best_np = min(best_np, time.perf_counter() - start)
    assert np.array_equal(result, expected)
    return {"chunkarray": best_ca, "numpy": best_np, "tasks": tasks, "blocks": x.npartitions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="256 MiB instead of 2 GiB")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = 5792 if args.quick else 16384  # n * n * 8 bytes: 256 MiB or 2 GiB
    if args.child:
        print(json.dumps(_rechunk(args.child[0], int(args.child[1]))))
        return
    print(f"rechunk {n} x {n} float64 ({n * n * 8 / 2**30:.2f} GiB) from (n, 64) to (64, n) "
          f"blocks, memory_limit={LIMIT}")
    for engine in ("chunkarray", "chunkarray-computed", "chunkarray-computed-tasks", "dask"):
        done = subprocess.run([sys.executable, __file__, "--child", engine, str(n)],
                              capture_output=True, text=True)
        if done.returncode:
            print(f"  {engine:25s} failed: {done.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {engine:25s} {r['seconds']:8.2f} s   peak RSS {r['peak'] / 2**20:7.0f} MiB")
    n, nblocks = (2**17, 100) if args.quick else (2**20, 1000)
    print(f"\nx[perm], random permutation of {n:,} float64 in {nblocks} blocks "
          f"(best of 5, graph building included)")
    for label, computed in (("from_array", False), ("computed blocks", True)):
        t = _take(n, nblocks, computed)
        print(f"  {label:16s} {t['tasks']:6d} tasks   chunkarray {t['chunkarray'] * 1e3:8.1f} ms   "
              f"numpy {t['numpy'] * 1e3:6.1f} ms   ratio {t['chunkarray'] / t['numpy']:.1f}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
