"""What the linear-algebra modules share: dtype rules, input checks, stacks of small matrices.

NumPy's linalg computes in float64 for integers and booleans, keeps float32/complex64 and
refuses the others (float16, longdouble): :func:`inexact` does the same, at the call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.chunks import Chunks, common_refinement
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as bk
from chunkarray.ops.creation import asarray
from chunkarray.ops.elementwise import astype
from chunkarray.ops.rechunk import rechunk
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.tasks import TaskGrid

__all__ = [
    "EighResult", "QRResult", "SVDResult", "SlogdetResult", "as_inexact", "inexact",
    "map_matrices", "pick", "square", "square_chunks", "to_matrices",
]


class QRResult(NamedTuple):
    Q: Any
    R: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


_SUPPORTED = {np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128)}


def inexact(dtype: Any, label: str) -> np.dtype:
    """The dtype NumPy's linalg computes ``dtype`` in, or a TypeError as NumPy's.

    >>> inexact(np.int8, "inv"), inexact(np.complex64, "inv")
    (dtype('float64'), dtype('complex64'))
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype not in _SUPPORTED:
        raise TypeError(f"{label}: array type {dtype} is unsupported in linalg; use float32, "
                        f"float64, complex64 or complex128")
    return dtype


def as_inexact(x: Any, label: str, *others: Any) -> tuple[ChunkedArray, np.dtype]:
    """``x`` as a chunked array cast to the linalg dtype common to it and ``others``."""
    x = asarray(x)
    dtype = inexact(np.result_type(x.dtype, *[np.dtype(o) for o in others]), label)
    return (x if x.dtype == dtype else astype(x, dtype)), dtype


def real_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.finfo(dtype).dtype)


def at_least_2d(x: ChunkedArray, label: str, arg: str = "a") -> None:
    if x.ndim < 2:
        raise np.linalg.LinAlgError(
            f"{label}: {arg} has {x.ndim} dimensions (shape {x.shape}); it must have at least 2")


def square(x: ChunkedArray, label: str, arg: str = "a") -> None:
    """Refuse what is not a (stack of) square matrices, as NumPy's ``LinAlgError`` does."""
    at_least_2d(x, label, arg)
    if x.shape[-1] != x.shape[-2]:
        raise np.linalg.LinAlgError(
            f"{label}: {arg} has shape {x.shape}; the last 2 dimensions must be square")


def one_block_matrices(x: ChunkedArray) -> bool:
    return x.numblocks[-1] == 1 and x.numblocks[-2] == 1


def to_matrices(x: ChunkedArray, core: int = 2) -> ChunkedArray:
    """``x`` with its last ``core`` axes in one block each (matrices of a stack stay whole)."""
    require_known_chunks(x, "linalg", range(x.ndim - core, x.ndim))
    if all(n == 1 for n in x.numblocks[x.ndim - core:]):
        return x
    return rechunk(x, {a: -1 for a in range(x.ndim - core, x.ndim)})


def square_chunks(x: ChunkedArray) -> tuple[ChunkedArray, tuple[int, ...]]:
    """A 2-D square ``x`` rechunked so rows and columns share one chunking (square diagonal
    blocks), and that chunking."""
    require_known_chunks(x, "linalg")
    c = common_refinement(x.chunks[0], x.chunks[1])
    return (x if x.chunks == (c, c) else rechunk(x, (c, c))), c


def map_matrices(func: Callable[..., Any], arrays: Sequence[tuple[ChunkedArray, tuple[str, ...]]],
                 out: tuple[str, ...], dtype: Any, label: str,
                 new_axes: dict[Any, Any] | None = None) -> ChunkedArray:
    """``func`` over a stack of whole matrices: ``arrays`` pairs an input with its letters.

    Batch letters (``b0``, ``b1``, ...) broadcast; core letters name axes held in one block.
    """
    pairs: list[Any] = []
    for x, ind in arrays:
        pairs += [x._node, ind]
    node = blockwise_node(func, out, *pairs, dtype=dtype, concatenate=True, new_axes=new_axes,
                          name=f"{label}-" + tokenize(func, [x.name for x, _ in arrays], out,
                                                       np.dtype(dtype)))
    return ChunkedArray(node)


def batch_letters(x: ChunkedArray, core: int, nbatch: int) -> tuple[str, ...]:
    """Letters of ``x``'s batch axes, right-aligned among ``nbatch`` batch axes."""
    n = x.ndim - core
    return tuple(f"b{i}" for i in range(nbatch - n, nbatch))


def pick(node: ChunkedArray, i: int, dtype: Any, chunks: Chunks | None = None) -> ChunkedArray:
    """Output ``i`` of a node whose blocks are tuples, with the given (or the same) chunks."""
    n = node._node
    name = f"{n.name}-out{i}"
    source = n.name

    def plan(index: tuple[int, ...]) -> tuple[Any, list[Any]]:
        return partial(bk.index_output, i=i), [(source, *index)]

    return ChunkedArray(TaskGrid(name, chunks if chunks is not None else n.chunks, dtype, [n],
                                 plan))
