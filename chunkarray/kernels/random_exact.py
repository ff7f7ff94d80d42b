"""Block kernels of the exact methods of :mod:`chunkarray.random`: NumPy's own Philox stream.

``random`` and ``integers`` reproduce ``numpy.random.Generator(Philox(key))`` value for value.
A call's values are a function of where its draws start in the stream of 64-bit words:

- ``start``: the word its first draw takes; ``pending``: a word whose high half an earlier 32-bit
  draw left unused (-1: none), which NumPy's next 32-bit draw takes first.
- a *state delta* ``[words, has_pending, pending]`` (int64, relative to ``start``) when where the
  call starts depends on earlier values (see below): given as the block's extra input.

``random`` takes a fixed number of draws per element, so a block jumps (``Philox.advance``) to its
first element. ``integers`` over a range that is not a power of two rejects some draws
(Lemire's method, as NumPy's ``_bounded_integers``), and NumPy redraws them: its k-th value is
the k-th *accepted* draw. Whether a draw is rejected depends on the draw alone, so
:func:`count_block` counts the rejections in fixed segments of :data:`SEGMENT` draws of the
call, and a block finds the segment holding its first value from the running total of accepted
draws, jumps there and draws on until it has its values (:func:`integers_block`). The state after
such a call depends on those counts (:func:`state_after`).
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from chunkarray.kernels.random import assemble, philox

__all__ = ["SEGMENT", "consume32", "count_block", "exact_block", "integers_block",
           "integers_values", "random_values", "rejection_rate", "shift_state", "state_after"]

#: Draws of an ``integers`` call per counted segment: a block jumps to a segment's start and
#: walks from there, so a run of values costs at most this many draws more than its own.
SEGMENT = 2**12
# Draws examined at once: bounds a task's temporaries (a few arrays of this many words).
_PIECE = 2**18
_M32 = np.uint64(0xFFFFFFFF)


def consume32(position: int, pending: int, units: int) -> tuple[int, int]:
    """The stream's ``(position, pending)`` after ``units`` 32-bit draws, as NumPy's Philox.

    Each 64-bit word gives its low half, then (at the next 32-bit draw) its high half.

    >>> consume32(10, -1, 3)
    (12, 11)
    >>> consume32(12, 11, 1)
    (12, -1)
    """
    if units == 0:
        return position, pending
    rest = units - (1 if pending >= 0 else 0)
    return position + (rest + 1) // 2, position + rest // 2 if rest % 2 else -1


def _resolve(spec: dict[str, Any], delta: np.ndarray | None) -> dict[str, Any]:
    """``spec`` with its absolute start and pending word, given the state delta if any."""
    if delta is None:
        return spec
    words, has_pending, pending = (int(v) for v in delta)
    start = spec["start"]
    return {**spec, "start": start + words, "pending": start + pending if has_pending else -1}


def shift_state(*delta: np.ndarray, spec: dict[str, Any], words: int = 0, units32: int = 0,
                **place: Any) -> np.ndarray:
    """The state delta after a call that took ``words`` 64-bit or ``units32`` 32-bit draws.

    ``place``: the block's shape and offset, which a state (one block) does not need.
    """
    state = _resolve(spec, delta[0] if delta else None)
    position, pending = consume32(state["start"] + words, state["pending"], units32)
    return _delta(spec["start"], position, pending)


def _delta(anchor: int, position: int, pending: int) -> np.ndarray:
    return np.array([position - anchor, pending >= 0, pending - anchor if pending >= 0 else 0],
                    dtype=np.int64)


# --- the raw stream ---

_LOCAL = threading.local()  # one Philox per thread, moved by setting its state
_WORD = (1 << 64) - 1


def raw64(key: tuple[int, int], start: int, n: int) -> np.ndarray:
    """Outputs ``start .. start + n`` of ``Philox(key)``'s stream of 64-bit words.

    Setting a Philox's state costs a seventh of making one: blocks of narrow columns jump once
    per row.
    """
    bits = getattr(_LOCAL, "philox", None)
    if bits is None:
        bits = _LOCAL.philox = philox((0, 0))
    step = start // 4  # Philox makes 4 words per counter step
    bits.state = {
        "bit_generator": "Philox", "buffer": np.zeros(4, np.uint64), "buffer_pos": 4,
        "has_uint32": 0, "uinteger": 0,
        "state": {"key": np.array(key, np.uint64),
                  "counter": np.array([(step >> s) & _WORD for s in (0, 64, 128, 192)],
                                      np.uint64)}}
    skip = start % 4
    return bits.random_raw(skip + n)[skip:]


def raw32(key: tuple[int, int], start: int, pending: int, first: int, n: int) -> np.ndarray:
    """32-bit draws ``first .. first + n`` of a call, as NumPy's ``next_uint32`` makes them.

    (uint32, or uint64 where a pending half leads.)

    Each 64-bit word gives its low half, then its high half; ``pending`` is the word whose high
    half an earlier call left unused (-1 if none), which a call's first 32-bit draw takes.
    """
    parts: list[np.ndarray] = []
    if pending >= 0:
        if first == 0 and n > 0:
            parts.append(np.array([raw64(key, pending, 1)[0] >> np.uint64(32)], np.uint64))
            n -= 1
        else:
            first -= 1
        first = max(first, 0)
    if n > 0:
        words = raw64(key, start + first // 2, (first % 2 + n + 1) // 2)
        if np.little_endian:  # the words' halves in memory are low, high: NumPy's order
            halves = words.view(np.uint32)
        else:
            halves = np.stack([words & _M32, words >> np.uint64(32)], axis=1).reshape(-1)
        parts.append(halves[first % 2:first % 2 + n])
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts, dtype=np.uint64) if parts else np.zeros(0, np.uint64)


def draws(spec: dict[str, Any], first: int, n: int) -> np.ndarray:
    """Draws ``first .. first + n`` of ``spec["bits"]`` bits each of a call, as uint64.

    Draws of 8 or 16 bits (and booleans, 1 bit) are pieces of 32-bit draws, low bits first, as
    NumPy's ``buffered_uint16`` / ``buffered_uint8`` / ``buffered_bounded_bool`` cut them.
    """
    key, start, pending, bits = spec["key"], spec["start"], spec["pending"], spec["bits"]
    if bits == 64:
        return raw64(key, start + first, n)
    per = 32 // bits
    units = raw32(key, start, pending, first // per, (first % per + n + per - 1) // per)
    if per == 1:
        return units
    shifts = np.arange(per, dtype=np.uint64) * np.uint64(bits)
    mask = np.uint64((1 << bits) - 1)
    pieces = ((units[:, None] >> shifts) & mask).reshape(-1)
    return pieces[first % per:first % per + n]


# --- Lemire's bounded integers ---

def _mul_hi_lo(a: np.ndarray, b: int) -> tuple[np.ndarray, np.ndarray]:
    """The high and low 64-bit words of ``a * b`` (128-bit products of uint64)."""
    a1, a0 = a >> np.uint64(32), a & _M32
    b1, b0 = np.uint64(b >> 32), np.uint64(b & 0xFFFFFFFF)
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> np.uint64(32)) + (p01 & _M32) + (p10 & _M32)
    high = p11 + (p01 >> np.uint64(32)) + (p10 >> np.uint64(32)) + (mid >> np.uint64(32))
    return high, a * np.uint64(b)


def threshold(rng: int, bits: int) -> int:
    """Lemire's rejection threshold: a draw whose low product word is below it is redrawn."""
    if rng == (1 << bits) - 1:
        return 0  # the whole range of the draw: NumPy takes it as it is
    return ((1 << bits) - (rng + 1)) % (rng + 1)


def rejection_rate(spec: dict[str, Any]) -> float:
    """The chance that one draw of an ``integers`` call is rejected (0: never)."""
    if spec["rng"] == 0 or spec["bits"] == 1:
        return 0.0
    return threshold(spec["rng"], spec["bits"]) / 2.0 ** spec["bits"]


def lemire(values: np.ndarray, rng: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounded integers in ``[0, rng]`` from ``bits``-bit draws, and which draws are rejected.

    The arithmetic of NumPy's ``bounded_lemire_uint{bits}``: whether a draw is rejected depends
    on the draw alone.

    >>> lemire(np.array([0, 2**31, 2**32 - 1], np.uint64), 2, 32)
    (array([0, 1, 2], dtype=uint32), array([ True, False, False]))
    """
    if rng == (1 << bits) - 1:
        return values, np.zeros(values.shape, dtype=bool)
    limit = np.uint64(threshold(rng, bits))
    if bits == 64:
        high, low = _mul_hi_lo(values, rng + 1)
        return high, low < limit
    product = np.multiply(values, np.uint64(rng + 1), dtype=np.uint64)
    if bits == 32 and np.little_endian:  # the product's halves, without shifting or masking
        halves = product.view(np.uint32)
        return halves[1::2], halves[::2] < limit
    return product >> np.uint64(bits), (product & np.uint64((1 << bits) - 1)) < limit


def _as_dtype(values: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    values = values + np.uint64(spec["low"] % 2**64)  # NumPy adds the offset modulo 2**bits
    dtype = np.dtype(spec["dtype"])
    if dtype.kind == "b":
        return values.astype(bool)
    return values.astype(np.dtype(f"u{dtype.itemsize}")).view(dtype)


def integers_values(spec: dict[str, Any], first: int, n: int) -> np.ndarray:
    """Elements ``first .. first + n`` of an ``integers`` call that never rejects a draw."""
    rng, bits = spec["rng"], spec["bits"]
    if rng == 0:
        return _as_dtype(np.zeros(n, np.uint64), spec)
    values = draws(spec, first, n)
    if bits != 1:
        values, rejected = lemire(values, rng, bits)
        if rejected.any():
            raise AssertionError("integers: a rejected draw in a call counted as never rejecting")
    return _as_dtype(values, spec)


def random_values(spec: dict[str, Any], first: int, n: int) -> np.ndarray:
    """Elements of a call of ``random``: NumPy's ``next_double`` / ``next_float``."""
    if np.dtype(spec["dtype"]) == np.float32:
        units = draws({**spec, "bits": 32}, first, n)
        return (units >> np.uint64(8)).astype(np.float32) * np.float32(1.0 / 16777216.0)
    words = raw64(spec["key"], spec["start"] + first, n)
    return (words >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


_EXACT = {"random": random_values, "integers": integers_values}


def exact_block(*delta: np.ndarray, shape: tuple[int, ...], offset: tuple[int, ...], dtype: Any,
                full: tuple[int, ...], method: str, spec: dict[str, Any]) -> np.ndarray:
    """A block of a call with a fixed number of draws per element: each run jumps to its place.

    ``delta``: the state delta, when where the call starts depends on earlier values.
    """
    spec = _resolve(spec, delta[0] if delta else None)
    values = _EXACT[method]

    def fill(first: int, dest: np.ndarray) -> None:
        dest[...] = values(spec, first, len(dest))

    return assemble(fill, shape, offset, full, (), dtype)


# --- integers with rejection: counted segments ---

def count_block(*delta: np.ndarray, shape: tuple[int, ...], offset: tuple[int, ...],
                spec: dict[str, Any]) -> np.ndarray:
    """The number of rejected draws in segments ``offset[0] .. offset[0] + shape[0]``."""
    spec = _resolve(spec, delta[0] if delta else None)
    counts = np.zeros(shape[0], dtype=np.int64)
    per_piece = max(1, _PIECE // SEGMENT)
    for lo in range(0, shape[0], per_piece):
        k = min(per_piece, shape[0] - lo)
        values = draws(spec, (offset[0] + lo) * SEGMENT, k * SEGMENT)
        rejected = lemire(values, spec["rng"], spec["bits"])[1]
        counts[lo:lo + k] = rejected.reshape(k, SEGMENT).sum(axis=1)
    return counts


class _Walker:
    """Accepted draws of a call by their index, from the counts of rejections per segment."""

    def __init__(self, spec: dict[str, Any], counts: np.ndarray) -> None:
        self.spec = spec
        # accepted[s]: accepted draws before segment s (the last: before the counted ones end).
        self.accepted = np.concatenate([[0], np.cumsum(SEGMENT - counts)])
        self.rate = rejection_rate(spec)
        self.cursor = (0, 0)  # where the last run ended: (position, accepted draws before)

    def start(self, index: int) -> tuple[int, int]:
        """A draw at or before accepted draw ``index``: (its position, accepted draws before).

        The later of its segment's start and the end of the last run (runs come in order).
        Past the counted segments (a run of rejections far beyond what was counted for), the
        walk goes on from their end: slower, never wrong.
        """
        s = int(np.searchsorted(self.accepted, index, side="right")) - 1
        position, before = self.cursor
        if before > index or s * SEGMENT > position:
            return s * SEGMENT, int(self.accepted[s])
        return position, before

    def values(self, first: int, n: int, into: np.ndarray | None = None) -> int:
        """Bounded values of accepted draws ``first .. first + n`` (into ``into``, if given).

        Returns the position just after the last draw taken.
        """
        position, before = self.start(first)
        done = 0
        while True:
            wanted = first + n - before  # accepted draws still to pass, from ``position``
            size = min(_PIECE, math.ceil(wanted / (1 - self.rate)) + 64)
            bounded, rejected = lemire(draws(self.spec, position, size), self.spec["rng"],
                                       self.spec["bits"])
            kept = np.flatnonzero(~rejected) if rejected.any() else None
            count = size if kept is None else len(kept)
            skip = first + done - before
            take = max(0, min(n - done, count - skip))
            if into is not None and take:
                picked = bounded[skip:skip + take] if kept is None else \
                    bounded[kept[skip:skip + take]]
                into[done:done + take] = _as_dtype(picked, self.spec)
            done += take
            if done == n:
                last = skip + take - 1 if kept is None else int(kept[skip + take - 1])
                end = position + last + 1 if n else position
                self.cursor = (end, first + n)
                return end
            before += count
            position += size


def integers_block(counts: np.ndarray, *delta: np.ndarray, shape: tuple[int, ...],
                   offset: tuple[int, ...], dtype: Any, full: tuple[int, ...],
                   spec: dict[str, Any]) -> np.ndarray:
    """A block of an ``integers`` call that may reject draws, given its rejections counted."""
    walker = _Walker(_resolve(spec, delta[0] if delta else None), counts)

    def fill(first: int, dest: np.ndarray) -> None:
        walker.values(first, len(dest), into=dest)

    return assemble(fill, shape, offset, full, (), dtype)


def state_after(counts: np.ndarray, *delta: np.ndarray, spec: dict[str, Any], n: int,
                **place: Any) -> np.ndarray:
    """The state delta after an ``integers`` call of ``n`` values that may reject draws."""
    state = _resolve(spec, delta[0] if delta else None)
    taken = _Walker(state, counts).values(n - 1, 1) if n else 0
    if spec["bits"] == 64:
        return _delta(spec["start"], state["start"] + taken, state["pending"])
    position, pending = consume32(state["start"], state["pending"],
                                  -(-taken // (32 // spec["bits"])))
    return _delta(spec["start"], position, pending)
