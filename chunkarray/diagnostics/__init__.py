"""Seeing inside: a progress bar, a profiler of the task stream and memory, and the HTML repr.

>>> import io, chunkarray as ca
>>> with ProgressBar(file=io.StringIO(), use_tqdm=False) as bar:
...     _ = ca.arange(100, chunks=10).sum().compute()
>>> bar.done == bar.total
True
"""

from chunkarray.diagnostics.profile import (
    Profiler,
    ProgressBar,
    TaskRecord,
    memory_usage,
    task_kind,
)

__all__ = ["ProgressBar", "Profiler", "TaskRecord", "memory_usage", "task_kind"]
