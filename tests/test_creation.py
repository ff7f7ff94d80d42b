"""Creation functions: from_array, asarray and NumPy's constructors."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.bytesize import parse_bytes
from chunkarray.core.chunks import block_slices
from tests.strategies import (
    ALL_DTYPES,
    FLOAT_DTYPES,
    INTEGER_DTYPES,
    arrays,
    assert_eq,
    chunkings,
    chunkings_with_empty_blocks,
    shapes,
    values,
)

with_fixture = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                               HealthCheck.too_slow])


class RecordingArray:
    """An array-like that is not NumPy: it records every index it is read with."""

    def __init__(self, data: np.ndarray, chunks: tuple[int, ...] | None = None) -> None:
        self._data = data
        self.shape = data.shape
        self.dtype = data.dtype
        if chunks is not None:
            self.chunks = chunks  # storage chunks, as h5py and zarr say them
        self.reads: list[tuple[slice, ...]] = []
        self._lock = threading.Lock()

    def __getitem__(self, index):
        with self._lock:
            self.reads.append(index)
        return self._data[index].copy()  # a fresh array, as storage reads give


def _record_blocks(seen):
    def record(block):
        if block.size:  # map_blocks calls it once on an empty block to learn the dtype
            seen.append(block)
        return block
    return record


# --- from_array -----------------------------------------------------------------------------------


@given(arrays())
def test_from_array_round_trips(pair):
    a, x = pair
    assert x.shape == a.shape and x.dtype == a.dtype
    assert_eq(x.compute(), a, exact=True)


@with_fixture
@given(pair=arrays(min_dims=1))
def test_from_array_blocks_are_views_of_numpy_input(executor, pair):
    a, x = pair
    seen: list[np.ndarray] = []
    y = x.map_blocks(_record_blocks(seen), dtype=x.dtype)
    assert_eq(y.compute(), a, exact=True)
    assert len(seen) == (x.npartitions if a.size else 0)
    for block in seen:
        assert np.shares_memory(block, a)  # read as a view: never copied


def test_from_array_does_not_copy_large_input(executor):
    a = np.zeros((500, 400))  # over the size tokenize would hash
    x = ca.from_array(a, chunks=(100, 100))
    seen: list[np.ndarray] = []
    x.map_blocks(_record_blocks(seen), dtype=x.dtype).compute()
    assert len(seen) == 20 and all(np.shares_memory(b, a) for b in seen)


def test_from_array_result_never_aliases_input(executor):
    a = np.arange(6.0)
    out = ca.from_array(a, chunks=-1).compute()
    out[0] = 99
    assert a[0] == 0  # a one-block result that is a view of the input is copied before returning


@with_fixture
@given(st.data())
def test_array_like_is_read_block_by_block(executor, data):
    a = data.draw(values(np.int32, data.draw(shapes(min_dims=1, max_side=6))))
    chunks = data.draw(chunkings(a.shape))
    source = RecordingArray(a)
    x = ca.from_array(source, chunks=chunks)
    assert source.reads == []  # nothing is read when the array is made
    assert_eq(x.compute(), a, exact=True)
    expected = block_slices(x.chunks)
    assert sorted(map(repr, source.reads)) == sorted(map(repr, expected))  # each block once
    if len(expected) > 1:
        whole = tuple(slice(0, n) for n in a.shape)
        assert whole not in source.reads


def test_array_like_reads_only_the_blocks_needed(executor):
    source = RecordingArray(np.arange(100).reshape(10, 10))
    x = ca.from_array(source, chunks=(5, 5))
    assert_eq(x.blocks[1, 0].compute(), np.arange(100).reshape(10, 10)[5:, :5])
    assert source.reads == [(slice(5, 10), slice(0, 5))]


def test_auto_uses_the_configured_chunk_size():
    # Moved from test_chunks: chunk arithmetic takes the target as an argument, and the creation
    # functions pass the setting.
    shape = (10_000, 10_000)
    default = ca.empty(shape, dtype=np.float64, chunks="auto").chunks
    assert max(default[0]) * max(default[1]) * 8 <= parse_bytes("128 MiB")
    assert max(default[0]) * max(default[1]) * 8 > parse_bytes("128 MiB") // 4
    with ca.config.set(chunk_size="1 MiB"):
        small = ca.empty(shape, dtype=np.float64, chunks="auto").chunks
    assert max(small[0]) * max(small[1]) * 8 <= 2**20
    assert len(small[0]) > len(default[0])
    assert ca.empty(shape, dtype=np.float64, chunks="auto").chunks == default  # restored


def test_from_array_auto_chunks_follow_storage_chunks():
    source = RecordingArray(np.zeros((1000, 300), dtype=np.float64), chunks=(30, 70))
    with ca.config.set(chunk_size=8 * 30 * 70 * 6):
        x = ca.from_array(source)
    for c, p in zip(x.chunks, source.chunks):
        assert all(b % p == 0 for b in c[:-1]) or len(c) == 1
    assert max(x.chunks[0]) * max(x.chunks[1]) <= 30 * 70 * 6
    assert x.npartitions > 1


def test_from_array_accepts_array_likes_and_scalars():
    assert_eq(ca.from_array([[1, 2], [3, 4]], chunks=1).compute(), np.array([[1, 2], [3, 4]]))
    assert_eq(ca.from_array(5).compute(), np.int64(5))
    assert_eq(ca.from_array(np.float32(2.5)).compute(), np.float32(2.5))
    assert ca.from_array(np.arange(4), name="mine").name == "mine"
    x = ca.from_array(np.arange(10), chunks=5)
    y = ca.from_array(x, chunks=2)  # a chunked array is rechunked
    assert y.chunks == ((2,) * 5,)
    assert_eq(y.compute(), np.arange(10))


def test_from_array_names_are_deterministic():
    a = np.arange(10)
    assert ca.from_array(a, chunks=5).name == ca.from_array(a, chunks=5).name
    assert ca.from_array(a, chunks=5).name != ca.from_array(a, chunks=2).name
    assert ca.from_array(a, chunks=5).name != ca.from_array(a + 1, chunks=5).name


def test_from_array_rejects_non_arrays():
    with pytest.raises(TypeError, match=r"from_array needs an array-like with shape, dtype and "
                                        r"__getitem__.*got object"):
        ca.from_array(object())
    # As in dask, a flat tuple for a 1-d array is its block sizes, which must add up.
    with pytest.raises(ValueError, match=r"chunks=\(3, 3\) for axis 0: block sizes sum to 6"):
        ca.from_array(np.arange(5), chunks=(3, 3))


# --- asarray --------------------------------------------------------------------------------------


def test_asarray(executor):
    assert_eq(ca.asarray([1, 2, 3]).compute(), np.asarray([1, 2, 3]))
    assert_eq(ca.asarray([1, 2, 3], dtype=np.float32).compute(),
              np.asarray([1, 2, 3], dtype=np.float32))
    assert_eq(ca.asarray(3.5).compute(), np.float64(3.5))
    assert_eq(ca.asarray([[1, 2]], chunks=1).compute(), np.asarray([[1, 2]]))
    assert ca.asarray([[1, 2]], chunks=1).chunks == ((1,), (1, 1))
    x = ca.arange(5, chunks=2)
    assert ca.asarray(x) is x
    assert ca.asarray(x, dtype=np.int64) is x
    assert_eq(ca.asarray(x, dtype=np.float32).compute(), np.arange(5, dtype=np.float32))
    source = RecordingArray(np.arange(6))
    assert_eq(ca.asarray(source, chunks=2).compute(), np.arange(6))
    assert_eq(ca.asarray(source, dtype=np.int8).compute(), np.arange(6, dtype=np.int8))


@given(arrays())
def test_asarray_of_numpy(pair):
    a, _ = pair
    assert_eq(ca.asarray(a).compute(), np.asarray(a), exact=True)


# --- zeros, ones, full, empty ---------------------------------------------------------------------


@with_fixture
@given(st.data())
def test_constant_constructors_match_numpy(executor, data):
    shape = data.draw(shapes())
    dtype = data.draw(st.sampled_from(ALL_DTYPES))
    chunks = data.draw(chunkings(shape))
    for ours, theirs in [(ca.zeros, np.zeros), (ca.ones, np.ones)]:
        assert_eq(ours(shape, dtype, chunks=chunks).compute(), theirs(shape, dtype), exact=True)
    fill = data.draw(values(dtype, ())).item()
    assert_eq(ca.full(shape, fill, dtype, chunks=chunks).compute(),
              np.full(shape, fill, dtype), exact=True)
    x = ca.empty(shape, dtype, chunks=chunks)
    assert x.chunks == chunks
    result = x.compute()
    assert result.shape == shape and result.dtype == np.dtype(dtype)


@pytest.mark.parametrize("fill", [7, 2.5, True, 1 + 2j, np.float32(1.5), np.int8(3), np.uint16(9)])
def test_full_dtype_is_the_fill_values(executor, fill):
    assert_eq(ca.full((3, 2), fill, chunks=2).compute(), np.full((3, 2), fill))


def test_constructor_defaults(executor):
    assert_eq(ca.zeros(3).compute(), np.zeros(3))
    assert_eq(ca.ones((2, 3)).compute(), np.ones((2, 3)))
    assert_eq(ca.zeros(np.int64(3), dtype=None).compute(), np.zeros(3, dtype=None))
    assert_eq(ca.zeros(()).compute(), np.float64(0))
    assert_eq(ca.full((), 4).compute(), np.int64(4))
    assert_eq(ca.ones(3, dtype="U2", chunks=2).compute(), np.ones(3, dtype="U2"))
    assert ca.zeros((4, 4)).chunks == ((4,), (4,))  # small arrays are one block by default


@given(shape=shapes(), dtype=st.sampled_from(ALL_DTYPES), data=st.data())
def test_like_functions_match_numpy(shape, dtype, data):
    a = np.zeros(shape, dtype)
    fill = data.draw(values(dtype, ())).item()
    assert_eq(ca.zeros_like(a).compute(), np.zeros_like(a), exact=True)
    assert_eq(ca.ones_like(a).compute(), np.ones_like(a), exact=True)
    assert_eq(ca.full_like(a, fill).compute(), np.full_like(a, fill), exact=True)
    assert ca.empty_like(a).shape == shape and ca.empty_like(a).dtype == a.dtype
    assert_eq(ca.ones_like(a, dtype=np.float32).compute(), np.ones_like(a, dtype=np.float32))
    assert_eq(ca.zeros_like(a, shape=(2, 1)).compute(), np.zeros_like(a, shape=(2, 1)))


def test_like_functions_keep_chunks_of_chunked_input(executor):
    x = ca.ones((5, 4), dtype=np.int16, chunks=(2, 3))
    for make in (ca.zeros_like, ca.ones_like, ca.empty_like):
        y = make(x)
        assert y.chunks == x.chunks and y.dtype == x.dtype
    z = ca.full_like(x, 2.7)
    assert z.chunks == x.chunks
    assert_eq(z.compute(), np.full_like(np.ones((5, 4), np.int16), 2.7))
    assert ca.zeros_like(x, chunks=5).chunks == ((5,), (4,))
    assert ca.zeros_like(x, shape=(3,)).shape == (3,)  # a new shape drops the old chunks
    assert_eq(ca.zeros_like([1, 2, 3]).compute(), np.zeros_like([1, 2, 3]))
    assert_eq(ca.ones_like(5.0).compute(), np.ones_like(5.0)[()])


# --- arange ---------------------------------------------------------------------------------------

_numbers = st.one_of(
    st.integers(-30, 30),
    st.floats(-30, 30, allow_nan=False).map(lambda f: round(f, 2)),
    st.sampled_from([np.int8(3), np.uint8(7), np.float32(1.5), np.int64(-4), np.float64(0.1)]),
)
_arange_dtypes = st.sampled_from([None, np.int64, np.int32, np.int8, np.float32, np.float64,
                                  np.complex128])


@with_fixture
@given(start=_numbers, stop=_numbers, step=_numbers.filter(lambda s: s != 0),
       dtype=_arange_dtypes, data=st.data())
def test_arange_matches_numpy(executor, start, stop, step, dtype, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = np.arange(start, stop, step, dtype=dtype)
        except (ValueError, OverflowError, TypeError):
            return  # arguments NumPy refuses (e.g. a negative start for an unsigned dtype)
    x = ca.arange(start, stop, step, dtype=dtype, chunks=data.draw(chunkings(expected.shape)))
    assert x.shape == expected.shape
    assert_eq(x.compute(), expected)


@given(stop=_numbers, data=st.data())
def test_arange_one_argument(stop, data):
    expected = np.arange(stop)
    x = ca.arange(stop, chunks=data.draw(chunkings(expected.shape)))
    assert_eq(x.compute(), expected)


@pytest.mark.parametrize(
    "args",
    [(5,), (2, 9), (0, 1, 0.1), (10, 0, -3), (1, 2, 0.25), (0.5, 3), (np.int8(1), np.int8(5)),
     (np.float32(1), 10), (np.uint8(5),), (0, 10, 3), (3, 3), (5, 1)],
)
def test_arange_dtype_inference(executor, args):
    assert_eq(ca.arange(*args, chunks=2).compute(), np.arange(*args))


def test_arange_with_integer_dtype_and_float_step(executor):
    # NumPy truncates start and start + step to the dtype first: all zeros here.
    expected = np.arange(0, -2, -0.5, dtype=np.int64)
    for chunks in (1, 2, 3, -1):
        assert_eq(ca.arange(0, -2, -0.5, dtype=np.int64, chunks=chunks).compute(), expected)
    assert_eq(ca.arange(1, 10, 0.5, dtype=np.int32, chunks=4).compute(),
              np.arange(1, 10, 0.5, dtype=np.int32))


def test_arange_errors():
    with pytest.raises(ValueError, match="arange: step must not be zero"):
        ca.arange(0, 10, 0)
    with pytest.raises(ValueError, match="arange: step must not be zero"):
        ca.arange(0, 10, 0.0)
    with pytest.raises(TypeError, match="arange supports numeric dtypes, got bool"):
        ca.arange(3, dtype=bool)
    with pytest.raises(ValueError, match=r"chunks=0 for axis 0"):
        ca.arange(3, chunks=0)


# --- linspace -------------------------------------------------------------------------------------

_ends = st.one_of(st.integers(-100, 100), st.floats(-100, 100, allow_nan=False),
                  st.sampled_from([np.float32(1.5), np.float32(-7.25), np.int16(3)]))


@with_fixture
@given(start=_ends, stop=_ends, num=st.integers(0, 30), endpoint=st.booleans(),
       dtype=st.sampled_from([None, *FLOAT_DTYPES, np.int64, np.int16, np.complex64]),
       data=st.data())
def test_linspace_matches_numpy(executor, start, stop, num, endpoint, dtype, data):
    expected, step = np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype, retstep=True)
    x, our_step = ca.linspace(start, stop, num, endpoint=endpoint, dtype=dtype, retstep=True,
                              chunks=data.draw(chunkings(expected.shape)))
    assert_eq(x.compute(), expected)
    assert_eq(our_step, step)


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_linspace_integer_dtypes(executor, dtype):
    expected = np.linspace(0, 100, 13, dtype=dtype)
    for chunks in (1, 4, -1):
        assert_eq(ca.linspace(0, 100, 13, dtype=dtype, chunks=chunks).compute(), expected)


def test_linspace_errors():
    with pytest.raises(ValueError, match="linspace: num must be non-negative, got -1"):
        ca.linspace(0, 1, -1)
    with pytest.raises(TypeError, match=r"linspace: num must be an integer, got 2\.0"):
        ca.linspace(0, 1, 2.0)
    with pytest.raises(TypeError, match="linspace: start and stop must be scalars"):
        ca.linspace([0, 1], 2)


# --- eye ------------------------------------------------------------------------------------------


@with_fixture
@given(n=st.integers(0, 8), m=st.one_of(st.none(), st.integers(0, 8)), k=st.integers(-9, 9),
       dtype=st.sampled_from(ALL_DTYPES), data=st.data())
def test_eye_matches_numpy(executor, n, m, k, dtype, data):
    expected = np.eye(n, m, k, dtype=dtype)
    x = ca.eye(n, m, k, dtype=dtype, chunks=data.draw(chunkings(expected.shape)))
    assert_eq(x.compute(), expected, exact=True)


def test_eye_defaults_and_errors():
    assert_eq(ca.eye(3).compute(), np.eye(3))
    assert_eq(ca.eye(3, k=np.int64(1), chunks=2).compute(), np.eye(3, k=1))
    with pytest.raises(TypeError, match=r"eye: k must be an integer, got 1\.5"):
        ca.eye(3, k=1.5)
    with pytest.raises(ValueError, match=r"shape=\(-1, -1\): dimensions must be non-negative"):
        ca.eye(-1)
    with pytest.raises(TypeError, match=r"shape must be an int or a tuple of ints, got \(2\.5"):
        ca.eye(2.5)


# --- bad input fails at the call ------------------------------------------------------------------


@pytest.mark.parametrize("make", [ca.zeros, ca.ones, ca.empty, lambda s: ca.full(s, 1)])
@pytest.mark.parametrize(
    ("shape", "error", "match"),
    [(-1, ValueError, r"shape=\(-1,\): dimensions must be non-negative"),
     ((2, -3), ValueError, r"shape=\(2, -3\): dimensions must be non-negative"),
     (2.5, TypeError, r"shape must be an int or a tuple of ints, got 2\.5"),
     ((2, 2.0), TypeError, r"shape must be an int or a tuple of ints, got \(2, 2\.0\)"),
     (True, TypeError, r"shape must be an int or a tuple of ints, got True"),
     ((True, 2), TypeError, r"shape must be an int or a tuple of ints, got \(True, 2\)"),
     ("3", TypeError, r"shape must be an int or a tuple of ints, got '3'")],
)
def test_bad_shapes(make, shape, error, match):
    with pytest.raises(error, match=match):
        make(shape)


def test_bad_fill_values_and_dtypes():
    with pytest.raises(ValueError, match=r"fill_value must be a scalar, got an array of shape "
                                         r"\(2,\)"):
        ca.full(3, [1, 2])
    with pytest.raises(ValueError, match=r"fill_value must be a scalar.*shape \(1,\)"):
        ca.full_like(np.zeros(3), [5])
    with pytest.raises(OverflowError, match="300 out of bounds for int8"):
        ca.full(3, 300, dtype=np.int8)  # as np.full refuses it
    with pytest.raises(TypeError, match="data type 'foo' not understood"):
        ca.ones(3, dtype="foo")
    with pytest.raises(ValueError, match=r"chunks='auto'.*fixed-size dtype, got object"):
        ca.zeros(3, dtype=object)
    with pytest.raises(ValueError, match=r"chunks=\(\(1, 1\),\) for axis 0: block sizes sum to 2"):
        ca.zeros(3, chunks=((1, 1),))


@pytest.mark.parametrize("dtype", ["U5", "S3"])
def test_zeros_of_strings_are_empty_strings(dtype):
    for make in (lambda: ca.zeros(3, dtype=dtype, chunks=2),
                 lambda: ca.zeros_like(ca.ones(3, dtype=dtype, chunks=2))):
        result = make().compute()
        np.testing.assert_array_equal(result, np.zeros(3, dtype=dtype))
        assert result.dtype == np.dtype(dtype)


@pytest.mark.parametrize("make, expected", [
    (lambda m: ca.from_array(m, chunks=2), lambda m: m),
    (lambda m: ca.asarray(m), lambda m: m),
    (lambda m: ca.ones(4, chunks=2) + m, lambda m: np.ones(4) + m),
    (lambda m: np.add(ca.ones(4, chunks=2), m), lambda m: np.add(np.ones(4), m)),
    (lambda m: ca.concatenate([ca.ones(4, chunks=2), m]),
     lambda m: np.ma.concatenate([np.ones(4), m])),
], ids=["from_array", "asarray", "add", "ufunc", "concatenate"])
def test_masked_arrays_keep_their_masks(executor, make, expected):
    masked = np.ma.array([1, 2, 3, 4], mask=[1, 0, 0, 0])
    result = make(masked).compute(scheduler=executor)
    assert isinstance(result, np.ma.MaskedArray)
    np.testing.assert_array_equal(np.ma.getmaskarray(result),
                                  np.ma.getmaskarray(expected(masked)))
    np.testing.assert_array_equal(result.compressed(), expected(masked).compressed())


def test_masked_arrays_are_refused_where_the_mask_would_be_lost():
    masked = np.ma.array([1, 2, 3, 4], mask=[1, 0, 0, 0])
    with pytest.raises(TypeError, match="masked arrays"):
        ca.where(ca.ones(4, chunks=2) > 0, masked, 0)  # np.where drops masks: ca.ma.where


def test_chunk_forms_dask_accepts(executor):
    a = np.arange(10.0)
    assert_eq(ca.from_array(a, chunks=(5, 5)), a)
    assert ca.from_array(a, chunks=(5, 5)).chunks == ((5, 5),)
    assert ca.ones(10, chunks=(3, 7)).chunks == ((3, 7),)
    x = ca.from_array(a, chunks=((5, 0, 5),))
    assert x.chunks == ((5, 0, 5),) and x.numblocks == (3,)
    assert_eq(x, a)
    assert_eq(x.sum(), a.sum())
    for make in (ca.zeros, ca.ones, ca.empty):
        assert make((), chunks=()).chunks == ()
    assert_eq(ca.full((), 3, chunks=()), np.full((), 3))
    assert_eq(ca.from_array(np.array(2.5), chunks=()), np.array(2.5))


@pytest.mark.parametrize("chunks", [((np.nan, np.nan),), (np.nan, np.nan), ((5, np.nan),)])
def test_unknown_chunk_sizes_from_a_user_raise_at_the_call(chunks):
    with pytest.raises(ValueError, match="unknown .NaN. block sizes"):
        ca.from_array(np.arange(10), chunks=chunks)
    with pytest.raises(ValueError, match="unknown .NaN. block sizes"):
        ca.ones(10, chunks=chunks)


@with_fixture
@given(data=st.data())
def test_zero_size_blocks_match_numpy(executor, data):
    shape = data.draw(shapes(min_dims=1, max_dims=2, max_side=6))
    a = data.draw(values(np.float64, shape))
    chunks = data.draw(chunkings_with_empty_blocks(shape))
    other = data.draw(chunkings(shape))
    x = ca.from_array(a, chunks=chunks)
    assert x.chunks == chunks
    assert_eq(x, a)
    assert_eq(x + ca.from_array(a, chunks=other), a + a)
    assert_eq(x.sum(axis=0), a.sum(axis=0))
    assert_eq(x.cumsum(axis=-1), a.cumsum(axis=-1))
    assert_eq(x[1:-1], a[1:-1])
    assert_eq(x[::-2], a[::-2])
    assert_eq(x.rechunk(other), a)
    assert_eq(ca.from_array(a, chunks=other).rechunk(chunks), a)
    assert_eq(x[x > 0.5], a[a > 0.5])


def test_full_with_an_unsized_string_dtype_has_numpys_dtype(executor):
    for dtype in ("U", "S"):
        expected = np.full(3, "abc", dtype=dtype)
        y = ca.full(3, "abc", dtype=dtype, chunks=2)
        assert y.dtype == expected.dtype
        assert_eq(y, expected)
