"""The exact methods of :mod:`chunkarray.random`: NumPy's own values for ``Generator(Philox)``.

An :class:`ExactStream` knows where a Generator's next ``random`` / ``integers`` call starts in
``Philox(key)``'s stream of 64-bit words, as NumPy's Philox would after the same calls. While
every call so far took a number of draws its shape gives, that place is two integers. An
``integers`` call over a range that is not a power of two rejects (and redraws) some draws, so
how far it moves the stream depends on its values: from then on the place is a small array (a
*state delta*) computed with them, which later exact calls read as an input of each block.
See :mod:`chunkarray.kernels.random_exact` for the counting of rejections.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core.chunks import Chunks, normalize_chunks
from chunkarray.core.grid import ChunkGrid
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import random_exact as kernels
from chunkarray.primitives.blockwise import blockwise_node, with_block_kwargs
from chunkarray.primitives.sources import BlockFunction

__all__ = ["ExactStream", "integer_bits"]

# Segments counted per task: 2**22 draws, a fraction of a second.
_SEGMENTS_PER_TASK = 1024
_STATE_CHUNKS = ((3,),)


def integer_bits(dtype: np.dtype, rng: int) -> int:
    """The width of NumPy's draws for ``integers`` of ``dtype`` over ``rng + 1`` values.

    >>> integer_bits(np.dtype(np.int64), 10), integer_bits(np.dtype(np.uint8), 10)
    (32, 8)
    """
    if dtype.kind == "b":
        return 1
    bits = 8 * dtype.itemsize
    return 32 if bits == 64 and rng <= 0xFFFFFFFF else bits  # a 64-bit range in 32 bits


class ExactStream:
    """Where the next exact call of a Generator starts in ``Philox(key)``'s stream.

    >>> stream = ExactStream((1, 2), 0)
    >>> stream.random((3,), ((2, 1),), np.dtype(np.float64)).chunks
    ((2, 1),)
    >>> stream.position
    3
    """

    def __init__(self, key: tuple[int, int], position: int) -> None:
        self.key = key
        # The next 64-bit word; once ``delta`` is set, the anchor the delta counts from.
        self.position = position
        self.pending = -1  # the word whose high half the next 32-bit draw takes, if any
        self.delta: ChunkedArray | None = None

    def _spec(self) -> dict[str, Any]:
        return {"key": self.key, "start": self.position, "pending": self.pending}

    def _inputs(self) -> list[ChunkedArray]:
        return [] if self.delta is None else [self.delta]

    def _advance(self, words: int = 0, units32: int = 0) -> None:
        if self.delta is None:
            self.position, self.pending = kernels.consume32(self.position + words, self.pending,
                                                            units32)
        elif words or units32:
            self.delta = _build(kernels.shift_state, "random_state", _STATE_CHUNKS, np.int64,
                                [self.delta], spec=self._spec(), words=words, units32=units32)

    def random(self, shape: tuple[int, ...], chunks: Chunks, dtype: np.dtype) -> ChunkedArray:
        """``random(shape, dtype)``: one 64-bit draw per float64, one 32-bit per float32."""
        spec = {**self._spec(), "dtype": dtype.name}
        result = _build(kernels.exact_block, "random", chunks, dtype, self._inputs(),
                        full=shape, dtype=dtype, method="random", spec=spec)
        n = math.prod(shape)
        if dtype == np.float64:
            self._advance(words=n)
        else:
            self._advance(units32=n)
        return result

    def integers(self, low: int, rng: int, shape: tuple[int, ...], chunks: Chunks,
                 dtype: np.dtype) -> ChunkedArray:
        """Integers in ``[low, low + rng]`` of ``dtype`` (validated by the caller)."""
        bits = integer_bits(dtype, rng)
        spec = {**self._spec(), "bits": bits, "rng": rng, "low": low, "dtype": dtype.name}
        n = math.prod(shape)
        rate = kernels.rejection_rate(spec)
        if rate == 0 or n == 0:
            result = _build(kernels.exact_block, "integers", chunks, dtype, self._inputs(),
                            full=shape, dtype=dtype, method="integers", spec=spec)
            if rng == 0:
                return result  # NumPy draws nothing for a single value
            if bits == 64:
                self._advance(words=n)
            else:
                self._advance(units32=-(-n // (32 // bits)))
            return result
        # Enough segments for n accepted draws but in a run of rejections far beyond chance
        # (12 standard deviations); past them blocks walk on from the last segment.
        expected = (n + 12 * math.sqrt(n * rate) + 64) / (1 - rate)
        segments = -(-int(expected) // kernels.SEGMENT)
        counts = _build(kernels.count_block, "integers_counts",
                        normalize_chunks((_SEGMENTS_PER_TASK,), (segments,)), np.int64,
                        self._inputs(), spec=spec)
        inputs = [counts, *self._inputs()]
        result = _build(kernels.integers_block, "integers", chunks, dtype, inputs,
                        full=shape, dtype=dtype, spec=spec)
        self.delta = _build(kernels.state_after, "random_state", _STATE_CHUNKS, np.int64,
                            inputs, spec=spec, n=n)
        self.pending = -1  # the delta holds it now
        return result


def _build(kernel: Callable[..., Any], label: str, chunks: Chunks, dtype: Any,
           inputs: list[ChunkedArray], /, **kwargs: Any) -> ChunkedArray:
    """Blocks ``kernel(*inputs, shape=, offset=, **kwargs)``, each input given whole.

    Without inputs, a :class:`BlockFunction` (fusable with what reads it); with them (small
    arrays: counts, state deltas), a blockwise node that reads all their blocks per block.
    """
    name = f"random_{label}-" + tokenize(label, chunks, np.dtype(dtype), kwargs,
                                         [a.name for a in inputs])
    if not inputs:
        return ChunkedArray(BlockFunction(name, kernel, chunks, dtype, kwargs))
    out_ind = tuple(f"out{d}" for d in range(len(chunks)))
    pairs: list[Any] = []
    for i, a in enumerate(inputs):
        pairs += [a._node, tuple(f"in{i}.{d}" for d in range(a.ndim))]
    node = blockwise_node(partial(kernel, **kwargs), out_ind, *pairs, dtype=np.dtype(dtype),
                          name=name, new_axes=dict(zip(out_ind, chunks)), concatenate=True)
    return ChunkedArray(with_block_kwargs(node, _placer))


def _placer(node: Any) -> Callable[[tuple[int, ...]], dict[str, Any]]:
    return partial(_place, grid=ChunkGrid.from_chunks(node.chunks))


def _place(index: tuple[int, ...], *, grid: ChunkGrid) -> dict[str, Any]:
    return {"shape": grid.block_shape(index), "offset": grid.block_offset(index)}
