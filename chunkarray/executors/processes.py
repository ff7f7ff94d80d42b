"""The process-pool executor: for block functions that hold the GIL (pure-Python kernels).

The parent process does the scheduling, as the threaded executor does: tasks wait on their
dependencies there, ready tasks are sent in their depth-first priority order (a task's position
in ``Lowered.order``) together with their input blocks, and each result is freed the moment its
last consumer has been sent. A worker process receives a task and its inputs and returns its
value; it holds nothing between tasks, so any worker can run any task.

Every task's inputs travel to the worker with it: this suits storage-backed arrays (a zarr array
pickles as a path) and creation functions. An in-memory NumPy source is sent whole to every task
that reads it, so for those the ``threads`` executor is the better choice.

Task functions are pickled with ``cloudpickle`` when it is installed (it comes with dask), so
lambdas and functions defined in ``__main__`` work; with the standard ``pickle`` they must be
importable. The pool is started once (processes are *spawned*, as in dask, so it is safe beside
threads) and reused by later calls; a script using it needs the usual
``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import atexit
import multiprocessing
import pickle
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from heapq import heapify, heappop, heappush
from typing import Any

from chunkarray.core.graph import Key, Lowered, is_task
from chunkarray.executors import _callbacks
from chunkarray.executors._task import note_failure, run_task

__all__ = ["execute", "shutdown"]

_pool: ProcessPoolExecutor | None = None
_pool_workers = 0
_pool_lock = threading.Lock()


def _get_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_workers
    with _pool_lock:
        if _pool is not None and (_pool_workers != workers or getattr(_pool, "_broken", False)):
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
        if _pool is None:
            _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            _pool_workers = workers
        return _pool


def shutdown() -> None:
    """Stop the worker processes; the next ``processes`` computation starts new ones.

    >>> shutdown()
    """
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


atexit.register(shutdown)


def _dumps(task: Any) -> bytes:
    try:
        import cloudpickle
    except ImportError:
        return pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)
    return cloudpickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)


def _run_remote(payload: bytes, inputs: dict[Key, Any]) -> Any:
    """Run one task in a worker: ``payload`` is the pickled task, ``inputs`` its input blocks."""
    return run_task(pickle.loads(payload), inputs)


class _Run:
    """The parent's side of one ``execute`` call."""

    def __init__(self, lowered: Lowered, keys: Sequence[Key], workers: int) -> None:
        self.lowered = lowered
        self.order = lowered.order
        self.position = {k: i for i, k in enumerate(self.order)}
        self.waiting = {k: len(d) for k, d in lowered.dependencies.items()}
        self.dependents: dict[Key, list[Key]] = {k: [] for k in self.order}
        for k, deps in lowered.dependencies.items():
            for d in deps:
                self.dependents[d].append(k)
        self.remaining = {k: len(v) for k, v in self.dependents.items()}
        self.keys = list(keys)
        self.keep = set(keys)
        self.ready = [self.position[k] for k, n in self.waiting.items() if n == 0]
        heapify(self.ready)
        self.results: dict[Key, Any] = {}
        self.workers = workers
        self.observe = bool(_callbacks.active)  # checked once per call
        self.lanes = list(range(workers - 1, -1, -1))  # free lanes, for diagnostics

    def finish(self, key: Key, value: Any) -> None:
        self.results[key] = value
        for child in self.dependents[key]:
            self.waiting[child] -= 1
            if self.waiting[child] == 0:
                heappush(self.ready, self.position[child])

    def release(self, key: Key) -> None:
        # The task's inputs are on their way: drop those it was the last consumer of.
        for d in self.lowered.dependencies[key]:
            self.remaining[d] -= 1
            if self.remaining[d] == 0 and d not in self.keep:
                del self.results[d]

    def run(self) -> list[Any]:
        pool = _get_pool(self.workers)
        tasks, deps = self.lowered.tasks, self.lowered.dependencies
        running: dict[Future[Any], tuple[Key, int]] = {}
        try:
            while self.ready or running:
                while self.ready and len(running) < self.workers:
                    key = self.order[heappop(self.ready)]
                    task = tasks[key]
                    if not is_task(task):  # literal data: nothing to run
                        self.finish(key, task)
                        self.release(key)
                        continue
                    inputs = {d: self.results[d] for d in deps[key]}
                    lane = self.lanes.pop()
                    if self.observe:
                        _callbacks.emit("on_task_start", key, f"process-{lane}")
                    running[pool.submit(_run_remote, _dumps(task), inputs)] = (key, lane)
                    self.release(key)
                if not running:
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: self.position[running[f][0]]):
                    key, lane = running.pop(future)
                    self.lanes.append(lane)
                    if self.observe:
                        _callbacks.emit("on_task_end", key, f"process-{lane}")
                    exc = future.exception()
                    if exc is not None:
                        note_failure(exc, key)
                        raise exc
                    self.finish(key, future.result())
        finally:
            for future in running:  # on failure or interrupt: cancel what has not started
                future.cancel()
        return [self.results[k] for k in self.keys]


def execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None = None) -> list[Any]:
    """Run ``lowered`` on a pool of ``num_workers`` processes; return the values of ``keys``.

    >>> import chunkarray as ca
    >>> ca.arange(6, chunks=2).sum().compute(scheduler="processes", num_workers=2)
    np.int64(15)
    """
    run = _Run(lowered, keys, max(num_workers or 1, 1))
    if not run.observe:
        return run.run()
    _callbacks.emit("on_start", len(lowered.tasks))
    try:
        return run.run()
    finally:
        _callbacks.emit("on_finish")
