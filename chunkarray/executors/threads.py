"""The threaded executor: NumPy releases the GIL, so blocks compute in parallel.

Workers share one ready-heap ordered by the graph's static depth-first priority, so a branch is
finished (through its reduction) before new input is read, and every result is freed the moment
its last consumer has run. A worker that finishes a task records the result and takes its next task
in the same critical section: one lock round-trip per task is the whole scheduling cost.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from heapq import heapify, heappop, heappush
from typing import Any

from chunkarray.executors._task import consumer_counts, note_failure, run_task
from chunkarray.graph import Key, Lowered

__all__ = ["execute"]


class _Run:
    """The state of one ``execute`` call; several calls may run at once, each with its own."""

    def __init__(self, lowered: Lowered, keys: Sequence[Key]) -> None:
        self.tasks = lowered.tasks
        self.dependencies = lowered.dependencies
        self.priority = {k: i for i, k in enumerate(lowered.order)}
        self.remaining = consumer_counts(lowered)
        self.keep = set(keys)
        self.waiting: dict[Key, int] = {}
        self.dependents: dict[Key, list[Key]] = {}
        ready = []
        for key in lowered.order:
            deps = self.dependencies[key]
            self.waiting[key] = len(deps)
            if not deps:
                ready.append((self.priority[key], key))
            for d in deps:
                self.dependents.setdefault(d, []).append(key)
        heapify(ready)
        self.ready = ready
        self.results: dict[Key, Any] = {}
        self.unfinished = len(lowered.order)
        self.failure: BaseException | None = None
        self.idle = 0
        self.cond = threading.Condition(threading.Lock())

    def work(self) -> None:
        """Take ready tasks until the graph is done or a task has failed."""
        cond, tasks, results = self.cond, self.tasks, self.results
        key: Key | None = None
        value: Any = None
        while True:
            with cond:
                if key is not None:
                    self._finish(key, value)
                    key = value = None
                while not self.ready:
                    if self.unfinished == 0 or self.failure is not None:
                        cond.notify_all()
                        return
                    self.idle += 1
                    cond.wait()
                    self.idle -= 1
                if self.failure is not None:
                    return
                key = heappop(self.ready)[1]
                if self.ready and self.idle:
                    cond.notify()
            try:
                value = run_task(tasks[key], results)
            except BaseException as exc:  # KeyboardInterrupt too: stop every worker cleanly
                with cond:
                    if self.failure is None:
                        note_failure(exc, key)
                        self.failure = exc
                    cond.notify_all()
                return

    def _finish(self, key: Key, value: Any) -> None:
        # Called with the lock held.
        results, remaining, waiting = self.results, self.remaining, self.waiting
        results[key] = value
        self.unfinished -= 1
        for dep in self.dependencies[key]:
            left = remaining[dep] - 1
            remaining[dep] = left
            if left == 0 and dep not in self.keep:
                del results[dep]
        for child in self.dependents.get(key, ()):
            left = waiting[child] - 1
            waiting[child] = left
            if left == 0:
                heappush(self.ready, (self.priority[child], child))
        if self.unfinished == 0:
            self.cond.notify_all()


def execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None = None) -> list[Any]:
    """Run ``lowered`` on ``num_workers`` threads (the caller is one of them)."""
    run = _Run(lowered, keys)
    helpers = [
        threading.Thread(target=run.work, name=f"chunkarray-worker-{i}", daemon=True)
        for i in range(max((num_workers or 1) - 1, 0))
        if i < run.unfinished - 1
    ]
    for t in helpers:
        t.start()
    try:
        run.work()
    except BaseException as exc:  # e.g. KeyboardInterrupt while waiting: cancel the rest
        with run.cond:
            run.failure = run.failure or exc
            run.cond.notify_all()
        raise
    finally:
        for t in helpers:
            t.join()
    if run.failure is not None:
        raise run.failure
    return [run.results[k] for k in keys]
