"""Watching computations: a progress bar, and a profiler of the task stream and memory.

Both are context managers that listen to the executors' events (see
:mod:`chunkarray.executors._callbacks`) while the ``with`` block runs; outside one, executors pay
nothing for them. Tasks run by the ``dask`` executor or on a distributed cluster are not seen:
dask's own diagnostics and the distributed dashboard show those.

>>> import io, chunkarray as ca
>>> with ProgressBar(file=io.StringIO(), use_tqdm=False) as bar:
...     _ = ca.arange(100, chunks=10).sum().compute()
>>> bar.done == bar.total
True
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

from chunkarray.core.graph import Key, made_key
from chunkarray.diagnostics.profile_html import render
from chunkarray.executors import _callbacks

__all__ = ["ProgressBar", "Profiler", "TaskRecord", "memory_usage", "task_kind"]


class _Listener:
    """Registers itself as an executor callback inside its ``with`` block."""

    def __enter__(self) -> Any:
        _callbacks.active.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _callbacks.active.remove(self)


# --- progress bar ---------------------------------------------------------------------------------


class ProgressBar(_Listener):
    """Show tasks done out of the total and the elapsed time of each computation in the block.

    Uses tqdm when it is installed (and ``use_tqdm`` is not ``False``), else draws a plain text bar
    on ``file`` (standard error by default), redrawn at most every ``dt`` seconds.

    >>> import io, chunkarray as ca
    >>> out = io.StringIO()
    >>> with ProgressBar(file=out, use_tqdm=False):
    ...     ca.ones(8, chunks=2).sum().compute(scheduler="sync")
    np.float64(8.0)
    >>> out.getvalue().splitlines()[-1].strip()  # doctest: +ELLIPSIS
    '[########################################] | 100% | ... tasks | ...s'
    """

    def __init__(self, *, file: IO[str] | None = None, width: int = 40, dt: float = 0.1,
                 use_tqdm: bool | None = None) -> None:
        self.file = file
        self.width = width
        self.dt = dt
        self.use_tqdm = use_tqdm
        self.total = self.done = 0
        self.start = self._drawn = 0.0
        self._bar: Any = None
        self._lock = threading.Lock()

    def _tqdm(self) -> Any:
        if self.use_tqdm is False:
            return None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if self.use_tqdm:
                raise ImportError("ProgressBar(use_tqdm=True) needs tqdm: pip install tqdm"
                                  ) from None
            return None
        return tqdm

    def on_start(self, n_tasks: int) -> None:
        with self._lock:
            self.total, self.done = n_tasks, 0
            self.start = self._drawn = time.perf_counter()
            tqdm = self._tqdm()
            if tqdm is not None:
                self._bar = tqdm(total=n_tasks, file=self.file, unit="task", leave=True)
            else:
                self._draw()

    def on_task_end(self, key: Key, thread: str) -> None:
        with self._lock:
            self.done += 1
            if self._bar is not None:
                self._bar.update(1)
            elif time.perf_counter() - self._drawn >= self.dt:
                self._draw()

    def on_finish(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            else:
                self._draw()
                self._out().write("\n")
                self._out().flush()

    def _out(self) -> IO[str]:
        return self.file if self.file is not None else sys.stderr

    def _draw(self) -> None:
        now = time.perf_counter()
        self._drawn = now
        fraction = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + " " * (self.width - filled)
        self._out().write(f"\r[{bar}] | {fraction:4.0%} | {self.done}/{self.total} tasks | "
                          f"{now - self.start:.1f}s")
        self._out().flush()


# --- profiler -------------------------------------------------------------------------------------


def memory_usage() -> int:
    """The resident memory of this process, in bytes (psutil, else ``/proc``, else the peak).

    >>> memory_usage() > 0
    True
    """
    try:
        import psutil
    except ImportError:
        pass
    else:
        return int(psutil.Process().memory_info().rss)
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource  # no /proc (macOS): the peak is the best we can do

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


def task_kind(key: Key) -> str:
    """The operation a key belongs to: its name without the trailing hash.

    >>> task_kind(("add-7f3a9c0e1b2d4f6a8c0e1b2d", 0, 1)), task_kind(("mydata", 0))
    ('add', 'mydata')
    """
    name = str(made_key(key)[0])  # a sink's task is named by the block it makes
    head, _, tail = name.rpartition("-")
    is_hash = head and len(tail) >= 8 and all(c in "0123456789abcdef" for c in tail)
    return head if is_hash else name


@dataclass(frozen=True)
class TaskRecord:
    """One task run: its key, kind, start and end (seconds since the profiler began), thread."""

    key: Key
    kind: str
    start: float
    end: float
    thread: str


class Profiler(_Listener):
    """Record every task (start, end, thread, kind) and the process memory every ``interval`` s.

    >>> import chunkarray as ca
    >>> with Profiler() as prof:
    ...     _ = (ca.ones((40, 40), chunks=10) + 1).sum().compute()
    >>> len(prof.tasks) > 0 and len(prof.memory) >= 2
    True
    >>> prof.report("report.html")  # doctest: +SKIP
    'report.html'
    """

    def __init__(self, *, interval: float = 0.05) -> None:
        self.interval = interval
        self.tasks: list[TaskRecord] = []
        self.memory: list[tuple[float, int]] = []  # (seconds since start, bytes)
        self.start = self.end = 0.0
        self._started: dict[tuple[Key, str], float] = {}
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    def __enter__(self) -> Profiler:
        self.tasks, self.memory, self._started = [], [], {}
        self.start = time.perf_counter()
        self._stop.clear()
        self._sample()
        self._sampler = threading.Thread(target=self._sample_loop, name="chunkarray-profiler",
                                         daemon=True)
        self._sampler.start()
        return super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join()
        self._sample()
        self.end = time.perf_counter() - self.start

    def _sample(self) -> None:
        self.memory.append((time.perf_counter() - self.start, memory_usage()))

    def _sample_loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def on_task_start(self, key: Key, thread: str) -> None:
        self._started[(key, thread)] = time.perf_counter() - self.start

    def on_task_end(self, key: Key, thread: str) -> None:
        end = time.perf_counter() - self.start
        start = self._started.pop((key, thread), end)
        self.tasks.append(TaskRecord(key, task_kind(key), start, end, thread))

    # --- output ----------------------------------------------------------------------------------

    def summary(self) -> list[tuple[str, int, float, float]]:
        """Per kind of task: (kind, count, total seconds, longest seconds), busiest first.

        >>> Profiler().summary()
        []
        """
        table: dict[str, list[float]] = {}
        for t in self.tasks:
            table.setdefault(t.kind, []).append(t.end - t.start)
        rows = [(k, len(d), sum(d), max(d)) for k, d in table.items()]
        return sorted(rows, key=lambda r: -r[2])

    def to_html(self) -> str:
        """The report as one self-contained HTML page (inline SVG, no scripts).

        >>> "<svg" in Profiler().to_html()
        True
        """
        return render(self.tasks, self.memory, self.end, self.summary())

    def report(self, filename: str = "profile.html") -> str:
        """Write :meth:`to_html` to ``filename`` and return the file name.

        >>> import os, tempfile
        >>> Profiler().report(os.path.join(tempfile.mkdtemp(), "r.html")).endswith("r.html")
        True
        """
        with open(filename, "w", encoding="utf-8") as f:
            f.write(self.to_html())
        return filename

    def plot(self) -> Any:
        """Draw the task stream and memory with matplotlib; return the figure.

        >>> Profiler().plot()  # doctest: +SKIP
        <Figure size 1000x600 with 2 Axes>
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError(
                "Profiler.plot() needs matplotlib: pip install matplotlib (or use "
                "Profiler.report('profile.html'), which needs nothing)"
            ) from None
        fig, (stream, mem) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
        threads = sorted({t.thread for t in self.tasks})
        kinds = sorted({t.kind for t in self.tasks})
        colors = {k: f"C{i % 10}" for i, k in enumerate(kinds)}
        for row, thread in enumerate(threads):
            for t in (t for t in self.tasks if t.thread == thread):
                stream.broken_barh([(t.start, t.end - t.start)], (row - 0.4, 0.8),
                                   color=colors[t.kind])
        stream.set_yticks(range(len(threads)), threads)
        stream.set_title("task stream")
        mem.plot([t for t, _ in self.memory], [b / 2**20 for _, b in self.memory])
        mem.set_ylabel("memory (MiB)")
        mem.set_xlabel("seconds")
        return fig

