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

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import product
from typing import Any, ClassVar, TypeVar

import numpy as np

from chunkarray.core.chunks import Chunks, shape_from_chunks

__all__ = ["SINK_PREFIX", "Key", "Lowered", "Node", "is_task", "lower", "made_key", "ordered_keys",
           "operation_label"]

Key = tuple[str | int, ...]

# Names of sink nodes (see :mod:`chunkarray.primitives.sinks`) are this prefix and the name of the
# node whose blocks they put away: an error in a sink's task is reported for that node's block.
SINK_PREFIX = "into-"


def made_key(key: Key) -> Key:
    """The key of the block a task makes: a sink's key names the block it puts away.

    >>> made_key(("into-add-1f", 2)), made_key(("add-1f", 2))
    (('add-1f', 2), ('add-1f', 2))
    """
    name = key[0]
    if isinstance(name, str) and name.startswith(SINK_PREFIX):
        return (name[len(SINK_PREFIX):], *key[1:])
    return key


Task = Any  # (callable, *args) or a literal value
T = TypeVar("T")


class _Frozen(type):
    """Nodes' metaclass: an instance is frozen as soon as its constructor has returned."""

    def __call__(cls: type[Any], *args: Any, **kwargs: Any) -> Any:
        node = object.__new__(cls)  # no node kind defines __new__
        object.__setattr__(node, "_frozen", False)  # a plain slot read in __setattr__ below
        object.__setattr__(node, "masked", None)
        node.__init__(*args, **kwargs)
        if node.masked is None:  # not said by the constructor: follow the inputs
            object.__setattr__(node, "masked", _inherited_mask(node))
        object.__setattr__(node, "_frozen", True)
        return node


def operation_label(name: str) -> str:
    """The operation a node name describes: the name without its trailing token.

    >>> operation_label("sort-1f2e"), operation_label("plain")
    ('sort', 'plain')
    """
    return name.rsplit("-", 1)[0]


def _inherited_mask(node: Node) -> bool:
    """Whether ``node`` makes masked blocks, when its constructor did not say: when its inputs
    do, for the kinds that hand masked blocks on as they are (:attr:`Node.keeps_masks`).

    Every other kind would read a masked block as a plain array, dropping its mask or counting
    masked values: it is refused here, as the expression is built, rather than answer wrongly.
    """
    if not any(getattr(d, "masked", False) for d in node.dependencies):
        return False
    if type(node).keeps_masks:
        return True
    raise TypeError(
        f"{operation_label(node.name)} does not support masked arrays (numpy.ma): their masks "
        f"would be lost; replace the masked values first with chunkarray.ma.filled(x, value), "
        f"or take the data alone with chunkarray.ma.getdata(x)"
    )


class Node(metaclass=_Frozen):
    """One operation in the expression graph.

    Subclasses say which other nodes they read (:attr:`dependencies`) and how to make any one of
    their blocks (:meth:`block_task`). A node is complete and frozen when built: its name is a
    hash of what it does, so assigning any attribute afterwards raises ``AttributeError`` (build
    a new node instead). A value derived from the node's own fields and made on first use (a
    cache, which changes nothing the node means) is stored with :meth:`_cache`.

    >>> node = Node("x-1", ((2, 2),), float)
    >>> node.name = "y"
    Traceback (most recent call last):
    ...
    AttributeError: cannot set 'name' of Node 'x-1': nodes are frozen once built; build a new node
    """

    __slots__ = ("name", "chunks", "dtype", "shape", "numblocks", "masked", "_frozen")
    _frozen: bool

    #: Whether this kind hands masked blocks (``numpy.ma.MaskedArray``) on with their masks: it
    #: only moves, slices or joins blocks. Nodes of such a kind are masked when an input is; any
    #: other kind must say ``masked`` in its constructor or it refuses masked inputs when built.
    keeps_masks: ClassVar[bool] = False
    masked: bool  # set by the constructor, or after it from the inputs (see _Frozen)

    def __init__(self, name: str, chunks: Chunks, dtype: np.dtype) -> None:
        self.name = name
        self.chunks = chunks
        self.dtype = np.dtype(dtype)
        self.shape: tuple[int, ...] = shape_from_chunks(chunks)
        self.numblocks: tuple[int, ...] = tuple(len(c) for c in chunks)

    def __setattr__(self, attr: str, value: Any) -> None:
        try:
            frozen = self._frozen
        except AttributeError:  # made without the constructor (a copy, unpickling): not yet
            frozen = False
        if frozen:
            raise AttributeError(
                f"cannot set {attr!r} of {type(self).__name__} {self.name!r}: nodes are frozen "
                f"once built; build a new node"
            )
        object.__setattr__(self, attr, value)

    def __delattr__(self, attr: str) -> None:
        raise AttributeError(
            f"cannot delete {attr!r} of {type(self).__name__} {self.name!r}: nodes are frozen "
            f"once built"
        )

    def _cache(self, attr: str, value: T) -> T:
        """Keep ``value``, derived from this node's own fields alone, in slot ``attr``.

        For what is costly to make at construction and only needed at lowering (per-block tables
        of a large grid): the node means the same before and after, so this is not a change.
        """
        object.__setattr__(self, attr, value)
        return value

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return ()

    def block_task(self, index: tuple[int, ...]) -> tuple[Task, Sequence[Key]]:
        """The task that makes block ``index`` and the keys it reads."""
        raise NotImplementedError

    def block_tasks(self, indices: Sequence[tuple[int, ...]]
                    ) -> list[tuple[Task, Sequence[Key]]]:
        """:meth:`block_task` of each of ``indices``: lowering asks for all the blocks of a node
        it needs at once, so a node with many blocks can make their tasks in one loop."""
        return list(map(self.block_task, indices))

    def keys(self) -> Iterator[Key]:
        """Every block key, in C order."""
        name = self.name
        for index in product(*map(range, self.numblocks)):
            yield (name, *index)

    def axis_order(self) -> tuple[int, ...] | None:
        """The order in which this node's blocks are best made, when C order is not: its axes
        from the slowest-varying to the fastest (see :func:`ordered_keys`). None: no preference.
        """
        return None

    def follows(self) -> tuple[Node, tuple[int, ...]] | None:
        """The input whose blocks this node's blocks follow one to one, and for each of that
        input's axes the axis of this node it is (a permutation); None when there is none."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} chunks={self.chunks} dtype={self.dtype}>"


def ordered_keys(node: Node) -> Iterator[Key]:
    """Every block key of ``node``, in the order its blocks are best made.

    That is C order unless ``node``, or an input its blocks follow one to one (through
    elementwise steps, transposes and sinks, see :meth:`Node.follows`), prefers another order
    of axes (:meth:`Node.axis_order`): a rechunk staged through files prefers to make the new
    blocks that read the same files one after another, so that each file is read by all of its
    readers, and its pages can take the next blocks, before those are written.

    >>> x = Node("x", ((2, 2), (3, 3)), float)
    >>> list(ordered_keys(x))
    [('x', 0, 0), ('x', 0, 1), ('x', 1, 0), ('x', 1, 1)]
    """
    moves: list[tuple[int, ...]] = []
    below: Node | None = node
    order = None
    while below is not None:
        order = below.axis_order()
        followed = below.follows() if order is None else None
        if followed is None:
            break
        below, axes = followed
        moves.append(axes)
    if order is None:
        return node.keys()
    for axes in reversed(moves):  # from the preferring node's axes up to ``node``'s
        order = tuple(axes[a] for a in order)
    return _keys_in_axis_order(node, order)


def _keys_in_axis_order(node: Node, order: tuple[int, ...]) -> Iterator[Key]:
    name, place = node.name, [order.index(a) for a in range(len(order))]
    for index in product(*(range(node.numblocks[a]) for a in order)):
        yield (name, *(index[p] for p in place))


def is_task(value: Any) -> bool:
    """Whether a graph value is a task ``(callable, *args)`` rather than literal data."""
    return type(value) is tuple and len(value) > 0 and callable(value[0])


class Lowered:
    """A task graph with what executors need to run it without re-analysing it.

    Task ``i`` makes key ``order[i]`` by running ``task_list[i]`` after the tasks ``deps[i]``
    (positions in ``order``, all smaller than ``i``). The order finishes each branch (through its
    reductions) before the next is started, so running tasks in order keeps memory low. The
    dask-format views (``tasks``, ``dependencies``) are made on first use: the in-process executors
    work on positions and never need them.
    """

    __slots__ = ("order", "task_list", "deps", "ids", "_tasks", "_dependencies")

    def __init__(self, order: list[Key], task_list: list[Task], deps: list[tuple[int, ...]],
                 ids: dict[Key, int] | None = None) -> None:
        self.order = order
        self.task_list = task_list
        self.deps = deps
        self.ids = ids if ids is not None else {k: i for i, k in enumerate(order)}
        self._tasks: dict[Key, Task] | None = None
        self._dependencies: dict[Key, tuple[Key, ...]] | None = None

    @property
    def tasks(self) -> dict[Key, Task]:
        """The graph in dask's format: ``{key: task}``."""
        if self._tasks is None:
            self._tasks = dict(zip(self.order, self.task_list))
        return self._tasks

    @property
    def dependencies(self) -> dict[Key, tuple[Key, ...]]:
        """The keys each key's task reads."""
        if self._dependencies is None:
            order = self.order
            self._dependencies = {
                k: tuple([order[d] for d in ds]) for k, ds in zip(order, self.deps)
            }
        return self._dependencies

    def consumer_counts(self) -> list[int]:
        """How many tasks read each task's result: it may be freed when its count reaches zero."""
        counts = [0] * len(self.order)
        for ds in self.deps:
            for d in ds:
                counts[d] += 1
        return counts

    def __len__(self) -> int:
        return len(self.order)


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
    # Lowering makes a few small containers per task and frees none of them, which is what
    # triggers Python's cycle collector again and again (half the time of lowering, measured),
    # though tasks hold no cycles: pause it, as long as nobody else has.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _lower(nodes, keys)
    finally:
        if paused:
            gc.enable()


def _lower(nodes: dict[str, Node], keys: Iterable[Key]) -> Lowered:
    keys = list(keys)
    return _in_order(_make_tasks(nodes, keys), keys)


def _make_tasks(nodes: dict[str, Node], keys: list[Key]) -> dict[Key, tuple[Task, Sequence[Key]]]:
    """The task and the input keys of every key ``keys`` need, made node by node.

    Each node is asked once for all of its blocks that are needed (:meth:`Node.block_tasks`),
    dependents before their dependencies, so a node's per-block constants are looked up once
    and its tasks made in one loop rather than one call at a time through a walk of the graph.
    """
    wanted: defaultdict[str, dict[Key, None]] = defaultdict(dict)
    for key in keys:
        wanted[key[0]][key] = None  # type: ignore[index]  # a key's first entry is its name
    made: dict[Key, tuple[Task, Sequence[Key]]] = {}
    ranked = _dependents_first(nodes, list(wanted))
    while wanted:
        # One pass in dependents-first order makes everything, unless a task reads a node its
        # ``dependencies`` do not name: then that node's blocks wait for another pass.
        for name in ranked:
            pending = wanted.pop(name, None)
            if not pending:
                continue
            todo = [k for k in pending if k not in made]
            # A key is (name, *block index), which the Key alias cannot say.
            entries = nodes[name].block_tasks([k[1:] for k in todo])  # type: ignore[misc]
            for key, entry in zip(todo, entries):
                made[key] = entry
                for d in entry[1]:
                    if d not in made:
                        wanted[d[0]][d] = None  # type: ignore[index]
        ranked = _dependents_first(nodes, list(wanted)) if wanted else ranked
    return made


def _dependents_first(nodes: dict[str, Node], names: list[str]) -> list[str]:
    """The nodes reachable from ``names``, each before every node it depends on."""
    post: list[str] = []
    seen: set[str] = set()
    for start in names:
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(nodes[start].dependencies))]
        while stack:
            name, children = stack[-1]
            for child in children:
                c = child.name if child.name in nodes else None
                if c is not None and c not in seen:
                    seen.add(c)
                    stack.append((c, iter(nodes[c].dependencies)))
                    break
            else:
                stack.pop()
                post.append(name)
    return post[::-1]


def _in_order(made: dict[Key, tuple[Task, Sequence[Key]]], keys: list[Key]) -> Lowered:
    """The tasks of ``made`` in depth-first post-order from ``keys``: a task comes right after
    its last input, so running them in order finishes each branch before starting the next."""
    ids: dict[Key, int] = {}  # emitted keys and their positions
    order: list[Key] = []
    task_list: list[Task] = []
    deps: list[tuple[int, ...]] = []
    emit_key, emit_task, emit_deps = order.append, task_list.append, deps.append
    for root in keys:
        if root in ids:
            continue
        stack: list[tuple[Key, Sequence[Key], int]] = [(root, made[root][1], 0)]
        while stack:
            key, inputs, start = stack.pop()
            for i in range(start, len(inputs)):
                d = inputs[i]
                if d in ids:
                    continue
                task, below = made[d]
                # Most inputs read nothing or only what was emitted already (a read of a
                # source): emitted at once, not pushed and popped.
                try:
                    positions = tuple([ids[b] for b in below]) if below else ()
                except KeyError:  # emit its inputs first, then come back here
                    stack.append((key, inputs, i + 1))
                    stack.append((d, below, 0))
                    break
                ids[d] = len(order)
                emit_key(d)
                emit_task(task)
                emit_deps(positions)
            else:
                ids[key] = len(order)
                emit_key(key)
                emit_task(made[key][0])
                emit_deps(tuple([ids[d] for d in inputs]))
    return Lowered(order, task_list, deps, ids)
