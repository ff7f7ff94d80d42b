"""The in-process executors: interrupts, cancellation and the note naming a failed block."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from functools import partial

import numpy as np
import pytest

import chunkarray as ca
from chunkarray.executors import sync, threads
from chunkarray.executors._task import note_failure
from tests.test_array import lower_by_hand

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --- Ctrl-C ---------------------------------------------------------------------------------------

# A child process computes blocks whose task blocks in C (a lock wait, like a long NumPy call)
# for up to TASK_SECONDS, says so on stdout, and reports when the KeyboardInterrupt arrives.
TASK_SECONDS = 120
_CHILD = textwrap.dedent("""
    import sys, threading, time
    import numpy as np
    import chunkarray as ca
    from chunkarray.executors import threads

    started = []
    release = threading.Event()

    def long_task(block):
        started.append(1)
        sys.stdout.write("running\\n")  # one write: no interleaving with another worker's
        sys.stdout.flush()
        release.wait({seconds})  # in C, the GIL released: cannot be interrupted
        return block

    x = ca.from_array(np.arange(12), chunks=2).map_blocks(long_task, dtype=int)
    try:
        x.compute(scheduler="threads", num_workers={workers})
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    else:
        print("finished", flush=True)
        sys.exit(1)
    begun = len(started)
    release.set()
    for t in threading.enumerate():  # the tasks that were running end; nothing new starts
        if t.name.startswith("chunkarray-worker-") and t.name != "chunkarray-worker-0":
            t.join(60)
    deadline = time.monotonic() + 60
    while not threads._Runner.idle and time.monotonic() < deadline:
        time.sleep(0.01)  # the runner thread finishes its cancelled computation
    assert threads._Runner.idle, "the runner never finished the cancelled computation"
    assert len(started) == begun <= {workers}, (len(started), begun)
    busy = [t.name for t in threading.enumerate() if t.name.startswith("chunkarray-worker-")
            and t not in threads._Runner.idle]
    assert not busy, busy
    release.clear()
    y = ca.from_array(np.arange(12), chunks=2) + 1  # the executor still works
    assert (y.compute(scheduler="threads", num_workers={workers}) == np.arange(12) + 1).all()
    print("clean", begun, flush=True)
""")


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_reaches_the_caller_while_a_worker_runs_a_long_task(workers):
    code = _CHILD.format(seconds=TASK_SECONDS, workers=workers)
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().startswith("running")  # a task is in its C call now
        sent = time.monotonic()
        os.kill(child.pid, signal.SIGINT)
        lines = []
        for line in child.stdout:  # "running" of other workers may come first
            lines.append(line)
            if line == "interrupted\n":
                break
        waited = time.monotonic() - sent
        rest, err = child.communicate(timeout=TASK_SECONDS)
    finally:
        child.kill()
        child.wait()
    assert "interrupted\n" in lines, (lines, err)
    # The interrupt arrives within about a second (a generous bound for a loaded machine),
    # not when the task ends after TASK_SECONDS.
    assert waited < 20, waited
    assert child.returncode == 0, err
    assert rest.splitlines()[-1].startswith("clean"), (rest, err)


# --- cancellation after a failure -----------------------------------------------------------------


class NotedError(Exception):
    """Says when the executor has tagged it, i.e. recorded the failure."""

    def __init__(self, message: str, noted: threading.Event) -> None:
        super().__init__(message)
        self.noted = noted

    def add_note(self, note: str) -> None:
        super().add_note(note)
        self.noted.set()


def _fail_first(calls: list, noted: threading.Event, block: np.ndarray, block_id=None):
    calls.append(block_id)
    if block_id == (0,):
        raise NotedError("first block", noted)
    # Any other block that started before the failure was recorded waits until it is: the
    # failure cannot be outrun, however the threads are scheduled.
    assert noted.wait(timeout=60)
    return block


@pytest.mark.parametrize("workers", [2, 3])
def test_threaded_executor_starts_nothing_after_a_failure(workers):
    x = ca.from_array(np.arange(200), chunks=2)
    calls: list = []
    noted = threading.Event()
    y = x.map_blocks(partial(_fail_first, calls, noted), dtype=x.dtype)
    with pytest.raises(NotedError, match="first block"):
        y.compute(scheduler="threads", num_workers=workers)
    assert (0,) in calls
    # Block 0, the tasks the other workers were running, and at most one more each: a worker
    # may have taken its next task in the instant between the note and the stop.
    assert len(calls) <= 1 + 2 * (workers - 1), calls


# --- one note per failure -------------------------------------------------------------------------

SHARED = ValueError("the same object every time")


def _raise_shared(block: np.ndarray) -> np.ndarray:
    raise SHARED


def test_a_reraised_exception_gets_one_note(executor):
    x = ca.from_array(np.arange(8), chunks=2).map_blocks(_raise_shared, dtype=int)
    for _ in range(4):
        with pytest.raises(ValueError, match="the same object every time") as info:
            x.compute()
        assert info.value is SHARED
        notes = [n for n in SHARED.__notes__ if "raised while computing block" in n]
        assert len(notes) == 1, SHARED.__notes__
        assert f"('{x.name}', " in notes[0]


def test_note_failure_replaces_its_own_note_and_keeps_others():
    exc = KeyError("k")
    exc.add_note("from the user")
    note_failure(exc, ("a", 0))
    note_failure(exc, ("b", 1))
    assert exc.__notes__ == ["from the user",
                             "chunkarray: raised while computing block ('b', 1)"]


@pytest.mark.parametrize("execute", [sync.execute, threads.execute], ids=["sync", "threads"])
def test_a_failure_names_its_block(execute):
    def boom(value):
        raise KeyError(f"missing {value}")

    lowered = lower_by_hand({("a", 0): 5, ("b", 0): (boom, ("a", 0)),
                             ("a", 1): 6, ("c", 0): (int, ("a", 1))})
    with pytest.raises(KeyError, match="missing 5") as info:
        execute(lowered, [("b", 0), ("c", 0)], 2)
    assert info.value.__notes__ == ["chunkarray: raised while computing block ('b', 0)"]


# --- computations from other threads, and the main thread's runner --------------------------------


def test_main_thread_computations_run_on_the_runner():
    seen: list[str] = []

    def record(block: np.ndarray) -> np.ndarray:
        seen.append(threading.current_thread().name)
        return block

    x = ca.ones(6, chunks=1).map_blocks(record, dtype=float)
    for workers in (1, 2):
        np.testing.assert_array_equal(x.compute(scheduler="threads", num_workers=workers),
                                      np.ones(6))
    assert threading.current_thread() is threading.main_thread()
    assert seen and threading.main_thread().name not in seen  # the main thread only waits


def test_main_thread_computation_raises_the_tasks_exception_with_its_traceback():
    def fails(block: np.ndarray) -> np.ndarray:
        raise ArithmeticError("in the task")

    x = ca.ones(4, chunks=2).map_blocks(fails, dtype=float)
    with pytest.raises(ArithmeticError, match="in the task") as info:
        x.compute(scheduler="threads", num_workers=2)
    assert "fails" in [entry.name for entry in info.traceback]
    assert len(info.value.__notes__) == 1


def test_a_finished_computation_holds_nothing_without_the_cycle_collector():
    # The run's shared state must not sit in a reference cycle: its tasks hold the blocks (and a
    # compute's result), which would otherwise live on until the cycle collector runs.
    x = ca.from_array(np.arange(64.0).reshape(8, 8), chunks=2)
    gc.disable()
    try:
        result = (x + 1).compute(scheduler="threads", num_workers=2)
        alive = weakref.ref(result)
        del result
        assert alive() is None
    finally:
        gc.enable()
