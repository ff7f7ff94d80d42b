"""chunkarray: lazy chunked NumPy arrays, computed block by block in bounded memory.

>>> import numpy as np, chunkarray as ca
>>> x = ca.from_array(np.arange(12.0).reshape(3, 4), chunks=(2, 2))
>>> (x - x.mean(axis=0)).std(axis=0).compute()
array([3.26598632, 3.26598632, 3.26598632, 3.26598632])
"""

from chunkarray.array import ChunkedArray, compute, persist
from chunkarray.core import config
from chunkarray.io import from_hdf5, from_zarr, store, to_hdf5, to_zarr
from chunkarray.ops import methods as _methods
from chunkarray.ops.creation import (
    arange,
    asarray,
    empty,
    empty_like,
    eye,
    from_array,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from chunkarray.ops.elementwise import UFUNCS, astype, clip, elemwise, ufunc_function, where
from chunkarray.ops.linalg import dot, matmul
from chunkarray.ops.manipulation import (
    array_split,
    block,
    broadcast_arrays,
    broadcast_to,
    concatenate,
    expand_dims,
    flip,
    moveaxis,
    pad,
    ravel,
    repeat,
    reshape,
    roll,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
)

# --- scans, sorting and order statistics (issue 12) ---
from chunkarray.ops.quantiles import (
    median,
    nanmedian,
    nanpercentile,
    nanquantile,
    percentile,
    quantile,
)
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.reductions import (
    all,
    any,
    argmax,
    argmin,
    count_nonzero,
    max,
    mean,
    min,
    nanargmax,
    nanargmin,
    nanmax,
    nanmean,
    nanmin,
    nanprod,
    nanstd,
    nansum,
    nanvar,
    prod,
    std,
    sum,
    var,
)
from chunkarray.ops.routines import blockwise, map_blocks, permute_dims, transpose
from chunkarray.ops.scans import (
    cumprod,
    cumsum,
    cumulative_prod,
    cumulative_sum,
    diff,
    ediff1d,
    gradient,
    nancumprod,
    nancumsum,
    trapezoid,
)
from chunkarray.ops.sorting import argpartition, argsort, argtopk, partition, sort, topk

_methods.bind()

# chunkarray.sin, chunkarray.add, ...: one function for every elementwise NumPy ufunc.
globals().update({name: ufunc_function(u) for name, u in UFUNCS.items() if name not in globals()})

__version__ = "0.1.0"
