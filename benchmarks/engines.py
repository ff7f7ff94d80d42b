"""The engines the workloads run on, imported inside each workload's own process."""

from __future__ import annotations

import resource
from collections.abc import Callable
from typing import Any, NamedTuple


class Measured(NamedTuple):
    """What a workload returns when it times itself (a part of the call, or a subprocess): the
    runner reports ``seconds`` instead of the call's own wall time, and ``note`` beside it."""

    seconds: float
    note: str = ""


def _status(field: str) -> int:
    """A memory figure of this process from /proc (``VmRSS`` now, ``VmHWM`` its peak), in bytes.

    ``getrusage``'s peak survives ``exec``: a child started by a large parent reports the
    parent's size at the fork as its own peak, so the peak here is the kernel's high-water mark
    of this process image; ``getrusage`` is the fallback where there is no /proc.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def rss() -> int:
    """This process's resident memory now, in bytes."""
    return _status("VmRSS")


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes (every benchmark reports this)."""
    return _status("VmHWM")


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
