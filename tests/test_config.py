"""Settings: process-wide plain calls, per-context ``with`` blocks, the machine's memory limit."""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

import chunkarray as ca
from chunkarray.core import config
from chunkarray.core.bytesize import parse_bytes

DEFAULT_SPLIT_EVERY = 16


def _in_lockstep(*steps: list[Callable[[], Any]]) -> list[list[Any]]:
    """Run each list of steps in its own thread, step k of every thread between the same two
    barriers: step k of one thread happens after step k - 1 of all of them. Returns each
    thread's results."""
    rounds = max(map(len, steps))
    barrier = threading.Barrier(len(steps))
    results: list[list[Any]] = [[] for _ in steps]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        for k in range(rounds):
            barrier.wait(timeout=60)
            try:
                if k < len(steps[i]):
                    results[i].append(steps[i][k]())
            except BaseException as exc:
                errors.append(exc)
                barrier.abort()
                raise

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(steps))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]
    return results


def _get(key: str) -> Callable[[], Any]:
    return lambda: config.get(key)


# --- with blocks belong to their thread -----------------------------------------------------------


def _with_block(key: str, value: Any, opened: threading.Event, close: threading.Event
                ) -> Callable[[], Any]:
    def run() -> Any:
        with config.set(**{key: value}):
            opened.set()
            seen_inside = config.get(key)
            assert close.wait(timeout=60)
            seen_at_end = config.get(key)
        return seen_inside, seen_at_end, config.get(key)

    return run


def test_a_with_block_in_one_thread_is_not_seen_by_another():
    opened, close = threading.Event(), threading.Event()
    with ThreadPoolExecutor(1) as pool:
        block = pool.submit(_with_block("split_every", 4, opened, close))
        assert opened.wait(timeout=60)
        seen_outside = config.get("split_every")
        close.set()
        assert block.result(timeout=60) == (4, 4, DEFAULT_SPLIT_EVERY)
    assert seen_outside == DEFAULT_SPLIT_EVERY


@pytest.mark.parametrize("first_out", ["first", "second"])
def test_overlapping_with_blocks_in_two_threads_leave_nothing_behind(first_out):
    opened = [threading.Event(), threading.Event()]
    close = [threading.Event(), threading.Event()]
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(_with_block("chunk_size", "1 MiB", opened[0], close[0]))
        assert opened[0].wait(timeout=60)
        b = pool.submit(_with_block("chunk_size", "2 MiB", opened[1], close[1]))
        assert opened[1].wait(timeout=60)  # both blocks are open now
        order = [(a, 0), (b, 1)] if first_out == "first" else [(b, 1), (a, 0)]
        for future, i in order:
            close[i].set()
            future.result(timeout=60)
    assert a.result() == ("1 MiB", "1 MiB", "128 MiB")
    assert b.result() == ("2 MiB", "2 MiB", "128 MiB")
    assert config.get("chunk_size") == "128 MiB"


def test_with_blocks_nest_and_unwind_in_one_thread():
    with config.set(split_every=4, fuse=False):
        with config.set(split_every=8):
            assert (config.get("split_every"), config.get("fuse")) == (8, False)
            assert config.local() == {"split_every": 8, "fuse": False}
        assert config.get("split_every") == 4
    assert (config.get("split_every"), config.get("fuse")) == (DEFAULT_SPLIT_EVERY, True)
    assert config.local() == {}


def test_a_with_block_is_undone_by_an_exception():
    with pytest.raises(ZeroDivisionError):
        with config.set(num_workers=3):
            1 / 0  # noqa: B018 - the error is the point
    assert config.get("num_workers") is None


def test_with_blocks_in_contexts_of_one_thread_are_separate():
    def inside() -> Any:
        with config.set(split_every=5):
            return config.get("split_every"), contextvars.copy_context().run(
                _get("split_every"))

    assert contextvars.Context().run(inside) == (5, 5)  # a copy sees the block it was made in
    assert contextvars.Context().run(_get("split_every")) == DEFAULT_SPLIT_EVERY
    assert config.get("split_every") == DEFAULT_SPLIT_EVERY


# --- plain calls change the process -------------------------------------------------------------


def _restore_split_every() -> None:
    config.set(split_every=DEFAULT_SPLIT_EVERY)


def test_a_plain_call_changes_every_thread():
    def plain() -> None:
        config.set(split_every=6)

    try:
        seen = _in_lockstep(
            [plain, _get("split_every")],
            [lambda: None, _get("split_every")],
        )
        assert seen == [[None, 6], [None, 6]]
        assert config.get("split_every") == 6
    finally:
        _restore_split_every()
    assert config.get("split_every") == DEFAULT_SPLIT_EVERY


def test_a_plain_call_inside_a_with_block():
    try:
        with config.set(split_every=4):
            config.set(split_every=5)  # seen by the caller at once, and kept after the block
            assert config.get("split_every") == 5
            assert ThreadPoolExecutor(1).submit(_get("split_every")).result() == 5
        assert config.get("split_every") == 5
    finally:
        _restore_split_every()


def test_a_with_block_wins_over_later_plain_calls_of_other_threads():
    try:
        with config.set(split_every=4):
            ThreadPoolExecutor(1).submit(config.set, split_every=9).result()
            assert config.get("split_every") == 4
        assert config.get("split_every") == 9
    finally:
        _restore_split_every()


def test_set_entered_later_is_a_with_block_of_its_context():
    # Not written as `with config.set(...)`: ExitStack.enter_context and a set() kept in a
    # name. The change is process-wide until entered, then belongs to the block alone.
    with contextlib.ExitStack() as stack:
        stack.enter_context(config.set(split_every=3))
        assert config.get("split_every") == 3
        assert ThreadPoolExecutor(1).submit(_get("split_every")).result() == DEFAULT_SPLIT_EVERY
    assert config.get("split_every") == DEFAULT_SPLIT_EVERY
    kept = config.set(split_every=7)
    assert ThreadPoolExecutor(1).submit(_get("split_every")).result() == 7
    try:
        with kept:
            assert config.get("split_every") == 7
            assert (ThreadPoolExecutor(1).submit(_get("split_every")).result()
                    == DEFAULT_SPLIT_EVERY)
    finally:
        del kept
    assert config.get("split_every") == DEFAULT_SPLIT_EVERY


def test_overlapping_undecided_sets_withdraw_exactly():
    # Two set() objects not yet entered change the process in turn; entering the first takes
    # back only its own change, whatever came after it.
    first = config.set(split_every=3)
    second = config.set(split_every=5)
    try:
        assert config.get("split_every") == 5
        with first:
            assert config.get("split_every") == 3
            assert ThreadPoolExecutor(1).submit(_get("split_every")).result() == 5
        assert config.get("split_every") == 5
        with second:
            assert config.get("split_every") == 5
        assert config.get("split_every") == DEFAULT_SPLIT_EVERY
    finally:
        del first, second
    assert config.get("split_every") == DEFAULT_SPLIT_EVERY


def test_exit_without_enter_undoes_the_call():
    setting = config.set(split_every=4)
    assert config.get("split_every") == 4
    setting.__exit__(None, None, None)
    assert config.get("split_every") == DEFAULT_SPLIT_EVERY


def test_bad_values_change_nothing():
    with pytest.raises(ValueError, match=r"num_workers must be a positive int or None, got -1"):
        config.set(scheduler="sync", num_workers=-1)
    assert config.get("scheduler") == "threads"
    with pytest.raises(ValueError, match=r"memory_limit='lots': could not parse byte size"):
        with config.set(memory_limit="lots"):
            pass  # pragma: no cover
    with pytest.raises(TypeError, match=r"unknown setting\(s\) \['colour'\]"):
        with config.set(colour="blue"):
            pass  # pragma: no cover
    with pytest.raises(KeyError, match="unknown setting 'colour'"):
        config.get("colour")
    cm = config.set(split_every=4)
    with cm:
        with pytest.raises(RuntimeError, match="already in use as a with block"):
            cm.__enter__()
    assert config.get("split_every") == DEFAULT_SPLIT_EVERY


# --- tasks see the settings of the computation that runs them -----------------------------------


def _split_every_block(block: np.ndarray) -> np.ndarray:
    return np.full(block.shape, config.get("split_every"))


def _settings_seen(scheduler: str) -> np.ndarray:
    x = ca.zeros(8, chunks=1, dtype=int).map_blocks(_split_every_block, dtype=int)
    with config.set(split_every=7):
        return x.compute(scheduler=scheduler, num_workers=2)


@pytest.mark.parametrize("scheduler", ["threads", "sync", "dask"])
def test_tasks_see_the_callers_with_block(scheduler):
    if scheduler == "dask":
        pytest.importorskip("dask")
    np.testing.assert_array_equal(_settings_seen(scheduler), np.full(8, 7))
    # From a thread that is not the main one, the caller's thread runs tasks itself.
    with ThreadPoolExecutor(1) as pool:
        np.testing.assert_array_equal(pool.submit(_settings_seen, scheduler).result(),
                                      np.full(8, 7))


def test_a_computation_inside_a_task_uses_the_callers_settings():
    def inner(block: np.ndarray) -> np.ndarray:
        return block + ca.arange(4, chunks=1).sum().compute()

    x = ca.zeros(4, chunks=1, dtype=int).map_blocks(inner, dtype=int)
    with config.set(scheduler="sync"):
        np.testing.assert_array_equal(x.compute(scheduler="threads", num_workers=2),
                                      np.full(4, 6))


# --- the default memory limit -------------------------------------------------------------------


def test_default_memory_limit_comes_from_the_machine():
    derived = config.default_memory_limit(config.machine_memory(), os.cpu_count() or 1)
    assert config.get("memory_limit") == derived
    assert parse_bytes(derived) >= 256 * 2**20
    with config.set(memory_limit="300 MiB"):  # an explicit setting wins
        assert config.get("memory_limit") == "300 MiB"
        with config.set(memory_limit=None):  # and None goes back to the derived one
            assert config.get("memory_limit") == derived


@pytest.mark.parametrize("memory, workers, expected", [
    (16 * 2**30, 8, "1024 MiB"),  # half the memory, shared by the workers
    (64 * 2**30, 2, "16384 MiB"),
    (2**30, 64, "256 MiB"),  # the floor
    (3 * 2**30 + 12345, 3, "512 MiB"),  # whole MiB, rounded down
    (None, 4, "2048 MiB"),  # memory unknown
])
def test_default_memory_limit_formula(memory, workers, expected):
    assert config.default_memory_limit(memory, workers) == expected


def test_machine_memory_takes_a_lower_container_limit(tmp_path, monkeypatch):
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    limit = tmp_path / "memory.max"
    monkeypatch.setattr(config, "_CGROUP_LIMITS", (str(tmp_path / "missing"), str(limit)))
    limit.write_text("max\n")  # cgroup v2: no limit
    assert config.machine_memory() == physical
    limit.write_text(f"{2**30}\n")
    assert config.machine_memory() == min(physical, 2**30)
    limit.write_text(f"{physical * 4}\n")  # a limit above the machine's memory changes nothing
    assert config.machine_memory() == physical


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_temporary_directory_is_refused(value):
    with pytest.raises(ValueError, match="temporary_directory="):
        ca.config.set(temporary_directory=value)
    assert ca.config.get("temporary_directory") is None
