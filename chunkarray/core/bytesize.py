"""Byte sizes written the way people write them: ``"128 MiB"``, ``"100MB"``, ``2**20``."""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["BYTES_RE", "parse_bytes"]

BYTE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
BYTES_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_bytes(text: str | int) -> int:
    """Parse a size such as ``"128 MiB"`` or ``"100MB"`` into a number of bytes.

    >>> parse_bytes("64MiB"), parse_bytes("100 MB"), parse_bytes(2048)
    (67108864, 100000000, 2048)
    """
    if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
        if text <= 0:
            raise ValueError(f"byte size must be positive, got {text}")
        return int(text)
    if not isinstance(text, str):
        raise TypeError(f"byte size must be an int or a string like '128 MiB', got {text!r}")
    match = BYTES_RE.match(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in BYTE_UNITS:
        raise ValueError(
            f"could not parse byte size {text!r}: expected a number and a unit such as "
            f"'100 MB' or '64 MiB' (units: {', '.join(u for u in BYTE_UNITS if u)})"
        )
    value = float(match.group(1)) * BYTE_UNITS[unit]
    if not math.isfinite(value):  # "1e400 B": int() of an infinite float would raise OverflowError
        raise ValueError(f"byte size must be finite, got {text!r}")
    nbytes = int(value)
    if nbytes <= 0:
        raise ValueError(f"byte size must be positive, got {text!r}")
    return nbytes
