"""The threaded executor: NumPy releases the GIL, so blocks compute in parallel.

A computation of many tasks starts on the caller's thread alone, running tasks in the graph's
depth-first order exactly as the sync executor does, for as long as tasks finish in
microseconds: such tasks hold the GIL for most of their time, so a second thread would only take
turns with the first, and the bookkeeping of a shared queue would cost more than the tasks. Once
tasks are slow enough to be worth sharing (NumPy work that releases the GIL), the rest of the
graph goes to worker threads.

The workers share one ready-heap ordered by the graph's static priority (a task's position in
``Lowered.order``), so a branch is finished through its reduction before new input is read, and
every result is freed the moment its last consumer has run. Scheduling costs one lock round-trip
per *batch* of tasks: a worker records the results of its last batch and takes the next in one
critical section. Batches adapt to the measured task time: tiny tasks go many at a time, while
tasks that take milliseconds go one at a time, so memory stays at a few blocks per worker.

Called from the main thread, the only one Python delivers signals to, the executor runs every
task on other threads and the main thread only waits: a NumPy call that takes minutes cannot
hold back a Ctrl-C. The ``KeyboardInterrupt`` reaches the caller at once; no task starts after
it, and a task already running finishes in the background (a C call cannot be stopped) and is
dropped. Tasks run with the caller's :mod:`contextvars` context (copied into each thread), so
settings of a ``with config.set(...)`` block apply to them.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Sequence
from heapq import heapify, heappop, heappush
from typing import Any

from chunkarray.core.graph import Key, Lowered
from chunkarray.executors import _callbacks
from chunkarray.executors._task import Stop, note_failure, run_in_order, run_task

__all__ = ["execute"]

_BATCH_SECONDS = 200e-6  # aim for this much work per lock round-trip
_MAX_BATCH = 64
_BATCH_BYTES = 4 * 2**20  # a result this large ends a batch: fast is not always small
_PARALLEL_SECONDS = 50e-6  # tasks shorter than this run on the caller's thread alone
# Graphs of this many tasks or fewer start in parallel: the caller's thread alone would run the
# first slow task (two, to be sure) by itself, a real loss when there are only a few.
_SOLO_TASKS = 256
_SIGNAL_POLL = 0.1  # seconds: how late a Ctrl-C may reach a main thread waiting for the tasks


class _Run:
    """The shared state of the parallel part of one ``execute`` call.

    Tasks before ``start`` have run already (on the caller's thread); ``results`` holds the
    values they left that later tasks still need, and ``remaining`` their consumer counts.
    """

    def __init__(self, lowered: Lowered, start: int, results: dict[Key, Any],
                 remaining: list[int], keep: set[int], num_workers: int, stop: Stop) -> None:
        self.order = lowered.order
        self.tasks = lowered.task_list
        deps = self.deps = lowered.deps
        n = len(self.order)
        dependents: list[list[int]] = [[] for _ in range(n)]
        waiting = [0] * n
        for i in range(start, n):
            for d in deps[i]:
                if d >= start:
                    dependents[d].append(i)
                    waiting[i] += 1
        self.dependents = dependents
        self.waiting = waiting
        self.remaining = remaining  # consumers yet to run
        self.keep = keep
        ready = [i for i in range(start, n) if not waiting[i]]
        heapify(ready)
        self.ready = ready
        self.results = results
        self.unfinished = n - start
        self.stop = stop  # its reason: the first failure, or the caller's interrupt
        self.idle = 0
        self.num_workers = num_workers
        self.task_seconds = 1.0  # no measurement yet: assume slow, take one task at a time
        self.primary_waiting = False
        self.cond = threading.Condition(threading.Lock())
        stop.wake = self._wake

    def _wake(self) -> None:
        with self.cond:
            self.cond.notify_all()

    def _stand_by(self, primary: bool) -> bool:
        # Helpers stand by while tasks are short (see the module docstring), unless the caller's
        # thread has nothing to do.
        return (not primary and self.task_seconds < _PARALLEL_SECONDS
                and not self.primary_waiting)

    def work(self, primary: bool = False) -> None:
        """Take batches of ready tasks until the graph is done or a task has failed."""
        cond, tasks, order, results, stop = (self.cond, self.tasks, self.order, self.results,
                                             self.stop)
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
                    if self.unfinished == 0 or stop.reason is not None:
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
                if stop.reason is not None:
                    return
                batch = self._take()
                if self.ready and self.idle and self.task_seconds >= _PARALLEL_SECONDS:
                    cond.notify()
            start = time.perf_counter()
            for n, i in enumerate(batch):
                if stop.reason is not None:  # failed or interrupted meanwhile: start nothing
                    return
                try:
                    value = run_task(tasks[i], results)
                except BaseException as exc:  # KeyboardInterrupt too: stop every worker cleanly
                    with cond:
                        if stop.reason is None:
                            note_failure(exc, order[i])
                            stop.reason = exc
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
            if not left and d not in self.keep:
                del results[order[d]]
        for child in self.dependents[i]:
            left = waiting[child] - 1
            waiting[child] = left
            if not left:
                heappush(self.ready, child)
        if self.unfinished == 0:
            self.cond.notify_all()


def execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None = None) -> list[Any]:
    """Run ``lowered`` on ``num_workers`` threads (the caller is one of them)."""
    if _callbacks.active:  # checked once per call: diagnostics see a copy that reports events
        return _callbacks.run_observed(_execute, lowered, keys, num_workers)
    return _execute(lowered, keys, num_workers)


def _execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None = None) -> list[Any]:
    if threading.current_thread() is threading.main_thread():
        return _beside_main(lowered, keys, num_workers)
    return _compute(lowered, keys, num_workers, Stop())


def _beside_main(lowered: Lowered, keys: Sequence[Key], num_workers: int | None) -> list[Any]:
    """Compute on other threads while the main thread waits, ready for a signal."""
    stop = Stop()
    outcome: list[Any] = []
    finished = threading.Event()

    def compute() -> None:
        try:
            outcome.append(_compute(lowered, keys, num_workers, stop))
        except BaseException as exc:
            outcome.append(exc)

    _Runner.start_job(contextvars.copy_context(), compute, finished)
    try:
        # A signal sent by another thread (os.kill) may be taken by a thread that is not the
        # main one; Python then runs the handler only when the main thread next runs: poll.
        while not finished.wait(_SIGNAL_POLL):
            pass
    except BaseException as exc:  # KeyboardInterrupt: cancel, and leave what runs to finish
        stop.cancel(exc)
        raise
    result = outcome.pop()
    if isinstance(result, BaseException):
        raise result
    return result


class _Runner(threading.Thread):
    """A thread that runs main-thread computations, kept for the next one when done.

    Starting a thread costs tens of microseconds, as much as a small computation; handing the
    job to a waiting one costs a few. One runner serves the main thread; a second is made only
    while the first is still finishing a task of an interrupted computation.
    """

    idle: list[_Runner] = []

    def __init__(self) -> None:
        super().__init__(name="chunkarray-worker-0", daemon=True)
        self.go = threading.Lock()
        self.go.acquire()
        self.job: tuple[contextvars.Context, Any, threading.Event] | None = None

    @classmethod
    def start_job(cls, context: contextvars.Context, job: Any, finished: threading.Event
                  ) -> None:
        """Run ``job()`` in ``context`` on an idle runner (or a new one), then set ``finished``."""
        try:
            runner = cls.idle.pop()
        except IndexError:
            runner = cls()
            runner.start()
        runner.job = (context, job, finished)
        runner.go.release()

    def run(self) -> None:
        while True:
            self.go.acquire()
            assert self.job is not None
            (context, job, finished), self.job = self.job, None
            try:
                context.run(job)  # job catches its own exceptions
            finally:
                del context, job  # hold nothing of a finished computation while idle
                _Runner.idle.append(self)  # before the caller wakes: it is ready again
                finished.set()


def _compute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None, stop: Stop
             ) -> list[Any]:
    workers = max(num_workers or 1, 1)
    results: dict[Key, Any] = {}
    remaining = lowered.consumer_counts()
    keep = {lowered.ids[k] for k in keys}
    start = 0
    if workers > 1 and len(lowered) > _SOLO_TASKS:
        start = run_in_order(lowered, results, remaining, keep,
                             until_slower_than=_PARALLEL_SECONDS, stop=stop)
    elif workers == 1:
        start = run_in_order(lowered, results, remaining, keep, stop=stop)
    if start < len(lowered) and stop.reason is None:
        try:
            _run_parallel(_Run(lowered, start, results, remaining, keep, workers, stop))
        finally:
            # The run and ``stop`` refer to each other (``stop.wake``): break the cycle, or the
            # graph (and every block its tasks hold, such as a compute's result) would wait for
            # the cycle collector.
            stop.wake = None
    if stop.cancelled:  # the caller has raised already; the reason is its to raise
        return []
    if stop.reason is not None:
        raise stop.reason
    return [results[k] for k in keys]


def _run_parallel(run: _Run) -> None:
    # Each helper runs in its own copy of the caller's context (one context cannot be entered
    # by two threads at once), so tasks see the caller's settings.
    helpers = [
        threading.Thread(target=contextvars.copy_context().run, args=(run.work,),
                         name=f"chunkarray-worker-{i + 1}", daemon=True)
        for i in range(min(run.num_workers, run.unfinished) - 1)
    ]
    for t in helpers:
        t.start()
    try:
        run.work(primary=True)
    except BaseException as exc:  # e.g. KeyboardInterrupt while waiting: cancel the rest
        run.stop.cancel(exc)
        raise
    finally:
        for t in helpers:
            t.join()
