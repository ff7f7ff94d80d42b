"""Running one task of a lowered graph: shared by every in-process executor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chunkarray.graph import Key, Lowered, Task, is_task

__all__ = ["consumer_counts", "note_failure", "run_task"]


def _resolve(arg: Any, results: Mapping[Key, Any]) -> Any:
    kind = type(arg)
    if kind is tuple:  # by the graph's convention a tuple argument is a key
        return results[arg]
    if kind is list:
        return [_resolve(a, results) for a in arg]
    return arg


def run_task(task: Task, results: Mapping[Key, Any]) -> Any:
    """Call a task's function on its resolved arguments; literal graph values are returned as is."""
    if not is_task(task):
        return task
    func, *args = task
    return func(*[_resolve(a, results) for a in args])


def consumer_counts(lowered: Lowered) -> dict[Key, int]:
    """How many tasks read each key: a result may be freed when its count reaches zero."""
    counts = dict.fromkeys(lowered.tasks, 0)
    for deps in lowered.dependencies.values():
        for d in deps:
            counts[d] += 1
    return counts


def note_failure(exc: BaseException, key: Key) -> None:
    """Tag a task's exception with the block it was computing; the exception stays itself."""
    exc.add_note(f"chunkarray: raised while computing block {key!r}")
