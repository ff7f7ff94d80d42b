"""Settings: ``chunkarray.config.set(memory_limit="1 GiB")``, as a call or a ``with`` block.

The settings themselves live in :mod:`chunkarray.core.config`; this is their public home.
"""

from chunkarray.core.config import SCHEDULERS, get, num_workers, set

__all__ = ["SCHEDULERS", "get", "num_workers", "set"]
