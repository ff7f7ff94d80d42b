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

# isort: split
# Sets, searching, histograms and statistics (issue 12): a block of their own.
from chunkarray.ops.histograms import (
    bincount,
    histogram,
    histogram2d,
    histogram_bin_edges,
    histogramdd,
)
from chunkarray.ops.searching import (
    argwhere,
    compress,
    digitize,
    extract,
    flatnonzero,
    nonzero,
    searchsorted,
)
from chunkarray.ops.sets import (
    in1d,
    intersect1d,
    isin,
    setdiff1d,
    union1d,
    unique,
    unique_all,
    unique_counts,
    unique_inverse,
    unique_values,
)
from chunkarray.ops.statistics import (
    allclose,
    array_equal,
    average,
    corrcoef,
    cov,
    isclose,
    moment,
    nan_to_num,
    ptp,
)

_methods.bind()

# chunkarray.sin, chunkarray.add, ...: one function for every elementwise NumPy ufunc.
globals().update({name: ufunc_function(u) for name, u in UFUNCS.items() if name not in globals()})

__version__ = "0.1.0"
