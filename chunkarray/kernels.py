"""Plain NumPy functions that run inside tasks. They know nothing of graphs or chunks.

Every function here takes blocks (NumPy arrays, or nested lists of them) and returns a block. Task
functions must be importable on other machines, so everything a task calls lives at module level.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

__all__ = [
    "apply",
    "concatenate_nested",
    "getitem",
    "identity",
    "index_output",
    "block_from_source",
]


def identity(x: Any) -> Any:
    """Return the input: the task of a node that only renames blocks."""
    return x


def getitem(x: Any, index: Any) -> Any:
    """``x[index]``, with the index as a keyword so a task can carry it inside a partial."""
    return x[index]


def block_from_source(source: Any, index: tuple[slice, ...], asarray: bool = True) -> np.ndarray:
    """Read one block of any array-like (NumPy, h5py, zarr...). NumPy sources give views."""
    block = source[index]
    return np.asarray(block) if asarray else block


def index_output(x: Sequence[Any], i: int) -> Any:
    """Output ``i`` of a multi-output block function (``np.divmod``, ``np.modf``...)."""
    return x[i]


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
    parts = [concatenate_nested(n, inner) for n in nested]
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(field, axis=axis) for field in zip(*parts))
    return np.concatenate(parts, axis=axis)


class apply:  # noqa: N801 - used like a function in tasks
    """A block function with literal arguments baked in.

    ``apply(func, n, {1: 2.0})(a, b)`` calls ``func(a, 2.0, b)``: array arguments arrive in order,
    literals sit at their positions. Literals travel inside the callable because a literal tuple
    in a task would read as a key. With ``concat_axes`` set for an argument, that argument arrives as
    a nested list of blocks and is concatenated first.
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


# --- creation: blocks made from their shape and global offset ---------------------------------------


def full_block(shape: tuple[int, ...], offset: tuple[int, ...], fill_value: Any,
               dtype: np.dtype) -> np.ndarray:
    return np.full(shape, fill_value, dtype=dtype)


def empty_block(shape: tuple[int, ...], offset: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.empty(shape, dtype=dtype)


def arange_block(shape: tuple[int, ...], offset: tuple[int, ...], start: Any, step: Any,
                 dtype: np.dtype) -> np.ndarray:
    (n,), (off,) = shape, offset
    if dtype.kind in "iu" and all(isinstance(v, (int, np.integer)) for v in (start, step)):
        return np.arange(start + off * step, start + (off + n) * step, step, dtype=dtype)
    # NumPy fills as ``start + i * delta`` with ``delta = (start + step) - start`` computed in the
    # output dtype, and stores element 1 as ``start + step`` itself; do exactly the same. For an
    # integer dtype with float arguments that means both are truncated first:
    # ``np.arange(0, -2, -0.5, dtype=int)`` is all zeros.
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


# --- fused programs ----------------------------------------------------------------------------------

READ, ELEMENTWISE, OTHER = 0, 1, 2
# Rows of a piece hold about this much per array: the few arrays a chain touches per piece stay in
# cache (L3 here), while the Python cost of one piece stays small beside its arithmetic.
_PIECE_BYTES = 2 * 2**20


def _piece_rows(operands: list[Any]) -> int:
    """Rows per piece along axis 0, or 0 when the block is small enough to run whole."""
    arrays = [a for a in operands if isinstance(a, np.ndarray) and a.ndim]
    if not arrays:
        return 0
    ndim = max(a.ndim for a in arrays)
    big = max((a for a in arrays if a.ndim == ndim), key=lambda a: a.nbytes)
    if big.nbytes <= 4 * _PIECE_BYTES or big.shape[0] < 2:
        return 0
    return max(_PIECE_BYTES * big.shape[0] // big.nbytes, 1)


def base_func(func: Any) -> Any:
    """The function under any ``partial`` or :class:`apply` wrappers."""
    while isinstance(func, (partial, apply)):
        func = func.func
    return func


class Program:
    """A chain of block functions fused into one task: ``steps`` run in order on the task's inputs.

    Each step is ``(func, refs, kind, dtype)``; a ref ``r >= 0`` is the result of step ``r`` and
    ``r < 0`` is input ``-1 - r``. Results are dropped after their last use; a ufunc step writes
    into a temporary of an earlier step that nothing reads later (``out=``), so a chain allocates
    one block, not one per step. When every step is a read or elementwise (the last may instead be a
    reduction's chunk step with ``combine``), a large block runs in pieces of rows that fit in
    cache, so intermediate values never travel to memory.
    """

    __slots__ = ("steps", "out", "pieces_ok", "combine")

    def __init__(self, steps: tuple[tuple[Any, tuple[int, ...], int, Any], ...], out: int,
                 pieces_ok: bool, combine: Callable[..., Any] | None) -> None:
        self.steps = steps
        self.out = out
        self.pieces_ok = pieces_ok
        self.combine = combine

    def __reduce__(self) -> tuple[Any, ...]:
        return (Program, (self.steps, self.out, self.pieces_ok, self.combine))

    def __repr__(self) -> str:
        names = [getattr(base_func(f), "__name__", type(f).__name__) for f, *_ in self.steps]
        return f"Program({' -> '.join(names)})"

    def __call__(self, *inputs: Any) -> Any:
        values: list[Any] = [None] * len(self.steps)
        for i, (func, refs, kind, _) in enumerate(self.steps):
            if kind == READ:
                values[i] = func(*[inputs[-1 - r] if r < 0 else values[r] for r in refs])
        if self.pieces_ok:
            operands = [values[i] for i, step in enumerate(self.steps) if step[2] == READ]
            operands += [inputs[-1 - r] for _, refs, kind, _ in self.steps if kind != READ
                         for r in refs if r < 0]
            rows = _piece_rows(operands)
            if rows:
                return self._run_in_pieces(inputs, values, operands, rows)
        return self._run_whole(inputs, values)

    def _last_uses(self) -> list[int]:
        last = list(range(len(self.steps)))
        for i, (_, refs, _, _) in enumerate(self.steps):
            for r in refs:
                if r >= 0:
                    last[r] = i
        return last

    def _run_whole(self, inputs: tuple[Any, ...], values: list[Any]) -> Any:
        last = self._last_uses()
        owned = [False] * len(self.steps)  # results this program allocated and may overwrite
        for i, (func, refs, kind, dtype) in enumerate(self.steps):
            if kind == READ:
                continue
            args = [inputs[-1 - r] if r < 0 else values[r] for r in refs]
            out = None
            if kind == ELEMENTWISE and isinstance(base_func(func), np.ufunc):
                shape = np.broadcast_shapes(*(np.shape(a) for a in args))
                for r in refs:
                    v = values[r] if r >= 0 else None
                    if (r >= 0 and owned[r] and last[r] == i and v.shape == shape
                            and v.dtype == dtype):
                        out = v
                        break
            values[i] = func(*args) if out is None else func(*args, out=out)
            owned[i] = kind == ELEMENTWISE and type(values[i]) is np.ndarray \
                and (out is not None or values[i].base is None)
            for r in refs:
                if r >= 0 and last[r] == i and r != self.out:
                    values[r] = None
        return values[self.out]

    def _run_in_pieces(self, inputs: tuple[Any, ...], values: list[Any], operands: list[Any],
                       rows: int) -> Any:
        arrays = [a for a in operands if isinstance(a, np.ndarray) and a.ndim]
        ndim = max(a.ndim for a in arrays)
        n = max(a.shape[0] for a in arrays if a.ndim == ndim)

        def piece(a: Any, lo: int, hi: int) -> Any:
            full = isinstance(a, np.ndarray) and a.ndim == ndim and a.shape[0] == n
            return a[lo:hi] if full else a

        out_dtype = self.steps[self.out][3]
        reduces = self.steps[self.out][2] != ELEMENTWISE
        result: np.ndarray | None = None
        partials: list[Any] = []
        buffers: dict[int, np.ndarray] = {}  # one piece-sized buffer per step, reused every piece
        for lo in range(0, n, rows):
            hi = min(lo + rows, n)
            local: list[Any] = [piece(v, lo, hi) for v in values]
            for i, (func, refs, kind, dtype) in enumerate(self.steps):
                if kind == READ:
                    continue
                args = [piece(inputs[-1 - r], lo, hi) if r < 0 else local[r] for r in refs]
                shape = np.broadcast_shapes(*(np.shape(a) for a in args)) \
                    if kind == ELEMENTWISE else None
                if shape is None or not isinstance(base_func(func), np.ufunc) \
                        or shape[:1] != (hi - lo,):
                    local[i] = func(*args)
                    continue
                if i == self.out:  # the last step writes straight into the output block
                    if result is None:
                        result = np.empty((n, *shape[1:]), dtype=dtype)
                    local[i] = func(*args, out=result[lo:hi])
                    continue
                buf = buffers.get(i)
                if buf is None or buf.shape[1:] != shape[1:]:
                    buf = buffers[i] = np.empty((rows, *shape[1:]), dtype=dtype)
                local[i] = func(*args, out=buf[:hi - lo])
            if reduces:
                partials.append(local[self.out])
                continue
            value = local[self.out]
            if result is None:
                result = np.empty((n, *np.shape(value)[1:]), dtype=out_dtype)
            if not np.shares_memory(value, result):
                result[lo:hi] = value
        if reduces:
            assert self.combine is not None
            return self.combine(partials)
        return result
