"""Block kernels of the ``*_like`` creation functions for arrays whose block sizes are unknown.

>>> import numpy as np
>>> filled_like(np.arange(3), fill_value=7, out_dtype=np.dtype("float32"))
array([7., 7., 7.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["filled_like"]


def filled_like(block: np.ndarray, *, fill_value: Any, out_dtype: np.dtype) -> np.ndarray:
    """A block of the shape of ``block`` filled with ``fill_value`` (uninitialized if ``None``).

    >>> filled_like(np.zeros((1, 2)), fill_value=True, out_dtype=np.dtype(bool))
    array([[ True,  True]])
    """
    if fill_value is None:
        return np.empty(block.shape, dtype=out_dtype)
    return np.full(block.shape, fill_value, dtype=out_dtype)
