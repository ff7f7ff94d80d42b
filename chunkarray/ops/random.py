"""Reproducible random arrays: values depend on the seed, the shape and each element's position.

``default_rng(seed)`` is a :class:`Generator` over NumPy's counter-based ``Philox`` bit generator
with the key NumPy derives from ``seed`` (``SeedSequence(seed).generate_state(2, numpy.uint64)``,
what ``numpy.random.Philox(seed)`` uses), so ``default_rng(seed)`` stands for
``numpy.random.Generator(numpy.random.Philox(seed))``:

- ``random`` and ``integers`` with scalar bounds (and what is made of them: ``choice`` with
  replacement, ``bytes``) give NumPy's own values, call after call: a block jumps to its place
  in the stream (see :mod:`chunkarray.ops.random_exact`). ``integers`` over a range that is not a
  power of two rejects and redraws some draws, as NumPy does; a first pass counts them per
  segment of the stream, so each block still finds where its values start.
- Every other distribution draws a varying number of times per element: the flat C-order
  positions are cut into tiles of ``2**16`` elements, and tile ``t`` of the generator's ``c``-th
  such call draws with NumPy's own method from a ``PCG64DXSM`` stream of its own (its state a
  keyed hash of the seed's key, ``c`` and ``t``). Blocks are cut from the tiles: the same values
  for every chunking and executor. ``integers`` with array bounds is drawn this way too.
"""

from __future__ import annotations

import inspect
import math
import operator
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core import config
from chunkarray.core.chunks import normalize_chunks
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import random as kernels
from chunkarray.ops.creation import asarray, from_array
from chunkarray.ops.manipulation import broadcast_to, reshape
from chunkarray.ops.random_exact import ExactStream
from chunkarray.ops.routines import map_blocks
from chunkarray.primitives.sources import BlockFunction

__all__ = ["DISTRIBUTIONS", "Generator", "default_rng"]

_NP = np.random.Generator
# Parameters that are options of the method, not distribution parameters that broadcast.
_OPTIONS = ("dtype", "method", "check_valid", "tol")
# Distributions whose every draw is a vector (the last axis of the result): their parameters
# are whole vectors, passed to NumPy as they are.
_EVENTS = ("multinomial", "multivariate_hypergeometric", "dirichlet", "multivariate_normal")

# Every distribution of NumPy's Generator, with arguments NumPy accepts (the docstring's example).
DISTRIBUTIONS: dict[str, tuple[Any, ...]] = {
    "standard_normal": (), "normal": (0.0, 2.0), "uniform": (-1.0, 1.0),
    "exponential": (2.0,), "standard_exponential": (), "poisson": (3.0,),
    "binomial": (10, 0.5), "gamma": (2.0, 1.0), "standard_gamma": (2.0,), "beta": (2.0, 3.0),
    "chisquare": (3.0,), "f": (3.0, 4.0), "geometric": (0.5,), "gumbel": (0.0, 1.0),
    "hypergeometric": (10, 5, 4), "laplace": (0.0, 1.0), "logistic": (0.0, 1.0),
    "lognormal": (0.0, 1.0), "logseries": (0.5,), "multinomial": (10, [0.2, 0.8]),
    "multivariate_hypergeometric": ([3, 4], 5), "negative_binomial": (5, 0.5),
    "noncentral_chisquare": (3.0, 1.0), "noncentral_f": (3.0, 4.0, 1.0), "pareto": (3.0,),
    "power": (3.0,), "rayleigh": (1.0,), "standard_cauchy": (), "standard_t": (5.0,),
    "triangular": (0.0, 0.5, 1.0), "vonmises": (0.0, 1.0), "wald": (1.0, 1.0),
    "weibull": (2.0,), "zipf": (2.0,), "dirichlet": ([1.0, 2.0],),
    "multivariate_normal": ([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]),
}


def _philox_key(seed: Any) -> tuple[tuple[int, int], int]:
    """The Philox key ``seed`` stands for, and the stream position it starts at."""
    if isinstance(seed, np.random.Generator):
        seed = seed.bit_generator
    if isinstance(seed, np.random.BitGenerator):
        if not isinstance(seed, np.random.Philox):
            raise TypeError(
                f"seed={type(seed).__name__}(...): chunkarray.random jumps to each block's "
                f"place in the stream, which needs a counter-based Philox bit generator")
        state = seed.state
        if state["buffer_pos"] != 4 or state["has_uint32"]:
            raise ValueError(
                "seed=Philox(...): a Philox that has buffered part of a step cannot be jumped "
                "from; pass a fresh Philox, or one moved with advance()")
        counter = [int(w) for w in state["state"]["counter"]]
        key = state["state"]["key"]
        position = 4 * sum(w << (64 * i) for i, w in enumerate(counter))
        return (int(key[0]), int(key[1])), position
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(seed)  # NumPy's own refusal of a bad seed
    key = seed.generate_state(2, np.uint64)
    return (int(key[0]), int(key[1])), 0


def _shape(size: Any, name: str = "size") -> tuple[int, ...]:
    if size is None:
        return ()
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size,)
    try:
        shape = tuple(operator.index(n) for n in size)
    except TypeError:
        raise TypeError(f"{name}={size!r}: must be None, an int or a tuple of ints") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{name}={shape}: dimensions must be non-negative")
    return shape


def _chunks(chunks: Any, shape: tuple[int, ...], dtype: Any, event: tuple[int, ...] = ()
            ) -> tuple[tuple[int, ...], ...]:
    """Chunks of the ``size`` axes as asked, the event axes (a vector per draw) whole."""
    normalized = normalize_chunks(chunks, shape, dtype=np.dtype(dtype),
                                  limit=config.get("chunk_size"))
    return normalized + tuple((n,) for n in event)


def _source(kernel: Callable[..., Any], label: str, shape: tuple[int, ...], chunks: Any,
            dtype: Any, event: tuple[int, ...] = (), **kwargs: Any) -> ChunkedArray:
    kwargs["event"] = event
    normalized = _chunks(chunks, shape, dtype, event)
    full = shape + event
    name = f"random_{label}-" + tokenize(label, normalized, dtype, full, kwargs)
    # Event axes are never split, so the kernel cuts blocks over the ``size`` axes alone.
    inner = partial(_drop_event, kernel, len(event)) if event else kernel
    return ChunkedArray(BlockFunction(name, inner, normalized, dtype,
                                      {**kwargs, "full": shape, "dtype": dtype}))


def _drop_event(kernel: Callable[..., Any], k: int, *, shape: tuple[int, ...],
                offset: tuple[int, ...], **kwargs: Any) -> np.ndarray:
    return kernel(shape=shape[:-k], offset=offset[:-k], **kwargs)


def _is_array(value: Any) -> bool:
    return isinstance(value, ChunkedArray) or np.ndim(value) > 0


class Generator:
    """Draws chunked random arrays whose values depend only on the seed and the positions.

    Like ``numpy.random.Generator(numpy.random.Philox(seed))``; every method also takes
    ``chunks=`` (the result's chunking, ``"auto"`` by default).

    >>> import chunkarray as ca
    >>> rng = ca.random.default_rng(42)
    >>> x = rng.random((4, 5), chunks=(3, 2)).compute()
    >>> bool((x == np.random.Generator(np.random.Philox(42)).random((4, 5))).all())
    True
    """

    def __init__(self, bit_generator: Any = None) -> None:
        key, position = _philox_key(bit_generator)
        self._key = key
        self._exact = ExactStream(key, position)  # where random/integers draw next
        self._calls = 0  # tiled calls made: each has streams of its own

    def __repr__(self) -> str:
        return f"Generator(Philox) key={self._key}"

    def _stream(self) -> int:
        self._calls += 1
        return self._calls

    # --- exact methods ---

    def random(self, size: Any = None, dtype: Any = np.float64, out: Any = None, *,
               chunks: Any = "auto") -> ChunkedArray:
        """Floats uniform in [0, 1): NumPy's own values for ``Generator(Philox(seed))``.

        >>> import chunkarray as ca
        >>> ca.random.default_rng(0).random(3, chunks=2).compute().round(3)
        array([0.014, 0.258, 0.472])
        """
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype={dtype}: random supports float32 and float64")
        shape = _shape(size)
        result = self._exact.random(shape, _chunks(chunks, shape, dtype), dtype)
        return _finish(result, out)

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False, *, chunks: Any = "auto") -> ChunkedArray:
        """Integers in ``[low, high)`` (``[low, high]`` with ``endpoint=True``), as NumPy's.

        With scalar bounds the values are NumPy's own for ``Generator(Philox(seed))``, rejected
        draws included; with array bounds they are drawn tile by tile (see the module).

        >>> import chunkarray as ca
        >>> ca.random.default_rng(0).integers(10, size=4, chunks=3).compute()
        array([1, 0, 9, 2])
        """
        dtype = np.dtype(dtype)
        if high is None:
            low, high = 0, low
        if _is_array(low) or _is_array(high):
            return self._tiled("integers", {"low": low, "high": high, "size": size,
                                            "dtype": dtype, "endpoint": endpoint}, chunks)
        _NP(np.random.Philox(0)).integers(low, high, size=1, dtype=dtype, endpoint=endpoint)
        low, high = int(low), int(high) - (0 if endpoint else 1)
        shape = _shape(size)
        return self._exact.integers(low, high - low, shape, _chunks(chunks, shape, dtype), dtype)

    def bytes(self, length: int) -> bytes:
        """``length`` random bytes (computed now), NumPy's own.

        >>> import chunkarray as ca
        >>> len(ca.random.default_rng(0).bytes(5))
        5
        """
        words = -(-operator.index(length) // 4)
        values = self.integers(0, 2**32, size=words, dtype=np.uint32).compute()
        return values.astype("<u4").tobytes()[:length]

    # --- tiled methods ---

    def _tiled(self, method: str, params: dict[str, Any], chunks: Any) -> ChunkedArray:
        params = dict(params)
        size, out = params.pop("size", None), params.pop("out", None)
        options = {k: params.pop(k) for k in _OPTIONS + ("endpoint",) if k in params}
        if method in _EVENTS:
            params = {k: _vector(v, k, method) for k, v in params.items()}
        arrays = {k: v for k, v in params.items() if method not in _EVENTS and _is_array(v)}
        shape = _shape(size)
        if arrays and size is None:
            shape = np.broadcast_shapes(*(np.shape(v) for v in arrays.values()))
        elif arrays:
            _check_broadcast(shape, arrays)
        # NumPy checks the parameters, and refuses what it would refuse, on an empty draw;
        # parameters NumPy holds are checked whole, chunked ones in compute.
        gen = _NP(np.random.Philox(0))
        if any(isinstance(v, ChunkedArray) for v in arrays.values()):
            # Checked in compute; the dtype is what NumPy gives for any valid parameters.
            example = DISTRIBUTIONS.get(method, (0, 1))
            sample = getattr(gen, method)(*example, **options, size=(0,))
        elif arrays:
            sample = np.asarray(getattr(gen, method)(**params, **options))[np.newaxis][:0]
        else:
            sample = getattr(gen, method)(**params, **options, size=(1,))[:0]
        dtype, event = sample.dtype, sample.shape[1:]
        stream = self._stream()
        if arrays:
            result = _flat_tiled(self._key, stream, method, shape, chunks, dtype, arrays,
                                 {**{k: v for k, v in params.items() if k not in arrays},
                                  **options})
        else:
            result = _source(kernels.tiled_block, method, shape, chunks, dtype, event,
                             key=self._key, stream=stream, method=method,
                             kwargs={**params, **options})
        return _finish(result, out)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None,
               axis: int = 0, shuffle: bool = True, *, chunks: Any = "auto") -> ChunkedArray:
        """A random sample of ``a`` (an int n stands for ``arange(n)``).

        With replacement the indices are NumPy's own (``integers``, or ``random`` and the
        cumulative ``p``); without, they are drawn now, in one piece, from a stream of their own.

        >>> import chunkarray as ca
        >>> ca.random.default_rng(0).choice(5, size=3, chunks=2).compute()
        array([0, 0, 4])
        """
        pop = _population(a, axis)
        shape = _shape(size)
        if p is not None:
            p = _probabilities(p, pop)
        if not replace:
            gen = _NP(kernels.philox(self._key, (0, 0, 0, self._stream())))
            picked = gen.choice(pop, size=size, replace=False, p=p, shuffle=shuffle)
            index = from_array(np.asarray(picked, dtype=np.int64), chunks=chunks)
        elif pop == 0 and 0 not in shape:
            raise ValueError("a cannot be empty unless no samples are taken")
        elif p is None:
            index = self.integers(0, pop, size=size, chunks=chunks)
        else:
            cdf = np.cumsum(p)
            cdf /= cdf[-1]
            index = map_blocks(_search, self.random(size, chunks=chunks), cdf=cdf, dtype=np.int64)
        if isinstance(a, (int, np.integer)):
            return index
        return _take(asarray(a), np.asarray(index.compute()), axis)

    def permutation(self, x: Any, axis: int = 0, *, chunks: Any = "auto") -> ChunkedArray:
        """A permuted ``arange(x)``, or ``x`` permuted along ``axis`` (the order drawn now).

        >>> import chunkarray as ca
        >>> sorted(ca.random.default_rng(0).permutation(4).compute().tolist())
        [0, 1, 2, 3]
        """
        if isinstance(x, (int, np.integer)):
            order = _NP(kernels.philox(self._key, (0, 0, 0, self._stream()))).permutation(x)
            return from_array(order, chunks=chunks)
        x = asarray(x)
        if x.ndim == 0:
            raise np.exceptions.AxisError("x must be an integer or at least 1-dimensional")
        axis = _axis(axis, x.ndim)
        order = _NP(kernels.philox(self._key, (0, 0, 0, self._stream()))).permutation(
            x.shape[axis])
        return _take(x, order, axis)

    def shuffle(self, x: Any, axis: int = 0) -> None:
        """Permute ``x`` in place along ``axis``: a chunked array is rebound to its permutation.

        >>> import chunkarray as ca
        >>> x = ca.arange(5, chunks=2)
        >>> ca.random.default_rng(0).shuffle(x)
        >>> sorted(x.compute().tolist())
        [0, 1, 2, 3, 4]
        """
        if isinstance(x, ChunkedArray):
            x._node = self.permutation(x, axis=axis)._node
            return
        gen = _NP(kernels.philox(self._key, (0, 0, 0, self._stream())))
        gen.shuffle(x, axis=axis)

    def permuted(self, x: Any, axis: int | None = None, out: Any = None) -> ChunkedArray:
        """``x`` with each slice along ``axis`` permuted on its own (the whole, if None).

        >>> import chunkarray as ca
        >>> x = ca.arange(6, chunks=4).reshape(2, 3)
        >>> sorted(ca.random.default_rng(0).permuted(x, axis=1).compute()[0].tolist())
        [0, 1, 2]
        """
        x = asarray(x)
        if axis is None:
            flat = reshape(x, (-1,))
            return _finish(reshape(self.permutation(flat), x.shape), out)
        axis = _axis(axis, x.ndim)
        whole = x.rechunk({axis: -1})  # type: ignore[attr-defined]
        result = map_blocks(kernels.permuted_block, whole, axis=axis, key=self._key,
                            stream=self._stream(), dtype=x.dtype)
        return _finish(result, out)


def _distribution(method: str) -> Callable[..., ChunkedArray]:
    signature = inspect.signature(getattr(_NP, method))

    def draw(self: Generator, *args: Any, chunks: Any = "auto", **kwargs: Any) -> ChunkedArray:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        params = {k: v for k, v in bound.arguments.items() if k != "self"}
        return self._tiled(method, params, chunks)

    return dressed(draw, signature, method, f"Samples of NumPy's ``Generator.{method}``, drawn "
                   "tile by tile (see the module).", "ca.random.default_rng(0)")


def dressed(draw: Callable[..., ChunkedArray], signature: inspect.Signature, method: str,
            summary: str, maker: str) -> Callable[..., ChunkedArray]:
    """``draw`` named ``method``, with NumPy's ``signature`` plus ``chunks=`` and a docstring of
    ``summary`` and a doctest calling it on ``maker``."""
    chunk_option = inspect.Parameter("chunks", inspect.Parameter.KEYWORD_ONLY, default="auto")
    parameters = list(signature.parameters.values())
    draw.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*parameters, chunk_option] if parameters[-1].kind is not
        inspect.Parameter.VAR_KEYWORD else parameters)
    draw.__name__ = draw.__qualname__ = method
    args = ", ".join(map(repr, DISTRIBUTIONS[method]))
    example = f"{args}, size=4" if args else "size=4"
    draw.__doc__ = (f"{summary}\n\n    >>> import chunkarray as ca\n"
                    f"    >>> {maker}.{method}({example}, chunks=3).shape[0]\n    4\n")
    return draw


for _method in DISTRIBUTIONS:
    setattr(Generator, _method, _distribution(_method))


def default_rng(seed: Any = None) -> Generator:
    """A :class:`Generator` standing for ``numpy.random.Generator(numpy.random.Philox(seed))``.

    ``seed``: None (fresh entropy), an int or sequence of ints, a ``SeedSequence``, a ``Philox``
    (continued where it stands), or a chunkarray ``Generator`` (returned as it is).

    >>> import chunkarray as ca
    >>> ca.random.default_rng(1).standard_normal((3, 2), chunks=1).shape
    (3, 2)
    """
    if isinstance(seed, Generator):
        return seed
    return Generator(seed)


# --- helpers ---

def _finish(result: ChunkedArray, out: Any) -> ChunkedArray:
    if out is None:
        return result
    if not isinstance(out, ChunkedArray):
        raise TypeError(f"out={type(out).__name__}: chunkarray.random writes into a "
                        f"ChunkedArray (it is rebound to the result)")
    if out.shape != result.shape or out.dtype != result.dtype:
        raise ValueError(f"out has shape {out.shape} and dtype {out.dtype}; the result has "
                         f"shape {result.shape} and dtype {result.dtype}")
    out._node = result.rechunk(out.chunks)._node  # type: ignore[attr-defined]
    return out


def _vector(value: Any, name: str, method: str) -> Any:
    if isinstance(value, ChunkedArray):
        return value.compute()  # a distribution's vector parameter: small, and needed whole
    if method != "multivariate_hypergeometric" and name in ("n", "nsample") and np.ndim(value):
        raise NotImplementedError(
            f"{name} of {method} as an array: chunkarray.random takes it as a scalar")
    return value


def _check_broadcast(shape: tuple[int, ...], arrays: dict[str, Any]) -> None:
    for name, value in arrays.items():
        try:
            if np.broadcast_shapes(np.shape(value), shape) == shape:
                continue
        except ValueError:
            pass
        raise ValueError(f"{name} of shape {np.shape(value)} does not broadcast to "
                         f"size={shape}")


def _flat_tiled(key: tuple[int, int], stream: int, method: str, shape: tuple[int, ...],
                chunks: Any, dtype: np.dtype, arrays: dict[str, Any], kwargs: dict[str, Any]
                ) -> ChunkedArray:
    """A tiled draw with array parameters: made flat, in blocks of whole tiles, then reshaped."""
    n = math.prod(shape)
    target = normalize_chunks(chunks, shape, dtype=dtype, limit=config.get("chunk_size"))
    first = math.prod(c[0] if c else 0 for c in target)
    step = kernels.TILE * max(1, -(-first // kernels.TILE))
    flat_chunks = normalize_chunks((step,), (n,))
    names = tuple(arrays)
    flat = [reshape(broadcast_to(asarray(v), shape), (-1,)).rechunk(flat_chunks)  # type: ignore
            for v in arrays.values()]
    if not flat:
        raise AssertionError("no array parameter")
    drawn = map_blocks(kernels.tiled_flat_block, *flat, names=names, total=n, key=key,
                       stream=stream, method=method, kwargs=kwargs, dtype=dtype)
    return reshape(drawn, shape).rechunk(target)  # type: ignore[attr-defined]


def _population(a: Any, axis: int) -> int:
    if isinstance(a, (int, np.integer)) and not isinstance(a, bool):
        if a < 0:
            raise ValueError(f"a={a}: must be a non-negative int or an array")
        return int(a)
    shape = np.shape(a) if not isinstance(a, ChunkedArray) else a.shape
    if not shape:
        raise ValueError("a must be a sequence or an integer, not a 0-d array")
    return int(shape[_axis(axis, len(shape))])


def _probabilities(p: Any, pop: int) -> np.ndarray:
    p = np.asarray(p.compute() if isinstance(p, ChunkedArray) else p, dtype=np.float64)
    if p.ndim != 1 or p.size != pop:
        raise ValueError(f"p of shape {p.shape}: must be 1-dimensional, one per entry of a "
                         f"({pop})")
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("p: probabilities must be finite and non-negative")
    if abs(p.sum() - 1.0) > np.sqrt(np.finfo(np.float64).eps):
        raise ValueError(f"p: probabilities do not sum to 1 (sum is {p.sum()})")
    return p


def _search(u: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    return np.asarray(cdf.searchsorted(u, side="right"), dtype=np.int64)


def _axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


def _take(x: ChunkedArray, index: np.ndarray, axis: int) -> ChunkedArray:
    picked = x[(slice(None),) * axis + (index.reshape(-1),)]
    shape = x.shape[:axis] + index.shape + x.shape[axis + 1:]
    return reshape(picked, shape) if picked.shape != shape else picked
