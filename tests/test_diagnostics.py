"""Progress bar, profiler and the executor callbacks behind them."""

from __future__ import annotations

import io
import math
import re
import threading
from typing import Any

import numpy as np
import pytest

import chunkarray as ca
from chunkarray.core.graph import lower
from chunkarray.diagnostics import Profiler, ProgressBar, memory_usage, task_kind
from chunkarray.executors import _callbacks
from chunkarray.optimize.fuse import fuse
from chunkarray.primitives.sinks import into


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.lock = threading.Lock()

    def on_start(self, n: int) -> None:
        self.events.append(("start", n))

    def on_task_start(self, key: Any, thread: str) -> None:
        with self.lock:
            self.events.append(("task_start", key, thread))

    def on_task_end(self, key: Any, thread: str) -> None:
        with self.lock:
            self.events.append(("task_end", key, thread))

    def on_finish(self) -> None:
        self.events.append(("finish",))


def _graph_size(y: ca.ChunkedArray) -> int:
    """The tasks ``y.compute()`` runs in process: an array of several blocks is copied into its
    result by a sink, fused into the tasks that make the blocks where it can be."""
    root = y._node
    if y.ndim and math.prod(y.numblocks) > 1:
        root = into(root, np.empty(y.shape, dtype=y.dtype))
    return len(lower([root], root.keys(), fuse([root])).tasks)


def test_callbacks_see_every_task_once(executor: str) -> None:
    a = np.arange(40.0).reshape(5, 8) ** 2
    x = ca.from_array(a, chunks=(2, 3))
    y = (x - x.mean(axis=0)).sum(axis=1)
    with _callbacks.registered(Recorder()) as rec:
        np.testing.assert_allclose(y.compute(), (a - a.mean(axis=0)).sum(axis=1))
    n = _graph_size(y)
    assert rec.events[0] == ("start", n) and rec.events[-1] == ("finish",)
    starts = [e[1] for e in rec.events if e[0] == "task_start"]
    ends = [e[1] for e in rec.events if e[0] == "task_end"]
    assert len(starts) == len(set(starts)) == n and sorted(starts) == sorted(ends)
    assert not _callbacks.active


def test_callbacks_finish_after_a_failure(executor: str) -> None:
    def fail(b: np.ndarray) -> np.ndarray:
        raise RuntimeError("broken")

    with _callbacks.registered(Recorder()) as rec:
        with pytest.raises(RuntimeError, match="broken"):
            ca.arange(6, chunks=2).map_blocks(fail, dtype=int).compute()
    assert rec.events[-1] == ("finish",)


def test_no_events_without_listeners() -> None:
    x = ca.arange(10, chunks=3) + 1
    roots = [x._node]
    lowered = lower(roots, x._node.keys(), fuse(roots))
    observed = _callbacks.observed(lowered)
    assert observed.tasks != lowered.tasks  # the observed copy wraps every task...
    np.testing.assert_array_equal(x.compute(), np.arange(10) + 1)  # ...the plain run does not


def test_plain_progress_bar(executor: str) -> None:
    out = io.StringIO()
    y = ca.ones((30, 30), chunks=5).sum()
    with ProgressBar(file=out, use_tqdm=False, dt=0):
        assert y.compute() == 900
    n = _graph_size(y)
    frames = out.getvalue().split("\r")
    assert frames[-1].rstrip("\n").endswith("s") and f"{n}/{n} tasks" in frames[-1]
    assert "100%" in frames[-1] and "[" + "#" * 40 + "]" in frames[-1]
    done = [int(m) for m in re.findall(rf"(\d+)/{n} tasks", out.getvalue())]
    assert done == sorted(done) and done[0] == 0


def test_tqdm_progress_bar() -> None:
    pytest.importorskip("tqdm")
    out = io.StringIO()
    y = ca.ones(100, chunks=10) * 2
    with ProgressBar(file=out, use_tqdm=True):
        y.compute()
    n = _graph_size(y)
    assert f"{n}/{n}" in out.getvalue()


def test_progress_bar_on_processes() -> None:
    out = io.StringIO()
    with ProgressBar(file=out, use_tqdm=False):
        ca.arange(8, chunks=2).sum().compute(scheduler="processes", num_workers=2)
    assert "100%" in out.getvalue()


def test_profiler_records_tasks_and_memory(executor: str, tmp_path: Any) -> None:
    x = ca.from_array(np.arange(4000.0).reshape(40, 100), chunks=(10, 25))
    y = (x * 2).mean(axis=0)
    with Profiler(interval=0.01) as prof:
        y.compute()
    n = _graph_size(y)
    assert len(prof.tasks) == n
    assert all(0 <= t.start <= t.end <= prof.end for t in prof.tasks)
    assert {t.kind for t in prof.tasks} >= {"mean-aggregate"}
    assert len(prof.memory) >= 2 and all(b > 0 for _, b in prof.memory)
    assert sum(row[1] for row in prof.summary()) == n

    page = open(prof.report(str(tmp_path / "report.html")), encoding="utf-8").read()
    assert page.count('<rect class="task"') == n
    assert page.count('<polyline class="memory"') == 1
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    for t in prof.tasks:
        assert f"<title>{t.key!r}".replace("'", "&#x27;") in page


def test_profiler_threads_are_rows(executor: str) -> None:
    with Profiler() as prof:
        ca.ones((64, 64), chunks=8).sum().compute(num_workers=2)
    threads = {t.thread for t in prof.tasks}
    assert 1 <= len(threads) <= (1 if executor == "sync" else 2)


def test_plot_needs_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install matplotlib"):
            Profiler().plot()
    else:
        import matplotlib.pyplot as plt

        with Profiler() as prof:
            ca.ones(10, chunks=2).sum().compute()
        plt.close(prof.plot())


def test_task_kind_and_memory_usage() -> None:
    assert task_kind(("mean-aggregate-0123456789abcdef01234567", 0)) == "mean-aggregate"
    assert task_kind(("data-final",)) == "data-final"
    assert memory_usage() > 1_000_000
