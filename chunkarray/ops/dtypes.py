"""NumPy's dtype questions about arrays (``np.result_type``, ``np.can_cast``...), answered from the
metadata of chunked arrays without computing them.

Since NumPy 2 (NEP 50) an array's dtype alone decides promotion, 0-d arrays included, so each
chunked array stands in for its dtype exactly. Libraries built on duck arrays (xarray's ``where``,
``concat``, ``groupby``, ``rolling``) ask these on every operation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.ops.dispatch import implements

__all__ = ["can_cast", "common_type", "iscomplexobj", "isrealobj", "min_scalar_type",
           "result_type"]


def _dtype_of(value: Any) -> Any:
    return value.dtype if isinstance(value, ChunkedArray) else value


@implements(np.result_type)
def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """The dtype NumPy's promotion gives, as ``np.result_type``.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.ones(3, chunks=2, dtype="float32")
    >>> np.result_type(x, np.int16), np.result_type(x, 1.0), np.result_type(x, np.float64)
    (dtype('float32'), dtype('float32'), dtype('float64'))
    """
    return np.result_type(*map(_dtype_of, arrays_and_dtypes))


@implements(np.can_cast)
def can_cast(from_: Any, to: Any, casting: Any = "safe") -> bool:
    """Whether ``from_``'s dtype casts to ``to`` under ``casting``, as ``np.can_cast``.

    >>> import numpy as np, chunkarray as ca
    >>> np.can_cast(ca.ones(2, chunks=1, dtype="int8"), np.float32)
    True
    """
    return bool(np.can_cast(_dtype_of(from_), _dtype_of(to), casting=casting))


@implements(np.iscomplexobj)
def iscomplexobj(x: Any) -> bool:
    """Whether the dtype is complex, as ``np.iscomplexobj``.

    >>> import numpy as np, chunkarray as ca
    >>> np.iscomplexobj(ca.ones(2, chunks=1, dtype=complex))
    True
    """
    return bool(np.iscomplexobj(np.empty(0, dtype=_dtype_of(x))))


@implements(np.isrealobj)
def isrealobj(x: Any) -> bool:
    """Whether the dtype is not complex, as ``np.isrealobj``.

    >>> import numpy as np, chunkarray as ca
    >>> np.isrealobj(ca.ones(2, chunks=1))
    True
    """
    return not iscomplexobj(x)


@implements(np.common_type)
def common_type(*arrays: Any) -> type:
    """The inexact scalar type common to the arrays, as ``np.common_type``.

    >>> import numpy as np, chunkarray as ca
    >>> np.common_type(ca.ones(2, chunks=1, dtype="float32"), np.ones(2, dtype=np.int8))
    <class 'numpy.float64'>
    """
    return np.common_type(*(np.empty(0, dtype=_dtype_of(a)) if isinstance(a, ChunkedArray)
                            else a for a in arrays))


@implements(np.min_scalar_type)
def min_scalar_type(a: Any, /) -> np.dtype:
    """The array's own dtype, as ``np.min_scalar_type`` gives for an array of one axis or more.

    A 0-d array's answer depends on its value, which is not computed for a metadata question.

    >>> import numpy as np, chunkarray as ca
    >>> np.min_scalar_type(ca.ones(3, chunks=2, dtype="int64"))
    dtype('int64')
    """
    if a.ndim == 0:
        raise TypeError("np.min_scalar_type of a 0-d chunked array depends on its value; "
                        "compute it first (np.min_scalar_type(x.compute()))")
    return a.dtype
