"""The threaded executor: NumPy releases the GIL, so blocks compute in parallel.

Workers share one ready-heap ordered by the graph's static depth-first priority (a task's position
in ``Lowered.order``), so a branch is finished through its reduction before new input is read, and
every result is freed the moment its last consumer has run.

Scheduling costs one lock round-trip per *batch* of tasks: a worker records the results of its
last batch and takes the next in one critical section. Batches adapt to the measured task time:
tiny tasks go many at a time, so scheduling stays a small fraction of the work, while tasks that
take milliseconds go one at a time, so memory stays at a few blocks per worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from heapq import heapify, heappop, heappush
from typing import Any

from chunkarray.executors import _callbacks
from chunkarray.executors._task import note_failure, run_task
from chunkarray.graph import Key, Lowered

__all__ = ["execute"]

_BATCH_SECONDS = 200e-6  # aim for this much work per lock round-trip
_MAX_BATCH = 64
_BATCH_BYTES = 4 * 2**20  # a result this large ends a batch: fast is not always small
_PARALLEL_SECONDS = 50e-6  # tasks shorter than this run on the caller's thread alone


class _Run:
    """The state of one ``execute`` call; several calls may run at once, each with its own."""

    def __init__(self, lowered: Lowered, keys: Sequence[Key], num_workers: int) -> None:
        order = lowered.order
        self.order = order
        self.tasks = lowered.tasks
        ids = {k: i for i, k in enumerate(order)}
        deps = [[ids[d] for d in lowered.dependencies[k]] for k in order]
        dependents: list[list[int]] = [[] for _ in order]
        for i, ds in enumerate(deps):
            for d in ds:
                dependents[d].append(i)
        self.deps = deps
        self.dependents = dependents
        self.waiting = [len(ds) for ds in deps]
        self.remaining = [len(ds) for ds in dependents]  # consumers yet to run
        self.keep = {ids[k] for k in keys}
        ready = [i for i, n in enumerate(self.waiting) if n == 0]
        heapify(ready)
        self.ready = ready
        self.results: dict[Key, Any] = {}
        self.unfinished = len(order)
        self.failure: BaseException | None = None
        self.idle = 0
        self.num_workers = num_workers
        self.task_seconds = 1.0  # no measurement yet: assume slow, take one task at a time
        self.primary_waiting = False
        self.cond = threading.Condition(threading.Lock())

    def _stand_by(self, primary: bool) -> bool:
        # Tasks that finish in microseconds hold the GIL for most of their time: a second thread
        # running them only takes turns with the first. Helpers stand by until tasks are long
        # enough (NumPy then releases the GIL) or the caller's thread has nothing to do.
        return (not primary and self.task_seconds < _PARALLEL_SECONDS
                and not self.primary_waiting)

    def work(self, primary: bool = False) -> None:
        """Take batches of ready tasks until the graph is done or a task has failed."""
        cond, tasks, order, results = self.cond, self.tasks, self.order, self.results
        done: list[tuple[int, Any]] = []
        undone: list[int] = []
        while True:
            with cond:
                for i, value in done:
                    self._finish(i, value)
                for i in undone:
                    heappush(self.ready, i)
                done.clear()
                undone.clear()
                while not self.ready or self._stand_by(primary):
                    if self.unfinished == 0 or self.failure is not None:
                        cond.notify_all()
                        return
                    self.idle += 1
                    if primary:
                        self.primary_waiting = True
                        cond.notify_all()  # helpers standing by may take over now
                    cond.wait()
                    if primary:
                        self.primary_waiting = False
                    self.idle -= 1
                if self.failure is not None:
                    return
                batch = self._take()
                if self.ready and self.idle and self.task_seconds >= _PARALLEL_SECONDS:
                    cond.notify()
            start = time.perf_counter()
            for n, i in enumerate(batch):
                try:
                    value = run_task(tasks[order[i]], results)
                except BaseException as exc:  # KeyboardInterrupt too: stop every worker cleanly
                    with cond:
                        if self.failure is None:
                            note_failure(exc, order[i])
                            self.failure = exc
                        cond.notify_all()
                    return
                done.append((i, value))
                if getattr(value, "nbytes", 0) > _BATCH_BYTES:  # keep memory at a few blocks
                    undone.extend(batch[n + 1:])
                    break
            # A moving average of task time, shared by the workers (a race here only blurs it).
            per_task = (time.perf_counter() - start) / len(done)
            self.task_seconds = 0.8 * self.task_seconds + 0.2 * per_task

    def _take(self) -> list[int]:
        # Called with the lock held. Leave a share of the ready tasks for the other workers.
        ready = self.ready
        sharing = self.num_workers if self.task_seconds >= _PARALLEL_SECONDS else 1
        size = min(int(_BATCH_SECONDS / self.task_seconds) + 1, _MAX_BATCH,
                   max(len(ready) // sharing, 1))
        return [heappop(ready) for _ in range(min(size, len(ready)))]

    def _finish(self, i: int, value: Any) -> None:
        # Called with the lock held.
        order, results, remaining, waiting = self.order, self.results, self.remaining, self.waiting
        results[order[i]] = value
        self.unfinished -= 1
        for d in self.deps[i]:
            left = remaining[d] - 1
            remaining[d] = left
            if left == 0 and d not in self.keep:
                del results[order[d]]
        for child in self.dependents[i]:
            left = waiting[child] - 1
            waiting[child] = left
            if left == 0:
                heappush(self.ready, child)
        if self.unfinished == 0:
            self.cond.notify_all()


def execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None = None) -> list[Any]:
    """Run ``lowered`` on ``num_workers`` threads (the caller is one of them)."""
    if _callbacks.active:  # checked once per call: diagnostics see a copy that reports events
        return _callbacks.run_observed(_execute, lowered, keys, num_workers)
    return _execute(lowered, keys, num_workers)


def _execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None = None) -> list[Any]:
    workers = max(num_workers or 1, 1)
    run = _Run(lowered, keys, workers)
    helpers = [
        threading.Thread(target=run.work, name=f"chunkarray-worker-{i}", daemon=True)
        for i in range(min(workers, run.unfinished) - 1)
    ]
    for t in helpers:
        t.start()
    try:
        run.work(primary=True)
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
