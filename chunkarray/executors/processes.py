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

A task runs with the caller's settings (``config.current()``, the scheduler aside: a worker's own
computations stay in that worker). A task's exception comes back as itself when this process
can rebuild it (its class importable here, or defined in ``__main__``, even if its constructor
takes other arguments than its ``args``), else as a ``RuntimeError`` naming its type and carrying
its message and the worker's traceback; either way with a note naming the block.
"""

from __future__ import annotations

import atexit
import importlib
import multiprocessing
import pickle
import threading
import traceback
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from heapq import heapify, heappop, heappush
from typing import Any

from chunkarray.core import config
from chunkarray.core.graph import Key, Lowered, is_task, made_key
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


_SIGNAL_POLL = 0.1  # seconds: how late a Ctrl-C may reach a main thread waiting for results


def _run_remote(payload: bytes, inputs: dict[Key, Any], settings: dict[str, Any]) -> Any:
    """Run one task in a worker: ``payload`` is the pickled task, ``inputs`` its input blocks.

    A failure is returned, not raised, as a :class:`_Failure`: the pool would pickle the
    exception by reference to its class, and an exception that cannot be unpickled in the
    parent breaks the whole pool.
    """
    try:
        with config.set(**settings):
            return run_task(pickle.loads(payload), inputs)
    except BaseException as exc:  # KeyboardInterrupt too: this worker lives on
        return _Failure(exc)


def _dumps_or_none(value: Any) -> bytes | None:
    try:
        return _dumps(value)
    except Exception:
        return None


class _Failure:
    """What a worker sends back of a task's exception: everything needed to rebuild it."""

    def __init__(self, exc: BaseException) -> None:
        kind = type(exc)
        self.module, self.qualname = kind.__module__, kind.__qualname__
        # Whether the caller finds this very class by its name. A class of the caller's
        # __main__ reached the worker by value (a copy): the caller's own is the original. A
        # class made inside a function is found by name nowhere, or is another class.
        self.named = self.module == "__main__" or _find_class(self.module, self.qualname) is kind
        try:
            self.message = str(exc)
        except Exception as err:  # a __str__ that fails: say so rather than lose the rest
            self.message = f"<str() failed: {err!r}>"
        self.traceback = "".join(traceback.format_exception(exc))
        self.whole = None
        try:  # by reference, as the pool would: the faithful way when the parent can undo it
            self.whole = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            pass
        self.args = _dumps_or_none(exc.args)
        self.state = _dumps_or_none({k: v for k, v in vars(exc).items() if k != "__notes__"})
        self.notes = [n for n in getattr(exc, "__notes__", ()) if isinstance(n, str)]

    @property
    def type_name(self) -> str:
        return self.qualname if self.module == "builtins" else f"{self.module}.{self.qualname}"

    def rebuild(self) -> BaseException:
        """The exception as the worker raised it, or a ``RuntimeError`` that describes it."""
        exc = self._unpickled() or self._remade()
        if exc is None:
            exc = RuntimeError(
                f"{self.type_name}: {self.message} (raised in a worker process; the exception "
                f"could not be rebuilt here)\n\nWorker traceback:\n{self.traceback}")
        else:
            exc.__cause__ = _RemoteTraceback(self.traceback)  # as concurrent.futures does
            for note in self.notes:
                if note not in getattr(exc, "__notes__", ()):
                    exc.add_note(note)
        return exc

    def _unpickled(self) -> BaseException | None:
        if self.whole is None:
            return None
        try:
            exc = pickle.loads(self.whole)
        except Exception:  # e.g. a constructor that needs other arguments than ``args``
            return None
        return exc if isinstance(exc, BaseException) else None

    def _remade(self) -> BaseException | None:
        # The class found by name here (a class of __main__ is the caller's own), then the
        # instance made without calling its __init__, as pickle does for plain objects.
        kind = _find_class(self.module, self.qualname) if self.named else None
        if kind is None:
            return None
        try:
            args = pickle.loads(self.args) if self.args is not None else (self.message,)
            exc = kind.__new__(kind, *args)
            exc.args = tuple(args)
            if self.state is not None:
                vars(exc).update(pickle.loads(self.state))
            str(exc)  # a __str__ that needs what could not be restored: describe it instead
        except Exception:
            return None
        return exc


class _RemoteTraceback(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f"\n\"\"\"\n{self.text}\"\"\""


def _find_class(module: str, qualname: str) -> type[BaseException] | None:
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except Exception:  # not importable here, or a local class (<locals> in its name)
        return None
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


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
        settings = config.current()
        del settings["scheduler"]  # a worker's own computations stay in the worker
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
                    try:
                        payload = _dumps(task)
                    except Exception as unpicklable:  # a task function that cannot be pickled
                        note_failure(unpicklable, key)
                        raise
                    running[pool.submit(_run_remote, payload, inputs, settings)] = (key, lane)
                    self.release(key)
                if not running:
                    continue
                done: set[Future[Any]] = set()
                while not done:  # polled, so a Ctrl-C taken by another thread gets through
                    done, _ = wait(running, timeout=_SIGNAL_POLL, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: self.position[running[f][0]]):
                    key, lane = running[future]
                    self.lanes.append(lane)
                    if self.observe:
                        _callbacks.emit("on_task_end", key, f"process-{lane}")
                    exc = future.exception()
                    if isinstance(exc, BrokenProcessPool):  # a worker died: any of these blocks
                        exc.add_note("chunkarray: a worker process died while computing "
                                     f"{_blocks(running.values())}")
                        raise exc
                    del running[future]
                    if exc is not None:  # the pool's own failure (an unpicklable result)
                        note_failure(exc, key)
                        raise exc
                    value = future.result()
                    if type(value) is _Failure:
                        failure = value.rebuild()
                        note_failure(failure, key)
                        raise failure
                    self.finish(key, value)
        finally:
            for future in running:  # on failure or interrupt: cancel what has not started
                future.cancel()
        return [self.results[k] for k in self.keys]


def _blocks(running: Any) -> str:
    keys = sorted((made_key(key) for key, _ in running), key=repr)
    return "block " + repr(keys[0]) if len(keys) == 1 else f"one of the blocks {keys!r}"


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
