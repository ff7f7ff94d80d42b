"""From expressions to a task graph: the rewrites that run before lowering, then lowering.

Every path from an array to tasks (``compute``, the dask protocol, ``visualize``) goes through
:func:`lower_optimized`, so they all run the same graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chunkarray.core import config
from chunkarray.core.graph import Key, Lowered, Node, collect_nodes, lower, ordered_keys
from chunkarray.optimize.fuse import fuse

__all__ = ["lower_optimized"]


def lower_optimized(roots: Sequence[Node], keys: Iterable[Key] | None = None
                    ) -> tuple[Lowered, dict[str, Node]]:
    """The tasks that make ``keys`` (every block of ``roots`` when None), fused when the
    ``fuse`` setting is on, and the table of nodes, by name, they were lowered from.

    >>> import chunkarray as ca
    >>> x = ca.ones(4, chunks=2) + 1
    >>> lowered, nodes = lower_optimized([x._node])
    >>> len(lowered), sorted(type(n).__name__ for n in nodes.values())
    (2, ['BlockFunction', 'Fused'])
    """
    if keys is None:
        keys = [k for root in roots for k in ordered_keys(root)]
    nodes = fuse(roots) if config.get("fuse") else collect_nodes(roots)
    return lower(roots, keys, nodes), nodes
