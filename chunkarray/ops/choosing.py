"""Choosing among arrays and index arithmetic: ``choose``, ``select``, ``ravel_multi_index``,
``unravel_index``. Each is one elementwise step over the broadcast operands; what NumPy refuses
for the arguments' types and options is refused at the call, by NumPy itself on empty stand-ins.
Out-of-range *values* (``mode="raise"``) can only be seen in the data and raise in ``compute()``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.kernels.choosing import choose_block, ravel_block, select_block, unravel_block
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import elemwise
from chunkarray.ops.shape import _as_chunked

__all__ = ["choose", "ravel_multi_index", "select", "unravel_index"]


def _stand_in(x: Any) -> Any:
    """An empty array of the dtype of ``x``; Python scalars stay (NumPy 2's weak scalars)."""
    if isinstance(x, (ChunkedArray, np.ndarray)):
        return np.empty((0,), dtype=x.dtype)
    if isinstance(x, (list, tuple)):
        return np.empty((0,), dtype=np.asarray(x).dtype)
    return x


def _no_out(out: Any, func: str) -> None:
    if out is not None:
        raise TypeError(f"{func}: out= is not supported on chunked arrays; assign the result")


def _choices(choices: Any) -> list[Any]:
    if isinstance(choices, (ChunkedArray, np.ndarray)):
        x = _as_chunked(choices)
        if x.ndim == 0:
            raise ValueError("choose: choices must be a sequence of arrays, got a 0-d array")
        return [x[i] for i in range(x.shape[0])]
    return list(choices)


@implements(np.choose)
def choose(a: Any, choices: Any, /, out: Any = None, mode: str = "raise") -> ChunkedArray:
    """Element ``choices[a[i]][i]`` for every ``i``, all operands broadcast, like ``numpy.choose``.

    >>> import chunkarray as ca
    >>> choose(ca.asarray([0, 1, 1, 0]), [[1, 2, 3, 4], [10, 20, 30, 40]]).compute()
    array([ 1, 20, 30,  4])
    """
    _no_out(out, "choose")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"choose: mode={mode!r}; allowed: 'raise', 'wrap', 'clip'")
    items = _choices(choices)
    if not items:
        raise ValueError("choose: choices must not be empty")
    index = a if isinstance(a, ChunkedArray) else np.asarray(a)
    # NumPy's checks of the index's type and the choices' common dtype, on empty stand-ins.
    probe = np.choose(np.empty((0,), dtype=index.dtype), [_stand_in(c) for c in items],
                      mode="clip")
    return elemwise(partial(choose_block, mode=mode), index, *items, dtype=probe.dtype,
                    label="choose")


@implements(np.select)
def select(condlist: Any, choicelist: Any, /, default: Any = 0) -> ChunkedArray:
    """From ``choicelist[k]`` where ``condlist[k]`` is the first true condition, else
    ``default``, like ``numpy.select``.

    >>> import chunkarray as ca
    >>> x = ca.arange(6, chunks=4)
    >>> select([x < 2, x > 3], [x, x ** 2], -1).compute()
    array([ 0,  1, -1, -1, 16, 25])
    """
    conds, choices = list(condlist), list(choicelist)
    if len(conds) != len(choices):
        raise ValueError(f"select: list of cases must be same length as list of conditions, got "
                         f"{len(choices)} choices for {len(conds)} conditions")
    if not choices:
        raise ValueError("select with an empty condition list is not possible")
    for i, c in enumerate(conds):
        dtype = c.dtype if isinstance(c, (ChunkedArray, np.ndarray)) else np.asarray(c).dtype
        if dtype != np.dtype(bool):
            raise TypeError(f"select: invalid entry {i} in condlist: should be boolean ndarray, "
                            f"got dtype {dtype}")
    probe = np.select([np.empty((0,), bool)] * len(conds), [_stand_in(c) for c in choices],
                      default=_stand_in(default))
    return elemwise(partial(select_block, n=len(conds)), *conds, *choices, default,
                    dtype=probe.dtype, label="select")


@implements(np.ravel_multi_index)
def ravel_multi_index(multi_index: Any, dims: Any, /, mode: Any = "raise", order: str = "C"
                      ) -> ChunkedArray:
    """Flat indices of coordinate arrays into an array of shape ``dims``, like
    ``numpy.ravel_multi_index``.

    >>> import chunkarray as ca
    >>> ravel_multi_index((ca.asarray([0, 1, 2]), [3, 0, 1]), (3, 4)).compute()
    array([3, 4, 9])
    """
    coords = list(multi_index)
    dims = tuple(int(d) for d in np.atleast_1d(dims))
    if len(coords) != len(dims):
        raise ValueError(f"ravel_multi_index: parameter multi_index must be a sequence of length "
                         f"{len(dims)} (one coordinate array per dimension), got {len(coords)}")
    # NumPy's checks of dims, mode, order and the coordinates' dtypes, on empty stand-ins.
    np.ravel_multi_index(  # type: ignore[call-overload]
        tuple(np.empty((0,), dtype=_dtype(c)) for c in coords), dims, mode=mode, order=order)
    mode = mode if isinstance(mode, str) else tuple(mode)
    return elemwise(partial(ravel_block, dims=dims, mode=mode, order=order), *coords,
                    dtype=np.dtype(np.intp), label="ravel_multi_index")


def _dtype(x: Any) -> np.dtype:
    return x.dtype if isinstance(x, (ChunkedArray, np.ndarray)) else np.asarray(x).dtype


@implements(np.unravel_index)
def unravel_index(indices: Any, /, shape: Any, order: str = "C") -> tuple[ChunkedArray, ...]:
    """Coordinate arrays of flat ``indices`` into an array of ``shape``, like
    ``numpy.unravel_index``.

    >>> import chunkarray as ca
    >>> [c.compute() for c in unravel_index(ca.asarray([3, 4, 9]), (3, 4))]
    [array([0, 1, 2]), array([3, 0, 1])]
    """
    dims = tuple(int(d) for d in np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),)
    np.unravel_index(np.empty((0,), dtype=_dtype(indices)), dims,  # type: ignore[call-overload]
                     order=order)
    if not dims:
        return ()
    result = elemwise(partial(unravel_block, shape=dims, order=order), indices,
                      dtype=(np.dtype(np.intp),) * len(dims), label="unravel_index")
    return result if isinstance(result, tuple) else (result,)
