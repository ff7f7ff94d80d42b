"""Memory-limit workload: peak RSS of ``x.T @ x`` of a tall array under ``memory_limit``.

Run by hand; each case in a fresh process (peak RSS: the kernel's ``VmHWM``)::

    python benchmarks/bench_memory.py            # x of 1 GiB: (2,097,152, 64) float64
    python benchmarks/bench_memory.py --quick    # 128 MiB

x is made block by block (``ones`` plus a position-dependent term, so nothing is a constant) in
blocks of 65,536 rows (32 MiB); every output block of the Gram matrix sums a product over every
block of x, so a task holding whole panels holds x twice. The table gives wall time and the peak
RSS above the process's size before the compute, beside ``memory_limit`` (256 MiB).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

try:
    from benchmarks.engines import peak_rss, rss
except ImportError:  # run as a script: benchmarks/ itself is on the path
    from engines import peak_rss, rss  # type: ignore[no-redef]

LIMIT = "256 MiB"


def _gram(rows: int) -> dict[str, float]:
    import numpy as np

    import chunkarray as ca

    x = ca.ones((rows, 64), chunks=(65_536, 64)) + ca.arange(64, chunks=64)
    with ca.config.set(memory_limit=LIMIT):
        gram = x.T @ x
    before, start = rss(), time.perf_counter()
    result = gram.compute()
    seconds = time.perf_counter() - start
    expected = rows * np.outer(np.arange(1.0, 65.0), np.arange(1.0, 65.0))
    assert np.allclose(result, expected)
    peak = peak_rss()
    return {"seconds": seconds, "peak": peak, "extra": peak - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="128 MiB instead of 1 GiB")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_gram(int(args.child))))
        return
    rows = 2**18 if args.quick else 2**21
    done = subprocess.run([sys.executable, __file__, "--child", str(rows)], capture_output=True,
                          text=True, check=True)
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"x.T @ x, x of ({rows:,}, 64) float64 ({rows * 64 * 8 / 2**30:.2f} GiB), "
          f"memory_limit={LIMIT}: {r['seconds']:.2f} s, peak RSS {r['peak'] / 2**20:.0f} MiB "
          f"({r['extra'] / 2**20:.0f} MiB above the start)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
