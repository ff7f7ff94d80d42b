"""The lazy expression graph and its lowering to a task graph.

An expression is a DAG of :class:`Node` objects, one per operation, each carrying the metadata of
its result (name, chunks, dtype). Building a node costs O(1) whatever the number of blocks.

*Lowering* turns the nodes into dask's task-graph format: a mapping ``key -> task`` where a key is
``(name, i, j, ...)`` and a task is ``(callable, *args)``. Arguments are keys, lists of arguments,
or literals; by convention a literal is never a tuple (parameters travel inside a
``functools.partial``), so a tuple argument is always a key. Lowering walks back from the requested
blocks and emits only the tasks they need, recording each task's dependencies and a depth-first
execution order on the way, so executors never scan or sort the graph again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from chunkarray._chunks import Chunks, shape_from_chunks

__all__ = ["Key", "Lowered", "Node", "lower", "is_task"]

Key = tuple[str | int, ...]
Task = Any  # (callable, *args) or a literal value


class Node:
    """One operation in the expression graph.

    Subclasses say which other nodes they read (:attr:`dependencies`) and how to make any one of
    their blocks (:meth:`block_task`). Nodes are immutable once built.
    """

    __slots__ = ("name", "chunks", "dtype", "shape", "numblocks")

    def __init__(self, name: str, chunks: Chunks, dtype: np.dtype) -> None:
        self.name = name
        self.chunks = chunks
        self.dtype = np.dtype(dtype)
        self.shape: tuple[int, ...] = shape_from_chunks(chunks)
        self.numblocks: tuple[int, ...] = tuple(len(c) for c in chunks)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return ()

    def block_task(self, index: tuple[int, ...]) -> tuple[Task, Sequence[Key]]:
        """The task that makes block ``index`` and the keys it reads."""
        raise NotImplementedError

    def keys(self) -> Iterator[Key]:
        """Every block key, in C order."""
        name = self.name
        for index in product(*map(range, self.numblocks)):
            yield (name, *index)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} chunks={self.chunks} dtype={self.dtype}>"


def is_task(value: Any) -> bool:
    """Whether a graph value is a task ``(callable, *args)`` rather than literal data."""
    return type(value) is tuple and len(value) > 0 and callable(value[0])


@dataclass(frozen=True)
class Lowered:
    """A task graph with what executors need to run it without re-analysing it.

    ``order`` lists every key so that each comes after its dependencies and each branch is
    finished (through its reductions) before the next is started.
    """

    tasks: dict[Key, Task]
    dependencies: dict[Key, tuple[Key, ...]]
    order: list[Key]


def collect_nodes(roots: Iterable[Node]) -> dict[str, Node]:
    """Every node reachable from ``roots``, by name."""
    nodes: dict[str, Node] = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node.name not in nodes:
            nodes[node.name] = node
            stack.extend(node.dependencies)
    return nodes


def lower(roots: Iterable[Node], keys: Iterable[Key], nodes: dict[str, Node] | None = None
          ) -> Lowered:
    """Emit the tasks that ``keys`` need, and nothing else, in depth-first execution order.

    ``nodes`` is the table of nodes by name, when a rewrite (such as fusion) has replaced some of
    those reachable from ``roots``.
    """
    if nodes is None:
        nodes = collect_nodes(roots)
    tasks: dict[Key, Task] = {}
    dependencies: dict[Key, tuple[Key, ...]] = {}
    order: list[Key] = []
    # Iterative post-order DFS: a key is emitted after all of its dependencies.
    stack: list[tuple[Key, bool]] = [(k, False) for k in reversed(list(keys))]
    while stack:
        key, expanded = stack.pop()
        if expanded:
            order.append(key)
            continue
        if key in tasks:
            continue
        task, deps = nodes[key[0]].block_task(key[1:])  # type: ignore[index]
        tasks[key] = task
        dependencies[key] = deps = tuple(deps)
        stack.append((key, True))
        stack.extend((d, False) for d in reversed(deps) if d not in tasks)
    return Lowered(tasks, dependencies, order)
