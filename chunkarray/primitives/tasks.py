"""The task-grid node: block tasks planned by a function of the block index.

Blocked factorizations (TSQR's tree, block LU and Cholesky, triangular solves) read blocks in
patterns no index notation says: block ``(i, j)`` of a Cholesky factor reads row ``i`` and row
``j`` of the factor itself up to column ``j``. A :class:`TaskGrid` takes a *plan*, a function from
a block index to ``(callable, args)``, where the arguments are keys of its inputs' blocks (or of
its own blocks: a node may read its earlier blocks), nested lists of keys, or literals that are
not tuples. Building the node costs O(1); the plan runs only for the blocks lowering asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chunkarray.core.chunks import Chunks
from chunkarray.core.graph import Key, Node

__all__ = ["Plan", "TaskGrid", "keys_in"]

# block index -> (callable, arguments); an argument is a key, a nested list of keys, or a literal.
Plan = Callable[[tuple[int, ...]], tuple[Callable[..., Any], Sequence[Any]]]


def keys_in(args: Sequence[Any]) -> list[Key]:
    """The keys among task arguments: tuples, found through nested lists.

    >>> keys_in([("a", 0), [("b", 1), [("b", 2)]], 3])
    [('a', 0), ('b', 1), ('b', 2)]
    """
    found: list[Key] = []
    for arg in args:
        if type(arg) is tuple:
            found.append(arg)
        elif type(arg) is list:
            found.extend(keys_in(arg))
    return found


class TaskGrid(Node):
    """Block ``idx`` is ``func(*args)`` with ``func, args = plan(idx)``.

    ``inputs`` are the nodes the plan reads from (besides the node itself). The node's blocks
    may be any Python values (a pivot vector with a panel, say) when its dtype is ``object``.
    """

    __slots__ = ("inputs", "plan")

    def __init__(self, name: str, chunks: Chunks, dtype: Any, inputs: Sequence[Node],
                 plan: Plan) -> None:
        super().__init__(name, chunks, dtype)
        self.inputs = tuple(inputs)
        self.plan = plan

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return self.inputs

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        func, args = self.plan(index)
        return (func, *args), keys_in(args)
