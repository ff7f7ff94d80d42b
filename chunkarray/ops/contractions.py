"""Contractions: ``einsum`` and what is built on it (``tensordot``, ``inner``, ``outer``, ``vdot``),
and ``kron``.

A contraction is one blockwise step over the block grid of every index letter, contracted letters
included, so each task multiplies one combination of blocks (one BLAS thread per product when
there are several); then a tree sum over the contracted block indices (``split_every`` at a
time). No task ever holds a whole panel of the inputs.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray
from chunkarray.core.chunks import broadcast_chunk_axis
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import linalg as lk
from chunkarray.ops import reductions
from chunkarray.ops.creation import asarray
from chunkarray.ops.diagonals import diagonal
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import ufunc_call
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.shape import expand_dims, ravel, reshape
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["einsum", "inner", "kron", "outer", "tensordot", "vdot"]

_LETTERS = string.ascii_letters


# --- parsing --------------------------------------------------------------------------------------


def _sublist_term(sub: Any, where: str) -> str:
    out = []
    for s in sub:
        if s is Ellipsis:
            out.append("...")
        elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
            out.append(_LETTERS[int(s)])
        else:
            raise ValueError(f"einsum: {where} subscript {s!r} must be an int in [0, 52) or "
                             f"Ellipsis")
    return "".join(out)


def _split_operands(operands: Sequence[Any]) -> tuple[str, list[Any]]:
    """Subscripts and arrays from either form: ``("ij,jk", a, b)`` or ``(a, [0, 1], ...)``."""
    if not operands:
        raise TypeError("einsum: no subscripts or operands given")
    if isinstance(operands[0], str):
        return operands[0], list(operands[1:])
    if len(operands) % 2 == 0:  # no output sublist: the implicit output
        terms = [_sublist_term(s, "operand") for s in operands[1::2]]
        return ",".join(terms), list(operands[0::2])
    terms = [_sublist_term(s, "operand") for s in operands[1:-1:2]]
    out = _sublist_term(operands[-1], "output")
    return ",".join(terms) + "->" + out, list(operands[0:-1:2])


def _term_letters(term: str, ndim: int, ell: str, subscripts: str, i: int) -> list[str]:
    """The letters of one operand's term, its ``...`` replaced by letters of the ellipsis axes."""
    if term.count("...") > 1 or term.replace("...", "").count("."):
        raise ValueError(f"einsum: subscripts={subscripts!r}: operand {i} has an invalid "
                         f"ellipsis in {term!r}")
    letters = term.replace("...", "")
    for c in letters:
        if c not in _LETTERS:
            raise ValueError(f"einsum: subscripts={subscripts!r}: {c!r} is not a valid "
                             f"subscript; only letters a-z, A-Z")
    if "..." not in term:
        if len(letters) != ndim:
            raise ValueError(f"einsum: subscripts={subscripts!r}: operand {i} has {ndim} "
                             f"dimensions but {len(letters)} subscripts {term!r}")
        return list(letters)
    n_ell = ndim - len(letters)
    if n_ell < 0:
        raise ValueError(f"einsum: subscripts={subscripts!r}: operand {i} has {ndim} "
                         f"dimensions, fewer than the subscripts {term!r}")
    before, after = term.split("...")
    return list(before) + list(ell[len(ell) - n_ell:]) + list(after)


def parse_einsum(subscripts: str, ndims: Sequence[int]) -> tuple[list[list[str]], list[str]]:
    """Each operand's letters and the output's, with ellipses made explicit letters.

    >>> parse_einsum("ij,jk", [2, 2])
    ([['i', 'j'], ['j', 'k']], ['i', 'k'])
    >>> parse_einsum("...i,i->...", [3, 1])
    ([['a', 'b', 'i'], ['i']], ['a', 'b'])
    """
    s = subscripts.replace(" ", "")
    if s.count("->") > 1 or ("-" in s.replace("->", "")) or (">" in s.replace("->", "")):
        raise ValueError(f"einsum: subscripts={subscripts!r}: '->' may appear once")
    lhs, arrow, rhs = s.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum: subscripts={subscripts!r} name {len(terms)} operands but "
                         f"{len(ndims)} arrays were given")
    n_ell = max((nd - len(t.replace("...", "")) for t, nd in zip(terms, ndims) if "..." in t),
                default=0)
    free = [c for c in _LETTERS if c not in s]
    if n_ell > len(free):
        raise ValueError(f"einsum: subscripts={subscripts!r}: too many dimensions for the "
                         f"52 subscript letters")
    ell = "".join(free[:max(n_ell, 0)])
    inputs = [_term_letters(t, nd, ell, subscripts, i)
              for i, (t, nd) in enumerate(zip(terms, ndims))]
    used = [c for letters in inputs for c in letters]
    if not arrow:
        once = sorted(c for c in set(used) if used.count(c) == 1 and c not in ell)
        return inputs, list(ell) + once
    if rhs.count("...") > 1 or rhs.replace("...", "").count("."):
        raise ValueError(f"einsum: subscripts={subscripts!r}: invalid output {rhs!r}")
    if "..." not in rhs and any(c in ell for c in used):
        raise ValueError(f"einsum: subscripts={subscripts!r}: the operands have ellipsis "
                         f"dimensions but the output has no '...' to hold them")
    out = list(rhs.replace("...", ell))
    for c in out:
        if c not in used:
            raise ValueError(f"einsum: subscripts={subscripts!r}: output subscript {c!r} "
                             f"appears in no operand")
        if out.count(c) > 1:
            raise ValueError(f"einsum: subscripts={subscripts!r}: output subscript {c!r} "
                             f"appears more than once")
    return inputs, out


# --- building -------------------------------------------------------------------------------------


def _collapse_repeats(x: ChunkedArray, letters: list[str], subscripts: str, i: int
                      ) -> tuple[ChunkedArray, list[str]]:
    """Take the diagonal for a letter repeated within one operand (``ii->i``, ``iij->ij``)."""
    letters = list(letters)
    while True:
        repeated = next((c for c in letters if letters.count(c) > 1), None)
        if repeated is None:
            return x, letters
        p = letters.index(repeated)
        q = letters.index(repeated, p + 1)
        if x.shape[p] != x.shape[q]:
            raise ValueError(f"einsum: subscripts={subscripts!r}: dimensions in operand {i} "
                             f"for collapsing index {repeated!r} don't match "
                             f"({x.shape[p]} != {x.shape[q]})")
        x = diagonal(x, 0, p, q)
        letters = [c for a, c in enumerate(letters) if a not in (p, q)] + [repeated]


def _letter_sizes(arrays: list[ChunkedArray], inputs: list[list[str]], subscripts: str
                  ) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for i, (x, letters) in enumerate(zip(arrays, inputs)):
        for c, n in zip(letters, x.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise ValueError(f"einsum: subscripts={subscripts!r}: operand {i} has length "
                                 f"{n} for subscript {c!r}, which is {sizes[c]} elsewhere; "
                                 f"lengths must match or be 1")
            sizes[c] = max(sizes.get(c, n), n) if n != 1 else sizes.get(c, 1)
    return sizes


def _drop_broadcast(x: ChunkedArray, letters: list[str], sizes: dict[str, int]
                    ) -> tuple[ChunkedArray, list[str]]:
    """Index away axes of length 1 that broadcast against a longer axis of the same letter."""
    drop = [a for a, c in enumerate(letters) if x.shape[a] == 1 and sizes[c] != 1]
    if not drop:
        return x, letters
    index = tuple(0 if a in drop else slice(None) for a in range(x.ndim))
    return x[index], [c for a, c in enumerate(letters) if a not in drop]  # type: ignore[index]


def _result_dtype(arrays: list[ChunkedArray], subscripts: str, options: dict[str, Any]
                  ) -> np.dtype:
    stand_ins = [np.ones((1,) * x.ndim, dtype=x.dtype) for x in arrays]
    return np.asarray(np.einsum(subscripts, *stand_ins, **options)).dtype


def _contract(arrays: list[ChunkedArray], inputs: list[list[str]], out: list[str],
              dtype: np.dtype, options: dict[str, Any], split_every: Any) -> ChunkedArray:
    """The blockwise step over every letter's blocks, then a tree sum over contracted blocks."""
    per_letter: dict[str, list[tuple[int, ...]]] = {}
    for x, letters in zip(arrays, inputs):
        for c, sizes in zip(letters, x.chunks):
            per_letter.setdefault(c, []).append(sizes)
    chunks: dict[str, tuple[int, ...]] = {
        c: broadcast_chunk_axis(*cs) for c, cs in per_letter.items()}
    contracted = [c for c in chunks if c not in out]
    tree = [c for c in contracted if len(chunks[c]) > 1]
    out_ind = tuple(out) + tuple(tree)
    blocks_sub = ",".join("".join(letters) for letters in inputs) + "->" + "".join(out)
    several = sum(len(chunks[c]) > 1 for c in chunks) > 0
    # Only an optimized einsum calls BLAS (through tensordot); NumPy's own loop (optimize=False,
    # e.g. "ij,ij->j" in one pass with no temporary) needs no limit on BLAS threads, whose
    # setting is process-wide and costs a call into every BLAS library per block.
    blas = 1 if several and options.get("optimize") is not False else None
    kernel = partial(lk.einsum_block, subscripts=blocks_sub, dtype=dtype, extra_axes=len(tree),
                     options=options, blas=blas)
    pairs: list[Any] = []
    for x, letters in zip(arrays, inputs):
        pairs += [x._node, tuple(letters)]
    node = blockwise_node(kernel, out_ind, *pairs, dtype=dtype, concatenate=True,
                          adjust_chunks={c: 1 for c in tree},
                          name="einsum-" + tokenize(blocks_sub, [x.name for x in arrays],
                                                    dtype, options))
    result = ChunkedArray(node)
    if not tree:
        return result
    axes = tuple(range(len(out), len(out_ind)))
    if dtype == np.bool_:
        return reductions.any(result, axis=axes, split_every=split_every)
    return reductions.sum(result, axis=axes, dtype=dtype, split_every=split_every)


@implements(np.einsum)
def einsum(*operands: Any, out: Any = None, optimize: Any = False, dtype: Any = None,
           order: str = "K", casting: str = "safe", split_every: Any = None) -> ChunkedArray:
    """Einstein summation with NumPy's subscripts: implicit output, ``...``, repeated letters.

    Both calling forms are taken (``einsum("ij,jk", a, b)`` and ``einsum(a, [0, 1], b, [1, 2])``);
    ``optimize`` is passed to each block's ``np.einsum``. The result's dtype is NumPy's.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.arange(6.0).reshape(2, 3), chunks=1)
    >>> einsum("ij,ij->j", x, x).compute()
    array([ 9., 17., 29.])
    >>> einsum("ii", ca.eye(3, chunks=2)).compute()
    np.float64(3.0)
    """
    if out is not None:
        raise TypeError("einsum: out= is not supported on chunked arrays")
    if order not in ("K", "C", "F", "A"):
        raise ValueError(f"einsum: order={order!r}: must be one of 'K', 'C', 'F', 'A'")
    subscripts, raw = _split_operands(operands)
    arrays = [asarray(a) for a in raw]
    inputs, out_letters = parse_einsum(subscripts, [x.ndim for x in arrays])
    options: dict[str, Any] = {"casting": casting}
    if dtype is not None:
        options["dtype"] = np.dtype(dtype)
    result_dtype = _result_dtype(arrays, subscripts, options)
    collapsed = [_collapse_repeats(x, letters, subscripts, i)
                 for i, (x, letters) in enumerate(zip(arrays, inputs))]
    sizes = _letter_sizes([x for x, _ in collapsed], [ls for _, ls in collapsed], subscripts)
    dropped = [_drop_broadcast(x, letters, sizes) for x, letters in collapsed]
    options["optimize"] = optimize
    return _contract([x for x, _ in dropped], [ls for _, ls in dropped], out_letters,
                     result_dtype, options, split_every)


# --- built on einsum ------------------------------------------------------------------------------


def _tensordot_axes(a: ChunkedArray, b: ChunkedArray, axes: Any) -> tuple[list[int], list[int]]:
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={n} must be in [0, {min(a.ndim, b.ndim)}] for "
                             f"shapes {a.shape} and {b.shape}")
        return list(range(a.ndim - n, a.ndim)), list(range(n))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        raise ValueError(f"tensordot: axes={axes!r} must be an int or a pair of axis "
                         f"sequences") from None
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: axes={axes!r}: both sequences must have the same length")
    axes_a = [normalize_axis_index(int(i), a.ndim, "axes") for i in axes_a]
    axes_b = [normalize_axis_index(int(i), b.ndim, "axes") for i in axes_b]
    if len(set(axes_a)) != len(axes_a) or len(set(axes_b)) != len(axes_b):
        raise ValueError(f"tensordot: axes={axes!r} repeat an axis")
    return axes_a, axes_b


@implements(np.tensordot)
def tensordot(a: Any, b: Any, /, axes: Any = 2) -> ChunkedArray:
    """Sum products over the given axes, like ``numpy.tensordot`` (every ``axes`` form).

    >>> import chunkarray as ca
    >>> tensordot(ca.ones((3, 4), chunks=2), ca.ones((4, 5), chunks=3), axes=1).shape
    (3, 5)
    """
    x, y = asarray(a), asarray(b)
    axes_a, axes_b = _tensordot_axes(x, y, axes)
    for i, j in zip(axes_a, axes_b):
        if x.shape[i] != y.shape[j]:
            raise ValueError(f"tensordot: shape-mismatch for sum: axis {i} of a (length "
                             f"{x.shape[i]}) and axis {j} of b (length {y.shape[j]}); shapes "
                             f"{x.shape} and {y.shape}")
    if x.ndim + y.ndim - len(axes_a) > 52 or x.ndim + y.ndim > 52:
        raise ValueError("tensordot: more than 52 axes in all")
    la = list(_LETTERS[:x.ndim])
    lb = list(_LETTERS[x.ndim:x.ndim + y.ndim])
    for i, j in zip(axes_a, axes_b):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in axes_a] + \
        [c for j, c in enumerate(lb) if j not in axes_b]
    subs = "".join(la) + "," + "".join(lb) + "->" + "".join(out)
    return einsum(subs, x, y, optimize=True)


@implements(np.inner)
def inner(a: Any, b: Any, /) -> ChunkedArray:
    """Inner product over the last axes, like ``numpy.inner`` (a product for 0-d operands).

    >>> import chunkarray as ca
    >>> inner(ca.arange(3, chunks=2), ca.arange(3, chunks=1)).compute()
    np.int64(5)
    """
    x, y = asarray(a), asarray(b)
    if x.ndim == 0 or y.ndim == 0:
        return ufunc_call(np.multiply, x, y)  # type: ignore[no-any-return]
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"inner: the last axes of a {x.shape} and b {y.shape} must have the "
                         f"same length")
    return tensordot(x, y, axes=(-1, -1))


@implements(np.outer)
def outer(a: Any, b: Any, /, out: Any = None) -> ChunkedArray:
    """Outer product of the flattened operands, like ``numpy.outer``.

    >>> import chunkarray as ca
    >>> outer(ca.arange(2, chunks=1), ca.arange(3, chunks=2)).compute()
    array([[0, 0, 0],
           [0, 1, 2]])
    """
    if out is not None:
        raise TypeError("outer: out= is not supported on chunked arrays")
    return einsum("i,j->ij", ravel(asarray(a)), ravel(asarray(b)))


@implements(np.vdot)
def vdot(a: Any, b: Any, /) -> ChunkedArray:
    """Dot product of the flattened operands, the first conjugated, like ``numpy.vdot``.

    >>> import chunkarray as ca, numpy as np
    >>> vdot(ca.from_array(np.array([1j, 2]), chunks=1), ca.ones(2, chunks=1)).compute()
    np.complex128(2-1j)
    """
    x, y = ravel(asarray(a)), ravel(asarray(b))
    if x.size != y.size:
        raise ValueError(f"vdot: a has {x.size} elements and b has {y.size}; they must have "
                         f"the same number")
    if x.dtype.kind == "c":
        x = ufunc_call(np.conjugate, x)
    return einsum("i,i->", x, y)


@implements(np.kron)
def kron(a: Any, b: Any, /) -> ChunkedArray:
    """Kronecker product, like ``numpy.kron``; each block of ``a`` meets the whole of ``b``.

    >>> import chunkarray as ca, numpy as np
    >>> kron(ca.eye(2, chunks=1), np.ones((1, 2))).compute()
    array([[1., 1., 0., 0.],
           [0., 0., 1., 1.]])
    """
    x, y = asarray(a), asarray(b)
    dtype = np.kron(np.ones((1,) * x.ndim, x.dtype), np.ones((1,) * y.ndim, y.dtype)).dtype
    nd = max(x.ndim, y.ndim)
    if nd == 0:
        return ufunc_call(np.multiply, x, y)  # type: ignore[no-any-return]
    if x.ndim < nd:
        x = reshape(x, (1,) * (nd - x.ndim) + x.shape)
    if y.ndim < nd:
        y = expand_dims(y, tuple(range(nd - y.ndim)))
    y = rechunk(y, -1)
    x_ind = tuple(range(nd))
    y_ind = tuple(f"b{i}" for i in range(nd))
    adjust: dict[Any, Any] = {i: partial(_times, y.shape[i]) for i in range(nd)}
    node = blockwise_node(partial(lk.kron_block, dtype=dtype), x_ind, x._node, x_ind, y._node,
                          y_ind, dtype=dtype, concatenate=True, adjust_chunks=adjust,
                          name="kron-" + tokenize(x.name, y.name))
    return ChunkedArray(node)


def _times(factor: int, size: int) -> int:
    return size * factor
