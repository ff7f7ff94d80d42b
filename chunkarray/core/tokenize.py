"""Deterministic names: the same operation on the same inputs gets the same name, and different
operations never share one.

Large data is never hashed whole: an in-memory NumPy array is named by its buffer address, shape,
strides and dtype (and the array object, which the graph keeps alive, so no other array can take
that address while the name is in use), so naming a 1 GiB array costs as much as naming a
1-element one. Index arrays, which decide what a result holds, are named by their contents
(:func:`content_token`), so the same index gives the same name.

Functions are named by what they compute, as dask's ``tokenize`` does: an importable function by
its module, qualified name and code; a function defined in ``__main__`` (a notebook cell), a lambda
or a closure also by its defaults, closure cells and the globals it reads; a bound method by its
object too. Objects with no deterministic description are named by identity, which is safe (never
shared by two live objects) though not repeatable.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import types
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

try:  # optional: a hash that keeps up with memory, for naming index arrays by their contents
    import xxhash
except ImportError:  # pragma: no cover - the ``fast`` extra is not installed
    xxhash = None  # type: ignore[assignment]

__all__ = ["content_token", "tokenize"]

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
    handler = _BY_TYPE.get(type(obj))
    if handler is not None:  # the common kinds, found in one lookup
        return handler(obj)
    return _normalize_other(obj)


def _scalar(obj: Any) -> str:
    return f"{type(obj).__name__}:{obj!r}"


def _sequence(obj: tuple | list) -> str:
    name = type(obj).__name__
    text = _ints(obj)
    if text is not None:
        return f"{name}:{text}"
    if set(map(type, obj)) == {tuple}:  # e.g. chunks: exact and far faster than recursing
        parts = [_ints(t) for t in obj]
        if None not in parts:
            return f"{name}:({','.join(parts)})"  # type: ignore[arg-type]
    return f"{name}[{','.join(map(_normalize, obj))}]"


def _ints(obj: tuple | list) -> str | None:
    """An exact text of a sequence of Python ints, or None if it holds anything else.

    Runs of one value (regular chunks) are written ``r<value>x<count>``, which is several times
    faster than ``repr`` of a long sequence.

    >>> _ints((100, 100, 100, 100, 100, 7)), _ints((1, 2)), _ints((1, 2.0))
    ('r100x5+7', '(1, 2)', None)
    """
    if not set(map(type, obj)) <= {int}:
        return None
    n = len(obj)
    if n > 4:
        first, last = obj[0], obj[-1]
        same = obj.count(first)
        if same == n:
            return f"r{first}x{n}"
        if same == n - 1 and last != first:
            return f"r{first}x{n - 1}+{last}"
    return repr(obj)


def _dict(obj: dict) -> str:
    return "dict{" + ",".join(f"{_normalize(k)}:{_normalize(v)}" for k, v in sorted(
        obj.items(), key=lambda kv: repr(kv[0]))) + "}"


def _set(obj: set | frozenset) -> str:
    return f"{type(obj).__name__}{{" + ",".join(sorted(map(_normalize, obj))) + "}"


def _slice(obj: slice) -> str:
    return f"slice({obj.start!r},{obj.stop!r},{obj.step!r})"


def _dtype(obj: np.dtype) -> str:
    return f"dtype:{obj.str}:{obj.descr!r}"


def _partial(obj: functools.partial) -> str:
    return f"partial({_normalize(obj.func)},{_normalize(obj.args)},{_normalize(obj.keywords)})"


def _method(obj: types.MethodType) -> str:
    return f"method({_normalize(obj.__self__)},{_normalize(obj.__func__)})"


def _builtin(obj: Any) -> str:
    bound = getattr(obj, "__self__", None)
    if bound is None or isinstance(bound, types.ModuleType):
        return f"builtin:{getattr(obj, '__module__', '')}.{obj.__name__}"
    return f"builtin-method({_normalize(bound)},{type(bound).__qualname__}.{obj.__name__})"


def _normalize_other(obj: Any) -> str:
    """Kinds not in :data:`_BY_TYPE`: subclasses, NumPy scalars and dtypes, tokenable objects."""
    kind = type(obj)
    if isinstance(obj, np.dtype):
        _BY_TYPE[kind] = _dtype  # one class per dtype kind: found directly from now on
        return _dtype(obj)
    if isinstance(obj, np.generic):
        return f"np:{obj.dtype.str}:{obj.tobytes().hex()}"
    if isinstance(obj, np.ma.MaskedArray):  # the mask and fill value are part of its value
        return _normalize_masked(obj)
    if isinstance(obj, np.ndarray):
        return _normalize_ndarray(obj)
    if isinstance(obj, functools.partial):
        return _partial(obj)
    token = getattr(obj, "__chunkarray_token__", None)
    if token is not None:
        return f"token:{token}"
    if isinstance(obj, (types.BuiltinFunctionType, np.ufunc)):
        return _builtin(obj)
    if kind is type and _importable(obj):
        return f"type:{obj.__module__}.{obj.__qualname__}"
    if kind is _NUMPY_FUNCTION and _importable(obj):  # np.sum and friends
        return f"numpy-function:{obj.__module__}.{obj.__qualname__}"
    # Arbitrary objects: identity is the only safe equality we know of.
    return f"object:{kind.__module__}.{kind.__qualname__}:{id(obj)}"




_MAX_DEPTH = 4  # how far the globals a function reads are followed into other functions


def _importable(obj: Any) -> bool:
    """Whether ``obj`` is what its module's attribute of its qualified name is right now."""
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    if module is None or module.__name__ == "__main__":
        return False
    target: Any = module
    for part in obj.__qualname__.split("."):
        target = getattr(target, part, None)
    return target is obj


def _normalize_function(func: types.FunctionType, depth: int) -> str:
    code = func.__code__
    name = f"{func.__module__}.{func.__qualname__}"
    if _importable(func):
        # A library's function: its name and code say what it does (a reload that changes the
        # code changes the name); its globals are the library's own.
        return f"func:{name}:{_code_token(code)}"
    if depth >= _MAX_DEPTH:
        return f"object:function:{id(func)}"
    parts = [
        name, _code_token(code), _normalize(func.__defaults__), _normalize(func.__kwdefaults__),
    ]
    for cell in func.__closure__ or ():
        try:
            parts.append(_normalize_value(cell.cell_contents, depth))
        except ValueError:  # an empty cell: the closure is not complete yet
            parts.append("empty-cell")
    for global_name in _global_names(code):
        if global_name in func.__globals__:
            value = func.__globals__[global_name]
            if not isinstance(value, types.ModuleType):
                parts.append(f"{global_name}={_normalize_value(value, depth)}")
    return "local-func[" + ",".join(parts) + "]"


def _normalize_value(value: Any, depth: int) -> str:
    if type(value) is types.FunctionType:
        return _normalize_function(value, depth + 1)
    return _normalize(value)


def _global_names(code: types.CodeType) -> list[str]:
    """The global names a function's code (and the code nested in it) may read."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_global_names(const))
    return sorted(set(names))


@functools.lru_cache(maxsize=4096)  # code objects are immutable: the same code, the same token
def _code_token(code: types.CodeType) -> str:
    digest = hashlib.blake2b(code.co_code, digest_size=8)
    for const in code.co_consts:
        digest.update((_code_token(const) if isinstance(const, types.CodeType)
                       else _normalize(const)).encode())
    digest.update(repr((code.co_names, code.co_varnames, code.co_freevars)).encode())
    return digest.hexdigest()


def content_token(a: Any) -> str:
    """A digest of an index array's contents, dtype and shape, whatever its size.

    With the ``xxhash`` package installed (the ``fast`` extra), the digest is its XXH3 of
    128 bits, which reads memory at tens of GB/s: naming a permutation costs a fraction of
    using it. Without it, large arrays are hashed as a list of fixed 4 MiB parts (SHA-256 each,
    on several threads: hashlib lets go of the GIL). Either way the digest is the same on every
    machine that has the same choice, as dask's ``tokenize`` (which prefers xxhash too).

    >>> import numpy as np
    >>> content_token(np.arange(10_000)) == content_token(np.arange(10_000))
    True
    """
    a = np.asarray(a)
    if a.dtype.hasobject:
        raise TypeError(f"an index array of dtype {a.dtype} cannot be named by its contents")
    data = np.ascontiguousarray(a).reshape(-1).view(np.uint8).data
    if xxhash is not None:
        fast = xxhash.xxh3_128(data)
        fast.update(f"{a.dtype.str}{a.shape}".encode())
        return fast.hexdigest()[:24]
    return _sha256_token(a, data)


def _sha256_token(a: np.ndarray, data: memoryview) -> str:
    if len(data) <= _PART:
        digest = hashlib.sha256(data)
    else:
        parts = [data[i:i + _PART] for i in range(0, len(data), _PART)]
        digest = hashlib.sha256(b"parts")
        for part in _hash_pool().map(lambda p: hashlib.sha256(p).digest(), parts):
            digest.update(part)
    digest.update(f"{a.dtype.str}{a.shape}".encode())
    return digest.hexdigest()[:24]


_PART = 4 * 2**20
_POOL: dict[int, ThreadPoolExecutor] = {}  # by process id: a forked child makes its own


def _hash_pool() -> ThreadPoolExecutor:
    pid = os.getpid()
    if pid not in _POOL:
        _POOL.clear()
        _POOL[pid] = ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="chunkarray-hash")
    return _POOL[pid]


def _normalize_masked(a: np.ma.MaskedArray) -> str:
    """A masked array by its data, its mask and its fill value (a set one, or None).

    >>> a = np.ma.array([1, 2], mask=[0, 1])
    >>> tokenize(a) == tokenize(np.ma.array([1, 2], mask=[0, 0]))
    False
    """
    fill = None if getattr(a, "_fill_value", None) is None else a.fill_value
    if a.nbytes > _SMALL_ARRAY_BYTES // 2 or a.dtype.hasobject:
        # As for large arrays: by identity (the mask's too, which may be replaced in place).
        mask = np.ma.getmask(a)
        held = "nomask" if mask is np.ma.nomask else f"{mask.__array_interface__['data'][0]}"
        where = a.__array_interface__["data"][0]
        return f"masked-at:{where}:{held}:{a.dtype.str}:{a.shape}:{a.strides}:{id(a)}"
    mask = np.ma.getmaskarray(a)
    return f"masked:{_normalize_ndarray(a.data)}:{_normalize_ndarray(mask)}:{_normalize(fill)}"


def _normalize_ndarray(a: np.ndarray) -> str:
    if a.nbytes <= _SMALL_ARRAY_BYTES and not a.dtype.hasobject:
        return f"ndarray:{a.dtype.str}:{a.shape}:{np.ascontiguousarray(a).tobytes().hex()}"
    address = a.__array_interface__["data"][0]
    return f"ndarray-at:{address}:{a.dtype.str}:{a.shape}:{a.strides}:{id(a)}"


_NUMPY_FUNCTION = type(np.sum)  # NumPy's functions with __array_function__ dispatch

# Exact types whose text depends on the type alone. Subclasses (a namedtuple, a ndarray
# subclass) take the slower checks of _normalize_other.
_BY_TYPE: dict[type, Callable[[Any], str]] = {
    **dict.fromkeys((type(None), bool, int, float, complex, str, bytes), _scalar),
    tuple: _sequence, list: _sequence, dict: _dict, set: _set, frozenset: _set,
    slice: _slice, functools.partial: _partial, np.ndarray: _normalize_ndarray,
    types.FunctionType: lambda f: _normalize_function(f, 0), types.MethodType: _method,
    types.BuiltinFunctionType: _builtin, np.ufunc: _builtin,
}
