"""Masked arrays: chunked arrays of ``numpy.ma.MaskedArray`` blocks, as ``dask.array.ma``.

``chunkarray.from_array`` of a NumPy masked array keeps its mask; the functions here make masked
arrays and take them apart. Elementwise operations, slicing, rechunking, joining and the
reductions (``sum``, ``mean``, ``var``, ``min``, ``argmax``...) follow numpy.ma; any other
operation refuses a masked array when called rather than drop its mask (use :func:`filled`
first). ``compute()`` gives a ``numpy.ma.MaskedArray`` with its mask and fill value.

>>> import numpy as np, chunkarray as ca
>>> x = ca.from_array(np.ma.array([1.0, 2.0, 3.0, 4.0], mask=[0, 1, 0, 0]), chunks=2)
>>> (x * 2).sum().compute()
np.float64(16.0)
>>> ca.ma.filled(x + 1, -1).compute()
array([ 2., -1.,  4.,  5.])
"""

from chunkarray.ops.masked import (
    average,
    count,
    empty_like,
    filled,
    fix_invalid,
    getdata,
    getmaskarray,
    is_masked_array,
    masked_array,
    masked_equal,
    masked_greater,
    masked_greater_equal,
    masked_inside,
    masked_invalid,
    masked_less,
    masked_less_equal,
    masked_not_equal,
    masked_outside,
    masked_values,
    masked_where,
    nonzero,
    ones_like,
    set_fill_value,
    where,
    zeros_like,
)

__all__ = [
    "average", "count", "empty_like", "filled", "fix_invalid", "getdata", "getmaskarray",
    "is_masked_array", "masked_array", "masked_equal", "masked_greater", "masked_greater_equal",
    "masked_inside", "masked_invalid", "masked_less", "masked_less_equal", "masked_not_equal",
    "masked_outside", "masked_values", "masked_where", "nonzero", "ones_like", "set_fill_value",
    "where", "zeros_like",
]
