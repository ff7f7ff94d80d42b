"""The engines the workloads run on, imported inside each workload's own process."""

from __future__ import annotations

from typing import Any


def _ca() -> Any:
    import chunkarray

    chunkarray.config.set(warn_small_chunks=False)
    return chunkarray


def _da() -> Any:
    import dask
    import dask.array

    dask.config.set(scheduler="threads")
    return dask.array
