"""Hypothesis strategies for chunked arrays: shapes, chunkings, dtypes and values.

Chunkings shrink towards one block per axis; they include size-1 and ragged blocks, empty axes
and 0-d arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca

INTEGER_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOAT_DTYPES = [np.float32, np.float64]
COMPLEX_DTYPES = [np.complex64, np.complex128]
ALL_DTYPES = [np.bool_, *INTEGER_DTYPES, *FLOAT_DTYPES, *COMPLEX_DTYPES]


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 7
           ) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


@st.composite
def axis_chunks(draw: st.DrawFn, n: int) -> tuple[int, ...]:
    """Block sizes for one axis of length ``n``: any split, ragged and size-1 blocks included."""
    if n == 0:
        return (0,)
    cuts = draw(st.sets(st.integers(1, n - 1), max_size=n - 1)) if n > 1 else set()
    bounds = [0, *sorted(cuts), n]
    return tuple(b - a for a, b in zip(bounds[:-1], bounds[1:]))


@st.composite
def chunkings(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    return tuple(draw(axis_chunks(n)) for n in shape)


@st.composite
def chunkings_with_empty_blocks(draw: st.DrawFn, shape: tuple[int, ...]
                                ) -> tuple[tuple[int, ...], ...]:
    """Like :func:`chunkings`, with zero-size blocks inserted anywhere (dask allows them)."""
    out = []
    for n in shape:
        sizes = list(draw(axis_chunks(n)))
        for _ in range(draw(st.integers(0, 2))):
            sizes.insert(draw(st.integers(0, len(sizes))), 0)
        out.append(tuple(sizes))
    return tuple(out)


def _floats(width: int, nan: bool) -> st.SearchStrategy[float]:
    # Hypothesis refuses allow_nan=True with bounds, so NaN is offered beside the bounded floats.
    finite = st.floats(-1e3, 1e3, allow_infinity=False, width=width)
    return finite | st.just(float("nan")) if nan else finite


def values(dtype: Any, shape: tuple[int, ...], *, nan: bool = False
           ) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of ``dtype``; floats of moderate size (and NaN when ``nan``)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        elements = _floats(dtype.itemsize * 8, nan)
    elif dtype.kind == "c":
        part = _floats(dtype.itemsize * 4, nan)
        elements = st.builds(complex, part, part)
    else:
        elements = None
    return hnp.arrays(dtype, shape, elements=elements)


@st.composite
def arrays(draw: st.DrawFn, dtypes: list[Any] | None = None, shape: Any = None,
           nan: bool = False, **shape_kwargs: Any) -> tuple[np.ndarray, ca.ChunkedArray]:
    """A NumPy array and a chunked array of it with a random chunking."""
    dtype = draw(st.sampled_from(dtypes or ALL_DTYPES))
    shape = draw(shapes(**shape_kwargs)) if shape is None else shape
    a = draw(values(dtype, shape, nan=nan))
    chunks = draw(chunkings(a.shape))
    return a, ca.from_array(a, chunks=chunks)


def assert_eq(result: Any, expected: Any, *, exact: bool | None = None) -> None:
    """Equal to NumPy's answer: same dtype, same shape, equal values (floats within rounding)."""
    result_arr, expected_arr = np.asarray(result), np.asarray(expected)
    assert result_arr.dtype == expected_arr.dtype, (result_arr.dtype, expected_arr.dtype)
    assert result_arr.shape == expected_arr.shape, (result_arr.shape, expected_arr.shape)
    if exact is None:
        exact = expected_arr.dtype.kind not in "fc"
    if exact:
        np.testing.assert_array_equal(result_arr, expected_arr)
    else:
        eps = np.finfo(expected_arr.dtype).eps
        np.testing.assert_allclose(result_arr, expected_arr, rtol=eps * 2**8, atol=eps * 2**8,
                                   equal_nan=True)
