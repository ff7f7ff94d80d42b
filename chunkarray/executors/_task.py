"""Running one task of a lowered graph: shared by every in-process executor."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from chunkarray.core.graph import Key, Lowered, Task, made_key

__all__ = ["Stop", "note_failure", "run_in_order", "run_task"]


def _resolve(arg: Any, results: Mapping[Key, Any]) -> Any:
    kind = type(arg)
    if kind is tuple:  # by the graph's convention a tuple argument is a key
        return results[arg]
    if kind is list:  # keys inline: a reduction's list of blocks is resolved once per task
        return [results[a] if type(a) is tuple else _resolve(a, results) for a in arg]
    return arg


def run_task(task: Task, results: Mapping[Key, Any]) -> Any:
    """Call a task's function on its resolved arguments; literal graph values are returned as is.

    This runs once per task, so it is written for speed: keys (tuples) are looked up inline and
    only nested lists go through :func:`_resolve`.
    """
    if type(task) is not tuple or not task or not callable(task[0]):
        return task
    if len(task) == 2:  # the usual shape: one input
        arg = task[1]
        kind = type(arg)
        return task[0](results[arg] if kind is tuple else
                       _resolve(arg, results) if kind is list else arg)
    return task[0](*[
        results[a] if type(a) is tuple else _resolve(a, results) for a in task[1:]
    ])


class Stop:
    """Why the rest of one computation must not run: its first failure, or the caller's interrupt.

    Every thread of the computation checks ``reason`` before each task, without a lock (it is
    set once, from ``None`` to an exception).
    """

    __slots__ = ("reason", "cancelled", "wake")

    def __init__(self) -> None:
        self.reason: BaseException | None = None
        self.cancelled = False  # by the caller, who raises the reason itself
        self.wake: Callable[[], None] | None = None  # wakes the threads waiting for work

    def cancel(self, reason: BaseException) -> None:
        """Stop the computation: no task starts after this; waiting threads are woken."""
        self.cancelled = True
        if self.reason is None:
            self.reason = reason
        wake = self.wake
        if wake is not None:
            wake()


_NOTE = "chunkarray: raised while computing block "


def note_failure(exc: BaseException, key: Key) -> None:
    """Tag a task's exception with the block it was computing; the exception stays itself.

    One note only: an exception object raised again by a later computation (a cached or
    module-level one) has the note of that earlier computation replaced, not piled on.
    """
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        notes[:] = [n for n in notes if not (isinstance(n, str) and n.startswith(_NOTE))]
    exc.add_note(f"{_NOTE}{made_key(key)!r}")


def run_in_order(lowered: Lowered, results: dict[Key, Any], remaining: list[int], keep: set[int],
                 until_slower_than: float | None = None, stop: Stop | None = None) -> int:
    """Run the tasks in order on this thread, freeing each result after its last use.

    ``remaining`` counts the consumers of each result yet to run, and ``keep`` holds the
    positions of results to keep regardless. This is the whole of the sync executor. Given
    ``until_slower_than`` (seconds), it stops after the first task that took longer and returns
    the position of the next: the threaded executor starts so, sharing the work only once it is
    worth a second thread. Given ``stop``, it returns before the first task after a
    :meth:`Stop.cancel`. Returns ``len(lowered)`` when every task has run.
    """
    order, tasks, deps = lowered.order, lowered.task_list, lowered.deps
    clock = time.perf_counter
    limit = float("inf") if until_slower_than is None else until_slower_than
    slow = False
    for i in range(len(order)):
        if stop is not None and stop.reason is not None:
            return i
        key = order[i]
        began = clock()
        try:
            results[key] = run_task(tasks[i], results)
        except Exception as exc:
            note_failure(exc, key)
            raise
        for d in deps[i]:
            left = remaining[d] - 1
            remaining[d] = left
            if not left and d not in keep:
                del results[order[d]]
        if clock() - began > limit:
            if slow:
                return i + 1
            slow = True
        else:
            slow = False
    return len(order)
