"""Settings: ``chunkarray.config.set(memory_limit="1 GiB")``, as a call or a ``with`` block.

A plain call changes the process-wide default; a ``with`` block changes the settings of its own
thread (``contextvars`` context) only, and computations started inside it run their tasks with
them. The settings themselves live in :mod:`chunkarray.core.config`; this is their public home.
"""

from chunkarray.core.config import SCHEDULERS, current, get, num_workers, set

__all__ = ["SCHEDULERS", "current", "get", "num_workers", "set"]
