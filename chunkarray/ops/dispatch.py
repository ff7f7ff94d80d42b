"""The table behind ``__array_function__``: which chunkarray function a NumPy function becomes.

``np.cumsum(x)`` on a ``ChunkedArray`` runs the function registered for ``numpy.cumsum``; NumPy
functions with no entry raise ``TypeError`` rather than silently computing the whole array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["HANDLED_FUNCTIONS", "implements"]

F = TypeVar("F", bound=Callable[..., Any])

HANDLED_FUNCTIONS: dict[Any, Callable[..., Any]] = {}


def implements(*numpy_functions: Any) -> Callable[[F], F]:
    """Register the decorated function as what each of ``numpy_functions`` does on chunked arrays.

    The function must take NumPy's arguments (it is called as ``np_func`` was).

    >>> import numpy as np
    >>> unregistered = np.lib.scimath.sqrt  # a NumPy function chunkarray leaves to NumPy
    >>> @implements(unregistered)
    ... def sqrt(x): ...
    >>> HANDLED_FUNCTIONS[unregistered] is sqrt
    True
    >>> del HANDLED_FUNCTIONS[unregistered]
    """
    def register(func: F) -> F:
        for np_func in numpy_functions:
            HANDLED_FUNCTIONS[np_func] = func
        return func

    return register
