"""Plain NumPy functions that run inside tasks. They know nothing of graphs or chunks.

Every function here takes blocks (NumPy arrays, or nested lists of them) and returns a block. Task
functions must be importable on other machines, so everything a task calls lives at module level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import product
from typing import Any

import numpy as np
from toolz import partition_all

__all__ = [
    "apply",
    "call_checked_shape",
    "call_paired",
    "concatenate_nested",
    "copy_into",
    "run_then_copy",
    "getitem",
    "identity",
    "index_output",
    "block_from_source",
    "storage_chunks",
]


def identity(x: Any) -> Any:
    """Return the input: the task of a node that only renames blocks."""
    return x


# --- checks of block sizes the graph could not know -----------------------------------------------


def call_paired(*args: Any, func: Callable[..., Any],
                pairs: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]) -> Any:
    """``func(*args)`` after checking that blocks of unknown size paired along an axis match.

    ``pairs``: per output axis, the (argument, axis) of each block paired there. Arrays of unknown
    (NaN) block sizes are combined block by block; blocks of different lengths would broadcast
    (a block of one element against any other) or fail with no word of which arrays were meant.

    >>> call_paired(np.arange(2), np.ones(2), func=np.add, pairs=((0, ((0, 0), (1, 0))),))
    array([1., 2.])
    >>> pairs = ((0, ((0, 0), (1, 0))),)
    >>> call_paired(np.arange(1), np.ones(2), func=np.add, pairs=pairs)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: operands could not be broadcast together with shapes (1,) (2,): ...
    """
    for out_axis, members in pairs:
        sizes = [np.shape(args[p])[a] for p, a in members]
        if any(s != sizes[0] for s in sizes):
            shapes = " ".join(str(np.shape(args[p])) for p, _ in members)
            held = " and ".join(map(str, sizes))
            raise ValueError(
                f"operands could not be broadcast together with shapes {shapes}: their blocks of "
                f"unknown (NaN) size along axis {out_axis} hold {held} elements; arrays of unknown "
                f"block sizes combine only when their blocks match (call compute_chunk_sizes() "
                f"on each to see their shapes)"
            )
    return func(*args)


def call_checked_shape(*args: Any, func: Callable[..., Any], expected: tuple[int | None, ...],
                       **kwargs: Any) -> Any:
    """``func(*args, **kwargs)``, checked to return a block of the ``expected`` shape (None: an
    axis of unknown length, any length).

    A block of the wrong shape would be summed, broadcast or stored as if it were right.

    >>> call_checked_shape(np.arange(3), func=np.cumsum, expected=(3,))
    array([0, 1, 3])
    >>> call_checked_shape(np.arange(3), func=np.sum, expected=(3,))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: map_blocks: the function returned a block of shape () where ... say (3,); ...
    """
    out = func(*args, **kwargs)
    shape = np.shape(out)
    if shape == expected:  # the usual case, in one comparison: this runs once per block
        return out
    if len(shape) != len(expected) or any(e is not None and s != e
                                          for s, e in zip(shape, expected)):
        said = "(" + ", ".join("nan" if e is None else str(e) for e in expected) + \
            ("," if len(expected) == 1 else "") + ")"
        raise ValueError(
            f"map_blocks: the function returned a block of shape {shape} where the output's "
            f"chunks say {said}; give map_blocks the chunks= (and drop_axis=/new_axis=) of the "
            f"blocks it returns"
        )
    return out


def getitem(x: Any, index: Any) -> Any:
    """``x[index]``, with the index as a keyword so a task can carry it inside a partial.

    A masked block stays a masked array when the index drops every axis (NumPy would give a
    scalar, or ``numpy.ma.masked`` of another dtype):

    >>> getitem(np.ma.array([1, 2], mask=[1, 0]), index=(0,))
    masked_array(data=--,
                 mask=True,
           fill_value=999999,
                dtype=int64)
    """
    out = x[index]
    if isinstance(x, np.ma.MaskedArray) and (out is np.ma.masked
                                             or not isinstance(out, np.ma.MaskedArray)):
        out = keep_fill_value(np.ma.MaskedArray(x.data[index], mask=np.ma.getmaskarray(x)[index]),
                              x)
    return out


def keep_fill_value(out: np.ma.MaskedArray, like: Any) -> np.ma.MaskedArray:
    """Give ``out`` (a new masked array of the dtype of ``like``) the fill value of ``like``, if
    it has one set.

    numpy.ma tells a set fill value from a default one: a set one is handed on to the results
    of operations (``(a + 1).fill_value``), a default one is the default of the result's dtype.
    It is copied as stored (numpy.ma keeps int8's default as 999999, which a cast would wrap),
    and not shared: numpy.ma's setter writes into the stored one in place.

    >>> keep_fill_value(np.ma.array([1]), np.ma.array([2], fill_value=5)).fill_value
    np.int64(5)
    """
    fill = getattr(like, "_fill_value", None)
    if fill is not None:
        store_fill_value(out, np.array(fill, copy=True))
    return out


def store_fill_value(out: np.ma.MaskedArray, stored: Any) -> None:
    """Set the fill value ``out`` stores, as numpy.ma stores it (None: never set, the default).

    >>> x = np.ma.array([1.0], fill_value=5); store_fill_value(x, None); x.fill_value
    np.float64(1e+20)
    """
    vars(out)["_fill_value"] = stored  # numpy.ma's own attribute; its setter would convert


def block_from_source(source: Any, index: tuple[slice, ...], asarray: bool = True) -> np.ndarray:
    """Read one block of any array-like (NumPy, h5py, zarr...). NumPy sources give views; a NumPy
    masked array gives masked views."""
    if isinstance(source, np.ma.MaskedArray):
        return getitem(source, index)
    block = source[index]
    return np.asarray(block) if asarray else block


def copy_into(block: Any, *, out: np.ndarray) -> np.ndarray:
    """Copy ``block`` into ``out`` (a view of a larger result) and return ``out``.

    A block of another shape would be broadcast into place without a word: refuse it instead.
    """
    if np.shape(block) != out.shape:
        raise ValueError(f"a block has shape {np.shape(block)} but its place in the result, "
                         f"by the array's chunks, has shape {out.shape}")
    if block is not out:  # a fused chain may have written its last step here already
        out[...] = block
    return out


def run_then_copy(*args: Any, func: Callable[..., Any], out: np.ndarray) -> np.ndarray:
    """``func(*args)`` copied into ``out``: a task that makes a block and puts it in place.

    A function marked ``writes_out`` (it takes ``out=``, a block of its result's shape and
    dtype, and returns it filled) makes the block in place instead: no block, no copy.

    >>> def fill(value, *, out=None):
    ...     out[...] = value
    ...     return out
    >>> fill.writes_out = True
    >>> run_then_copy(7, func=partial(fill), out=np.zeros(2, dtype=int))
    array([7, 7])
    """
    if getattr(base_func(func), "writes_out", False):
        return copy_into(func(*args, out=out), out=out)
    return copy_into(func(*args), out=out)


def index_output(x: Sequence[Any], i: int) -> Any:
    """Output ``i`` of a multi-output block function (``np.divmod``, ``np.modf``...)."""
    return x[i]


def nest(flat: list[Any], shape: Sequence[int]) -> Any:
    """Nest a flat C-order list into lists of lists with the given lengths.

    >>> nest([1, 2, 3, 4, 5, 6], (2, 3))
    [[1, 2, 3], [4, 5, 6]]
    """
    if len(shape) <= 1:
        return list(flat)
    return [nest(list(part), shape[1:]) for part in partition_all(len(flat) // shape[0], flat)]


def concatenate_nested(nested: Any, axes: Sequence[int]) -> Any:
    """Concatenate a nested list of blocks: the outer list along ``axes[0]``, and so on inwards.

    >>> a = np.ones((1, 2)); concatenate_nested([[a, a], [a, a]], (0, 1)).shape
    (2, 4)

    Blocks may be tuples of arrays (a reduction's intermediate state); each field is concatenated
    on its own.
    """
    if not axes:
        return nested
    axis, inner = axes[0], axes[1:]
    parts = [concatenate_nested(n, inner) for n in nested] if inner else nested
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], tuple):
        return tuple(_concatenate(field, axis) for field in zip(*parts))
    return _concatenate(parts, axis)


def _concatenate(parts: Sequence[Any], axis: int) -> Any:
    # np.concatenate drops masks; numpy.ma's keeps them but resets the fill value, which the
    # pieces of one array share.
    if not any(isinstance(p, np.ma.MaskedArray) for p in parts):
        return np.concatenate(parts, axis=axis)
    out = np.ma.concatenate(parts, axis=axis)
    return keep_fill_value(out, next(p for p in parts if isinstance(p, np.ma.MaskedArray)))


class apply:  # noqa: N801 - used like a function in tasks
    """A block function with literal arguments baked in.

    ``apply(func, n, {1: 2.0})(a, b)`` calls ``func(a, 2.0, b)``: array arguments arrive in order,
    literals sit at their positions. Literals travel inside the callable because a literal tuple
    in a task would read as a key. With ``concat_axes`` set for an argument, that argument arrives
    as a nested list of blocks and is concatenated first.
    """

    __slots__ = ("func", "nargs", "literals", "concat_axes", "kwargs")

    def __init__(
        self,
        func: Callable[..., Any],
        nargs: int,
        literals: dict[int, Any] | None = None,
        concat_axes: dict[int, tuple[int, ...]] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.func = func
        self.nargs = nargs
        self.literals = literals or {}
        self.concat_axes = concat_axes or {}
        self.kwargs = kwargs or {}

    def __call__(self, *blocks: Any, **extra: Any) -> Any:
        it = iter(blocks)
        args = [self.literals[i] if i in self.literals else next(it) for i in range(self.nargs)]
        for i, axes in self.concat_axes.items():
            args[i] = concatenate_nested(args[i], axes)
        return self.func(*args, **self.kwargs, **extra)

    def __reduce__(self) -> tuple[Any, ...]:
        return (apply, (self.func, self.nargs, self.literals, self.concat_axes, self.kwargs))

    def __repr__(self) -> str:
        return f"apply({getattr(self.func, '__name__', self.func)!r})"


# --- creation: blocks made from their shape and global offset -------------------------------------


def full_block(shape: tuple[int, ...], offset: tuple[int, ...], fill_value: Any,
               dtype: np.dtype) -> np.ndarray:
    return np.full(shape, fill_value, dtype=dtype)


def zeros_block(shape: tuple[int, ...], offset: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    # Not ``full(shape, 0)``: NumPy's zeros of a string dtype are empty strings, not "0".
    return np.zeros(shape, dtype=dtype)


def empty_block(shape: tuple[int, ...], offset: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.empty(shape, dtype=dtype)


def arange_block(shape: tuple[int, ...], offset: tuple[int, ...], start: Any, step: Any,
                 dtype: np.dtype) -> np.ndarray:
    (n,), (off,) = shape, offset
    if n == 0:
        return np.empty(0, dtype=dtype)
    # NumPy fills as ``start + i * delta`` with ``delta = (start + step) - start`` computed in the
    # output dtype, and stores element 1 as ``start + step`` itself; do exactly the same. For an
    # integer dtype with float arguments that means both are truncated first
    # (``np.arange(0, -2, -0.5, dtype=int)`` is all zeros), and small integer dtypes wrap as
    # NumPy's do.
    first = np.asarray(start).astype(dtype)
    second = np.asarray(start + step).astype(dtype)
    delta = second - first
    out = np.arange(off, off + n).astype(dtype) * delta + first
    if off <= 1 < off + n:
        out[1 - off] = second
    return out


def linspace_block(shape: tuple[int, ...], offset: tuple[int, ...], start: Any, stop: Any,
                   num: int, endpoint: bool, work_dtype: np.dtype,
                   dtype: np.dtype) -> np.ndarray:
    # The arithmetic of numpy.linspace, one block at a time.
    (n,), (off,) = shape, offset
    div = num - 1 if endpoint else num
    start_, stop_ = np.asarray(start, dtype=work_dtype), np.asarray(stop, dtype=work_dtype)
    delta = stop_ - start_
    y = np.arange(off, off + n, dtype=work_dtype)
    if div > 0:
        step = delta / div
        y = y / div * delta if step == 0 else y * step
    else:
        y = y * delta
    y += start_
    if endpoint and num > 1 and off + n == num:
        y[-1] = stop_
    if dtype.kind in "iu":
        np.floor(y, out=y)
    return y.astype(dtype, copy=False)


def eye_block(shape: tuple[int, ...], offset: tuple[int, ...], k: int,
              dtype: np.dtype) -> np.ndarray:
    (rows, cols), (r0, c0) = shape, offset
    return np.eye(rows, cols, k=k + r0 - c0, dtype=dtype)


# --- wrappers -------------------------------------------------------------------------------------


def base_func(func: Any) -> Any:
    """The function under any ``partial`` or :class:`apply` wrappers."""
    while isinstance(func, (partial, apply)):
        func = func.func
    return func


def is_future(value: Any) -> bool:
    """Whether ``value`` is a ``distributed.Future``, known without importing distributed.

    >>> is_future(3)
    False
    """
    return type(value).__name__ == "Future" and hasattr(value, "key") and hasattr(value, "result")


def fetch(block: Any) -> Any:
    """A persisted block: on a cluster the scheduler hands the future's value, here we wait for it.

    >>> fetch(3)
    3
    """
    return block.result() if is_future(block) else block


class Slices:
    """A tuple of slices carried in a task as a literal (a bare tuple in a task reads as a key).

    >>> Slices((slice(1, 2),)).slices
    (slice(1, 2, None),)
    """

    __slots__ = ("slices",)

    def __init__(self, slices: tuple[slice, ...]) -> None:
        self.slices = slices

    def __reduce__(self) -> tuple[Any, ...]:
        return (Slices, (self.slices,))


def cut_and_concatenate(nested: Any, ndim: int) -> Any:
    """One block from pieces of others: ``nested`` holds ``[block, Slices]`` pairs, nested one
    list level per axis; each block is cut by its slices and the pieces are joined.

    >>> a = np.arange(4)
    >>> cut_and_concatenate([[a, Slices((slice(3, 4),))], [a, Slices((slice(0, 1),))]], 1)
    array([3, 0])
    """
    def cut(n: Any, depth: int) -> Any:
        if depth == ndim:
            block, slices = n
            return block[slices.slices]
        return [cut(x, depth + 1) for x in n]

    return concatenate_nested(cut(nested, 0), tuple(range(ndim)))


def flatten_nested(nested: Any) -> list[Any]:
    """The leaves of a nested list (blocks gathered along contracted axes), in order.

    >>> flatten_nested([[1, [2]], 3])
    [1, 2, 3]
    >>> flatten_nested(4)
    [4]
    """
    out: list[Any] = []
    stack = [nested]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def storage_chunks(block: np.ndarray, region: tuple[slice, ...], unit: tuple[int, ...],
                   fill: Any) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """The storage chunks (of shape ``unit``) that ``block``, placed at ``region`` of the array,
    covers whole: each chunk's coordinates in the chunk grid and its values, C-contiguous. A
    chunk at the array's end is padded with ``fill`` to the whole chunk shape, as zarr and HDF5
    store edge chunks.

    >>> [(c, v.tolist()) for c, v in storage_chunks(np.arange(5), (slice(4, 9),), (4,), -1)]
    [((1,), [0, 1, 2, 3]), ((2,), [4, -1, -1, -1])]
    """
    ranges = [range(s.start // u, -(-s.stop // u)) for s, u in zip(region, unit)]
    for coords in product(*ranges):
        inner = tuple(slice(c * u - s.start, min((c + 1) * u, s.stop) - s.start)
                      for c, u, s in zip(coords, unit, region))
        values = block[inner]
        if values.shape != unit:  # an edge chunk: stored whole, filled past the array's end
            whole = np.full(unit, fill, dtype=block.dtype)
            whole[tuple(slice(0, n) for n in values.shape)] = values
            values = whole
        yield coords, np.ascontiguousarray(values)
