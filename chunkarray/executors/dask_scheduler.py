"""Running lowered graphs on dask: its threaded scheduler, or a ``distributed.Client``.

A lowered graph already is in dask's format (keys are tuples of ``str``/``int``, tasks are
``(callable, *args)`` of importable functions), so it is handed over unchanged. dask is imported
only when one of these executors runs: ``import chunkarray`` never imports it.

``scheduler="dask"`` uses the scheduler dask itself would pick: the one named in dask's config,
else the active distributed client, else dask's threaded scheduler. ``scheduler=client`` (any
object with ``get`` and ``submit``, such as a ``distributed.Client``) runs on that client.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from chunkarray.core.config import is_client
from chunkarray.core.graph import Key, Lowered

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


def _run(get: Callable[..., Any], lowered: Lowered, keys: Sequence[Key], **kwargs: Any
         ) -> list[Any]:
    # No chunkarray callbacks here: the tasks run inside dask, whose own diagnostics (and the
    # distributed dashboard) show them.
    return list(get(dict(lowered.tasks), list(keys), **kwargs))


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
