"""Executors run lowered task graphs; they see graphs, never arrays.

The contract, shared by every implementation::

    execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None) -> list[values]

returns the value of each key in ``keys``. A task's exception reaches the caller as itself, with a
note naming the block's key; the remaining tasks are cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chunkarray.core import config
from chunkarray.core.graph import Key, Lowered
from chunkarray.executors import dask_scheduler, processes, sync, threads

__all__ = ["Execute", "get_executor", "shares_memory"]

Execute = Callable[[Lowered, Sequence[Key], "int | None"], list[Any]]

_EXECUTORS: dict[str, Execute] = {
    "threads": threads.execute,
    "sync": sync.execute,
    "processes": processes.execute,
    "dask": dask_scheduler.execute,
}


def get_executor(scheduler: Any = None) -> Execute:
    """The executor for a scheduler name or ``distributed.Client`` (the configured one if ``None``).

    >>> get_executor("sync") is sync.execute
    True
    """
    if scheduler is None:
        scheduler = config.get("scheduler")
    if dask_scheduler.is_client(scheduler):
        return dask_scheduler.on_client(scheduler)
    name = config.SCHEDULERS.get(scheduler) if isinstance(scheduler, str) else None
    if name is None:
        raise ValueError(
            f"scheduler={scheduler!r} is not a known scheduler; choose one of "
            f"{sorted(config.SCHEDULERS)}"
        )
    return _EXECUTORS[name]


def shares_memory(execute: Execute) -> bool:
    """Whether ``execute`` runs tasks in this process, so they may write into the caller's arrays.

    >>> shares_memory(get_executor("threads")), shares_memory(get_executor("processes"))
    (True, False)
    """
    return execute in (threads.execute, sync.execute)
