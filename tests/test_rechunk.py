"""Rechunking: planning within a memory limit, and values that round-trip exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray._chunks import blockdims_from_blockshape
from chunkarray._rechunk_plan import plan_rechunk, stage_task_bytes
from chunkarray.graph import collect_nodes
from chunkarray.primitives.rechunk import Rechunk
from tests.strategies import arrays, assert_eq, chunkings, shapes


@st.composite
def two_chunkings(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=12))
    return shape, draw(chunkings(shape)), draw(chunkings(shape))


@given(two_chunkings(), st.integers(1, 8), st.integers(64, 4096))
def test_every_stage_of_a_plan_fits_the_limit(case, itemsize, limit):
    shape, old, new = case
    try:
        plan = plan_rechunk(old, new, itemsize, limit)
    except ValueError as exc:
        assert "memory_limit" in str(exc)
        return
    assert (plan[-1] if plan else old) == new
    previous = old
    for stage in plan:
        assert tuple(sum(c) for c in stage) == shape
        assert stage_task_bytes(previous, stage, itemsize) <= limit
        previous = stage


def test_tall_skinny_to_short_wide_goes_through_square_blocks():
    old = blockdims_from_blockshape((16384, 16384), (16384, 64))
    new = blockdims_from_blockshape((16384, 16384), (64, 16384))
    limit = 256 * 2**20
    assert stage_task_bytes(old, new, 8) > limit  # a single stage would hold everything
    plan = plan_rechunk(old, new, 8, limit)
    assert len(plan) == 2 and plan[-1] == new
    assert stage_task_bytes(old, plan[0], 8) <= limit
    assert stage_task_bytes(plan[0], plan[1], 8) <= limit
    assert len(plan[0][0]) * len(plan[0][1]) <= 1024  # few, large intermediate blocks


def test_plan_refuses_blocks_larger_than_the_limit():
    with pytest.raises(ValueError, match="memory_limit"):
        plan_rechunk(((100,),), ((50, 50),), 8, 100)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrays(min_dims=1, max_dims=3, max_side=8), st.data())
def test_rechunk_round_trips_exactly(executor, pair, data):
    a, x = pair
    new = data.draw(chunkings(a.shape))
    # Tight enough to force staged plans, loose enough for one old plus one new block per task.
    largest = max(np.prod([max(c) for c in x.chunks]), np.prod([max(c) for c in new]), 1)
    limit = 3 * int(largest) * a.itemsize
    y = ca.rechunk(x, new, memory_limit=limit)
    assert y.chunks == new
    assert_eq(y.compute(), a, exact=True)


def test_rechunk_of_rechunk_is_one_rechunk_and_same_chunks_is_identity():
    x = ca.ones((8, 8), chunks=4).map_blocks(lambda b: -b, dtype=float)  # not cheap to remake
    y = ca.rechunk(ca.rechunk(x, 2), 8)
    assert isinstance(y._node, Rechunk) and y._node.source is x._node
    assert ca.rechunk(x, 4) is x
    assert ca.rechunk(ca.rechunk(x, 2), 4)._node is x._node


def test_rechunk_of_a_read_reads_new_blocks_directly():
    a = np.arange(64.0).reshape(8, 8)
    y = ca.rechunk(ca.from_array(a, chunks=2), (8, 1))
    assert not isinstance(y._node, Rechunk)
    assert_eq(y.compute(), a, exact=True)


def test_rechunk_bad_chunks_raise_at_the_call():
    x = ca.ones((4, 4), chunks=2)
    with pytest.raises(ValueError, match="chunks"):
        ca.rechunk(x, (3, 3, 3))


def test_rechunk_method_is_the_function():
    x = ca.ones((4, 4), chunks=2)
    assert x.rechunk({0: 4}).chunks == ((4,), (2, 2))
    assert_eq(x.rechunk(1, memory_limit="1 KiB").compute(), np.ones((4, 4)))


def test_cheap_sources_make_the_new_blocks_themselves():
    a = np.arange(100.0).reshape(10, 10)
    x = ca.from_array(a, chunks=3)[1:, ::2]  # a sliced read: the new blocks keep the slicing
    for y, expected in [
        (x.rechunk(2), a[1:, ::2]),
        ((x * 2 + 1).rechunk((4, 1)), a[1:, ::2] * 2 + 1),
        (ca.ones((8, 8), chunks=4).rechunk((8, 1)), np.ones((8, 8))),
        ((ca.arange(10, chunks=3) + ca.ones(10, chunks=5)).rechunk(4), np.arange(10) + 1.0),
    ]:
        assert not any(isinstance(n, Rechunk) for n in collect_nodes([y._node]).values())
        assert_eq(y.compute(), expected)
