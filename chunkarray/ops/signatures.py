"""NumPy's signatures over chunkarray's functions: ``np.sum(x, 0, np.float32)``, ``x.sum(0, "f4")``.

A chunkarray function takes the array positionally and its options by keyword. NumPy's function
(and the ndarray method) takes them positionally too, and has options chunkarray refuses unless
they keep their defaults (``out=``, ``where=``, ``initial=``). :func:`numpy_signature` makes the
adapter that ``__array_function__`` and the methods of ``ChunkedArray`` call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["NO_VALUE", "numpy_signature"]

#: NumPy's "not given" default (``numpy._NoValue``): an argument with this value is left unset.
NO_VALUE: Any = np._NoValue

_RENAMES = {"a_min": "min", "a_max": "max", "correction": "ddof"}
# Options accepted only with one of these values, which mean "not used".
_IGNORED_DEFAULTS = {"out": (None,), "where": (True, NO_VALUE), "initial": (NO_VALUE,),
                     "mean": (NO_VALUE, None)}


def numpy_signature(np_func: Callable[..., Any], impl: Callable[..., Any],
                    extra: tuple[str, ...] = ()) -> Callable[..., Any]:
    """Accept arguments the way ``np_func`` does and call ``impl(first, **options)``.

    ``extra`` names chunkarray-only keyword options (such as ``split_every``) passed through.
    Arguments given as ``NO_VALUE`` count as not given.

    >>> import chunkarray as ca
    >>> total = numpy_signature(np.sum, ca.sum)
    >>> total(ca.arange(4, chunks=2), 0, np.float32).compute()
    np.float32(6.0)
    >>> total(ca.arange(4, chunks=2), where=False)
    Traceback (most recent call last):
    ...
    TypeError: numpy.sum: where= is not supported on chunked arrays
    """
    sig = inspect.signature(np_func)
    first = next(iter(sig.parameters))

    def adapter(*args: Any, **kwargs: Any) -> Any:
        passed = {k: kwargs.pop(k) for k in extra if k in kwargs}
        params = dict(sig.bind(*args, **kwargs).arguments)
        x = params.pop(first)
        given = {name: value for name, value in params.items() if value is not NO_VALUE}
        if "ddof" in given and "correction" in given:
            # Both would become ``ddof``: refuse, as NumPy does, rather than drop one silently.
            raise ValueError(f"numpy.{np_func.__name__}: ddof and correction can't be provided "
                             f"simultaneously")
        options = {}
        for name, value in params.items():
            if name in _IGNORED_DEFAULTS:
                if not any(value is d for d in _IGNORED_DEFAULTS[name]):
                    raise TypeError(f"numpy.{np_func.__name__}: {name}= is not supported on "
                                    f"chunked arrays")
                continue
            if value is NO_VALUE:
                continue
            options[_RENAMES.get(name, name)] = value
        return impl(x, **options, **passed)

    adapter.__name__ = np_func.__name__
    adapter.__doc__ = impl.__doc__
    return adapter
