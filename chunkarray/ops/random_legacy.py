"""NumPy's legacy ``RandomState`` interface, and dask's module-level random functions.

A :class:`RandomState` draws with a :class:`~chunkarray.ops.random.Generator`: its values depend
only on the seed, the shape and the positions, like the Generator's, but they are not NumPy's
legacy (Mersenne Twister) stream. The module-level functions (``chunkarray.random.normal``, ...)
draw from one global ``RandomState``, reseeded by :func:`seed`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.ops.random import DISTRIBUTIONS, Generator, dressed

__all__ = ["FUNCTIONS", "RandomState", "global_state", "seed"]

_LEGACY = np.random.RandomState
# Distributions RandomState has, with the same name and arguments as the Generator's.
_SHARED = tuple(m for m in DISTRIBUTIONS if hasattr(_LEGACY, m))


class RandomState:
    """NumPy's legacy random interface over a position-keyed :class:`Generator`.

    >>> import chunkarray as ca
    >>> state = ca.random.RandomState(0)
    >>> state.randint(0, 10, size=(2, 3), chunks=2).shape
    (2, 3)
    """

    def __init__(self, seed: Any = None) -> None:
        self._generator = Generator(_seed_value(seed))

    def seed(self, seed: Any = None) -> None:
        """Start again from ``seed``.

        >>> state = RandomState(1)
        >>> a = state.random_sample(3).compute()
        >>> state.seed(1)
        >>> bool((state.random_sample(3).compute() == a).all())
        True
        """
        self._generator = Generator(_seed_value(seed))

    def random_sample(self, size: Any = None, *, chunks: Any = "auto") -> ChunkedArray:
        """Floats uniform in [0, 1).

        >>> RandomState(0).random_sample((2, 2), chunks=1).dtype
        dtype('float64')
        """
        return self._generator.random(size, chunks=chunks)

    def random(self, size: Any = None, *, chunks: Any = "auto") -> ChunkedArray:
        """Floats uniform in [0, 1) (``random_sample``).

        >>> RandomState(0).random(4, chunks=2).shape
        (4,)
        """
        return self._generator.random(size, chunks=chunks)

    def rand(self, *shape: int, chunks: Any = "auto") -> ChunkedArray:
        """Floats uniform in [0, 1) of the given dimensions.

        >>> RandomState(0).rand(2, 3).shape
        (2, 3)
        """
        return self._generator.random(shape, chunks=chunks)

    def randn(self, *shape: int, chunks: Any = "auto") -> ChunkedArray:
        """Standard normal floats of the given dimensions.

        >>> RandomState(0).randn(2, 3).shape
        (2, 3)
        """
        return self._generator.standard_normal(shape, chunks=chunks)  # type: ignore

    def randint(self, low: Any, high: Any = None, size: Any = None, dtype: Any = int, *,
                chunks: Any = "auto") -> ChunkedArray:
        """Integers in ``[low, high)``, or ``[0, low)`` when ``high`` is None.

        >>> RandomState(0).randint(5, size=4).compute().max() < 5
        np.True_
        """
        return self._generator.integers(low, high, size, dtype=dtype, chunks=chunks)

    def random_integers(self, low: Any, high: Any = None, size: Any = None, *,
                        chunks: Any = "auto") -> ChunkedArray:
        """Integers in ``[low, high]``, or ``[1, low]`` when ``high`` is None.

        >>> RandomState(0).random_integers(5, size=4).compute().min() >= 1
        np.True_
        """
        if high is None:
            low, high = 1, low
        return self._generator.integers(low, high, size, endpoint=True, chunks=chunks)

    def tomaxint(self, size: Any = None, *, chunks: Any = "auto") -> ChunkedArray:
        """Integers in ``[0, sys.maxsize]``.

        >>> RandomState(0).tomaxint(3).dtype
        dtype('int64')
        """
        return self._generator.integers(0, np.iinfo(np.int64).max, size, endpoint=True,
                                        chunks=chunks)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None, *,
               chunks: Any = "auto") -> ChunkedArray:
        """A random sample of ``a`` (an int n stands for ``arange(n)``).

        >>> RandomState(0).choice(3, size=5).shape
        (5,)
        """
        return self._generator.choice(a, size, replace, p, chunks=chunks)

    def permutation(self, x: Any, *, chunks: Any = "auto") -> ChunkedArray:
        """A permuted ``arange(x)``, or ``x`` permuted along its first axis.

        >>> RandomState(0).permutation(3).shape
        (3,)
        """
        return self._generator.permutation(x, chunks=chunks)

    def shuffle(self, x: Any) -> None:
        """Permute ``x`` along its first axis, in place (a chunked array is rebound).

        >>> x = np.arange(4)
        >>> RandomState(0).shuffle(x)
        >>> sorted(x.tolist())
        [0, 1, 2, 3]
        """
        self._generator.shuffle(x)

    def bytes(self, length: int) -> bytes:
        """``length`` random bytes.

        >>> len(RandomState(0).bytes(3))
        3
        """
        return self._generator.bytes(length)


def _seed_value(seed: Any) -> Any:
    # RandomState takes what NumPy's legacy seeding takes: None, an int in [0, 2**32), or an
    # array of such ints; NumPy refuses the rest with its own message.
    if seed is not None and not isinstance(seed, np.random.SeedSequence):
        _LEGACY(seed)
    return seed


def _legacy(method: str) -> Callable[..., ChunkedArray]:
    signature = inspect.signature(getattr(_LEGACY, method))

    def draw(self: RandomState, *args: Any, chunks: Any = "auto", **kwargs: Any
             ) -> ChunkedArray:
        bound = signature.bind(self, *args, **kwargs)
        params = {k: v for k, v in bound.arguments.items() if k != "self"}
        return getattr(self._generator, method)(**params, chunks=chunks)  # type: ignore

    return dressed(draw, signature, method, f"Samples of NumPy's ``RandomState.{method}`` "
                   "(positions-keyed, not its stream).", "ca.random.RandomState(0)")


for _method in _SHARED:
    setattr(RandomState, _method, _legacy(_method))

_GLOBAL: list[RandomState] = [RandomState()]


def global_state() -> RandomState:
    """The RandomState the module-level functions draw from.

    >>> isinstance(global_state(), RandomState)
    True
    """
    return _GLOBAL[0]


def seed(seed: Any = None) -> None:
    """Reseed the module-level functions' RandomState.

    >>> import chunkarray as ca
    >>> ca.random.seed(3)
    >>> a = ca.random.random(2).compute()
    >>> ca.random.seed(3)
    >>> bool((ca.random.random(2).compute() == a).all())
    True
    """
    _GLOBAL[0] = RandomState(seed)


# The example of each module-level function's docstring: its arguments (the result has 4 rows).
_EXAMPLES = {"random_sample": "4", "random": "4", "rand": "4, 2", "randn": "4, 2",
             "randint": "5, size=4", "random_integers": "5, size=4", "tomaxint": "4",
             "choice": "3, size=4", "permutation": "4"}


def _module_function(method: str) -> Callable[..., Any]:
    bound = getattr(RandomState, method)

    def function(*args: Any, **kwargs: Any) -> Any:
        return getattr(global_state(), method)(*args, **kwargs)

    function.__name__ = function.__qualname__ = method
    function.__signature__ = _unbound(inspect.signature(bound))  # type: ignore[attr-defined]
    summary = (bound.__doc__ or "").strip().splitlines()[0]
    if method == "shuffle":
        example = (">>> x = np.arange(4)\n    >>> ca.random.shuffle(x)\n"
                   "    >>> sorted(x.tolist())\n    [0, 1, 2, 3]")
    elif method == "bytes":
        example = ">>> len(ca.random.bytes(4))\n    4"
    else:
        args = _EXAMPLES.get(method) or ", ".join(
            [*map(repr, DISTRIBUTIONS.get(method, ())), "size=4"])
        example = f">>> ca.random.{method}({args}).shape[0]\n    4"
    function.__doc__ = (f"{summary} (from the global RandomState, see :func:`seed`)\n\n"
                        f"    >>> import chunkarray as ca\n    {example}\n")
    return function


def _unbound(signature: inspect.Signature) -> inspect.Signature:
    return signature.replace(parameters=list(signature.parameters.values())[1:])


_EXTRA = ("random_sample", "random", "rand", "randn", "randint", "random_integers", "tomaxint",
          "choice", "permutation", "shuffle", "bytes")
# chunkarray.random.normal(...), ...: the global RandomState's methods as functions.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    m: _module_function(m) for m in (*_SHARED, *_EXTRA)}
