"""The engines the workloads run on, imported inside each workload's own process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class Measured(NamedTuple):
    """What a workload returns when it times itself (a part of the call, or a subprocess): the
    runner reports ``seconds`` instead of the call's own wall time, and ``note`` beside it."""

    seconds: float
    note: str = ""


def once(func: Callable[[], Any]) -> Callable[[], Any]:
    """``func`` marked to be run once, with no warm-up: for an engine that takes minutes."""
    func.once = True  # type: ignore[attr-defined]
    return func


def _ca() -> Any:
    import chunkarray

    chunkarray.config.set(warn_small_chunks=False)
    return chunkarray


def _da() -> Any:
    import dask
    import dask.array

    dask.config.set(scheduler="threads")
    return dask.array
