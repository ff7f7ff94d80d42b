"""Block kernels of :mod:`chunkarray.random`: a block's values from its elements' positions.

Every value is a function of the key (from the seed), the call's stream and the element's flat
position in C order of the whole array, never of the block it lands in:

- *Exact* methods (``random``, ``integers``) reproduce ``numpy.random.Generator(Philox(key))``
  exactly: see :mod:`chunkarray.kernels.random_exact`.
- *Tiled* methods (every distribution whose draws per element vary) split the flat positions
  into tiles of :data:`TILE` elements; tile ``t`` of call ``c`` draws with NumPy's own method from
  a ``PCG64DXSM`` stream of its own (state from a keyed hash of the key, ``c`` and ``t``), and a
  block is cut from the tiles it overlaps, drawing only the prefix of a tile it needs.

A block is a set of *runs* of consecutive flat positions (one per row of its leading axes).
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["TILE", "assemble", "flat_runs", "permuted_block", "philox", "tiled_block",
           "tiled_flat_block"]

TILE = 2**16

# Writes the values at flat positions ``first, first + 1, ...`` into all of ``dest``.
Fill = Callable[[int, np.ndarray], None]


def philox(key: tuple[int, int], counter: tuple[int, int, int, int] = (0, 0, 0, 0)
           ) -> np.random.Philox:
    """NumPy's Philox bit generator with this key and counter."""
    return np.random.Philox(key=np.array(key, dtype=np.uint64),
                            counter=np.array(counter, dtype=np.uint64))


def flat_runs(shape: tuple[int, ...], offset: tuple[int, ...], full: tuple[int, ...]
              ) -> tuple[np.ndarray, int]:
    """The flat C-order positions of a block: starts of its runs, and their common length.

    >>> flat_runs((2, 2), (1, 1), (3, 4))
    (array([5, 9]), 2)
    """
    axis = len(full)
    while axis > 0 and shape[axis - 1] == full[axis - 1]:
        axis -= 1  # trailing axes the block spans whole merge into its runs
    inner = math.prod(full[axis:])
    if axis == 0:
        return np.zeros(1, dtype=np.int64), inner
    strides = [math.prod(full[d + 1:]) for d in range(len(full))]
    run = axis - 1
    starts = np.zeros((), dtype=np.int64) + offset[run] * strides[run]
    for d in range(run):
        starts = np.add.outer(starts, (offset[d] + np.arange(shape[d])) * strides[d])
    return np.asarray(starts, dtype=np.int64).reshape(-1), shape[run] * inner


def assemble(fill: Fill, shape: tuple[int, ...], offset: tuple[int, ...],
             full: tuple[int, ...], event: tuple[int, ...], dtype: Any) -> np.ndarray:
    """The block of ``shape`` at ``offset`` in an array ``full`` (each element of shape ``event``).

    ``fill(first, dest)`` writes the values at flat positions ``first, first + 1, ...``; it is
    called with increasing ``first``, once per run (or once for the span of close runs).
    """
    size = math.prod(shape)
    out = np.empty((size, *event), dtype=dtype)
    if size == 0:
        return out.reshape(shape + event)
    starts, length = flat_runs(shape, offset, full)
    span = int(starts[-1]) + length - int(starts[0])
    if len(starts) == 1:
        fill(int(starts[0]), out)
    elif span <= 2 * size + 4096:
        # Runs close together: one draw of the span is cheaper than one per run.
        values = np.empty((span, *event), dtype=dtype)
        fill(int(starts[0]), values)
        picks = ((starts - starts[0])[:, None] + np.arange(length)).reshape(-1)
        np.take(values, picks, axis=0, out=out)
    else:
        rows = out.reshape(len(starts), length, *event)
        for i, start in enumerate(starts.tolist()):
            fill(start, rows[i])
    return out.reshape(shape + event)


# --- tiled methods: an independent stream per tile of positions ---

# Methods NumPy can draw straight into an output array (``out=``).
_FILLS = ("random", "standard_normal", "standard_exponential", "standard_gamma")
# Methods whose first k values do not depend on how many are drawn (each element draws in turn),
# so a block needing the start of a tile draws just that prefix. ``multivariate_normal``
# transforms the whole draw with a matrix product, whose rounding may depend on its size.
_WHOLE_TILES = ("multivariate_normal",)


def tile_state(key: tuple[int, int], stream: int, tile: int) -> dict[str, Any]:
    """The ``PCG64DXSM`` state that starts tile ``tile`` of call ``stream``.

    A keyed hash of (key, call, tile) gives the 128-bit state and (odd) increment: as good as
    ``SeedSequence`` for independent streams, and a few microseconds instead of tens, which is
    what lets tiles be small. PCG64DXSM is NumPy's generator for many parallel streams.

    >>> tile_state((1, 2), 3, 4)["state"]["inc"] % 2
    1
    """
    digest = hashlib.blake2b(struct.pack("<4Q", key[0], key[1], stream, tile),
                             digest_size=32, person=b"chunkarray-tile").digest()
    return {"bit_generator": "PCG64DXSM",
            "state": {"state": int.from_bytes(digest[:16], "little"),
                      "inc": int.from_bytes(digest[16:], "little") | 1},
            "has_uint32": 0, "uinteger": 0}


class _Tiles:
    """Values at flat positions, drawn tile by tile; the tile drawn last is kept for the next run.

    ``params`` may hold arrays of per-element parameters over the flat positions from ``base``
    (a block of a flat array with whole tiles), or scalars.
    """

    def __init__(self, key: tuple[int, int], stream: int, method: str, total: int,
                 kwargs: dict[str, Any], params: dict[str, Any] | None = None, base: int = 0
                 ) -> None:
        self.key, self.stream, self.method, self.total = key, stream, method, total
        self.kwargs, self.params, self.base = kwargs, params or {}, base
        self.bits = np.random.PCG64DXSM(0)
        self.gen = np.random.Generator(self.bits)
        self.index, self.values = -1, np.zeros(0)

    def _draw(self, t: int, n: int, out: np.ndarray | None = None) -> np.ndarray:
        """The first ``n`` values of tile ``t`` (into ``out`` if given)."""
        self.bits.state = tile_state(self.key, self.stream, t)  # type: ignore[assignment]
        lo = t * TILE - self.base
        params = {k: v[lo:lo + n] if isinstance(v, np.ndarray) and v.ndim else v
                  for k, v in self.params.items()}
        draw = getattr(self.gen, self.method)
        if out is not None:
            return draw(**params, **self.kwargs, out=out)  # type: ignore[no-any-return]
        return draw(**params, **self.kwargs, size=n)  # type: ignore[no-any-return]

    def _prefix(self, t: int, need: int) -> np.ndarray:
        """At least the first ``need`` values of tile ``t``."""
        if t != self.index or len(self.values) < need:
            size = min(TILE, self.total - t * TILE)
            if self.method not in _WHOLE_TILES:
                # Growing geometrically keeps the runs of one block linear in the tile's size.
                size = min(size, max(need, 2 * len(self.values) if t == self.index else 0))
            self.values = self._draw(t, size)
            self.index = t
        return self.values

    def __call__(self, first: int, dest: np.ndarray) -> None:
        done, n = 0, len(dest)
        while done < n:
            t, within = divmod(first + done, TILE)
            take = min(n - done, min(TILE, self.total - t * TILE) - within)
            if within == 0 and self.method in _FILLS:
                self._draw(t, take, out=dest[done:done + take])  # straight into the block
            else:
                dest[done:done + take] = self._prefix(t, within + take)[within:within + take]
            done += take


def tiled_block(*, shape: tuple[int, ...], offset: tuple[int, ...], dtype: Any,
                full: tuple[int, ...], event: tuple[int, ...], key: tuple[int, int],
                stream: int, method: str, kwargs: dict[str, Any]) -> np.ndarray:
    """A block of a tiled method with scalar parameters."""
    tiles = _Tiles(key, stream, method, math.prod(full), kwargs)
    return assemble(tiles, shape, offset, full, event, dtype)


def tiled_flat_block(*arrays: np.ndarray, names: tuple[str, ...], total: int,
                     key: tuple[int, int], stream: int, method: str, kwargs: dict[str, Any],
                     block_info: dict[Any, Any]) -> np.ndarray:
    """A block of a flat (1-d) array with whole tiles, its parameters given per element."""
    start, stop = block_info[None]["array-location"][0]
    tiles = _Tiles(key, stream, method, total, kwargs, dict(zip(names, arrays)), base=start)
    out = np.empty(stop - start, dtype=block_info[None]["dtype"])
    tiles(start, out)
    return out


def permuted_block(block: np.ndarray, *, axis: int, key: tuple[int, int], stream: int,
                   block_info: dict[Any, Any]) -> np.ndarray:
    """``block`` (whole along ``axis``) with each slice along ``axis`` permuted on its own.

    Slice ``s`` (its flat index over the other axes of the whole array) draws its order from
    ``Philox(key, counter=[0, s + 1, 0, stream])``: tiles of the same call use word 1 = 0.
    """
    if block.size == 0:
        return block.copy()
    moved = np.moveaxis(block, axis, -1)
    out = np.empty_like(moved)
    where = block_info[None]["array-location"]
    full = block_info[None]["shape"]
    others = [d for d in range(len(full)) if d != axis]
    shape = tuple(full[d] for d in others)
    starts = tuple(where[d][0] for d in others)
    lanes = moved.reshape(-1, moved.shape[-1])
    result = out.reshape(lanes.shape)
    for i, local in enumerate(np.ndindex(*moved.shape[:-1])):
        lane = int(np.ravel_multi_index(tuple(s + j for s, j in zip(starts, local)), shape)) \
            if shape else 0
        gen = np.random.Generator(philox(key, (0, lane + 1, 0, stream)))
        result[i] = lanes[i][gen.permutation(lanes.shape[1])]
    return np.moveaxis(out, -1, axis)
