"""Running lowered graphs on dask: its threaded scheduler, or a ``distributed.Client``.

A lowered graph already is in dask's format (keys are tuples of ``str``/``int``, tasks are
``(callable, *args)`` of importable functions), so it is handed over unchanged. dask is imported
only when one of these executors runs: ``import chunkarray`` never imports it.

``scheduler="dask"`` uses the scheduler dask itself would pick: the one named in dask's config,
else the active distributed client, else dask's threaded scheduler. ``scheduler=client`` (any
object with ``get`` and ``submit``, such as a ``distributed.Client``) runs on that client.

dask's threads do not carry the caller's :mod:`contextvars` context: inside a ``with
config.set(...)`` block, each task is wrapped to run with that block's settings, so a task sees
the same settings on every executor.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from chunkarray.core import config
from chunkarray.core.config import is_client
from chunkarray.core.graph import Key, Lowered, is_task

__all__ = ["execute", "execute_on", "is_client", "on_client"]


def _dask_get() -> Callable[..., Any]:
    import dask
    import dask.threaded

    if dask.config.get("scheduler", None) is not None or "distributed" in sys.modules:
        # dask's own choice: its config, or the active client (only possible once distributed is
        # imported, so a plain run never pays for importing it).
        from dask.base import get_scheduler

        chosen = get_scheduler()
        if chosen is not None:
            return chosen
    return dask.threaded.get


def _with_settings(settings: dict[str, Any], func: Callable[..., Any], *args: Any) -> Any:
    with config.set(**settings):
        return func(*args)


def _in_block(graph: dict[Key, Any], settings: dict[str, Any]) -> dict[Key, Any]:
    """``graph`` with every task run under ``settings`` (a with block's, seen by the caller)."""
    return {key: (partial(_with_settings, settings, task[0]), *task[1:]) if is_task(task)
            else task for key, task in graph.items()}


def _run(get: Callable[..., Any], lowered: Lowered, keys: Sequence[Key], **kwargs: Any
         ) -> list[Any]:
    # No chunkarray callbacks here: the tasks run inside dask, whose own diagnostics (and the
    # distributed dashboard) show them.
    graph = dict(lowered.tasks)
    settings = config.local()
    settings.pop("scheduler", None)  # a task's own computations don't go back to the caller's
    if settings:
        graph = _in_block(graph, settings)
    return list(get(graph, list(keys), **kwargs))


def execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None = None) -> list[Any]:
    """Run ``lowered`` with the scheduler dask would choose (``scheduler="dask"``).

    >>> import chunkarray as ca
    >>> ca.arange(6, chunks=2).sum().compute(scheduler="dask")
    np.int64(15)
    """
    get = _dask_get()
    import dask.threaded

    if get is dask.threaded.get:
        return _run(get, lowered, keys, num_workers=num_workers)
    return _run(get, lowered, keys)


def execute_on(client: Any, lowered: Lowered, keys: Sequence[Key],
               num_workers: int | None = None) -> list[Any]:
    """Run ``lowered`` on a ``distributed.Client``; results are gathered to the caller.

    >>> from distributed import Client  # doctest: +SKIP
    >>> ca.arange(6, chunks=2).sum().compute(scheduler=Client())  # doctest: +SKIP
    np.int64(15)
    """
    return _run(client.get, lowered, keys, sync=True)


def on_client(client: Any) -> Callable[..., list[Any]]:
    """The executor that runs graphs on ``client``.

    >>> on_client(None).func is execute_on
    True
    """
    return partial(execute_on, client)
