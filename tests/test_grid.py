"""The chunk grid (``chunkarray.core.grid``) against a brute-force oracle listing every element."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import math
import re
import tracemalloc
from itertools import product

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core import chunks as chunks_module
from chunkarray.core.chunks import block_slices, normalize_chunks, staged_reads
from chunkarray.core.grid import (
    MAX_BLOCK_SIZES,
    MAX_BLOCKS,
    AxisGrid,
    ChunkGrid,
    RegularAxis,
    VaryingAxis,
    axis_grid,
    check_addressable,
    check_block_counts,
    regular_sizes,
)
from tests.strategies import chunkings, shapes

# --- the oracle: every position of the axis, and the block that holds it -------------------------


def owners(sizes: tuple[int, ...]) -> list[tuple[int, int]]:
    """``(block, index within block)`` of every position, by walking the blocks one by one."""
    return [(b, j) for b, s in enumerate(sizes) for j in range(s)]


def sizes_with_empty_blocks() -> st.SearchStrategy[tuple[int, ...]]:
    """Any block sizes, zero-size blocks and empty axes included."""
    return st.lists(st.integers(0, 6), min_size=1, max_size=8).map(tuple)


def regular_axes() -> st.SearchStrategy[RegularAxis]:
    return st.builds(RegularAxis, st.integers(0, 40), st.integers(1, 12))


def any_axis() -> st.SearchStrategy[AxisGrid]:
    return st.one_of(regular_axes(), sizes_with_empty_blocks().map(VaryingAxis),
                     sizes_with_empty_blocks().map(axis_grid))


# --- one axis -------------------------------------------------------------------------------------


@given(any_axis())
def test_axis_geometry_matches_the_oracle(grid):
    sizes = grid.sizes
    assert isinstance(grid, AxisGrid)
    assert grid.nblocks == len(sizes) >= 1
    assert grid.length == sum(sizes)
    assert grid.largest == max(sizes)
    walked = [0]
    for s in sizes:
        walked.append(walked[-1] + s)
    assert grid.boundaries == tuple(walked)
    for i, s in enumerate(sizes):
        assert grid.size(i) == s
        assert grid.offset(i) == walked[i]
        assert grid.slice(i) == slice(walked[i], walked[i] + s)


@given(any_axis())
def test_block_at_and_locate_match_the_oracle(grid):
    oracle = owners(grid.sizes)
    for p, (b, _) in enumerate(oracle):
        assert grid.block_at(p) == b
        assert grid.size(b) > 0  # never an empty block, even one at the same offset
    blocks, within = grid.locate(np.arange(grid.length))
    assert blocks.tolist() == [b for b, _ in oracle]
    assert within.tolist() == [j for _, j in oracle]
    assert blocks.dtype == within.dtype == np.intp


@given(any_axis(), st.data())
def test_locate_keeps_the_shape_order_and_repeats_of_its_indices(grid, data):
    if grid.length == 0:
        blocks, within = grid.locate(np.zeros((0, 3), dtype=np.int64))
        assert blocks.shape == within.shape == (0, 3)
        return
    idx = np.array(data.draw(st.lists(st.integers(0, grid.length - 1), min_size=1, max_size=12)))
    idx = idx.reshape(-1, 1) if data.draw(st.booleans()) else idx
    oracle = owners(grid.sizes)
    blocks, within = grid.locate(idx.astype(data.draw(st.sampled_from([np.int8, np.uint16,
                                                                       np.int64]))))
    assert blocks.shape == within.shape == idx.shape
    assert blocks.ravel().tolist() == [oracle[i][0] for i in idx.ravel()]
    assert within.ravel().tolist() == [oracle[i][1] for i in idx.ravel()]


@given(any_axis())
def test_blocks_between_is_every_block_from_the_first_to_the_last_position(grid):
    oracle = owners(grid.sizes)
    for lo in range(grid.length + 1):
        for hi in range(lo, grid.length + 1):
            expected = range(oracle[lo][0], oracle[hi - 1][0] + 1) if hi > lo else range(0)
            assert grid.blocks_between(lo, hi) == expected


@given(st.integers(0, 40), st.integers(1, 12))
def test_regular_and_varying_axes_agree(length, block):
    regular, varying = RegularAxis(length, block), VaryingAxis(regular_sizes(length, block))
    assert regular.sizes == varying.sizes == regular_sizes(length, block)
    assert regular.boundaries == varying.boundaries
    positions = np.arange(length)
    for a, b in zip(regular.locate(positions), varying.locate(positions)):
        assert a.tolist() == b.tolist()
    assert axis_grid(regular.sizes).sizes == regular.sizes


@given(sizes_with_empty_blocks())
def test_axis_grid_is_regular_exactly_when_the_sizes_are(sizes):
    grid = axis_grid(sizes)
    assert grid.sizes == sizes
    regular = len(sizes) == 1 or (
        sizes[0] > 0 and 0 < sizes[-1] <= sizes[0] and set(sizes[:-1]) == {sizes[0]})
    assert isinstance(grid, RegularAxis) == regular
    assert axis_grid(list(sizes)) is grid  # cached by sizes


def test_regular_sizes_is_one_empty_block_on_an_empty_axis():
    # The three copies this replaces disagreed at n = 0 (one gave ``()``); every chunking in the
    # package has one block of size 0 on an empty axis, as dask's normalize_chunks does.
    assert regular_sizes(0, 5) == (0,)
    assert normalize_chunks(5, (0,)) == ((0,),)
    assert RegularAxis(0, 5).nblocks == 1 and RegularAxis(0, 5).boundaries == (0, 0)
    assert RegularAxis(0, 5).blocks_between(0, 0) == range(0)


def test_a_huge_regular_axis_is_two_ints():
    grid = RegularAxis(10**18, 7)
    assert grid.nblocks == 10**18 // 7 + 1
    assert grid.size(grid.nblocks - 1) == 10**18 % 7
    assert grid.block_at(10**18 - 1) == grid.nblocks - 1
    blocks, within = grid.locate(np.array([0, 10**18 - 1]))
    assert blocks.tolist() == [0, (10**18 - 1) // 7] and within.tolist() == [0, (10**18 - 1) % 7]


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "error", "match"), [
    (lambda: RegularAxis(-1, 2), ValueError, "length must be at least 0, got -1"),
    (lambda: RegularAxis(4, 0), ValueError, "block must be at least 1, got 0"),
    (lambda: RegularAxis(4.0, 2), TypeError, "length must be an int, got 4.0"),
    (lambda: RegularAxis(4, True), TypeError, "block must be an int, got True"),
    (lambda: VaryingAxis(()), ValueError, r"at least one block, got \(\)"),
    (lambda: VaryingAxis((2, -1)), ValueError, "at least 0, got -1"),
    (lambda: VaryingAxis((2, 1.5)), TypeError, "must be an int, got 1.5"),
    (lambda: VaryingAxis((2, float("nan"))), ValueError, "unknown.*compute_chunk_sizes"),
    (lambda: axis_grid((float("nan"),)), ValueError, "unknown.*compute_chunk_sizes"),
    (lambda: ChunkGrid((4, 4)), TypeError, "RegularAxis or VaryingAxis, got 4"),
    (lambda: ChunkGrid.regular((4, 4), (2,)), ValueError, r"blockshape=\(2,\)"),
])
def test_bad_construction_names_the_value(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("grid", [RegularAxis(10, 4), VaryingAxis((4, 0, 6))])
def test_out_of_range_raises_index_error(grid):
    for call in (lambda: grid.size(3), lambda: grid.offset(-1), lambda: grid.slice(3),
                 lambda: grid.block_at(10), lambda: grid.block_at(-1),
                 lambda: grid.blocks_between(4, 11), lambda: grid.blocks_between(5, 4),
                 lambda: grid.locate([0, 10]), lambda: grid.locate(np.array([-1]))):
        with pytest.raises(IndexError, match="out of|not within"):
            call()
    with pytest.raises(TypeError, match="indices must be integers"):
        grid.locate(np.array([1.5]))


def test_grids_are_frozen():
    for grid in (RegularAxis(10, 4), VaryingAxis((1, 2)), ChunkGrid.from_chunks(((1, 2),))):
        field = dataclasses.fields(grid)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(grid, field, 3)


# --- many axes ------------------------------------------------------------------------------------


@given(shapes(max_dims=3).flatmap(chunkings))
def test_chunk_grid_matches_the_chunk_tuples(chunks):
    grid = ChunkGrid.from_chunks(chunks)
    assert grid.chunks == chunks
    assert grid.shape == tuple(sum(c) for c in chunks)
    assert grid.numblocks == tuple(len(c) for c in chunks)
    assert grid.nblocks == math.prod(len(c) for c in chunks)
    slices = grid.all_block_slices()
    assert slices == block_slices(chunks)
    for index, where in zip(product(*(range(len(c)) for c in chunks)), slices):
        assert grid.block_slices(index) == where
        assert grid.block_shape(index) == tuple(c[i] for c, i in zip(chunks, index))
        assert grid.block_offset(index) == tuple(s.start for s in where)


@given(shapes(min_side=1, max_dims=3).flatmap(chunkings), st.data())
def test_chunk_grid_locate_finds_each_point_in_its_block(chunks, data):
    grid = ChunkGrid.from_chunks(chunks)
    points = [np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=3, max_size=3)))
              for n in grid.shape]
    blocks, within = grid.locate(points)
    for k in range(3):
        index = tuple(int(b[k]) for b in blocks)
        where = grid.block_slices(index)
        assert all(s.start + int(w[k]) == int(p[k]) for s, w, p in zip(where, within, points))


def test_chunk_grid_locate_needs_no_more_index_arrays_than_axes():
    with pytest.raises(IndexError, match="3 index arrays for a grid of 2 axes"):
        ChunkGrid.from_chunks(((2,), (2,))).locate([[0], [0], [0]])
    with pytest.raises(IndexError, match="needs 2 entries"):
        ChunkGrid.from_chunks(((2,), (2,))).block_shape((0,))


@given(st.lists(st.integers(0, 6), min_size=1, max_size=5).map(tuple),
       st.lists(st.integers(0, 6), min_size=1, max_size=5).map(tuple))
def test_staged_reads_cover_every_new_block_from_the_old_ones(old, new):
    # Pad the shorter chunking with one more block so both cover the same length.
    if sum(new) < sum(old):
        new += (sum(old) - sum(new),)
    elif sum(old) < sum(new):
        old += (sum(new) - sum(old),)
    values = np.arange(sum(old))
    blocks, lo = [], 0
    for s in old:
        blocks.append(values[lo:lo + s])
        lo += s
    lo = 0
    for size, pieces in zip(new, staged_reads(old, new)):
        made = np.empty(size, dtype=values.dtype)
        for b, inside, place in pieces:
            made[place] = blocks[b][inside]
        assert made.tolist() == values[lo:lo + size].tolist()
        lo += size


# --- what no machine can hold ---------------------------------------------------------------------


def _peak_bytes(call):
    """The most Python memory ``call`` allocated (it must raise ValueError)."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            call()
        return tracemalloc.get_traced_memory()[1], str(info.value)
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ca.ones((10**12,) * 2), r"shape=\(1000000000000, 1000000000000\) of float64: "
                                     r"1,000,000,000,000,000,000,000,000 elements are more than"),
    (lambda: ca.zeros((2**62,)), r"36,893,488,147,419,103,232 bytes, more than any machine can "
                                 r"address \(2\*\*63 - 1 bytes\)"),
    (lambda: ca.empty((2**62,), dtype=np.int8), r"blocks along the axes \(\d+,\) need as many "
                                                r"block sizes"),
    (lambda: ca.ones((10**12,), chunks=1), r"chunks=1 for shape=\(1000000000000,\) of float64: "
                                           r"1,000,000,000,000 blocks"),
    (lambda: ca.ones((10**6,) * 3, chunks=10), r"1,000,000,000,000,000 blocks \(100000 x 100000 "
                                               r"x 100000\) are more than"),
    (lambda: ca.arange(2**62), "bytes, more than any machine can address"),
    (lambda: ca.full((2**40, 2**40), 1, chunks=(1, -1)), "elements are more than"),
    (lambda: ca.ones((10**9,), chunks=10**6).rechunk(1), "1,000,000,000 blocks"),
    (lambda: ca.eye(2**40), "elements are more than"),
])
def test_absurd_shapes_are_refused_at_the_call_without_allocating(call, match):
    peak, message = _peak_bytes(call)
    assert peak < 2**20, peak  # nothing per block was built
    assert re.search(match, message), message


def test_the_limits_leave_large_real_arrays_alone():
    x = ca.ones((10**6, 10**6), chunks=1000)  # 10**6 blocks, 8 TB: lazily fine
    assert x.numblocks == (1000, 1000)
    assert ca.ones((0, 2**62)).shape == (0, 2**62)  # empty: no bytes
    check_addressable((2**60,), 4, what="x")  # 2**62 bytes: addressable
    check_block_counts((MAX_BLOCK_SIZES,), what="x")
    with pytest.raises(ValueError, match="x: 16,777,217 blocks"):
        check_block_counts((MAX_BLOCK_SIZES // 2, MAX_BLOCK_SIZES // 2 + 1), what="x")
    check_block_counts((2**20, 2**20), what="x")  # MAX_BLOCKS exactly
    with pytest.raises(ValueError, match=r"1,099,512,676,352 blocks \(1048577 x 1048576\)"):
        check_block_counts((2**20 + 1, 2**20), what="x")
    assert MAX_BLOCKS == 2**40


# --- purity ---------------------------------------------------------------------------------------


def test_chunk_arithmetic_reads_no_settings():
    tree = ast.parse(inspect.getsource(chunks_module))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names} | {node.module for node in ast.walk(tree)
                                             if isinstance(node, ast.ImportFrom)}
    assert "config" not in imported and "chunkarray.core.config" not in imported
