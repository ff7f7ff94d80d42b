"""Block kernels of :mod:`chunkarray.random`: a block's values from its elements' positions.

Every value is a function of the key (from the seed), the call's stream and the element's flat
position in C order of the whole array, never of the block it lands in:

- *Exact* methods (``random``, ``integers``) take one fixed-size piece of NumPy's ``Philox``
  stream per element, so a block jumps (``Philox.advance``) to its first element and reproduces
  ``numpy.random.Generator(Philox(key))`` exactly.
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

__all__ = ["TILE", "exact_block", "flat_runs", "integers_values", "permuted_block", "tiled_block",
           "tiled_flat_block"]

TILE = 2**16
# Counter word 3 of the streams that replace a rejected draw of ``integers`` (see below).
FALLBACK_STREAM = 2**63
_M32 = np.uint64(0xFFFFFFFF)

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


def _assemble(fill: Fill, shape: tuple[int, ...], offset: tuple[int, ...],
              full: tuple[int, ...], event: tuple[int, ...], dtype: Any) -> np.ndarray:
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


# --- exact methods: a fixed piece of the Philox stream per element ---

def raw64(key: tuple[int, int], start: int, n: int) -> np.ndarray:
    """Outputs ``start .. start + n`` of ``Philox(key)``'s stream of 64-bit words."""
    bits = philox(key)
    bits.advance(start // 4)  # Philox makes 4 words per counter step
    skip = start % 4
    return bits.random_raw(skip + n)[skip:]


def raw32(key: tuple[int, int], start: int, pending: int, first: int, n: int) -> np.ndarray:
    """32-bit draws ``first .. first + n`` of a call, as NumPy's ``next_uint32`` makes them.

    Each 64-bit word gives its low half, then its high half; ``pending`` is the word whose high
    half an earlier call left unused (-1 if none), which a call's first 32-bit draw takes.
    """
    parts = []
    if pending >= 0:
        if first == 0 and n > 0:
            parts.append(np.array([raw64(key, pending, 1)[0] >> np.uint64(32)], np.uint64))
            n -= 1
        else:
            first -= 1
        first = max(first, 0)
    if n > 0:
        words = raw64(key, start + first // 2, (first % 2 + n + 1) // 2)
        halves = np.stack([words & _M32, words >> np.uint64(32)], axis=1).reshape(-1)
        parts.append(halves[first % 2:first % 2 + n])
    return np.concatenate(parts) if parts else np.zeros(0, np.uint64)


def _draws(spec: dict[str, Any], first: int, n: int) -> np.ndarray:
    """Draws ``first .. first + n`` of ``spec["bits"]`` bits each, as uint64."""
    key, start, pending, bits = spec["key"], spec["start"], spec["pending"], spec["bits"]
    if bits == 64:
        return raw64(key, start + first, n)
    per = 32 // bits  # draws per 32-bit word: NumPy's buffered_uint16/uint8/bool, low bits first
    units = raw32(key, start, pending, first // per, (first % per + n + per - 1) // per)
    shifts = np.arange(per, dtype=np.uint64) * np.uint64(bits)
    mask = np.uint64((1 << bits) - 1)
    pieces = ((units[:, None] >> shifts) & mask).reshape(-1)
    return pieces[first % per:first % per + n]


def _mul_hi_lo(a: np.ndarray, b: int) -> tuple[np.ndarray, np.ndarray]:
    """The high and low 64-bit words of ``a * b`` (128-bit products of uint64)."""
    a1, a0 = a >> np.uint64(32), a & _M32
    b1, b0 = np.uint64(b >> 32), np.uint64(b & 0xFFFFFFFF)
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> np.uint64(32)) + (p01 & _M32) + (p10 & _M32)
    high = p11 + (p01 >> np.uint64(32)) + (p10 >> np.uint64(32)) + (mid >> np.uint64(32))
    return high, a * np.uint64(b)


def _lemire(draws: np.ndarray, rng: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Lemire's bounded integers in ``[0, rng]`` from ``bits``-bit draws; and which are rejected.

    The same arithmetic as NumPy's ``bounded_lemire_uint{bits}``: whether a draw is rejected
    depends on the draw alone.
    """
    if rng == (1 << bits) - 1:
        return draws, np.zeros(draws.shape, dtype=bool)
    excl = rng + 1
    threshold = np.uint64(((1 << bits) - excl) % excl)
    if bits == 64:
        high, low = _mul_hi_lo(draws, excl)
        return high, low < threshold
    product = draws * np.uint64(excl)
    return product >> np.uint64(bits), (product & np.uint64((1 << bits) - 1)) < threshold


def integers_values(spec: dict[str, Any], first: int, n: int) -> np.ndarray:
    """Elements ``first .. first + n`` of a call of ``integers``, as ``spec["dtype"]``.

    NumPy redraws a rejected draw (a chance below ``range / 2**bits``), which shifts its stream
    from there on; a stream that a block could jump into cannot, so a rejected element takes a
    value from its own stream instead. Values equal NumPy's up to the first rejection.
    """
    rng, bits = spec["rng"], spec["bits"]
    dtype = np.dtype(spec["dtype"])
    if rng == 0:
        values = np.zeros(n, np.uint64)
    elif bits == 1:
        values = _draws(spec, first, n)
    else:
        values, rejected = _lemire(_draws(spec, first, n), rng, bits)
        for i in np.flatnonzero(rejected).tolist():
            values[i] = _fallback(spec, first + i)
    values = values + np.uint64(spec["low"] % 2**64)  # NumPy adds the offset modulo 2**bits
    if dtype.kind == "b":
        return values.astype(bool)
    unsigned = np.dtype(f"u{dtype.itemsize}")
    return values.astype(unsigned).view(dtype)


def _fallback(spec: dict[str, Any], position: int) -> np.uint64:
    bits = philox(spec["key"], (0, position, spec["start"] % 2**64, FALLBACK_STREAM))
    gen = np.random.Generator(bits)
    return np.uint64(gen.integers(0, spec["rng"], endpoint=True, dtype=np.uint64))


def random_values(spec: dict[str, Any], first: int, n: int) -> np.ndarray:
    """Elements of a call of ``random``: NumPy's ``next_double`` / ``next_float``."""
    if np.dtype(spec["dtype"]) == np.float32:
        draws = _draws({**spec, "bits": 32}, first, n)
        return ((draws >> np.uint64(8)).astype(np.float32) * np.float32(1.0 / 16777216.0))
    draws = raw64(spec["key"], spec["start"] + first, n)
    return (draws >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


_EXACT = {"random": random_values, "integers": integers_values}


def exact_block(*, shape: tuple[int, ...], offset: tuple[int, ...], dtype: Any,
                full: tuple[int, ...], method: str, spec: dict[str, Any]) -> np.ndarray:
    """A block of an exact method: each run jumps to its first element's place in the stream."""
    values = _EXACT[method]

    def fill(first: int, dest: np.ndarray) -> None:
        dest[...] = values(spec, first, len(dest))

    return _assemble(fill, shape, offset, full, (), dtype)


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
    return _assemble(tiles, shape, offset, full, event, dtype)


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
