"""Push-down of a change (new chunks, here) through elementwise steps into the sources.

Slicing and takes through the same walk are tested in test_indexing.py; these tests hold the walk
itself: broadcast inputs, unified rechunks over inputs, and chains that cannot take the change.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.graph import Node, collect_nodes
from chunkarray.optimize.pushdown import Change, Remake, push_down, remake
from chunkarray.primitives.blockwise import Blockwise
from chunkarray.primitives.rechunk import Rechunk
from chunkarray.primitives.sources import BlockFunction, FromArray
from tests.strategies import arrays, assert_eq, chunkings


def _kinds(node: Node) -> set[str]:
    return {type(n).__name__ for n in collect_nodes([node]).values()}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(arrays(dtypes=[np.float64, np.int32], min_dims=1, max_dims=3, max_side=6), st.data())
def test_remake_through_elementwise_steps_matches_numpy(executor, pair, data):
    a, x = pair
    new = data.draw(chunkings(a.shape))
    row = np.arange(a.shape[-1], dtype=np.int8)  # broadcast along every axis but the last
    y = x * 2 + ca.from_array(row, chunks=-1) - ca.ones(a.shape, dtype=np.int8, chunks=2)
    node = remake(y._node, new)
    assert node is not None and node.chunks == new
    # Only sources, elementwise steps, and rechunks kept inside steps already in the new blocks.
    assert _kinds(node) <= {"Blockwise", "FromArray", "BlockFunction", "Data", "Rechunk"}
    assert_eq(ca.ChunkedArray(node).compute(), a * 2 + row - 1, exact=True)


def test_a_broadcast_input_keeps_its_one_block():
    x = ca.from_array(np.arange(12.0).reshape(3, 4), chunks=(1, 2))
    row = ca.from_array(np.arange(4.0), chunks=2)
    node = remake((x + row)._node, ((3,), (1, 3)))
    assert isinstance(node, Blockwise)
    assert [n.chunks for n in node.inputs] == [((3,), (1, 3)), ((1, 3),)]
    column = ca.from_array(np.arange(3.0).reshape(3, 1), chunks=1)
    node = remake((x + column)._node, ((2, 1), (4,)))
    assert [n.chunks for n in node.inputs] == [((2, 1), (4,)), ((2, 1), (1,))]
    np.testing.assert_array_equal(ca.ChunkedArray(node).compute(),
                                  np.arange(12.0).reshape(3, 4) + np.arange(3.0)[:, None])


def test_a_rechunk_over_a_source_is_replaced():
    a = np.arange(8.0)
    x = ca.from_array(a, chunks=4)
    y = x + ca.from_array(a, chunks=2)  # the second input is rechunked to unify the blocks
    assert "Rechunk" in _kinds(y._node)
    node = remake(y._node, ((3, 5),))
    assert "Rechunk" not in _kinds(node)
    np.testing.assert_array_equal(ca.ChunkedArray(node).compute(), a + a)


def test_a_node_already_in_the_new_chunks_is_kept():
    x = ca.ones(6, chunks=3) + 1
    assert remake(x._node, ((3, 3),)) is x._node


def test_what_cannot_be_made_anew_gives_none():
    computed = ca.ones(6, chunks=3).map_blocks(lambda b: b * 2)
    assert remake(computed._node, ((2, 2, 2),)) is None
    assert remake((computed + 1)._node, ((2, 2, 2),)) is None  # one input cannot: none can


def test_sources_are_remade_with_their_own_data():
    x = ca.from_array(np.arange(6), chunks=3)
    node = remake(x._node, ((1, 5),))
    assert isinstance(node, FromArray) and node.data is x._node.data  # shipped once
    created = remake(ca.arange(6, chunks=3)._node, ((1, 5),))
    assert isinstance(created, BlockFunction)
    np.testing.assert_array_equal(ca.ChunkedArray(created).compute(), np.arange(6))


class _Count(Change):
    """A change that records where push_down stops: every input is changed, sources kept."""

    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    def for_input(self, ind, broadcast):
        return self

    def at_source(self, node):
        self.seen.append(type(node).__name__)
        return node


def test_push_down_stops_at_what_is_not_elementwise():
    x = ca.from_array(np.arange(6.0), chunks=3)
    y = (x.map_blocks(np.cumsum) + x) * 2
    seen: list[str] = []
    out = push_down(y._node, _Count(seen))
    assert sorted(seen) == ["Blockwise", "FromArray"]
    np.testing.assert_array_equal(ca.ChunkedArray(out).compute(),
                                  (np.concatenate([np.cumsum(np.arange(3.0)),
                                                   np.cumsum(np.arange(3.0, 6.0))]) +
                                   np.arange(6.0)) * 2)


def test_the_base_change_says_what_it_needs():
    with pytest.raises(NotImplementedError):
        Change().at_source(ca.ones(2, chunks=1)._node)
    assert isinstance(Remake(((2,),)).enter(Rechunk(ca.ones(2, chunks=1)._node, ((2,),))),
                      BlockFunction)
