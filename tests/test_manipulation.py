"""Shape manipulation against NumPy: reshape, joining, splitting, padding, tiling, ..."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.graph import collect_nodes
from chunkarray.primitives.rechunk import Rechunk
from tests.strategies import ALL_DTYPES, arrays, assert_eq, chunkings, shapes, values

fixture_ok = settings(suppress_health_check=[*settings.default.suppress_health_check,
                                             HealthCheck.function_scoped_fixture])


def chunked(a: np.ndarray, chunks: tuple[tuple[int, ...], ...]) -> ca.ChunkedArray:
    return ca.from_array(a, chunks=chunks)


def rechunks(x: ca.ChunkedArray) -> list[Rechunk]:
    return [n for n in collect_nodes([x._node]).values() if isinstance(n, Rechunk)]


@st.composite
def axes_of(draw: st.DrawFn, ndim: int) -> int:
    return draw(st.integers(-ndim, ndim - 1))


# --- reshape -------------------------------------------------------------------------------------


def _factorings(size: int, ndim: int) -> list[tuple[int, ...]]:
    """Every shape of ``ndim`` axes holding ``size`` elements (``size`` > 0)."""
    if ndim == 0:
        return [()] if size == 1 else []
    return [(d, *rest) for d in range(1, size + 1) if size % d == 0
            for rest in _factorings(size // d, ndim - 1)]


@st.composite
def new_shapes(draw: st.DrawFn, size: int) -> tuple[int, ...]:
    ndim = draw(st.integers(0 if size == 1 else 1, 4))
    if size == 0:
        shape = list(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
        shape[draw(st.integers(0, ndim - 1))] = 0
        return tuple(shape)
    return draw(st.sampled_from(_factorings(size, ndim)))


@fixture_ok
@given(data=st.data())
def test_reshape_matches_numpy(executor, data):
    a, x = data.draw(arrays(max_dims=4, max_side=6))
    shape = data.draw(new_shapes(a.size))
    if shape and a.size and data.draw(st.booleans()):
        shape = tuple(-1 if i == 0 else n for i, n in enumerate(shape))
    assert_eq(ca.reshape(x, shape).compute(), np.reshape(a, shape))
    assert_eq(np.reshape(x, shape).compute(), np.reshape(a, shape))


@given(pair=arrays(max_dims=3))
def test_ravel_and_flatten(pair):
    a, x = pair
    assert_eq(ca.ravel(x).compute(), np.ravel(a))
    assert_eq(x.flatten().compute(), a.flatten())
    assert_eq(np.ravel(x).compute(), np.ravel(a))


def test_reshape_methods_take_shape_either_way():
    a = np.arange(24)
    x = ca.from_array(a, chunks=5)
    assert_eq(x.reshape(4, 6).compute(), a.reshape(4, 6))
    assert_eq(x.reshape((4, -1)).compute(), a.reshape((4, -1)))
    assert_eq(x.reshape(-1).compute(), a.reshape(-1))


def test_reshape_of_suitably_chunked_array_does_not_rechunk():
    x = ca.ones((4, 6), chunks=(2, 6))
    for shape in [(24,), (8, 3), (2, 2, 6), (4, 2, 3)]:
        y = ca.reshape(x, shape)
        assert not rechunks(y), shape
        assert_eq(y.compute(), np.ones((4, 6)).reshape(shape))
    z = ca.reshape(ca.ones(24, chunks=6), (4, 6))
    assert not rechunks(z) and z.chunks == ((1, 1, 1, 1), (6,))


def test_reshape_rechunks_only_the_axes_that_change():
    x = ca.ones((4, 6, 10), chunks=(2, 3, 5))
    y = ca.reshape(x, (4, 60))
    # Axis 0 is untouched; axes 1 and 2 merge into rows of 10, in blocks about as big as before.
    assert y.chunks == ((2, 2), (10,) * 6)
    assert_eq(y.compute(), np.ones((4, 60)))


def test_reshape_errors_at_call():
    x = ca.ones((2, 3), chunks=1)
    with pytest.raises(ValueError, match=r"cannot reshape array of size 6 into shape \(4,\)"):
        ca.reshape(x, 4)
    with pytest.raises(ValueError, match="size 6 into shape"):
        x.reshape(4, -1)
    with pytest.raises(ValueError, match="one unknown dimension"):
        x.reshape(-1, -1)
    with pytest.raises(ValueError, match="order='F'"):
        ca.reshape(x, 6, order="F")


# --- axes ----------------------------------------------------------------------------------------


@given(data=st.data())
def test_moveaxis_and_swapaxes(data):
    a, x = data.draw(arrays(min_dims=1, max_dims=4, max_side=4))
    src, dst = data.draw(axes_of(a.ndim)), data.draw(axes_of(a.ndim))
    assert_eq(ca.moveaxis(x, src, dst).compute(), np.moveaxis(a, src, dst))
    assert_eq(np.moveaxis(x, [src], [dst]).compute(), np.moveaxis(a, [src], [dst]))
    assert_eq(ca.swapaxes(x, src, dst).compute(), np.swapaxes(a, src, dst))
    assert_eq(x.swapaxes(src, dst).compute(), a.swapaxes(src, dst))


@given(data=st.data())
def test_squeeze_and_expand_dims(data):
    shape = data.draw(shapes(max_dims=4, min_side=1, max_side=3))
    a = data.draw(values(np.int32, shape))
    x = chunked(a, data.draw(chunkings(shape)))
    assert_eq(ca.squeeze(x).compute(), np.squeeze(a))
    assert_eq(x.squeeze().compute(), a.squeeze())
    ones = [i for i, n in enumerate(shape) if n == 1]
    if ones:
        axis = data.draw(st.sampled_from(ones))
        assert_eq(np.squeeze(x, axis).compute(), np.squeeze(a, axis))
    axis = data.draw(st.lists(st.integers(0, a.ndim + 1), min_size=1, max_size=2, unique=True))
    if all(i < a.ndim + len(axis) for i in axis):
        assert_eq(ca.expand_dims(x, tuple(axis)).compute(), np.expand_dims(a, tuple(axis)))
    assert_eq(np.expand_dims(x, -1).compute(), np.expand_dims(a, -1))


def test_squeeze_non_one_axis_raises():
    x = ca.ones((2, 1), chunks=1)
    with pytest.raises(ValueError, match="size not equal to one"):
        ca.squeeze(x, 0)
    with pytest.raises(np.exceptions.AxisError):
        ca.squeeze(x, 2)


# --- broadcasting --------------------------------------------------------------------------------


@st.composite
def broadcastable(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    lead = tuple(draw(st.lists(st.integers(0, 3), max_size=2)))
    return lead + tuple(draw(st.integers(0, 3)) if n == 1 else n for n in shape)


@given(data=st.data())
def test_broadcast_to_and_arrays(data):
    a, x = data.draw(arrays(max_dims=3, max_side=3))
    shape = data.draw(broadcastable(a.shape))
    assert_eq(ca.broadcast_to(x, shape).compute(), np.broadcast_to(a, shape))
    assert_eq(np.broadcast_to(x, shape).compute(), np.broadcast_to(a, shape))
    b = data.draw(values(np.float32, shape))
    y = chunked(b, data.draw(chunkings(shape)))
    for got, want in zip(np.broadcast_arrays(x, y), np.broadcast_arrays(a, b)):
        assert_eq(got.compute(), want)


def test_broadcast_errors_at_call():
    x = ca.ones((3,), chunks=2)
    with pytest.raises(ValueError, match="broadcast"):
        ca.broadcast_to(x, (4,))
    with pytest.raises(ValueError, match="broadcast"):
        ca.broadcast_arrays(x, ca.ones(2, chunks=1))


# --- joining -------------------------------------------------------------------------------------


@fixture_ok
@given(data=st.data())
def test_concatenate_matches_numpy(executor, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=4))
    axis = data.draw(axes_of(len(shape)))
    parts = []
    for _ in range(data.draw(st.integers(1, 3))):
        own = list(shape)
        own[axis] = data.draw(st.integers(0, 4))
        dtype = data.draw(st.sampled_from(ALL_DTYPES))
        parts.append(data.draw(values(dtype, tuple(own))))
    xs = [chunked(p, data.draw(chunkings(p.shape))) for p in parts]
    assert_eq(ca.concatenate(xs, axis=axis).compute(), np.concatenate(parts, axis=axis))
    assert_eq(np.concatenate(xs, axis=axis).compute(), np.concatenate(parts, axis=axis))
    assert_eq(ca.concatenate(xs, axis=None).compute(), np.concatenate(parts, axis=None))


def test_concatenate_mixes_numpy_arrays_and_casts():
    a, b = np.arange(6).reshape(2, 3), np.ones((1, 3), np.float32)
    x = ca.from_array(a, chunks=(1, 2))
    assert_eq(np.concatenate([x, b]).compute(), np.concatenate([a, b]))
    s = np.array([["a", "b", "c"]])
    assert_eq(np.concatenate([x, s]).compute(), np.concatenate([a, s]))  # NumPy makes strings
    assert_eq(ca.concatenate([x, b], dtype=np.float32, casting="unsafe").compute(),
              np.concatenate([a, b], dtype=np.float32, casting="unsafe"))


def test_concatenate_errors_at_call():
    x, y = ca.ones((2, 3), chunks=1), ca.ones((2, 4), chunks=1)
    with pytest.raises(ValueError, match="along dimension 1"):
        ca.concatenate([x, y])
    with pytest.raises(ValueError, match="same number of dimensions"):
        ca.concatenate([x, ca.ones(3, chunks=1)])
    with pytest.raises(ValueError, match="zero-dimensional"):
        ca.concatenate([ca.ones((), chunks=()), ca.ones((), chunks=())])
    with pytest.raises(ValueError, match="at least one array"):
        ca.concatenate([])
    with pytest.raises(TypeError, match="promoted"):  # no common dtype
        ca.concatenate([x, ca.zeros((1, 3), "M8[s]", chunks=1)])
    with pytest.raises(TypeError, match="same_kind"):
        ca.concatenate([x, x], dtype=np.int64)


@given(data=st.data())
def test_stack_matches_numpy(data):
    shape = data.draw(shapes(max_dims=3, max_side=4))
    dtype = data.draw(st.sampled_from(ALL_DTYPES))
    parts = [data.draw(values(dtype, shape)) for _ in range(data.draw(st.integers(1, 3)))]
    xs = [chunked(p, data.draw(chunkings(shape))) for p in parts]
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    assert_eq(ca.stack(xs, axis=axis).compute(), np.stack(parts, axis=axis))
    assert_eq(np.stack(xs, axis).compute(), np.stack(parts, axis))


def test_stack_errors_at_call():
    with pytest.raises(ValueError, match="same shape"):
        ca.stack([ca.ones(2, chunks=1), ca.ones(3, chunks=1)])
    with pytest.raises(ValueError, match="at least one array"):
        ca.stack([])


@given(data=st.data())
def test_block_matches_numpy(data):
    rows, cols = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3)), \
        data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    lead = data.draw(st.integers(1, 2))
    dtype = data.draw(st.sampled_from(ALL_DTYPES))
    grid = [[data.draw(values(dtype, (lead, r, c))) for c in cols] for r in rows]
    chunked_grid = [[chunked(b, data.draw(chunkings(b.shape))) for b in row] for row in grid]
    assert_eq(ca.block(chunked_grid).compute(), np.block(grid))
    assert_eq(np.block(chunked_grid).compute(), np.block(grid))


def test_block_promotes_dims_and_checks_nesting():
    a = np.arange(3)
    x = ca.from_array(a, chunks=2)
    assert_eq(ca.block([[x], [x]]).compute(), np.block([[a], [a]]))
    assert_eq(ca.block([x, 7]).compute(), np.block([a, 7]))
    with pytest.raises(ValueError, match="depths are mismatched"):
        ca.block([[x], x])
    with pytest.raises(TypeError, match="tuple"):
        ca.block((x, x))
    with pytest.raises(ValueError, match="cannot be empty"):
        ca.block([[]])


# --- reordering ----------------------------------------------------------------------------------


@given(data=st.data())
def test_flip_matches_numpy(data):
    a, x = data.draw(arrays(max_dims=3))
    assert_eq(ca.flip(x).compute(), np.flip(a))
    if a.ndim:
        axes = tuple(data.draw(st.lists(axes_of(a.ndim), min_size=1, max_size=a.ndim,
                                        unique_by=lambda i: i % a.ndim)))
        assert_eq(np.flip(x, axes).compute(), np.flip(a, axes))
        assert_eq(ca.flip(x, axes[0]).compute(), np.flip(a, axes[0]))


@given(data=st.data())
def test_roll_matches_numpy(data):
    a, x = data.draw(arrays(max_dims=3))
    shift = data.draw(st.integers(-20, 20))
    assert_eq(ca.roll(x, shift).compute(), np.roll(a, shift))
    if a.ndim:
        axes = data.draw(st.lists(axes_of(a.ndim), min_size=1, max_size=3))
        shifts = data.draw(st.lists(st.integers(-9, 9), min_size=len(axes), max_size=len(axes)))
        assert_eq(np.roll(x, shifts, axes).compute(), np.roll(a, shifts, axes))
        assert_eq(ca.roll(x, shift, tuple(axes)).compute(), np.roll(a, shift, tuple(axes)))


# --- padding -------------------------------------------------------------------------------------


@st.composite
def pad_widths(draw: st.DrawFn, ndim: int) -> object:
    width = st.integers(0, 9)
    form = draw(st.sampled_from(["int", "pair", "per-axis", "dict"]))
    if form == "dict":
        return {draw(st.integers(-ndim, ndim - 1)): draw(width)} if ndim else {}
    if form == "int":
        return draw(width)
    if form == "pair":
        return (draw(width), draw(width))
    return tuple((draw(width), draw(width)) for _ in range(ndim))


@given(data=st.data())
def test_pad_matches_numpy(data):
    mode = data.draw(st.sampled_from(["constant", "edge", "reflect", "wrap"]))
    min_side = 0 if mode == "constant" else 1
    a, x = data.draw(arrays(max_dims=3, max_side=5, min_side=min_side))
    widths = data.draw(pad_widths(a.ndim))
    kwargs = {}
    if mode == "constant" and data.draw(st.booleans()):
        kwargs["constant_values"] = data.draw(st.sampled_from([7, (1, 2), ((3, 4),) * a.ndim]))
    try:
        expected = np.pad(a, widths, mode, **kwargs)
    except Exception as exc:  # such as () for a 0-d array: refused at the call, as NumPy does
        with pytest.raises(type(exc)):
            ca.pad(x, widths, mode, **kwargs)
        return
    assert_eq(ca.pad(x, widths, mode, **kwargs).compute(), expected)
    assert_eq(np.pad(x, widths, mode=mode, **kwargs).compute(),
              np.pad(a, widths, mode=mode, **kwargs))


def test_pad_errors_at_call():
    x = ca.ones((3, 0), chunks=1)
    with pytest.raises(ValueError, match="empty axis 1"):
        ca.pad(x, 1, mode="edge")
    with pytest.raises(ValueError, match="negative"):
        ca.pad(x, -1)
    with pytest.raises(TypeError, match="integral"):
        ca.pad(x, 1.5)
    with pytest.raises(ValueError, match="unsupported keyword"):
        ca.pad(x, 1, mode="edge", constant_values=1)
    with pytest.raises(ValueError, match="mode='median-ish'"):
        ca.pad(x, 1, mode="median-ish")


# --- repeating -----------------------------------------------------------------------------------


@given(data=st.data())
def test_repeat_matches_numpy(data):
    a, x = data.draw(arrays(max_dims=3, max_side=5))
    repeats = data.draw(st.integers(0, 3))
    assert_eq(ca.repeat(x, repeats).compute(), np.repeat(a, repeats))
    if a.ndim:
        axis = data.draw(axes_of(a.ndim))
        assert_eq(x.repeat(repeats, axis).compute(), a.repeat(repeats, axis))
        assert_eq(np.repeat(x, repeats, axis=axis).compute(), np.repeat(a, repeats, axis=axis))


@st.composite
def repeat_counts(draw: st.DrawFn, n: int) -> object:
    """Counts for an axis of length ``n``: one per element (zeros likely), or one that broadcasts,
    as a list, an int array or a size-1 / 0-d array."""
    count = st.integers(0, 3)
    form = draw(st.sampled_from(["list", "array", "size1", "0d"]))
    if form == "size1":
        return np.array([draw(count)], dtype=draw(st.sampled_from([np.int8, np.uint32, np.intp])))
    if form == "0d":
        return np.array(draw(count))
    counts = draw(st.lists(count, min_size=n, max_size=n))
    return counts if form == "list" else np.array(counts, dtype=np.int16)


@fixture_ok
@given(data=st.data())
def test_repeat_per_element_counts_match_numpy(executor, data):
    a, x = data.draw(arrays(max_dims=3, max_side=5))
    axis = data.draw(st.none() | axes_of(a.ndim)) if a.ndim else None
    n = a.size if axis is None else a.shape[axis]
    counts = data.draw(repeat_counts(n))
    expected = np.repeat(a, counts, axis=axis)
    result = ca.repeat(x, counts, axis=axis)
    assert result.shape == expected.shape
    assert_eq(result.compute(), expected)
    # The same values whatever the chunking, through the method and NumPy's dispatch too.
    other = ca.from_array(a, chunks=data.draw(chunkings(a.shape)))
    assert_eq(other.repeat(counts, axis).compute(), expected)
    assert_eq(np.repeat(other, counts, axis=axis).compute(), expected)


def test_repeat_per_element_block_sizes_are_known():
    x = ca.from_array(np.arange(12).reshape(6, 2), chunks=((2, 3, 1), 2))
    result = ca.repeat(x, [1, 2, 0, 0, 0, 3], axis=0)
    assert result.chunks == ((3, 0, 3), (2,))
    assert ca.repeat(x, [1, 2, 0, 0, 0, 3], axis=0).name == result.name
    assert ca.repeat(x, [1, 2, 0, 0, 3, 0], axis=0).name != result.name
    assert_eq(result.compute(), np.repeat(np.arange(12).reshape(6, 2), [1, 2, 0, 0, 0, 3], 0))


def test_repeat_takes_what_numpy_takes():
    a = np.arange(3)
    x = ca.from_array(a, chunks=2)
    for counts in ([1.0, 2.0, 0.0], [True, 2, 3], 2.0, np.uint64(2), np.float64(2.0), [2],
                   (1, 0, 4)):
        assert_eq(ca.repeat(x, counts).compute(), np.repeat(a, counts))
    empty = ca.ones((0, 2), chunks=1)
    assert_eq(ca.repeat(empty, [], axis=0).compute(), np.repeat(np.ones((0, 2)), [], axis=0))
    assert_eq(ca.repeat(empty, [3], axis=0).compute(), np.repeat(np.ones((0, 2)), [3], axis=0))
    assert_eq(ca.repeat(ca.asarray(7), [4]).compute(), np.repeat(7, [4]))


def test_repeat_errors_at_call():
    x = ca.ones(3, chunks=2)
    with pytest.raises(ValueError, match="negative"):
        ca.repeat(x, -1)
    with pytest.raises(ValueError, match="negative"):
        ca.repeat(x, [1, -1, 2])
    with pytest.raises(TypeError, match="Cannot cast"):
        ca.repeat(x, 1.5)
    with pytest.raises(TypeError, match="Cannot cast"):
        ca.repeat(x, [1.5, 2, 3])  # NumPy truncates to 1; a whole number is asked for here
    with pytest.raises(TypeError, match="Cannot cast"):
        ca.repeat(x, np.array([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="Cannot cast"):
        ca.repeat(x, np.array([1, 2, 3], dtype=np.uint64))
    with pytest.raises(ValueError, match=r"could not be broadcast together with shape \(3,\) \(2,"):
        ca.repeat(x, [1, 2])
    with pytest.raises(ValueError, match="could not be broadcast"):
        ca.repeat(ca.ones((2, 3), chunks=1), [1, 2, 3], axis=0)
    with pytest.raises(ValueError, match="1-D"):
        ca.repeat(x, [[1, 2, 3]])
    with pytest.raises(np.exceptions.AxisError):
        ca.repeat(x, [1, 2, 3], axis=1)
    # A chunked array of repeats is the array API's data-dependent case (chunkarray.repeat,
    # tested in test_array_api.py); its dtype is checked at the call too.
    with pytest.raises(TypeError, match="Cannot cast"):
        ca.repeat(x, ca.ones(3, chunks=2, dtype=np.uint64))


@given(data=st.data())
def test_tile_matches_numpy(data):
    a, x = data.draw(arrays(max_dims=3, max_side=4))
    reps = data.draw(st.integers(0, 3) | st.lists(st.integers(0, 3), max_size=4).map(tuple))
    assert_eq(ca.tile(x, reps).compute(), np.tile(a, reps))
    assert_eq(np.tile(x, reps).compute(), np.tile(a, reps))


# --- splitting -----------------------------------------------------------------------------------


@given(data=st.data())
def test_split_and_array_split_match_numpy(data):
    a, x = data.draw(arrays(min_dims=1, max_dims=3))
    axis = data.draw(axes_of(a.ndim))
    n = a.shape[axis]
    sections = data.draw(st.integers(1, 5))
    for got, want in zip(ca.array_split(x, sections, axis), np.array_split(a, sections, axis),
                         strict=True):
        assert_eq(got.compute(), want)
    indices = data.draw(st.lists(st.integers(-n - 2, n + 2), max_size=4))
    for got, want in zip(np.split(x, indices, axis), np.split(a, indices, axis), strict=True):
        assert_eq(got.compute(), want)
    divisors = [d for d in range(1, max(n, 1) + 1) if n % d == 0]
    sections = data.draw(st.sampled_from(divisors))
    for got, want in zip(np.split(x, sections, axis), np.split(a, sections, axis), strict=True):
        assert_eq(got.compute(), want)


def test_split_errors_at_call():
    x = ca.ones(5, chunks=2)
    with pytest.raises(ValueError, match="equal division"):
        ca.split(x, 2)
    with pytest.raises(ValueError, match="larger than 0"):
        ca.array_split(x, 0)
    assert [p.shape for p in ca.array_split(x, 2)] == [(3,), (2,)]


# --- graph size ----------------------------------------------------------------------------------


def test_graph_building_does_not_grow_with_elements():
    x = ca.ones((10**6, 10**3), chunks=(10**5, 10**3))
    assert ca.reshape(x, (10**9,)).numblocks == (10,)
    assert ca.pad(x, 10**5, mode="reflect").numblocks[0] < 20
    assert ca.tile(x, (2, 1)).numblocks == (20, 1)
    assert math.prod(ca.roll(x, 123).numblocks) < 40


@pytest.mark.parametrize(("call", "match"), [
    (lambda x: ca.tile(x, 2**40), r"tile: reps=1099511627776 of an array of shape \(3,\): "
                                  r"3,298,534,883,328 blocks"),
    (lambda x: ca.tile(x, (2**62, 1)), r"tile: .*13,835,058,055,282,163,712 elements are more"),
    (lambda x: ca.repeat(x, 2**62), r"repeat: repeats=4611686018427387904 along axis 0 .*"
                                    r"elements are more than any machine can address"),
    (lambda x: np.repeat(x, [2**62, 2**62, 1]), r"9,223,372,036,854,775,809 elements"),
])
def test_tile_and_repeat_refuse_what_no_machine_holds_without_allocating(call, match):
    # NumPy itself fails these with MemoryError or "array is too big"; lazily, the chunk tuples of
    # the result would exhaust memory first (an empty MemoryError before this check).
    x = ca.ones(3, chunks=1)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=match):
            call(x)
        assert tracemalloc.get_traced_memory()[1] < 2**20
    finally:
        tracemalloc.stop()
