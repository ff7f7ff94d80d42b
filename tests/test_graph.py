"""The expression graph's nodes: every kind is frozen once built.

The examples are built through the public operations where one makes the node kind, so each is a
real node with real inputs; the test of each kind is found by walking ``Node``'s subclasses, so a
new kind without an example here fails rather than escapes.
"""

from __future__ import annotations

import copy
import importlib
import pickle
import pkgutil
from functools import partial
from operator import itemgetter

import numpy as np
import pytest

import chunkarray as ca
import chunkarray.primitives
from chunkarray.core.graph import Node, collect_nodes, lower
from chunkarray.executors import get_executor
from chunkarray.kernels.program import Program
from chunkarray.optimize.fuse import fuse
from chunkarray.primitives.sinks import into
from chunkarray.primitives.sources import BlockFunction, Remote

# Every node kind is defined in a module of the primitives package: import them all.
for _module in pkgutil.iter_modules(chunkarray.primitives.__path__):
    importlib.import_module(f"chunkarray.primitives.{_module.name}")


def _kinds(cls: type[Node]) -> list[type[Node]]:
    """``cls`` and every subclass of it the package defines (tests may define their own)."""
    found = [cls] if cls.__module__.startswith("chunkarray.") else []
    for sub in cls.__subclasses__():
        found += _kinds(sub)
    return found


KINDS = sorted(set(_kinds(Node)), key=lambda k: (k.__module__, k.__qualname__))


def _negate(block: np.ndarray) -> np.ndarray:
    return -block


def _ones_block() -> np.ndarray:
    return np.ones(2)


def _examples() -> dict[type, Node]:
    """One built node of every kind, from expressions that make them."""
    a = np.arange(24.0).reshape(6, 4)
    x = ca.from_array(a, chunks=(2, 3))
    computed = x.map_blocks(_negate)  # blocks that cannot be read again, nor pushed through
    assigned = x.map_blocks(_negate)
    assigned[1:3, 0] = 5.0
    perm = np.array([5, 0, 3, 3, 1])
    arrays = [
        x, ca.ones((4, 4), chunks=2), x.persist(), x.blocks[1:], x[x > 3].compute_chunk_sizes(),
        (x + 1).sum(axis=0), x.rechunk((3, 2)), computed[1:5:2], ca.concatenate([x, x]),
        x[perm], (x * 2)[perm], computed.vindex[[0, 5], [1, 2]], assigned,
        computed.rechunk((6, 1), method="disk"), x.map_overlap(_negate, depth=1, boundary="none"),
        computed.rechunk((3, 2)),  # moved in memory
    ]
    with ca.config.set(memory_limit="1 GiB"):
        arrays.append(computed[perm])  # the touched blocks joined, then taken from
    with ca.config.set(memory_limit="16 B"):
        arrays.append(computed[perm])  # gathered per block, then put in order
    spd = ca.from_array(a.T @ a + 100 * np.eye(4), chunks=2)
    arrays.append(ca.linalg.cholesky(spd))  # blocked: a grid of dependent tasks
    arrays += [x.cumsum(axis=0), x.cumprod(axis=0)]  # scans: carried sums, products in sequence
    arrays.append(ca.from_blocks([_ones_block, _ones_block], chunks=((2, 2),), dtype=float))
    nodes: dict[str, Node] = collect_nodes([a._node for a in arrays])
    sum_into = into((computed + 1).sum(axis=0)._node, np.empty(4))
    nodes.update(fuse([(x * 2 + 1)._node, sum_into]))
    shared = ca.ones((64, 16), chunks=(8, 16)) * 3  # 8 KiB, of which the limit holds some
    with ca.config.set(memory_limit="6 KiB", num_workers=1):
        nodes.update(fuse([(shared - shared.mean(axis=0)).std(axis=0)._node]))
    nodes.update(collect_nodes([into(x[perm]._node, np.empty((5, 4)))]))  # a take fills
    nodes["remote"] = Remote("remote", ((1, 1),), np.dtype(int), [5, 6])
    nodes["node"] = Node("node", ((1,),), np.dtype(int))
    examples: dict[type, Node] = {}
    for node in nodes.values():
        examples.setdefault(type(node), node)
    return examples


EXAMPLES = _examples()


def test_the_kinds_are_found():
    names = {k.__name__ for k in KINDS}
    assert {"Blockwise", "Rechunk", "Fused", "SinkAfter", "PartlyHeld", "_Gather",
            "_Assign"} <= names


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__qualname__)
def test_every_node_kind_is_frozen_once_built(kind):
    if kind.block_task is Node.block_task and kind is not Node:
        pytest.skip(f"{kind.__qualname__} is an abstract base: it makes no blocks itself")
    assert kind in EXAMPLES, f"no example of {kind.__qualname__}: add one to _examples()"
    node = EXAMPLES[kind]
    name = node.name
    for attr in ("name", "chunks", *getattr(kind, "__slots__", ())):
        with pytest.raises(AttributeError, match="frozen once built"):
            setattr(node, attr, None)
    with pytest.raises(AttributeError, match="frozen once built"):
        del node.name
    assert node.name == name  # unchanged


def test_a_frozen_node_still_lowers_and_computes(executor):
    a = np.arange(24.0).reshape(6, 4)
    x = ca.from_array(a, chunks=(2, 3))
    y = (x + 1)[1:5:2, ::-1]
    with pytest.raises(AttributeError):
        y._node.chunks = ((1,), (4,))
    np.testing.assert_array_equal(y.compute(), (a + 1)[1:5:2, ::-1])


def test_the_error_names_the_node_and_the_attribute():
    node = ca.ones(4, chunks=2)._node
    with pytest.raises(AttributeError, match=r"cannot set 'dtype' of BlockFunction 'ones-"):
        node.dtype = np.dtype(int)


def test_a_cache_is_not_a_change():
    x = ca.from_array(np.arange(10), chunks=4)
    node = (x[2:9])._node
    before = node.block_task((0,))[0]
    assert node.block_task((0,))[0][0](np.arange(10)).tolist() == before[0](np.arange(10)).tolist()
    assert node._slices is not None  # made on first use, through Node._cache


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__qualname__)
def test_a_copied_node_is_whole_and_frozen(kind):
    # copy, deepcopy and unpickling set the slots without the constructor (xarray deep-copies
    # arrays, e.g. in interp): that must work, and the copy must be frozen too.
    if kind not in EXAMPLES:
        pytest.skip(f"{kind.__qualname__} is an abstract base: it makes no blocks itself")
    node = EXAMPLES[kind]
    twin = copy.copy(node)
    assert type(twin) is kind and twin.name == node.name and twin.chunks == node.chunks
    with pytest.raises(AttributeError, match="frozen once built"):
        twin.name = "other"


def test_a_deep_copied_or_pickled_array_computes_the_same():
    a = np.arange(24.0).reshape(6, 4)
    y = ((ca.from_array(a, chunks=(2, 3)) + 1)[1:5:2, ::-1]).sum(axis=0)
    for twin in (copy.deepcopy(y), pickle.loads(pickle.dumps(y))):
        assert twin.name == y.name
        np.testing.assert_array_equal(twin.compute(), ((a + 1)[1:5:2, ::-1]).sum(axis=0))


# --- lowering: every node's tasks made at once, then put in depth-first order ----------------


def _norm(value):
    """A task (or argument) as comparable data: functions by identity, partials, programs and
    itemgetters by what they hold, so two separately made tasks compare equal when they agree."""
    if isinstance(value, partial):
        return ("partial", _norm(value.func), _norm(value.args),
                sorted((k, _norm(v)) for k, v in value.keywords.items()))
    if isinstance(value, Program):
        return ("program", value.plan, _norm(value.funcs))
    if isinstance(value, itemgetter):
        return ("itemgetter", repr(value))
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, [_norm(v) for v in value])
    if isinstance(value, dict):
        return sorted((k, _norm(v)) for k, v in value.items())
    if hasattr(value, "__reduce__") and type(value).__module__.startswith("chunkarray."):
        return (type(value).__name__, _norm(value.__reduce__()[1]))  # e.g. Slices
    return value


@pytest.mark.parametrize("kind", [k for k in KINDS if k in EXAMPLES], ids=lambda k: k.__qualname__)
def test_the_tasks_of_many_blocks_are_those_of_each_block(kind):
    node = EXAMPLES[kind]
    indices = [k[1:] for k in node.keys()]
    if kind is Node:
        with pytest.raises(NotImplementedError):
            node.block_tasks(indices)
        return
    bulk = node.block_tasks(indices)
    assert len(bulk) == len(indices)
    for index, (task, deps) in zip(indices, bulk):
        one_task, one_deps = node.block_task(index)
        assert list(deps) == list(one_deps)
        assert _norm(task) == _norm(one_task)


def test_tasks_of_some_blocks_in_any_order():
    node = (ca.ones((5, 7), chunks=(2, 3)) + 1)._node
    fused = fuse([node])[node.name]
    indices = [(2, 0), (0, 2), (1, 1)]
    made = fused.block_tasks(indices)
    for index, (task, _) in zip(indices, made):
        np.testing.assert_array_equal(task[0](), fused.block_task(index)[0][0]())
    with pytest.raises(IndexError):
        EXAMPLES[BlockFunction].block_tasks([(-1, 0)])


def _depth_first(nodes, keys):
    """The order lowering promises, by plain recursion: a task right after its last input."""
    order: list = []
    seen: set = set()

    def visit(key):
        if key in seen:
            return
        _, deps = nodes[key[0]].block_task(key[1:])
        for d in deps:
            visit(d)
        seen.add(key)
        order.append(key)

    for key in keys:
        visit(key)
    return order


@pytest.mark.parametrize("make", [
    lambda: (ca.ones((6, 8), chunks=(2, 3)) + 1).sum(axis=0),
    lambda: ca.from_array(np.arange(30.0), chunks=4).cumsum() - 1,
    lambda: ca.from_array(np.arange(24.0).reshape(6, 4), chunks=(2, 3))[np.array([5, 0, 3])],
    lambda: ca.concatenate([ca.ones(5, chunks=2), ca.zeros(3, chunks=2)]).rechunk(3).std(),
])
def test_lowering_order_is_depth_first_and_positions_agree(make):
    x = make()
    nodes = fuse([x._node])
    keys = list(x._node.keys())
    lowered = lower([x._node], keys, nodes)
    assert lowered.order == _depth_first(nodes, keys)
    assert len(lowered.task_list) == len(lowered.order)
    for i, (key, deps) in enumerate(zip(lowered.order, lowered.deps)):
        expected = nodes[key[0]].block_task(key[1:])[1]
        assert [lowered.order[d] for d in deps] == list(expected)
        assert all(d < i for d in deps)
        assert lowered.ids[key] == i


class _Hidden(Node):
    """A node whose tasks read a node its ``dependencies`` do not name."""

    __slots__ = ("hidden",)

    def __init__(self, hidden: Node) -> None:
        super().__init__("hides-" + hidden.name, hidden.chunks, hidden.dtype)
        self.hidden = hidden

    def block_task(self, index):
        key = (self.hidden.name, *index)
        return (np.negative, key), (key,)


def test_a_task_reading_an_undeclared_node_is_still_lowered(executor):
    x = ca.from_array(np.arange(6.0), chunks=2) + 1
    node = _Hidden(x._node)
    nodes = {**collect_nodes([x._node]), node.name: node}
    lowered = lower([node], list(node.keys()), nodes)
    assert len(lowered) == 3 * x.npartitions + 1  # reads, additions, their data, and its own
    values = get_executor(executor)(lowered, list(node.keys()), 2)
    np.testing.assert_array_equal(np.concatenate(values), -(np.arange(6.0) + 1))
