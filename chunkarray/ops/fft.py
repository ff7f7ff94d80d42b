"""The ``numpy.fft`` namespace on chunked arrays.

A transform needs each transformed axis whole: such an axis split into several blocks is
rechunked to one block, the other axes cut finer where a block would otherwise exceed the
``memory_limit`` setting; a plan that cannot fit even then is refused at the call, naming the
axis and the bytes. Each block is then transformed by NumPy's own function, so results and
dtypes are NumPy's (float32 input gives complex64). An N-D transform whose axes all fit in one
block at once is one blockwise step; otherwise it is NumPy's sequence of 1-D transforms, each
with its own axis whole.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core import config
from chunkarray.core.tokenize import tokenize
from chunkarray.ops.creation import arange, asarray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import elemwise, where
from chunkarray.ops.rearrange import roll
from chunkarray.ops.rechunk import rechunk
from chunkarray.primitives.blockwise import blockwise_node

__all__ = [
    "fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn", "ifftshift",
    "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn",
]

_NORMS = (None, "backward", "ortho", "forward")


# --- planning: which axes are whole, and how finely the others are cut -----------------------


def _fit_chunks(x: ChunkedArray, whole: dict[int, int], out_itemsize: int, label: str
                ) -> tuple[tuple[int, ...], ...]:
    """Chunks of ``x`` with the axes of ``whole`` (axis -> output length) in one block each.

    Other axes keep their blocks unless a task (an input block and its transform) would exceed
    the memory limit; then the largest of them is halved until it fits.
    """
    limit = config.memory_limit_bytes()
    sizes = [max(c) if c else 0 for c in x.chunks]
    for a in whole:
        sizes[a] = x.shape[a]

    def task_bytes() -> int:
        inner = math.prod(s for a, s in enumerate(sizes) if a not in whole)
        ins = math.prod(x.shape[a] for a in whole) * x.dtype.itemsize
        outs = math.prod(whole.values()) * out_itemsize
        return inner * (ins + outs)

    while task_bytes() > limit:
        free = [a for a in range(x.ndim) if a not in whole and sizes[a] > 1]
        if not free:
            axes = ", ".join(f"axis {a} (length {x.shape[a]})" for a in sorted(whole))
            raise ValueError(
                f"{label}: the transform needs {axes} in one block, and one slice through "
                f"{'it' if len(whole) == 1 else 'them'} with its transform holds "
                f"{task_bytes():,} bytes, more than memory_limit={limit:,} bytes; raise the "
                f"limit (chunkarray.config.set(memory_limit=...)) or transform a shorter axis")
        a = max(free, key=lambda a: sizes[a])
        sizes[a] = (sizes[a] + 1) // 2
    chunks = []
    for a, c in enumerate(x.chunks):
        if a in whole:
            chunks.append((x.shape[a],) if x.shape[a] else c)
        elif sizes[a] >= max(c, default=0):
            chunks.append(c)
        else:
            n, s = x.shape[a], sizes[a]
            chunks.append((s,) * (n // s) + ((n % s,) if n % s else ()))
    return tuple(chunks)


def _apply(x: ChunkedArray, kernel: Callable[..., Any], out: dict[int, int], dtype: np.dtype,
           label: str) -> ChunkedArray:
    """``kernel`` on every block of ``x`` rechunked so the axes of ``out`` are whole."""
    x = rechunk(x, _fit_chunks(x, out, dtype.itemsize, label))
    ind = tuple(range(x.ndim))
    return ChunkedArray(blockwise_node(
        kernel, ind, x._node, ind, dtype=dtype, adjust_chunks={a: (n,) for a, n in out.items()},
        name=f"{label}-" + tokenize(x.name, kernel)))


# --- arguments, checked as NumPy checks them ---------------------------------------------------


def _check_norm(norm: Any) -> None:
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')


def _check_n(n: int, label: str) -> int:
    if n < 1:
        raise ValueError(f"{label}: Invalid number of FFT data points ({n}) specified.")
    return n


def _no_out(out: Any, label: str) -> None:
    if out is not None:
        raise TypeError(f"{label}: out= is not supported on chunked arrays; assign the result")


def _probe_dtype(func: Callable[..., Any], dtype: np.dtype, **kwargs: Any) -> np.dtype:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(np.ones(4, dtype=dtype), **kwargs).dtype


# n for each 1-D transform: its default, and its output length given n.
_DEFAULT_N: dict[str, Callable[[int], int]] = {
    "fft": lambda m: m, "ifft": lambda m: m, "rfft": lambda m: m, "ihfft": lambda m: m,
    "irfft": lambda m: 2 * (m - 1), "hfft": lambda m: 2 * (m - 1),
}
_OUT_LEN: dict[str, Callable[[int], int]] = {
    "fft": lambda n: n, "ifft": lambda n: n, "irfft": lambda n: n, "hfft": lambda n: n,
    "rfft": lambda n: n // 2 + 1, "ihfft": lambda n: n // 2 + 1,
}


def _one(kind: str, a: Any, n: Any, axis: int, norm: Any, out: Any = None) -> ChunkedArray:
    """The 1-D transform ``numpy.fft.<kind>`` along ``axis``."""
    x = asarray(a)
    _no_out(out, kind)
    _check_norm(norm)
    if x.ndim == 0:
        raise np.exceptions.AxisError(axis, 0)
    axis = normalize_axis_index(operator.index(axis), x.ndim)
    require_known_chunks(x, kind, [axis])
    n = _DEFAULT_N[kind](x.shape[axis]) if n is None else operator.index(n)
    _check_n(n, kind)
    func = getattr(np.fft, kind)
    dtype = _probe_dtype(func, x.dtype, n=4)
    kernel = partial(func, n=n, axis=axis, norm=norm)
    return _apply(x, kernel, {axis: _OUT_LEN[kind](n)}, dtype, kind)


# --- 1-D transforms ------------------------------------------------------------------------------


@implements(np.fft.fft)
def fft(a: Any, /, n: int | None = None, axis: int = -1, norm: str | None = None,
        out: Any = None) -> ChunkedArray:
    """The 1-D discrete Fourier transform along ``axis``, like ``numpy.fft.fft``.

    >>> import chunkarray as ca
    >>> fft(ca.ones(4, chunks=2)).compute()
    array([4.+0.j, 0.+0.j, 0.+0.j, 0.+0.j])
    """
    return _one("fft", a, n, axis, norm, out)


@implements(np.fft.ifft)
def ifft(a: Any, /, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: Any = None) -> ChunkedArray:
    """The inverse 1-D transform, like ``numpy.fft.ifft``.

    >>> import chunkarray as ca
    >>> ifft(ca.ones(4, chunks=2)).compute()
    array([1.+0.j, 0.+0.j, 0.+0.j, 0.+0.j])
    """
    return _one("ifft", a, n, axis, norm, out)


@implements(np.fft.rfft)
def rfft(a: Any, /, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: Any = None) -> ChunkedArray:
    """The transform of real input, its non-negative frequencies only, like ``numpy.fft.rfft``.

    >>> import chunkarray as ca
    >>> rfft(ca.ones(4, chunks=2)).compute()
    array([4.+0.j, 0.+0.j, 0.+0.j])
    """
    return _one("rfft", a, n, axis, norm, out)


@implements(np.fft.irfft)
def irfft(a: Any, /, n: int | None = None, axis: int = -1, norm: str | None = None,
          out: Any = None) -> ChunkedArray:
    """The inverse of :func:`rfft` (``n`` real outputs, by default ``2 * (m - 1)``).

    >>> import chunkarray as ca
    >>> irfft(ca.from_array([4, 0, 0], chunks=2)).compute()
    array([1., 1., 1., 1.])
    """
    return _one("irfft", a, n, axis, norm, out)


@implements(np.fft.hfft)
def hfft(a: Any, /, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: Any = None) -> ChunkedArray:
    """The transform of a Hermitian-symmetric signal, like ``numpy.fft.hfft``.

    >>> import chunkarray as ca
    >>> hfft(ca.from_array([1, 0, 0], chunks=2)).compute()
    array([1., 1., 1., 1.])
    """
    return _one("hfft", a, n, axis, norm, out)


@implements(np.fft.ihfft)
def ihfft(a: Any, /, n: int | None = None, axis: int = -1, norm: str | None = None,
          out: Any = None) -> ChunkedArray:
    """The inverse of :func:`hfft`, like ``numpy.fft.ihfft``.

    >>> import chunkarray as ca
    >>> ihfft(ca.ones(4, chunks=2)).compute()
    array([1.-0.j, 0.-0.j, 0.-0.j])
    """
    return _one("ihfft", a, n, axis, norm, out)


# --- N-D transforms ------------------------------------------------------------------------------


def _cook(x: ChunkedArray, s: Any, axes: Any, inverse_real: bool, label: str
          ) -> tuple[list[Any], list[int]]:
    """``s`` and ``axes`` as NumPy's ``_cook_nd_args`` makes them (its warnings included)."""
    shapeless = s is None
    if axes is not None:
        axes = [normalize_axis_index(operator.index(a), x.ndim) for a in axes]
    if s is None:
        s = list(x.shape) if axes is None else [x.shape[a] for a in axes]
    s = list(s)
    if axes is None:
        if not shapeless:
            warnings.warn("`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy "
                          "2.0)", DeprecationWarning, stacklevel=4)
        if len(s) > x.ndim:
            raise ValueError(f"{label}: s={tuple(s)} has more entries than the array has axes "
                             f"({x.ndim})")
        axes = list(range(x.ndim - len(s), x.ndim))
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if inverse_real and shapeless and axes:
        s[-1] = (x.shape[axes[-1]] - 1) * 2
    s = [x.shape[a] if n == -1 else n for n, a in zip(s, axes)]
    return s, axes


def _steps(kind: str, s: list[Any], axes: list[int]) -> list[tuple[str, Any, int]]:
    """NumPy's sequence of 1-D transforms for an N-D one: (kind, n, axis)."""
    if kind in ("fftn", "ifftn"):
        one = kind[:-1]
        return [(one, n, a) for n, a in reversed(list(zip(s, axes)))]
    if kind == "rfftn":
        return [("rfft", s[-1], axes[-1])] + [
            ("fft", n, a) for n, a in reversed(list(zip(s[:-1], axes[:-1])))]
    return [("ifft", n, a) for n, a in zip(s[:-1], axes[:-1])] + [("irfft", s[-1], axes[-1])]


def _nd(kind: str, a: Any, s: Any, axes: Any, norm: Any, out: Any) -> ChunkedArray:
    x = asarray(a)
    _no_out(out, kind)
    _check_norm(norm)
    s, axes = _cook(x, s, axes, kind == "irfftn", kind)
    if not axes:
        return x
    require_known_chunks(x, kind, axes)
    steps = _steps(kind, s, axes)
    lengths: dict[int, int] = {}
    shape = list(x.shape)
    for one, n, axis in steps:
        n = _DEFAULT_N[one](shape[axis]) if n is None else operator.index(n)
        _check_n(n, kind)
        shape[axis] = lengths[axis] = _OUT_LEN[one](n)
    func = getattr(np.fft, kind)
    dtype = _probe_dtype(np.fft.irfft if kind == "irfftn" else
                         np.fft.rfft if kind == "rfftn" else getattr(np.fft, kind[:-1]),
                         x.dtype, n=4)
    try:  # every axis whole at once: one step, NumPy's own N-D function per block
        return _apply(x, partial(func, s=s, axes=axes, norm=norm), lengths, dtype, kind)
    except ValueError:
        if len(set(axes)) == 1:
            raise
    for one, n, axis in steps:  # else one axis at a time, each whole in its turn
        x = _one(one, x, n, axis, norm)
    return x


@implements(np.fft.fftn)
def fftn(a: Any, /, s: Any = None, axes: Any = None, norm: str | None = None,
         out: Any = None) -> ChunkedArray:
    """The N-D discrete Fourier transform, like ``numpy.fft.fftn``.

    >>> import chunkarray as ca
    >>> fftn(ca.ones((2, 2), chunks=1)).compute()
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """
    return _nd("fftn", a, s, axes, norm, out)


@implements(np.fft.ifftn)
def ifftn(a: Any, /, s: Any = None, axes: Any = None, norm: str | None = None,
          out: Any = None) -> ChunkedArray:
    """The inverse N-D transform, like ``numpy.fft.ifftn``.

    >>> import chunkarray as ca
    >>> ifftn(ca.ones((2, 2), chunks=1)).compute()
    array([[1.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """
    return _nd("ifftn", a, s, axes, norm, out)


@implements(np.fft.rfftn)
def rfftn(a: Any, /, s: Any = None, axes: Any = None, norm: str | None = None,
          out: Any = None) -> ChunkedArray:
    """The N-D transform of real input, like ``numpy.fft.rfftn``.

    >>> import chunkarray as ca
    >>> rfftn(ca.ones((2, 4), chunks=1)).shape
    (2, 3)
    """
    return _nd("rfftn", a, s, axes, norm, out)


@implements(np.fft.irfftn)
def irfftn(a: Any, /, s: Any = None, axes: Any = None, norm: str | None = None,
           out: Any = None) -> ChunkedArray:
    """The inverse of :func:`rfftn`, like ``numpy.fft.irfftn``.

    >>> import chunkarray as ca
    >>> irfftn(ca.ones((2, 3), chunks=1)).shape
    (2, 4)
    """
    return _nd("irfftn", a, s, axes, norm, out)


@implements(np.fft.fft2)
def fft2(a: Any, /, s: Any = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
         out: Any = None) -> ChunkedArray:
    """The 2-D transform over ``axes``, like ``numpy.fft.fft2``.

    >>> import chunkarray as ca
    >>> fft2(ca.ones((2, 2), chunks=1)).compute()[0, 0]
    np.complex128(4+0j)
    """
    return _nd("fftn", a, s, axes, norm, out)


@implements(np.fft.ifft2)
def ifft2(a: Any, /, s: Any = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
          out: Any = None) -> ChunkedArray:
    """The inverse 2-D transform, like ``numpy.fft.ifft2``.

    >>> import chunkarray as ca
    >>> ifft2(ca.ones((2, 2), chunks=1)).compute()[0, 0]
    np.complex128(1+0j)
    """
    return _nd("ifftn", a, s, axes, norm, out)


@implements(np.fft.rfft2)
def rfft2(a: Any, /, s: Any = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
          out: Any = None) -> ChunkedArray:
    """The 2-D transform of real input, like ``numpy.fft.rfft2``.

    >>> import chunkarray as ca
    >>> rfft2(ca.ones((2, 4), chunks=1)).shape
    (2, 3)
    """
    return _nd("rfftn", a, s, axes, norm, out)


@implements(np.fft.irfft2)
def irfft2(a: Any, /, s: Any = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
           out: Any = None) -> ChunkedArray:
    """The inverse of :func:`rfft2`, like ``numpy.fft.irfft2``.

    >>> import chunkarray as ca
    >>> irfft2(ca.ones((2, 3), chunks=1)).shape
    (2, 4)
    """
    return _nd("irfftn", a, s, axes, norm, out)


# --- frequencies and shifts ----------------------------------------------------------------------


def _check_length(n: Any, label: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"{label}: n should be an integer, got {n!r}")
    return int(n)


@implements(np.fft.fftfreq)
def fftfreq(n: int, d: Any = 1.0, *, dtype: Any = None, device: Any = None,
            chunks: Any = "auto") -> ChunkedArray:
    """The sample frequencies of :func:`fft`'s output, like ``numpy.fft.fftfreq``.

    >>> fftfreq(5, d=0.5, chunks=2).compute()
    array([ 0. ,  0.4,  0.8, -0.8, -0.4])
    """
    n = _check_length(n, "fftfreq")
    val = 1.0 / (n * d)
    half = (n - 1) // 2 + 1
    i = arange(n, chunks=chunks)
    return _freq_dtype(elemwise(np.multiply, where(elemwise(np.less, i, half), i,
                                                   elemwise(np.subtract, i, n)), val), dtype)


@implements(np.fft.rfftfreq)
def rfftfreq(n: int, d: Any = 1.0, *, dtype: Any = None, device: Any = None,
             chunks: Any = "auto") -> ChunkedArray:
    """The sample frequencies of :func:`rfft`'s output, like ``numpy.fft.rfftfreq``.

    >>> rfftfreq(5, d=0.5, chunks=2).compute()
    array([0. , 0.4, 0.8])
    """
    n = _check_length(n, "rfftfreq")
    val = 1.0 / (n * d)
    return _freq_dtype(elemwise(np.multiply, arange(n // 2 + 1, chunks=chunks), val), dtype)


def _freq_dtype(freqs: ChunkedArray, dtype: Any) -> ChunkedArray:
    """The frequencies in ``dtype`` (the array API's ``dtype=``: a real floating dtype)."""
    if dtype is None:
        return freqs
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"dtype={dtype!r}: sample frequencies need a real floating dtype")
    return freqs.astype(dtype)  # type: ignore[attr-defined]


def _shift(x: Any, axes: Any, sign: int) -> ChunkedArray:
    x = asarray(x)
    if axes is None:
        axes = tuple(range(x.ndim))
        shift: Any = [sign * (n // 2) for n in x.shape]
    elif isinstance(axes, (int, np.integer)):
        shift = sign * (x.shape[axes] // 2)
    else:
        shift = [sign * (x.shape[a] // 2) for a in axes]
    return roll(x, shift, axes)


@implements(np.fft.fftshift)
def fftshift(x: Any, /, axes: Any = None) -> ChunkedArray:
    """Move the zero frequency to the centre, like ``numpy.fft.fftshift``.

    >>> fftshift(fftfreq(4, chunks=2)).compute()
    array([-0.5 , -0.25,  0.  ,  0.25])
    """
    return _shift(x, axes, 1)


@implements(np.fft.ifftshift)
def ifftshift(x: Any, /, axes: Any = None) -> ChunkedArray:
    """The inverse of :func:`fftshift`, like ``numpy.fft.ifftshift``.

    >>> ifftshift(fftshift(fftfreq(5, chunks=2))).compute()
    array([ 0. ,  0.2,  0.4, -0.4, -0.2])
    """
    return _shift(x, axes, -1)
