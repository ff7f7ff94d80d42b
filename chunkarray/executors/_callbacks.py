"""Executor events for diagnostics: a module-level list of active callback objects.

An executor checks :data:`active` once per ``execute`` call. When it is empty (the usual case)
nothing else happens: the hot path is untouched. When it is not, the in-process executors run a
copy of the graph whose tasks report their own start and end (:func:`observed`), and every
callback object gets, with any method it lacks skipped::

    on_start(n_tasks)           before the first task
    on_task_start(key, thread)  in the thread that runs the task, just before it
    on_task_end(key, thread)    in the same thread, just after it (even if it raised)
    on_finish()                 after the last task, or after the failure

``thread`` is a label for the lane the task ran in: a thread name, or a process slot for the
``processes`` executor. Callbacks may be called from several threads at once.

>>> class Count:
...     def __init__(self): self.ended = 0
...     def on_task_end(self, key, thread): self.ended += 1
>>> import chunkarray as ca
>>> counter = Count()
>>> with registered(counter):
...     _ = ca.arange(6, chunks=2).sum().compute(scheduler="sync")
>>> counter.ended > 0
True
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from chunkarray.core.graph import Key, Lowered, Task, is_task

__all__ = ["active", "emit", "observed", "registered"]

#: The callback objects currently listening; diagnostics add and remove themselves.
active: list[Any] = []


@contextmanager
def registered(callback: Any) -> Iterator[Any]:
    """Listen to executor events with ``callback`` inside a ``with`` block.

    >>> with registered(object()) as cb:
    ...     len(active)
    1
    >>> len(active)
    0
    """
    active.append(callback)
    try:
        yield callback
    finally:
        active.remove(callback)


def emit(event: str, *args: Any) -> None:
    """Call ``event(*args)`` on every active callback that has it.

    >>> emit("on_finish")  # no callbacks: nothing happens
    """
    for callback in list(active):
        method = getattr(callback, event, None)
        if method is not None:
            method(*args)


def _observe(key: Key, func: Callable[..., Any], *args: Any) -> Any:
    # Module-level, so an observed task is still a plain (picklable) task.
    thread = threading.current_thread().name
    emit("on_task_start", key, thread)
    try:
        return func(*args)
    finally:
        emit("on_task_end", key, thread)


def _observed_task(key: Key, task: Task) -> Task:
    if is_task(task):
        return (partial(_observe, key, task[0]), *task[1:])
    # A literal (the array a read slices, a persisted block): a task that hands it over, so it is
    # counted like any other; it is never resolved as arguments, being bound in a partial.
    return (partial(_observe, key, _literal, task),)


def _literal(value: Any) -> Any:
    return value


def observed(lowered: Lowered) -> Lowered:
    """A copy of ``lowered`` whose tasks report their start and end to the active callbacks.

    >>> import chunkarray as ca
    >>> from chunkarray.core.graph import lower
    >>> x = ca.arange(4, chunks=2)
    >>> g = observed(lower([x._node], list(x._node.keys())))
    >>> sorted(g.tasks) == sorted(g.order)
    True
    """
    tasks = [_observed_task(k, t) for k, t in zip(lowered.order, lowered.task_list)]
    return Lowered(lowered.order, tasks, lowered.deps, lowered.ids)


def run_observed(execute: Callable[..., list[Any]], lowered: Lowered, keys: Any,
                 num_workers: int | None) -> list[Any]:
    """Run an in-process executor on the observed graph, between ``on_start`` and ``on_finish``."""
    emit("on_start", len(lowered.tasks))
    try:
        return execute(observed(lowered), keys, num_workers)
    finally:
        emit("on_finish")
