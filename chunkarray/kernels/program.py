"""Fused per-block programs: a chain of block functions run as one task (plain NumPy, no graphs).

A :class:`Plan` is the part shared by every block of a fused node: which step reads which, what
kind each step is, when each result is last used. A :class:`Program` is a plan plus the step
functions of one block (reads carry that block's slices). Calling it runs the chain:

- results are dropped after their last use, and a ufunc step writes into a temporary of an earlier
  step that nothing reads later (``out=``), so a chain allocates one block, not one per step;
- when every step is a read or elementwise (the last may instead be a reduction's chunk step that
  says how to merge results of pieces), a large block runs in pieces of rows that fit in cache, so
  intermediate values never travel to memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import numpy as np

from chunkarray.kernels.blocks import base_func

__all__ = ["ELEMENTWISE", "OTHER", "READ", "Plan", "Program"]

READ, ELEMENTWISE, OTHER = 0, 1, 2

# Rows of a piece hold about this much per array: the few arrays a chain touches per piece stay in
# cache (L3 here), while the Python cost of one piece stays small beside its arithmetic.
PIECE_BYTES = 2 * 2**20

# Blocks up to this size run a chain with plain calls: in-place buffers and pieces save memory
# traffic on large blocks, and cost more than they save on small ones.
SMALL_BYTES = 2**16


@dataclass(frozen=True)
class Plan:
    """The block-independent part of a fused program.

    ``refs[i]`` are the arguments of step ``i``: ``r >= 0`` is the result of step ``r``, ``r < 0``
    is task input ``-1 - r``. ``combine`` merges the last step's per-piece results, when it is not
    elementwise.
    """

    refs: tuple[tuple[int, ...], ...]
    kinds: tuple[int, ...]
    dtypes: tuple[np.dtype, ...]
    out: int
    combine: Callable[[list[Any]], Any] | None = None
    ufunc: tuple[bool, ...] = ()
    sink: bool = False  # the last step copies into a view of a result (``kernels.copy_into``)
    masked: bool = False  # some step takes or makes masked blocks: no ``out=``, no pieces
    last_use: tuple[int, ...] = field(init=False)
    pieces_ok: bool = field(init=False)
    reads: tuple[int, ...] = field(init=False)
    piece_inputs: tuple[int, ...] = field(init=False)  # task inputs the non-read steps take
    chain: bool = field(init=False)  # a read, then steps that each take only the step before

    def __post_init__(self) -> None:
        last = list(range(len(self.refs)))
        for i, refs in enumerate(self.refs):
            for r in refs:
                if r >= 0:
                    last[r] = i
        object.__setattr__(self, "last_use", tuple(last))
        others = [i for i, k in enumerate(self.kinds) if k == OTHER]
        if self.masked:  # a ufunc writing into a plain buffer would drop the mask
            ok = False
        elif self.sink:  # pieces of the step before the sink go straight into the result
            ok = others == [self.out]
        else:
            ok = not others or (others == [self.out] and self.combine is not None)
        object.__setattr__(self, "pieces_ok", ok)
        object.__setattr__(self, "reads", tuple(i for i, k in enumerate(self.kinds) if k == READ))
        taken = {-1 - r for i, refs in enumerate(self.refs) if self.kinds[i] != READ
                 for r in refs if r < 0}
        object.__setattr__(self, "piece_inputs", tuple(sorted(taken)))
        # A chain's read takes every task input, in order, and each later step only the result
        # of the step before: ``funcs[0](*inputs)``, then one call after another.
        first = self.refs[0] if self.refs else ()
        chain = len(self.kinds) > 1 and self.kinds[0] == READ and self.out == len(self.refs) - 1 \
            and first == tuple(range(-1, -1 - len(first), -1)) \
            and all(refs == (i,) for i, refs in enumerate(self.refs[1:]))
        object.__setattr__(self, "chain", chain)


class Program:
    """One block's fused chain: call it with the task's input blocks."""

    __slots__ = ("plan", "funcs")

    def __init__(self, plan: Plan, funcs: tuple[Callable[..., Any], ...]) -> None:
        self.plan = plan
        self.funcs = funcs

    def __reduce__(self) -> tuple[Any, ...]:
        return (Program, (self.plan, self.funcs))

    def __repr__(self) -> str:
        names = [getattr(base_func(f), "__name__", type(f).__name__) for f in self.funcs]
        return f"Program({' -> '.join(names)})"

    def __call__(self, *inputs: Any) -> Any:
        plan, funcs = self.plan, self.funcs
        if plan.chain:  # the common case, with a shortcut for small blocks
            value = funcs[0](*inputs)
            if getattr(value, "nbytes", 0) <= SMALL_BYTES:
                for func in funcs[1:]:
                    value = func(value)
                return value
            values: list[Any] = [value] + [None] * (len(funcs) - 1)
        else:
            values = [None] * len(funcs)
            for i in plan.reads:
                values[i] = funcs[i](*[inputs[-1 - r] if r < 0 else values[r]
                                       for r in plan.refs[i]])
        if plan.pieces_ok:
            operands = self._operands(inputs, values)
            rows = _piece_rows(operands)
            if rows and plan.chain and self._scalar_ufunc_chain():
                return self._run_chain_in_pieces(values[0], rows)
            if rows:
                return self._run_in_pieces(inputs, values, operands, rows)
        if plan.masked or not any(plan.ufunc):  # nothing to run in place: the steps in order
            for i, refs in enumerate(plan.refs):
                if plan.kinds[i] != READ:
                    values[i] = funcs[i](*[inputs[-1 - r] if r < 0 else values[r] for r in refs])
            return values[plan.out]
        return self._run_whole(inputs, values)

    def _last_step(self) -> int:
        """The last step that computes: the one before the sink's copy, if there is a sink."""
        return self.plan.out - 1 if self.plan.sink else self.plan.out

    def _reduces(self) -> bool:
        return not self.plan.sink and self.plan.kinds[self.plan.out] != ELEMENTWISE

    def _scalar_ufunc_chain(self) -> bool:
        """Whether the steps between the read and the last are ufuncs of the previous step's
        result and scalars only: the chain :meth:`_run_chain_in_pieces` runs."""
        plan = self.plan
        stop = self._last_step() + (0 if self._reduces() else 1)
        return all(
            plan.ufunc[i] and all(np.ndim(v) == 0 for v in getattr(self.funcs[i], "literals",
                                                                      {}).values())
            for i in range(1, stop)
        )

    def _run_chain_in_pieces(self, block: np.ndarray, rows: int) -> Any:
        """The common chain, piece by piece with as little Python per piece as possible.

        A read, ufuncs each of the step before (and scalars), then a reduction's chunk step or
        nothing. Each piece goes through the ufuncs in one buffer per dtype, small enough to
        stay in cache, and the last ufunc writes straight into the result (or the sink's view).
        """
        plan, funcs = self.plan, self.funcs
        sink, _ = self._sink()
        reduces = self._reduces()
        last = self._last_step()
        steps = [(funcs[i], plan.dtypes[i]) for i in range(1, last + (0 if reduces else 1))]
        chunk = funcs[last] if reduces else None
        n, tail = block.shape[0], block.shape[1:]
        result = sink
        if result is None and not reduces:
            result = np.empty(block.shape, dtype=plan.dtypes[last])
        buffers: dict[np.dtype, np.ndarray] = {}
        partials: list[Any] = []
        final = len(steps) - 1
        for lo in range(0, n, rows):
            hi = min(lo + rows, n)
            value = block[lo:hi]
            for k, (func, dtype) in enumerate(steps):
                if k == final and result is not None:
                    value = func(value, out=result[lo:hi])
                    continue
                buf = buffers.get(dtype)
                if buf is None:
                    buf = buffers[dtype] = np.empty((rows, *tail), dtype=dtype)
                value = func(value, out=buf[:hi - lo])
            if chunk is not None:
                partials.append(chunk(value))
            elif not steps:
                result[lo:hi] = value  # type: ignore[index]
        if chunk is not None:
            assert plan.combine is not None
            return plan.combine(partials)
        return result

    def _sink(self) -> tuple[np.ndarray | None, int]:
        """The view a sink step copies into, and the step it copies; ``(None, -1)`` if none."""
        plan = self.plan
        if not plan.sink:
            return None, -1
        # A sink's step is partial(copy_into, out=view) (see chunkarray.primitives.sinks).
        sink = cast("partial[Any]", self.funcs[plan.out])
        return sink.keywords["out"], plan.refs[plan.out][0]

    def _operands(self, inputs: tuple[Any, ...], values: list[Any]) -> list[Any]:
        """The arrays the non-read steps work on: read results and the inputs they take."""
        plan = self.plan
        return [values[i] for i in plan.reads] + [inputs[i] for i in plan.piece_inputs]

    def _run_whole(self, inputs: tuple[Any, ...], values: list[Any]) -> Any:
        plan, funcs = self.plan, self.funcs
        last, out_step = plan.last_use, plan.out
        owned = [False] * len(funcs)  # results this program allocated and may overwrite
        sink, feeds = self._sink()
        for i, refs in enumerate(plan.refs):
            if plan.kinds[i] == READ:
                continue
            args = [inputs[-1 - r] if r < 0 else values[r] for r in refs]
            target = None
            if i == feeds and sink is not None and plan.ufunc[i] and sink.dtype == plan.dtypes[i] \
                    and np.broadcast_shapes(*(np.shape(a) for a in args)) == sink.shape:
                target = sink  # the sink's copy then has nothing to do
            elif plan.ufunc[i]:
                candidates = [r for r in refs if r >= 0 and owned[r] and last[r] == i]
                if candidates:
                    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
                    for r in candidates:
                        if values[r].shape == shape and values[r].dtype == plan.dtypes[i]:
                            target = values[r]
                            break
            values[i] = funcs[i](*args) if target is None else funcs[i](*args, out=target)
            owned[i] = plan.kinds[i] == ELEMENTWISE and type(values[i]) is np.ndarray and (
                target is not None or values[i].base is None)
            for r in refs:
                if r >= 0 and last[r] == i and r != out_step:
                    values[r] = None
        return values[out_step]

    def _run_in_pieces(self, inputs: tuple[Any, ...], values: list[Any], operands: list[Any],
                       rows: int) -> Any:
        plan, funcs = self.plan, self.funcs
        arrays = [a for a in operands if isinstance(a, np.ndarray) and a.ndim]
        ndim = max(a.ndim for a in arrays)
        n = max(a.shape[0] for a in arrays if a.ndim == ndim)

        def piece(a: Any, lo: int, hi: int) -> Any:
            full = isinstance(a, np.ndarray) and a.ndim == ndim and a.shape[0] == n
            return a[lo:hi] if full else a

        sink, last = self._sink()
        reduces = plan.kinds[plan.out] != ELEMENTWISE and sink is None
        if sink is None:
            last = plan.out
        result: np.ndarray | None = sink
        partials: list[Any] = []
        buffers: dict[int, np.ndarray] = {}  # one piece-sized buffer per step, reused every piece
        for lo in range(0, n, rows):
            hi = min(lo + rows, n)
            local: list[Any] = [piece(v, lo, hi) for v in values]
            for i, refs in enumerate(plan.refs):
                if plan.kinds[i] == READ or i > last:  # a sink's copy is made by ``last``
                    continue
                args = [piece(inputs[-1 - r], lo, hi) if r < 0 else local[r] for r in refs]
                shape = np.broadcast_shapes(*(np.shape(a) for a in args)) if plan.ufunc[i] \
                    else None
                if shape is None or shape[:1] != (hi - lo,):
                    local[i] = funcs[i](*args)
                    continue
                if i == last:  # the last step writes straight into the output block
                    if result is None:
                        result = np.empty((n, *shape[1:]), dtype=plan.dtypes[i])
                    local[i] = funcs[i](*args, out=result[lo:hi])
                    continue
                buf = buffers.get(i)
                if buf is None or buf.shape[1:] != shape[1:]:
                    buf = buffers[i] = np.empty((rows, *shape[1:]), dtype=plan.dtypes[i])
                local[i] = funcs[i](*args, out=buf[:hi - lo])
            if reduces:
                partials.append(local[plan.out])
                continue
            value = local[last]
            if result is None:
                result = np.empty((n, *np.shape(value)[1:]), dtype=plan.dtypes[last])
            if not np.shares_memory(value, result):
                result[lo:hi] = value
        if reduces:
            assert plan.combine is not None
            return plan.combine(partials)
        return result


def _piece_rows(operands: list[Any]) -> int:
    """Rows per piece along axis 0, or 0 when the block is small enough to run whole."""
    big = None
    for a in operands:
        if isinstance(a, np.ndarray) and a.ndim and (big is None or a.ndim > big.ndim or (
                a.ndim == big.ndim and a.nbytes > big.nbytes)):
            big = a
    if big is None or big.nbytes <= 4 * PIECE_BYTES or big.shape[0] < 2:
        return 0
    return max(PIECE_BYTES * big.shape[0] // big.nbytes, 1)
