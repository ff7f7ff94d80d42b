"""Workloads of issue 16 (closer to the hardware): gathers, lowering and a fresh process's first
compute, beside NumPy and dask.array.

- ``gather``: ``x[perm]`` for a random permutation of 1 Mi float64 in 1,001 blocks, graph
  building included (NumPy: ``a[perm]``); the goal is at most 2 x NumPy. dask.array runs only
  with ``--quick`` (64 Ki elements, once, cold: 44-54 s measured on 2 busy cores); at full size
  its take of a shuffled index did not finish in 20 minutes.
- ``gather_computed``: the same over blocks that must be computed first
  (``x.map_blocks(np.copy)[perm]``); the reference is still NumPy's plain ``a[perm]``.
- ``lowering``: turning ``((ones + 1) * 2).sum(axis=0)`` over 200 x 200 blocks into its 42,800
  tasks (the expression is built anew each run, untimed); dask's entry is ``dask.optimize`` and
  the materialized graph of the same expression (53,400 tasks after its fusion).
- ``cold_sum``: ``from_array(a, chunks=8).sum().compute()`` over 20,000 blocks as the *first*
  compute of a fresh process (one subprocess per run; its import is not timed); compare with
  ``overhead``, the same call in a warm process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.engines import Measured, _ca, _da, once

_GATHER_N = 2**20
_GATHER_BLOCKS = 1001


def _gather_data(quick: bool) -> tuple[Any, Any, int]:
    import numpy as np

    n = _GATHER_N // 16 if quick else _GATHER_N
    a = np.random.default_rng(0).random(n)
    perm = np.random.default_rng(1).permutation(n)
    return a, perm, -(-n // _GATHER_BLOCKS)


def _dask_if(quick: bool, func: Callable[[], Any]) -> dict[str, Callable[[], Any]]:
    # dask.array's take of a shuffled index grows with blocks x blocks: only the quick size ends.
    return {"dask": once(func)} if quick else {}


def gather(quick: bool) -> dict[str, Callable[[], Any]]:
    """``from_array(a, chunks=1048)[perm].compute()`` beside NumPy's ``a[perm]``."""
    a, perm, chunks = _gather_data(quick)
    return {
        "numpy": lambda: a[perm],
        "chunkarray": lambda: _ca().from_array(a, chunks=chunks)[perm].compute(),
        **_dask_if(quick, lambda: _da().from_array(a, chunks=chunks)[perm].compute()),
    }


def gather_computed(quick: bool) -> dict[str, Callable[[], Any]]:
    """``from_array(a, chunks=1048).map_blocks(np.copy)[perm].compute()``; NumPy: ``a[perm]``."""
    import numpy as np

    a, perm, chunks = _gather_data(quick)
    return {
        "numpy": lambda: a[perm],
        "chunkarray": lambda: _ca().from_array(a, chunks=chunks).map_blocks(np.copy)[perm]
        .compute(),
        **_dask_if(quick, lambda: _da().from_array(a, chunks=chunks).map_blocks(np.copy)[perm]
                   .compute()),
    }


def lowering(quick: bool) -> dict[str, Callable[[], Any]]:
    """The tasks of ``((ones + 1) * 2).sum(axis=0)`` over 200 x 200 blocks (100 x 100 quick)."""
    n = 100 if quick else 200

    def chunkarray() -> Measured:
        from chunkarray.optimize.lowering import lower_optimized

        x = ((_ca().ones((n * 100, n * 100), chunks=100) + 1) * 2).sum(axis=0)
        start = time.perf_counter()
        lowered, _ = lower_optimized([x._node])
        return Measured(time.perf_counter() - start, f"{len(lowered):,} tasks")

    def dask() -> Measured:
        import dask

        x = ((_da().ones((n * 100, n * 100), chunks=100) + 1) * 2).sum(axis=0)
        start = time.perf_counter()
        (optimized,) = dask.optimize(x)
        tasks = dict(optimized.__dask_graph__())
        return Measured(time.perf_counter() - start, f"{len(tasks):,} tasks")

    return {"chunkarray": chunkarray, "dask": dask}


# The first compute of a fresh process: imports and set-up untimed, the first call timed.
_COLD = """
import time
import numpy as np
{setup}
a = np.ones({nblocks} * 8)
start = time.perf_counter()
{call}
print(time.perf_counter() - start)
"""
_COLD_ENGINES = {
    "numpy": ("", "a.sum()"),
    "chunkarray": ("import chunkarray as ca; ca.config.set(warn_small_chunks=False)",
                   "ca.from_array(a, chunks=8).sum().compute()"),
    "dask": ("import dask, dask.array as da; dask.config.set(scheduler='threads')",
             "da.from_array(a, chunks=8).sum().compute()"),
}


def cold_sum(quick: bool) -> dict[str, Callable[[], Any]]:
    """The first ``x.sum()`` over 20,000 blocks of 8 elements in a fresh process."""
    nblocks = 2_000 if quick else 20_000

    def fresh(engine: str) -> Callable[[], Measured]:
        setup, call = _COLD_ENGINES[engine]
        code = _COLD.format(setup=setup, call=call, nblocks=nblocks)

        def run() -> Measured:
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True)
            seconds = float(done.stdout.strip().splitlines()[-1])
            return Measured(seconds, f"{seconds / nblocks * 1e6:.2f} us/block")

        return run

    return {engine: fresh(engine) for engine in _COLD_ENGINES}


WORKLOADS: dict[str, Callable[[bool], dict[str, Callable[[], Any]]]] = {
    "gather": gather,
    "gather_computed": gather_computed,
    "lowering": lowering,
    "cold_sum": cold_sum,
}
