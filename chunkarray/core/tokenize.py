"""Deterministic names: the same operation on the same inputs gets the same name.

Large inputs are never hashed whole: an in-memory NumPy array is named by its buffer address,
shape, strides and dtype, so naming a 1 GiB array costs as much as naming a 1-element one.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import numpy as np

__all__ = ["tokenize"]

_SMALL_ARRAY_BYTES = 4096  # hash the contents of arrays up to this size, describe larger ones


def tokenize(*args: Any, **kwargs: Any) -> str:
    """A short hex digest that depends on every argument, never on object identity of scalars.

    >>> tokenize("add", 1, (2, 3)) == tokenize("add", 1, (2, 3))
    True
    >>> tokenize("add", 1) == tokenize("add", 2)
    False
    """
    digest = hashlib.blake2b(digest_size=12)
    digest.update(_normalize((args, sorted(kwargs.items()))).encode())
    return digest.hexdigest()


def _normalize(obj: Any) -> str:
    kind = type(obj)
    if obj is None or kind in (bool, int, float, complex, str, bytes):
        return f"{kind.__name__}:{obj!r}"
    if kind in (tuple, list):
        if _plain(obj):  # e.g. chunks: repr is exact and far faster than recursing
            return f"{kind.__name__}:{obj!r}"
        return f"{kind.__name__}[{','.join(_normalize(o) for o in obj)}]"
    if kind is dict:
        return "dict{" + ",".join(f"{_normalize(k)}:{_normalize(v)}" for k, v in sorted(
            obj.items(), key=lambda kv: repr(kv[0]))) + "}"
    if kind is slice:
        return f"slice({obj.start!r},{obj.stop!r},{obj.step!r})"
    if isinstance(obj, np.dtype):
        return f"dtype:{obj.str}:{obj.descr!r}"
    if isinstance(obj, np.generic):
        return f"np:{obj.dtype.str}:{obj.tobytes().hex()}"
    if isinstance(obj, np.ndarray):
        return _normalize_ndarray(obj)
    if isinstance(obj, functools.partial):
        return f"partial({_normalize(obj.func)},{_normalize(obj.args)},{_normalize(obj.keywords)})"
    token = getattr(obj, "__chunkarray_token__", None)
    if token is not None:
        return f"token:{token}"
    if callable(obj) and hasattr(obj, "__qualname__") and "<" not in obj.__qualname__:
        return f"func:{getattr(obj, '__module__', '')}.{obj.__qualname__}"
    # Lambdas, closures and arbitrary objects: identity is the only safe equality we know of.
    return f"object:{kind.__qualname__}:{id(obj)}"


def _plain(obj: tuple | list) -> bool:
    """Whether a sequence holds only ints, or only tuples of ints (whose repr is unambiguous)."""
    kinds = set(map(type, obj))
    if kinds <= {int}:
        return True
    return kinds == {tuple} and all(set(map(type, t)) <= {int} for t in obj)


def _normalize_ndarray(a: np.ndarray) -> str:
    if a.nbytes <= _SMALL_ARRAY_BYTES and not a.dtype.hasobject:
        return f"ndarray:{a.dtype.str}:{a.shape}:{np.ascontiguousarray(a).tobytes().hex()}"
    address = a.__array_interface__["data"][0]
    return f"ndarray-at:{address}:{a.dtype.str}:{a.shape}:{a.strides}:{id(a)}"
