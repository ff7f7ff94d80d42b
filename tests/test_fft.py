"""Tests of chunkarray.fft against numpy.fft: every function, n/s, axes, norm, dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import COMPLEX_DTYPES, FLOAT_DTYPES, assert_eq, chunkings, shapes, values

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])
NORMS = [None, "backward", "ortho", "forward"]
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]
REAL_IN = {"rfft", "ihfft", "rfftn", "rfft2"}


def _dtypes(name):
    return [*FLOAT_DTYPES, np.int16] if name in REAL_IN else [*FLOAT_DTYPES, *COMPLEX_DTYPES]


def _close(got, expected):
    # Each block runs NumPy's own transform over whole rows; allow for rounding all the same.
    assert got.dtype == expected.dtype and got.shape == expected.shape
    scale = max(float(np.abs(expected).max(initial=0)), 1.0)
    eps = np.finfo(expected.dtype).eps
    np.testing.assert_allclose(got, expected, rtol=eps * 64, atol=eps * 64 * scale)


@fixture_ok
@given(data=st.data())
def test_one_d_transforms_match_numpy(executor, data):
    name = data.draw(st.sampled_from(ONE_D))
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
    a = data.draw(values(data.draw(st.sampled_from(_dtypes(name))), shape))
    x = ca.from_array(a, chunks=data.draw(chunkings(shape)))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    n = data.draw(st.none() | st.integers(1, 9))
    norm = data.draw(st.sampled_from(NORMS))
    func = getattr(np.fft, name)
    try:
        expected = func(a, n=n, axis=axis, norm=norm)
    except ValueError:
        with pytest.raises(ValueError):
            getattr(ca.fft, name)(x, n=n, axis=axis, norm=norm)
        return
    _close(getattr(ca.fft, name)(x, n=n, axis=axis, norm=norm).compute(), expected)
    _close(func(x, n=n, axis=axis, norm=norm).compute(), expected)  # through NumPy's dispatch


@fixture_ok
@given(data=st.data())
def test_n_d_transforms_match_numpy(executor, data):
    name = data.draw(st.sampled_from(N_D))
    shape = data.draw(shapes(min_dims=2, max_dims=3, min_side=1, max_side=5))
    a = data.draw(values(data.draw(st.sampled_from(_dtypes(name))), shape))
    x = ca.from_array(a, chunks=data.draw(chunkings(shape)))
    if name.endswith("2"):
        axes = tuple(data.draw(st.permutations(range(a.ndim)))[:2])
    else:
        axes = tuple(data.draw(st.lists(st.integers(0, a.ndim - 1), min_size=1, max_size=3,
                                        unique=True)))
    s = data.draw(st.none() | st.lists(st.integers(1, 7), min_size=len(axes),
                                       max_size=len(axes)).map(tuple))
    norm = data.draw(st.sampled_from(NORMS))
    func = getattr(np.fft, name)
    try:
        expected = func(a, s=s, axes=axes, norm=norm)
    except ValueError:
        with pytest.raises(ValueError):
            getattr(ca.fft, name)(x, s=s, axes=axes, norm=norm)
        return
    _close(getattr(ca.fft, name)(x, s=s, axes=axes, norm=norm).compute(), expected)


@given(data=st.data())
def test_axis_by_axis_when_all_axes_do_not_fit(data):
    # Under a small memory limit the N-D transform runs NumPy's 1-D steps one axis at a time.
    rng = np.random.default_rng(0)
    a = rng.standard_normal((8, 8, 4)) + 1j * rng.standard_normal((8, 8, 4))
    x = ca.from_array(a, chunks=data.draw(chunkings(a.shape)))
    with ca.config.set(memory_limit=1536):  # two whole axes: 2 KiB a slice; one: 256 B
        got = ca.fft.fftn(x, axes=(0, 1))
        expected = np.fft.fftn(a, axes=(0, 1))
        _close(got.compute(), expected)
        _close(ca.fft.irfftn(x, axes=(1, 0)).compute(), np.fft.irfftn(a, axes=(1, 0)))


def test_float32_gives_complex64_and_chunks_follow():
    x = ca.ones((6, 10), chunks=(2, 3), dtype=np.float32)
    y = ca.fft.fft(x)
    assert y.dtype == np.complex64 and y.chunks == ((2, 2, 2), (10,))
    assert ca.fft.rfft(x, n=8).chunks == ((2, 2, 2), (5,))
    assert ca.fft.irfft(y, axis=0).dtype == np.float32
    assert ca.fft.fft(ca.ones(4, chunks=2, dtype=np.int8)).dtype == np.complex128


def test_memory_limit_splits_other_axes_or_refuses():
    x = ca.ones((64, 1024), chunks=(64, 256))
    with ca.config.set(memory_limit="64 KiB"):
        y = ca.fft.fft(x)  # a row and its transform: 24 KiB; 64 rows would not fit
        assert y.chunks[1] == (1024,) and max(y.chunks[0]) <= 2
        np.testing.assert_allclose(y.compute(), np.fft.fft(np.ones((64, 1024))))
    with ca.config.set(memory_limit="16 KiB"):
        with pytest.raises(ValueError, match=r"axis 1 \(length 1024\).*24,576 bytes.*16,384"):
            ca.fft.fft(x)


def test_frequencies_and_shifts():
    for n, d in [(1, 1.0), (5, 0.5), (8, np.float32(0.1)), (9, 3)]:
        assert_eq(ca.fft.fftfreq(n, d, chunks=2).compute(), np.fft.fftfreq(n, d))
        assert_eq(ca.fft.rfftfreq(n, d, chunks=2).compute(), np.fft.rfftfreq(n, d))
    a = np.arange(30.0).reshape(5, 6)
    x = ca.from_array(a, chunks=(2, 4))
    for axes in (None, 0, 1, (0, 1), (-1,)):
        assert_eq(ca.fft.fftshift(x, axes).compute(), np.fft.fftshift(a, axes))
        assert_eq(ca.fft.ifftshift(x, axes).compute(), np.fft.ifftshift(a, axes))
        assert_eq(np.fft.fftshift(x, axes).compute(), np.fft.fftshift(a, axes))


def test_bad_input_fails_at_the_call():
    x = ca.ones((4, 5), chunks=2)
    with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(0\)"):
        ca.fft.fft(x, n=0)
    with pytest.raises(ValueError, match="Invalid norm value"):
        ca.fft.fft(x, norm="sideways")
    with pytest.raises(np.exceptions.AxisError):
        ca.fft.fft(x, axis=2)
    with pytest.raises(ValueError, match="Shape and axes have different lengths"):
        ca.fft.fftn(x, s=(2, 2), axes=(0,))
    with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(0\)"):
        ca.fft.irfft(ca.ones(1, chunks=1))
    with pytest.raises(TypeError, match="out="):
        ca.fft.fft(x, out=np.empty((4, 5), complex))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fftfreq_dtype_as_the_array_api(dtype):
    assert_eq(ca.fft.fftfreq(7, d=0.5, dtype=dtype, chunks=3).compute(),
              np.fft.fftfreq(7, d=0.5).astype(dtype))
    assert_eq(ca.fft.rfftfreq(7, d=0.5, dtype=dtype, chunks=3).compute(),
              np.fft.rfftfreq(7, d=0.5).astype(dtype))
    with pytest.raises(ValueError, match="real floating"):
        ca.fft.fftfreq(4, dtype=np.int32)
