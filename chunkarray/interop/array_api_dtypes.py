"""The array API standard's constants and data type objects, as ``chunkarray.float32`` etc.

They are NumPy's own objects, so ``x.dtype == ca.float32`` and ``ca.ones(2, dtype=ca.int8)`` work
as with NumPy. (A module of their own: ``bool`` here is the standard's name, not Python's.)

>>> import numpy as np
>>> np.dtype(float32) == np.float32 and bool is np.bool_ and newaxis is None
True
"""

import numpy as np

__all__ = [
    "bool", "complex64", "complex128", "e", "float32", "float64", "inf", "int8", "int16",
    "int32", "int64", "nan", "newaxis", "pi", "uint8", "uint16", "uint32", "uint64",
]

e = np.e
pi = np.pi
inf = np.inf
nan = np.nan
newaxis = None

bool = np.bool_  # noqa: A001 (the standard's name)
int8, int16, int32, int64 = np.int8, np.int16, np.int32, np.int64
uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
float32, float64 = np.float32, np.float64
complex64, complex128 = np.complex64, np.complex128
