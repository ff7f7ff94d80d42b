"""chunkarray: lazy chunked NumPy arrays, computed block by block in bounded memory.

>>> import numpy as np, chunkarray as ca
>>> x = ca.from_array(np.arange(12.0).reshape(3, 4), chunks=(2, 2))
>>> (x - x.mean(axis=0)).std(axis=0).compute()
array([3.26598632, 3.26598632, 3.26598632, 3.26598632])
"""

from chunkarray import config, fft, lib, linalg, ma, random
from chunkarray.array import ChunkedArray, compute, persist
from chunkarray.array_methods import missing_implementations as _missing_implementations
from chunkarray.diagnostics import html_repr as _html_repr  # provides _repr_html_, visualize
from chunkarray.interop import dask as _dask_protocol  # provides x.to_dask()
from chunkarray.interop.array_api import (  # the standard's namespace, version 2024.12
    SUPPORTED_VERSIONS,
    __array_api_version__,
    arange,
    argsort,
    asarray,
    astype,
    broadcast_shapes,
    can_cast,
    clip,
    concat,
    diff,
    empty,
    empty_like,
    expand_dims,
    eye,
    finfo,
    from_dlpack,
    full,
    full_like,
    iinfo,
    imag,
    isdtype,
    linspace,
    meshgrid,
    ones,
    ones_like,
    real,
    repeat,
    result_type,
    round,
    sort,
    take,
    take_along_axis,
    unstack,
    zeros,
    zeros_like,
)
from chunkarray.interop.array_api_dtypes import (
    bool,
    complex64,
    complex128,
    e,
    float32,
    float64,
    inf,
    int8,
    int16,
    int32,
    int64,
    nan,
    newaxis,
    pi,
    uint8,
    uint16,
    uint32,
    uint64,
)
from chunkarray.interop.array_api_info import (
    CPU_DEVICE,
    Device,
    __array_namespace_info__,
)
from chunkarray.interop.dask import DaskView  # what x.to_dask() gives
from chunkarray.io import (
    CrossingChunksWarning,
    IncompleteWriteWarning,
    from_hdf5,
    from_zarr,
    store,
    to_hdf5,
    to_zarr,
    zarr_is_complete,
)
from chunkarray.io.delayed import from_blocks, from_delayed
from chunkarray.io.npy_stack import from_npy_stack

# NumPy's signatures in full: constructors, stacking, editing, choosing, numeric helpers.
from chunkarray.ops import conversion as _conversion  # provides copy, item, tolist, view, fill
from chunkarray.ops import dtypes as _dtypes  # np.result_type, np.can_cast... from metadata
from chunkarray.ops import methods as _methods  # provides the operators and NumPy methods
from chunkarray.ops.choosing import choose, ravel_multi_index, select, unravel_index
from chunkarray.ops.construct import array, asanyarray, fromfunction, indices
from chunkarray.ops.contractions import einsum, inner, kron, outer, tensordot, vdot
from chunkarray.ops.creation import from_array  # the rest: chunkarray.interop.array_api
from chunkarray.ops.cumreduction import cumreduction
from chunkarray.ops.diagonals import (
    diag,
    diagonal,
    matrix_transpose,
    trace,
    tri,
    tril,
    tril_indices,
    tril_indices_from,
    triu,
    triu_indices,
    triu_indices_from,
)
from chunkarray.ops.editing import delete, insert
from chunkarray.ops.elementwise import UFUNCS, elemwise, ufunc_function, where
from chunkarray.ops.gufunc import (
    apply_along_axis,
    apply_gufunc,
    apply_over_axes,
    as_gufunc,
    frompyfunc,
    gufunc,
    piecewise,
)
from chunkarray.ops.histograms import (
    bincount,
    histogram,
    histogram2d,
    histogram_bin_edges,
    histogramdd,
)
from chunkarray.ops.linalg import dot, matmul
from chunkarray.ops.linalg_norms import cross, vecdot
from chunkarray.ops.manipulation import (
    array_split,
    block,
    broadcast_arrays,
    broadcast_to,
    concatenate,
    flip,
    moveaxis,
    pad,
    ravel,
    reshape,
    roll,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
)
from chunkarray.ops.numeric import (
    angle,
    around,
    fix,
    i0,
    iscomplex,
    isneginf,
    isposinf,
    isreal,
    sinc,
)
from chunkarray.ops.overlap import (
    map_overlap,
    overlap,
    sliding_window_view,
    trim_internal,
    trim_overlap,
)
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
    ediff1d,
    gradient,
    nancumprod,
    nancumsum,
    trapezoid,
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
from chunkarray.ops.sorting import argpartition, argtopk, partition, topk
from chunkarray.ops.stacking import (
    append,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    column_stack,
    dstack,
    fliplr,
    flipud,
    hstack,
    rollaxis,
    rot90,
    vstack,
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
from chunkarray.ops.udf_reduction import reduction

# Every method ChunkedArray declares has its implementation now, or importing chunkarray fails.
if _missing_implementations():
    raise ImportError(f"ChunkedArray methods declared but not provided by any layer: "
                      f"{', '.join(_missing_implementations())}")

# chunkarray.sin, chunkarray.add, ...: one function for every elementwise NumPy ufunc.
globals().update({name: ufunc_function(u) for name, u in UFUNCS.items() if name not in globals()})

__version__ = "0.1.0"
