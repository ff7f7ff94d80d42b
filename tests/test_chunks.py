"""Chunk arithmetic (``chunkarray.core.chunks``) and byte sizes (``chunkarray.core.bytesize``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.bytesize import parse_bytes
from chunkarray.core.chunks import (
    block_offsets,
    block_slices,
    blockdims_from_blockshape,
    broadcast_chunk_axis,
    chunk_boundaries,
    common_refinement,
    normalize_chunks,
    shape_from_chunks,
)
from chunkarray.core.grid import axis_grid
from tests.strategies import ALL_DTYPES, axis_chunks, chunkings, shapes

# --- helpers --------------------------------------------------------------------------------------


def assert_valid(chunks, shape):
    """The invariants of a normalized chunking."""
    assert isinstance(chunks, tuple) and len(chunks) == len(shape)
    for c, n in zip(chunks, shape):
        assert isinstance(c, tuple) and all(type(b) is int for b in c), c
        assert sum(c) == n
        if n == 0:
            assert c == (0,)
        else:
            assert all(b > 0 for b in c), c


@st.composite
def axis_spec(draw, n):
    """One axis's entry in a per-axis tuple: every form a user writes."""
    return draw(st.one_of(
        st.integers(1, max(n, 1) + 2),
        st.sampled_from([-1, None]),
        axis_chunks(n),
        axis_chunks(n).map(list),
    ))


@st.composite
def chunk_specs(draw, shape):
    """Any non-automatic chunks argument for ``shape``."""
    kind = draw(st.sampled_from(["int", "whole", "tuple", "explicit", "dict"]))
    if kind == "int":
        return draw(st.integers(1, 10))
    if kind == "whole":
        return draw(st.sampled_from([-1, None]))
    if kind == "tuple":
        return tuple(draw(axis_spec(n)) for n in shape)
    if kind == "explicit":
        return draw(chunkings(shape))
    axes = draw(st.sets(st.integers(0, len(shape) - 1), max_size=len(shape))) if shape else set()
    return {(a - len(shape) if draw(st.booleans()) else a): draw(axis_spec(shape[a])) for a in axes}


# --- normalize_chunks: the forms users write ------------------------------------------------------


@pytest.mark.parametrize(
    ("chunks", "shape", "expected"),
    [
        (4, (10, 7), ((4, 4, 2), (4, 3))),
        (np.int64(5), (10,), ((5, 5),)),
        (20, (10,), ((10,),)),
        ((4, 3), (10, 7), ((4, 4, 2), (3, 3, 1))),
        ([4, 3], (10, 7), ((4, 4, 2), (3, 3, 1))),
        ((4, -1), (10, 7), ((4, 4, 2), (7,))),
        ((None, 2), (3, 4), ((3,), (2, 2))),
        (((3, 7), (7,)), (10, 7), ((3, 7), (7,))),
        (((1, 1, 8), 5), (10, 7), ((1, 1, 8), (5, 2))),
        ([[2, 8]], (10,), ((2, 8),)),
        ({0: 5}, (10, 7), ((5, 5), (7,))),
        ({-1: 3}, (10, 7), ((10,), (3, 3, 1))),
        ({1: (2, 5)}, (10, 7), ((10,), (2, 5))),
        ({}, (10, 7), ((10,), (7,))),
        (-1, (10, 7), ((10,), (7,))),
        (None, (10, 7), ((10,), (7,))),
        (5, (0, 7), ((0,), (5, 2))),
        (((0,), 3), (0, 3), ((0,), (3,))),
        (((), 3), (0, 3), ((0,), (3,))),
        (-1, (0,), ((0,),)),
        ("auto", (0, 4), ((0,), (4,))),
        (5, (), ()),
        ((), (), ()),
        ({}, (), ()),
        ("auto", (), ()),
        (-1, (), ()),
    ],
)
def test_normalize_chunks_forms(chunks, shape, expected):
    result = normalize_chunks(chunks, shape, dtype=np.float64)
    assert result == expected
    assert_valid(result, shape)


@given(st.data())
def test_normalize_chunks_invariants(data):
    shape = data.draw(shapes(max_side=12))
    chunks = data.draw(chunk_specs(shape))
    result = normalize_chunks(chunks, shape)
    assert_valid(result, shape)
    assert normalize_chunks(result, shape) == result  # normalized chunks are a fixed point


@given(st.data())
def test_explicit_chunks_kept_as_given(data):
    shape = data.draw(shapes(max_side=12))
    chunks = data.draw(chunkings(shape))
    assert normalize_chunks(chunks, shape) == chunks
    assert shape_from_chunks(chunks) == shape


@given(shape=shapes(min_dims=1, max_side=30), size=st.integers(1, 40))
def test_int_chunks_are_regular(shape, size):
    for c, n in zip(normalize_chunks(size, shape), shape):
        if n:
            assert all(b == min(size, n) for b in c[:-1]) and 0 < c[-1] <= size
            assert len(c) == math.ceil(n / size)


@given(st.data())
def test_dict_chunks_leave_other_axes_whole(data):
    shape = data.draw(shapes(min_dims=1, max_side=12))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    size = data.draw(st.integers(1, 13))
    result = normalize_chunks({axis: size}, shape)
    for a, (c, n) in enumerate(zip(result, shape)):
        if a == axis % len(shape):
            assert c == normalize_chunks(size, (n,))[0]
        else:
            assert c == (n,)


@pytest.mark.parametrize("chunks", [((np.nan, np.nan), 2), ((5, np.nan), 2)])
def test_nan_sizes_for_a_known_shape_are_refused(chunks):
    # Unknown sizes come from operations (masking), never from a user's chunks of a known shape.
    with pytest.raises(ValueError, match="unknown .NaN. block sizes"):
        normalize_chunks(chunks, (10, 4))


@pytest.mark.parametrize("chunks, expected", [
    ((5, 5), ((5, 5),)),
    ([3, 7], ((3, 7),)),
    ((np.int64(4), 6), ((4, 6),)),
    ((10,), ((10,),)),  # one entry: the block size of the axis
    ((4,), ((4, 4, 2),)),
])
def test_a_flat_tuple_for_a_1d_array_is_its_block_sizes_as_in_dask(chunks, expected):
    assert normalize_chunks(chunks, (10,)) == expected


def test_a_flat_tuple_for_a_1d_array_must_add_up():
    with pytest.raises(ValueError, match="sum to 9 but the axis has length 10"):
        normalize_chunks((5, 4), (10,))
    with pytest.raises(TypeError, match="block sizes must be integers"):
        normalize_chunks((5, "auto"), (10,))


@pytest.mark.parametrize("chunks, shape, expected", [
    (((5, 0, 5),), (10,), ((5, 0, 5),)),
    (((0, 10),), (10,), ((0, 10),)),
    (((0, 3), (0, 2, 0)), (3, 2), ((0, 3), (0, 2, 0))),
    (((0, 0),), (0,), ((0, 0),)),
    ((), (), ()),
])
def test_zero_size_blocks_and_empty_chunks_for_0d(chunks, shape, expected):
    assert normalize_chunks(chunks, shape) == expected


# --- automatic chunking ---------------------------------------------------------------------------


def test_auto_takes_its_target_as_an_argument_never_from_config():
    # core.chunks is pure: the chunk_size setting reaches it only through callers' ``limit=``
    # (the setting itself is tested on the creation functions).
    shape = (10_000, 10_000)
    default = normalize_chunks("auto", shape, dtype=np.float64)
    assert default == normalize_chunks("auto", shape, dtype=np.float64, limit="128 MiB")
    with ca.config.set(chunk_size="1 MiB"):
        assert normalize_chunks("auto", shape, dtype=np.float64) == default
        small = normalize_chunks("auto", shape, dtype=np.float64, limit="1 MiB")
    assert max(small[0]) * max(small[1]) * 8 <= 2**20
    assert len(small[0]) > len(default[0])


@pytest.mark.parametrize(
    ("spec", "limit"),
    [("100 MB", 10**8), ("64MiB", 2**26), ("1 kB", 1000), ("1kib", 1024), ("4096", 4096),
     ("1.5 KiB", 1536), ("2e3 B", 2000)],
)
def test_byte_string_chunks(spec, limit):
    shape = (10_000, 3_000)
    result = normalize_chunks(spec, shape, dtype=np.float32)
    assert_valid(result, shape)
    assert max(result[0]) * max(result[1]) * 4 <= limit
    assert max(result[0]) * max(result[1]) * 4 > limit // 8  # near the target, not tiny
    assert result == normalize_chunks("auto", shape, dtype=np.float32, limit=limit)


def test_byte_string_on_one_axis_with_fixed_axes():
    result = normalize_chunks(("800 B", 5), (1000, 10), dtype=np.float64)
    assert result[1] == (5, 5)
    assert max(result[0]) * 5 * 8 <= 800
    assert normalize_chunks(("auto", "auto"), (1000, 10), dtype=np.float64, limit=800)[1] == (10,)


def test_auto_fits_whole_array_exactly():
    # 125 ** (1 / 3) is 4.999... in floating point: a (5, 5, 5) array must still be one block.
    assert normalize_chunks("auto", (5, 5, 5), dtype=np.float64, limit=1000) == ((5,),) * 3
    assert normalize_chunks("auto", (100,), dtype=np.float64, limit=800,
                            previous_chunks=(30,)) == ((100,),)


def test_auto_prefers_storage_chunks():
    result = normalize_chunks("auto", (1000, 1000), dtype=np.float64, previous_chunks=(30, 70),
                              limit=8 * 30 * 70 * 9)
    assert result[0][0] % 30 == 0 and result[1][0] % 70 == 0
    assert result[0][0] * result[1][0] <= 30 * 70 * 9
    # Storage chunks larger than the limit are kept whole rather than split.
    big = normalize_chunks("auto", (1000, 1000), dtype=np.float64, previous_chunks=(100, 100),
                           limit=800)
    assert big == ((100,) * 10, (100,) * 10)


def test_auto_axis_next_to_fixed_axes_uses_previous_chunks_of_its_own_axis():
    result = normalize_chunks(("auto", 4), (1000, 8), dtype=np.int8, previous_chunks=(7, 3),
                              limit=7 * 4 * 5)
    assert result[1] == (4, 4)
    assert result[0][0] % 7 == 0 and result[0][0] * 4 <= 7 * 4 * 5


@st.composite
def auto_cases(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(0, 3000), min_size=ndim, max_size=ndim)))
    auto = draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim).filter(any))
    spec = tuple("auto" if a else draw(st.sampled_from([-1, 1, 7, 100])) for a in auto)
    dtype = np.dtype(draw(st.sampled_from(ALL_DTYPES)))
    limit = draw(st.integers(1, 10**6))
    return shape, spec, auto, dtype, limit


def _block_elements(chunks):
    return math.prod(max(c) for c in chunks)


@given(auto_cases())
def test_auto_blocks_stay_under_the_limit(case):
    shape, spec, auto, dtype, limit = case
    result = normalize_chunks(spec, shape, dtype=dtype, limit=limit)
    assert_valid(result, shape)
    if _block_elements(result) * dtype.itemsize > limit:
        # Over the limit only when every automatic axis is already down to one element (the
        # fixed axes alone being over it).
        assert all(max(c) == 1 for c, a in zip(result, auto) if a)
    if math.prod(shape) * dtype.itemsize <= limit:  # the whole array fits: one block
        assert result == tuple((n,) if a else c for c, a, n in zip(result, auto, shape))


@given(n=st.integers(1, 10**6), itemsize=st.sampled_from([1, 2, 4, 8, 16]),
       limit=st.integers(1, 10**5))
def test_auto_1d_blocks_are_near_the_limit(n, itemsize, limit):
    (c,) = normalize_chunks("auto", (n,), dtype=f"V{itemsize}", limit=limit)
    budget = max(limit // itemsize, 1)
    assert max(c) <= budget or max(c) == 1
    assert max(c) >= min(n, budget) // 2  # no tiny blocks when a bigger one fits
    assert max(c) - min(c) <= math.ceil(n / len(c))  # blocks spread evenly


@given(st.data())
def test_auto_blocks_are_multiples_of_storage_chunks(data):
    shape, spec, auto, dtype, limit = data.draw(auto_cases())
    previous = tuple(data.draw(st.integers(1, 400)) for _ in shape)
    result = normalize_chunks(spec, shape, dtype=dtype, limit=limit, previous_chunks=previous)
    assert_valid(result, shape)
    for c, n, p, a in zip(result, shape, previous, auto):
        if a and n:
            # Every block but the last is a whole number of storage chunks (or the whole axis).
            assert c == (n,) or all(b % p == 0 for b in c[:-1]) and c[0] % p == 0, (c, p)
    if _block_elements(result) * dtype.itemsize > limit:
        # Over the limit only when one storage chunk already is: it is not split.
        assert all(max(c) == min(p, n) for c, p, n, a in zip(result, previous, shape, auto) if a)
    if math.prod(shape) * dtype.itemsize <= limit:  # the whole array fits: one block
        assert result == tuple((n,) if a else c for c, a, n in zip(result, auto, shape))


def test_auto_errors():
    with pytest.raises(ValueError, match=r"chunks='auto'.*needs the array's dtype"):
        normalize_chunks("auto", (10,))
    with pytest.raises(ValueError, match=r"chunks='auto'.*fixed-size dtype, got object"):
        normalize_chunks("auto", (10,), dtype=object)
    with pytest.raises(ValueError, match=r"at most one byte size.*'1 MB'.*'2 MB'|'2 MB'.*'1 MB'"):
        normalize_chunks(("1 MB", "2 MB"), (10, 10), dtype=float)
    with pytest.raises(ValueError, match=r"previous_chunks=\(30, 4\).*one positive int per axis"):
        normalize_chunks("auto", (100,), dtype=float, previous_chunks=(30, 4))
    with pytest.raises(ValueError, match=r"previous_chunks=\(0,\)"):
        normalize_chunks("auto", (100,), dtype=float, previous_chunks=(0,))
    with pytest.raises(ValueError, match="byte size must be positive, got '0 B'"):
        normalize_chunks("auto", (100,), dtype=float, limit="0 B")


# --- normalize_chunks: bad input fails at the call with a message naming it -----------------------


@pytest.mark.parametrize(
    ("chunks", "shape", "error", "match"),
    [
        (0, (10,), ValueError, r"chunks=0 for axis 0: chunk sizes must be positive.*got 0"),
        (-2, (10,), ValueError, r"chunks=-2 for axis 0: .*positive \(or -1.*got -2"),
        ((5, 0), (10, 4), ValueError, r"chunks=\(5, 0\) for axis 1: .*positive.*got 0"),
        ({0: 0}, (10,), ValueError, r"chunks=\{0: 0\} for axis 0: .*positive"),
        (0, (), ValueError, r"chunks=0.*positive.*got 0"),
        (((3, 3),), (10,), ValueError, r"chunks=\(\(3, 3\),\) for axis 0: block sizes sum to 6 "
                                       r"but the axis has length 10"),
        (((-1, 11),), (10,), ValueError, r"for axis 0: chunk sizes must be non-negative, got -1"),
        ((3,), (10, 7), ValueError, r"chunks=\(3,\) has 1 entries but the array has 2 "
                                    r"dimensions \(shape \(10, 7\)\)"),
        ((3, 3), (), ValueError, r"has 2 entries but the array has 0 dimensions"),
        ({2: 3}, (10, 7), ValueError, r"chunks=\{2: 3\}: dict keys must be axes in "
                                      r"range\(-2, 2\), got \[2\]"),
        ({"a": 3}, (10,), ValueError, r"dict keys must be axes.*got \['a'\]"),
        ({True: 3}, (10, 7), ValueError, r"dict keys must be axes.*got \[True\]"),
        ({0: 3, -2: 4}, (10, 7), ValueError, r"names the same axis more than once"),
        ("foo", (10,), ValueError, r"chunks='foo' for axis 0: unknown chunk string 'foo'; use "
                                   r"'auto' or a byte size"),
        ("foo", (), ValueError, r"unknown chunk string 'foo'"),
        ("5 parsecs", (10,), ValueError, r"unknown chunk string '5 parsecs'"),
        (("auto", "Auto"), (10, 4), ValueError, r"for axis 1: unknown chunk string 'Auto'"),
        (2.5, (10,), TypeError, r"chunks must be an int, a tuple, a dict, 'auto'.*got 2\.5"),
        (2.0, (10,), TypeError, r"chunks must be an int.*got 2\.0"),
        (True, (10,), TypeError, r"chunks must be an int.*got True"),
        (np.float64(3), (10,), TypeError, r"chunks must be an int.*got np\.float64\(3\.0\)"),
        ((3.0, 4), (10, 7), TypeError, r"chunks=\(3\.0, 4\) for axis 0: expected an int, -1, "
                                       r"None, 'auto' or a tuple of block sizes, got 3\.0"),
        ((True,), (10,), TypeError, r"chunks=\(True,\) for axis 0: block sizes must be "
                                    r"integers, got True"),
        (((1.0, 9),), (10,), TypeError, r"for axis 0: block sizes must be integers, got 1\.0"),
        (((True, 9),), (10,), TypeError, r"block sizes must be integers, got True"),
        (object(), (10,), TypeError, r"chunks must be an int, a tuple"),
    ],
)
def test_normalize_chunks_rejects(chunks, shape, error, match):
    with pytest.raises(error, match=match):
        normalize_chunks(chunks, shape, dtype=np.float64)


@pytest.mark.parametrize(
    ("shape", "error", "match"),
    [((4, -1), ValueError, r"shape=\(4, -1\): dimensions must be non-negative"),
     ((4, 2.0), TypeError, r"shape must be a tuple of ints, got \(4, 2\.0\)"),
     ((4, True), TypeError, r"shape must be a tuple of ints, got \(4, True\)"),
     (5, TypeError, r"shape must be a tuple of ints, got 5")],
)
def test_normalize_chunks_rejects_bad_shapes(shape, error, match):
    with pytest.raises(error, match=match):
        normalize_chunks(2, shape)


def test_bad_chunks_fail_when_the_array_is_made():
    with pytest.raises(ValueError, match=r"chunks=0 for axis 0"):
        ca.from_array(np.arange(5), chunks=0)
    with pytest.raises(ValueError, match=r"chunks=\(\(2, 2\),\) for axis 0: block sizes sum to 4"):
        ca.ones(5, chunks=((2, 2),))
    with pytest.raises(ValueError, match=r"chunks=-3"):
        ca.from_array(np.float64(1.0), chunks=-3)


# --- parse_bytes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100 MB", 10**8), ("100MB", 10**8), ("64MiB", 2**26), (" 64 mib ", 2**26), ("1 kB", 1000),
     ("1k", 1000), ("1KiB", 1024), ("5 GB", 5 * 10**9), ("2 GiB", 2**31), ("1 TiB", 2**40),
     ("3 TB", 3 * 10**12), ("12", 12), ("12 B", 12), ("1.5 KiB", 1536), (".5 kB", 500),
     ("1e3", 1000), ("1E3 b", 1000), (2048, 2048), (np.int32(7), 7)],
)
def test_parse_bytes(text, expected):
    result = parse_bytes(text)
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [("foo", ValueError, r"could not parse byte size 'foo': expected a number and a unit"),
     ("5 parsecs", ValueError, r"could not parse byte size '5 parsecs'.*units: b, k, kb"),
     ("-5 MB", ValueError, r"could not parse byte size '-5 MB'"),
     ("", ValueError, r"could not parse byte size ''"),
     ("0 MB", ValueError, r"byte size must be positive, got '0 MB'"),
     ("0.1 B", ValueError, r"byte size must be positive, got '0.1 B'"),
     ("1e400 B", ValueError, r"byte size must be finite, got '1e400 B'"),
     (0, ValueError, r"byte size must be positive, got 0"),
     (-3, ValueError, r"byte size must be positive, got -3"),
     (1.5, TypeError, r"byte size must be an int or a string like '128 MiB', got 1\.5"),
     (True, TypeError, r"got True"),
     (None, TypeError, r"got None")],
)
def test_parse_bytes_rejects(text, error, match):
    with pytest.raises(error, match=match):
        parse_bytes(text)


@given(st.integers(1, 10**6), st.sampled_from(["", "B", "kB", "KiB", "MB", "MiB", "GiB"]))
def test_parse_bytes_units(number, unit):
    scale = {"": 1, "B": 1, "kB": 1000, "KiB": 1024, "MB": 10**6, "MiB": 2**20, "GiB": 2**30}
    assert parse_bytes(f"{number} {unit}") == parse_bytes(f"{number}{unit.lower()}")
    assert parse_bytes(f"{number}{unit}") == number * scale[unit]


# --- common_refinement / broadcast_chunk_axis -----------------------------------------------------


def test_refinement_examples():
    assert common_refinement((4, 4, 2), (5, 5)) == (4, 1, 3, 2)
    assert common_refinement((10,), (3, 7), (7, 3)) == (3, 4, 3)
    assert common_refinement((2, 2)) == (2, 2)
    assert common_refinement((0,), (0,)) == (0,)
    with pytest.raises(ValueError, match=r"chunkings of different lengths cannot be refined: "
                                         r"\(\(4,\), \(5,\)\)"):
        common_refinement((4,), (5,))


@given(st.data())
def test_common_refinement_properties(data):
    n = data.draw(st.integers(0, 20))
    axes = data.draw(st.lists(axis_chunks(n), min_size=1, max_size=4))
    refined = common_refinement(*axes)
    assert sum(refined) == n
    assert refined == (0,) if n == 0 else all(b > 0 for b in refined)
    cuts = set(chunk_boundaries(refined))
    for a in axes:
        assert set(chunk_boundaries(a)) <= cuts  # refines every input
    # ... and is the coarsest such: every cut comes from some input.
    assert cuts == set().union(*(chunk_boundaries(a) for a in axes))
    assert common_refinement(*reversed(axes)) == refined
    assert common_refinement(refined, *axes) == refined


def test_broadcast_chunk_axis_examples():
    assert broadcast_chunk_axis((1,), (2, 3), (5,)) == (2, 3)
    assert broadcast_chunk_axis((1,), (1,)) == (1,)
    assert broadcast_chunk_axis((1,), (0,)) == (0,)
    assert broadcast_chunk_axis((3, 2), (1,), (2, 3)) == (2, 1, 2)
    with pytest.raises(ValueError, match="different lengths"):
        broadcast_chunk_axis((2,), (3,))


@given(st.data())
def test_broadcast_chunk_axis_properties(data):
    n = data.draw(st.integers(0, 12))
    axes = data.draw(st.lists(st.one_of(axis_chunks(n), st.just((1,))), min_size=1, max_size=4))
    result = broadcast_chunk_axis(*axes)
    stretched = [a for a in axes if sum(a) != 1]
    expected_len = n if stretched else 1
    assert sum(result) == expected_len
    for a in stretched:
        assert set(chunk_boundaries(a)) <= set(chunk_boundaries(result))
    # Matches NumPy's broadcasting of the lengths.
    assert sum(result) == np.broadcast_shapes(*((sum(a),) for a in axes))[0]


# --- block geometry -------------------------------------------------------------------------------


def test_block_geometry_examples():
    assert shape_from_chunks(((4, 4, 2), (5, 5))) == (10, 10)
    assert shape_from_chunks(()) == ()
    assert blockdims_from_blockshape((10, 7, 0), (4, 7, 3)) == ((4, 4, 2), (7,), (0,))
    assert chunk_boundaries(()) == (0,)
    assert block_offsets(((4, 4, 2), (5, 5))) == ((0, 4, 8), (0, 5))
    assert block_slices(()) == [()]
    assert block_slices(((0,),)) == [(slice(0, 0),)]
    assert axis_grid((4, 4, 2)).block_at(0) == 0 and axis_grid((4, 4, 2)).block_at(9) == 2


@given(st.data())
def test_block_slices_tile_the_array(data):
    shape = data.draw(shapes(max_side=8))
    chunks = data.draw(chunkings(shape))
    slices = block_slices(chunks)
    assert len(slices) == math.prod(len(c) for c in chunks)
    seen = np.zeros(shape, dtype=int)
    for index, s in zip(np.ndindex(*(len(c) for c in chunks)), slices):
        assert tuple(sl.stop - sl.start for sl in s) == tuple(c[i] for c, i in zip(chunks, index))
        assert tuple(sl.start for sl in s) == tuple(o[i] for o, i in
                                                    zip(block_offsets(chunks), index))
        seen[s] += 1
    assert (seen == 1).all()  # every element in exactly one block


@given(st.data())
def test_locate_finds_the_block(data):
    sizes = data.draw(axis_chunks(data.draw(st.integers(1, 30))))
    bounds = chunk_boundaries(sizes)
    position = data.draw(st.integers(0, sum(sizes) - 1))
    b = axis_grid(sizes).block_at(position)
    assert bounds[b] <= position < bounds[b + 1]


@given(shape=shapes(max_side=20), data=st.data())
def test_blockdims_from_blockshape(shape, data):
    blockshape = tuple(data.draw(st.integers(1, 25)) for _ in shape)
    result = blockdims_from_blockshape(shape, blockshape)
    assert_valid(result, shape)
    assert result == normalize_chunks(blockshape, shape)

