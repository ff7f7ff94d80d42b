"""User functions over chunked arrays: generalized ufuncs and NumPy's function-applying helpers.

``apply_gufunc`` follows ``dask.array.apply_gufunc``: the signature's core dimensions are moved
last and must be one block each (or are rechunked to one with ``allow_rechunk=True``); the
function then runs once per block of the loop dimensions, one blockwise step, with a step per
output picking its part of the result. ``apply_along_axis``, ``apply_over_axes``,
``frompyfunc`` and ``piecewise`` follow NumPy.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as kernels
from chunkarray.ops.creation import asarray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import astype, elemwise
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import transpose
from chunkarray.ops.shape import broadcast_to, expand_dims
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["apply_along_axis", "apply_gufunc", "apply_over_axes", "as_gufunc", "frompyfunc",
           "gufunc", "piecewise"]

_DIM = r"\w+"
_CORE = rf"(?:{_DIM}(?:,{_DIM})*)?"
_ARG = rf"\({_CORE}\)"
_ARGS = rf"(?:{_ARG}(?:,{_ARG})*)?"
_SIGNATURE = re.compile(rf"^{_ARGS}->{_ARGS},?$")

CoreDims = tuple[str, ...]


def parse_signature(signature: str) -> tuple[list[CoreDims], CoreDims | list[CoreDims]]:
    """Input core dimensions and output core dimensions (a list when there are several outputs).

    >>> parse_signature("(i,j),(j)->(i)")
    ([('i', 'j'), ('j',)], ('i',))
    >>> parse_signature("()->(),()")
    ([()], [(), ()])
    """
    if not isinstance(signature, str):
        raise TypeError(f"signature={signature!r} must be a string such as '(i),(i)->()'")
    text = re.sub(r"\s+", "", signature)
    if not _SIGNATURE.match(text):
        raise ValueError(f"signature={signature!r} is not a valid gufunc signature; write one "
                         f"like '(i,j),(j)->(i)'")
    ins_text, outs_text = text.split("->")
    ins = [tuple(re.findall(_DIM, a)) for a in re.findall(_ARG, ins_text)]
    outs = [tuple(re.findall(_DIM, a)) for a in re.findall(_ARG, outs_text)]
    if len(outs) == 1 and not outs_text.endswith(","):
        return ins, outs[0]
    return ins, outs


def _normalize_axes(axes: Any, axis: Any, keepdims: bool, ins: list[CoreDims],
                    outs: list[CoreDims]) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """Where each input's core dimensions are, and where each output's go (dask's rules)."""
    nin, nout = len(ins), len(outs)
    if axes is not None and axis is not None:
        raise ValueError("apply_gufunc: give only one of axes= and axis=")
    if axes is not None and not isinstance(axes, list):
        raise ValueError(f"apply_gufunc: axes={axes!r} must be a list, one entry per argument")
    filled = [cd for cd in ins if cd]
    with_core = sum(1 for cd in outs if cd)
    if keepdims:
        if with_core:
            raise ValueError("apply_gufunc: keepdims=True needs outputs without core "
                             "dimensions (scalar outputs)")
        if filled:
            outs = [filled[0]] * nout
    core = ins + outs
    if axis is not None:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"apply_gufunc: axis={axis!r} must be an int")
        if filled and (len(filled[0]) != 1 or any(cd != filled[0] for cd in filled)):
            raise ValueError("apply_gufunc: axis= needs every input to have the same single "
                             f"core dimension, got {ins}")
        axes = [(axis,) if cd else () for cd in core]
    elif axes is None:
        axes = [tuple(range(-len(cd), 0)) for cd in core]
    axes = [(a,) if isinstance(a, (int, np.integer)) else tuple(a) for a in axes]
    if len(axes) not in ((nin, nin + nout) if not with_core else (nin + nout,)):
        raise ValueError(f"apply_gufunc: axes={axes!r} has {len(axes)} entries, but there are "
                         f"{nin} inputs and {nout} outputs")
    in_axes, out_axes = axes[:nin], axes[nin:] or [tuple(range(-len(cd), 0)) for cd in outs]
    for i, (ax, cd) in enumerate(zip(in_axes, ins)):
        if len(ax) != len(cd):
            raise ValueError(f"apply_gufunc: axes entry {ax} for input {i} does not match its "
                             f"{len(cd)} core dimensions {cd}")
    if keepdims:
        if any(cd != ins[0] for cd in ins):
            raise ValueError("apply_gufunc: keepdims=True needs every input to have the same "
                             "core dimensions")
        out_axes = [in_axes[0]] * nout
    else:
        for i, (ax, cd) in enumerate(zip(out_axes, outs)):
            if len(ax) != len(cd):
                raise ValueError(f"apply_gufunc: axes entry {ax} for output {i} does not match "
                                 f"its {len(cd)} core dimensions {cd}")
    return in_axes, out_axes


def _core_last(x: ChunkedArray, axes: tuple[int, ...]) -> ChunkedArray:
    core = [normalize_axis_index(int(a), x.ndim, "axes") for a in axes]
    return transpose(x, [a for a in range(x.ndim) if a not in core] + core)


def _infer_dtypes(func: Callable[..., Any], args: list[ChunkedArray], kwargs: dict[str, Any],
                  nout: int | None) -> Any:
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = func(*[np.ones((1,) * a.ndim, a.dtype) for a in args], **kwargs)
    except Exception as exc:
        raise ValueError(f"apply_gufunc could not infer the output dtypes by calling {func!r} "
                         f"on arrays of ones ({type(exc).__name__}: {exc}); pass "
                         f"output_dtypes=") from exc
    if nout is None:
        return np.asarray(out).dtype
    return [np.asarray(o).dtype for o in out]


def _output_dtypes(output_dtypes: Any, meta: Any, nout: int | None) -> list[np.dtype]:
    if meta is not None:
        if output_dtypes is not None:
            raise ValueError("apply_gufunc: give only one of meta= and output_dtypes=")
        output_dtypes = [np.asarray(m).dtype for m in meta] if isinstance(
            meta, (tuple, list)) else np.asarray(meta).dtype
    if nout is None:
        if isinstance(output_dtypes, (tuple, list)):
            if len(output_dtypes) != 1:
                raise ValueError(f"apply_gufunc: one output, but output_dtypes={output_dtypes!r}")
            output_dtypes = output_dtypes[0]
        return [np.dtype(output_dtypes)]
    if not isinstance(output_dtypes, (tuple, list)) or len(output_dtypes) != nout:
        raise ValueError(f"apply_gufunc: {nout} outputs need a list of {nout} output_dtypes, "
                         f"got {output_dtypes!r}")
    return [np.dtype(d) for d in output_dtypes]


def apply_gufunc(func: Callable[..., Any], signature: str, /, *args: Any, axes: Any = None,
                 axis: Any = None, keepdims: bool = False, output_dtypes: Any = None,
                 output_sizes: dict[str, int] | None = None, vectorize: bool | None = None,
                 allow_rechunk: bool = False, meta: Any = None, **kwargs: Any) -> Any:
    """Apply a generalized ufunc ``func`` with ``signature`` (e.g. ``"(i),(i)->()"``).

    As ``dask.array.apply_gufunc``: core dimensions (moved by ``axes``/``axis``) must be one block
    each unless ``allow_rechunk``; new output dimensions need ``output_sizes``; ``vectorize``
    wraps ``func`` in ``numpy.vectorize``; several outputs come back as a tuple.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.arange(12.0).reshape(3, 4), chunks=(1, 4))
    >>> apply_gufunc(lambda a: a.mean(axis=-1), "(i)->()", x, output_dtypes=float).compute()
    array([1.5, 5.5, 9.5])
    >>> lo, hi = apply_gufunc(lambda a: (a.min(-1), a.max(-1)), "(i)->(),()", x,
    ...                       output_dtypes=[float, float])
    >>> hi.compute()
    array([ 3.,  7., 11.])
    """
    ins, outs = parse_signature(signature)
    nout = None if not isinstance(outs, list) else len(outs)
    out_list = outs if isinstance(outs, list) else [outs]
    arrays = [asarray(a) for a in args]
    if len(arrays) != len(ins):
        raise ValueError(f"apply_gufunc: signature {signature!r} takes {len(ins)} arguments, "
                         f"got {len(arrays)}")
    for i, (x, cd) in enumerate(zip(arrays, ins)):
        if x.ndim < len(cd):
            raise ValueError(f"apply_gufunc: argument {i} has {x.ndim} dimensions, fewer than "
                             f"its core dimensions {cd} in signature {signature!r}")
    in_axes, out_axes = _normalize_axes(axes, axis, keepdims, ins, out_list)
    arrays = [_core_last(x, ax) for x, ax in zip(arrays, in_axes)]
    if output_dtypes is None and meta is None:
        probe = np.vectorize(func, signature=signature) if vectorize else func
        output_dtypes = _infer_dtypes(probe, arrays, kwargs, nout)
    dtypes = _output_dtypes(output_dtypes, meta, nout)
    if vectorize:
        func = np.vectorize(func, signature=signature, otypes=dtypes)
    sizes = _core_sizes(arrays, ins, out_list, output_sizes or {})
    arrays = _core_whole(arrays, ins, allow_rechunk)
    loops = [x.ndim - len(cd) for x, cd in zip(arrays, ins)]
    nloop = max(loops)
    letters = [tuple(f"loop{d}" for d in range(nloop - n, nloop)) + tuple(f"core-{c}" for c in cd)
               for n, cd in zip(loops, ins)]
    loop_ind = tuple(f"loop{d}" for d in range(nloop))
    pairs: list[Any] = []
    for x, ind in zip(arrays, letters):
        pairs += [x._node, ind]
    kernel = partial(func, **kwargs) if kwargs else func
    label = getattr(func, "__name__", "gufunc")
    main = blockwise_node(kernel, loop_ind, *pairs, dtype=dtypes[0], concatenate=True,
                          token=(label, signature))
    results = []
    for i, (cd, ax, dtype) in enumerate(zip(out_list, out_axes, dtypes)):
        ind = loop_ind + tuple(f"core-{c}" for c in cd)
        getter = partial(kernels.index_output, i=i) if nout is not None else kernels.identity
        node = blockwise_node(getter, ind, main, loop_ind, dtype=dtype,
                              new_axes={f"core-{c}": sizes[c] for c in cd},
                              name=f"{main.name}-out{i}")
        out = ChunkedArray(node)
        if keepdims:
            out = expand_dims(out, tuple(range(out.ndim, out.ndim + len(ax))))
        results.append(_place_core(out, ax))
    return tuple(results) if nout is not None else results[0]


def _core_sizes(arrays: list[ChunkedArray], ins: list[CoreDims], outs: list[CoreDims],
                output_sizes: dict[str, int]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for x, cd in zip(arrays, ins):
        for c, n in zip(cd, x.shape[x.ndim - len(cd):]):
            if sizes.setdefault(c, n) != n:
                raise ValueError(f"apply_gufunc: core dimension {c!r} has lengths {sizes[c]} and "
                                 f"{n} in different arguments")
    for c, n in output_sizes.items():
        sizes.setdefault(c, int(n))
    for cd in outs:
        for c in cd:
            if c not in sizes:
                raise ValueError(f"apply_gufunc: output dimension {c!r} is in no input; give its "
                                 f"length in output_sizes={{{c!r}: n}}")
    return sizes


def _core_whole(arrays: list[ChunkedArray], ins: list[CoreDims], allow_rechunk: bool
                ) -> list[ChunkedArray]:
    out = []
    for i, (x, cd) in enumerate(zip(arrays, ins)):
        core = range(x.ndim - len(cd), x.ndim)
        split = [a for a in core if len(x.chunks[a]) > 1]
        if split and not allow_rechunk:
            c = cd[split[0] - (x.ndim - len(cd))]
            raise ValueError(
                f"apply_gufunc: core dimension {c!r} of argument {i} is split into "
                f"{len(x.chunks[split[0]])} blocks; rechunk it to one block or pass "
                f"allow_rechunk=True (each block then holds the whole dimension)")
        out.append(rechunk(x, {a: -1 for a in split}) if split else x)
    return out


def _place_core(x: ChunkedArray, axes: tuple[int, ...]) -> ChunkedArray:
    """Move the trailing core dimensions of an output to ``axes``."""
    if not axes:
        return x
    order: list[int | None] = [None] * x.ndim
    for core, a in zip(range(x.ndim - len(axes), x.ndim), axes):
        order[normalize_axis_index(int(a), x.ndim, "axes")] = core
    rest = iter(range(x.ndim - len(axes)))
    return transpose(x, [next(rest) if o is None else o for o in order])


class gufunc:  # noqa: N801 - dask's name
    """A function bound to a gufunc signature, called on chunked arrays via :func:`apply_gufunc`.

    >>> import chunkarray as ca, numpy as np
    >>> from functools import partial
    >>> norm = gufunc(partial(np.linalg.norm, axis=-1), signature="(i)->()", output_dtypes=float)
    >>> norm(ca.ones((2, 4), chunks=1), allow_rechunk=True).compute()
    array([2., 2.])
    """

    def __init__(self, pyfunc: Callable[..., Any], *, signature: str,
                 vectorize: bool | None = None, axes: Any = None, axis: Any = None,
                 keepdims: bool = False, output_sizes: dict[str, int] | None = None,
                 output_dtypes: Any = None, allow_rechunk: bool = False,
                 meta: Any = None) -> None:
        self.pyfunc = pyfunc
        self.signature = signature
        self.vectorize = vectorize
        self.axes, self.axis, self.keepdims = axes, axis, keepdims
        self.output_sizes, self.output_dtypes = output_sizes, output_dtypes
        self.allow_rechunk, self.meta = allow_rechunk, meta
        parse_signature(signature)  # a bad signature fails here, not at the first call
        self.__doc__ = getattr(pyfunc, "__doc__", None)
        self.__name__ = getattr(pyfunc, "__name__", "gufunc")

    def __call__(self, *args: Any, allow_rechunk: bool = False, **kwargs: Any) -> Any:
        return apply_gufunc(
            self.pyfunc, self.signature, *args, vectorize=self.vectorize, axes=self.axes,
            axis=self.axis, keepdims=self.keepdims, output_sizes=self.output_sizes,
            output_dtypes=self.output_dtypes, allow_rechunk=self.allow_rechunk or allow_rechunk,
            meta=self.meta, **kwargs)


def as_gufunc(signature: str | None = None, **kwargs: Any) -> Callable[..., gufunc]:
    """A decorator making a function a :class:`gufunc` with ``signature``.

    >>> import chunkarray as ca
    >>> @as_gufunc("(i)->()", output_dtypes=float)
    ... def total(a):
    ...     return a.sum(axis=-1)
    >>> total(ca.ones((3, 2), chunks=(1, 2))).compute()
    array([2., 2., 2.])
    """
    if signature is None:
        raise TypeError("as_gufunc: signature= is required, e.g. as_gufunc('(i)->()')")
    allowed = {"vectorize", "axes", "axis", "keepdims", "output_sizes", "output_dtypes",
               "allow_rechunk", "meta"}
    unknown = set(kwargs) - allowed
    if unknown:
        raise TypeError(f"as_gufunc: unsupported keyword arguments {sorted(unknown)}; allowed: "
                        f"{sorted(allowed)}")
    return partial(gufunc, signature=signature, **kwargs)


# --- NumPy's helpers -----------------------------------------------------------------------------


def _along_axis(block: np.ndarray, *, func1d: Callable[..., Any], axis: int, dtype: np.dtype,
                args: tuple[Any, ...], kwargs: dict[str, Any]) -> np.ndarray:
    out = np.apply_along_axis(func1d, axis, block, *args, **kwargs)
    return np.asarray(out).astype(dtype, copy=False)


@implements(np.apply_along_axis)
def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: Any, /, *args: Any,
                     dtype: Any = None, shape: Any = None, **kwargs: Any) -> ChunkedArray:
    """``func1d`` on every 1-D slice along ``axis``, like ``numpy.apply_along_axis``.

    The axis is rechunked to one block. The result's dtype and shape come from one call of
    ``func1d`` on a vector of ones of the axis' length, unless ``dtype`` and ``shape`` are given.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.arange(6).reshape(2, 3), chunks=1)
    >>> apply_along_axis(np.diff, 1, x).compute()
    array([[1, 1],
           [1, 1]])
    """
    x = asarray(arr)
    axis = normalize_axis_index(axis, x.ndim, "axis")
    if any(n == 0 for a, n in enumerate(x.shape) if a != axis):
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    if dtype is None or shape is None:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probe = np.asarray(func1d(np.ones(x.shape[axis], x.dtype), *args, **kwargs))
        dtype = probe.dtype if dtype is None else dtype
        shape = probe.shape if shape is None else shape
    shape = tuple(shape)
    x = rechunk(x, {axis: -1})
    in_ind = tuple(range(x.ndim))
    new = tuple(f"res{i}" for i in range(len(shape)))
    out_ind = in_ind[:axis] + new + in_ind[axis + 1:]
    kernel = partial(_along_axis, func1d=func1d, axis=axis, dtype=np.dtype(dtype), args=args,
                     kwargs=kwargs)
    return ChunkedArray(blockwise_node(
        kernel, out_ind, x._node, in_ind, dtype=dtype, concatenate=True,
        new_axes=dict(zip(new, shape)),
        name="apply_along_axis-" + tokenize(x.name, func1d, axis, args, kwargs, shape)))


@implements(np.apply_over_axes)
def apply_over_axes(func: Callable[..., Any], a: Any, axes: Any) -> ChunkedArray:
    """``func(a, axis)`` over each axis in turn, keeping dimensions, like
    ``numpy.apply_over_axes``.

    >>> import chunkarray as ca
    >>> apply_over_axes(ca.sum, ca.ones((2, 3), chunks=1), [0, 1]).compute()
    array([[6.]])
    """
    val = asarray(a)
    n = val.ndim
    for axis in np.atleast_1d(np.asarray(axes)).tolist():
        axis = axis + n if axis < 0 else axis
        res = asarray(func(val, axis))
        if res.ndim != val.ndim:
            res = expand_dims(res, axis)
            if res.ndim != val.ndim:
                raise ValueError("function is not returning an array of the correct shape")
        val = res
    return val


class _PyFunc:
    """``numpy.frompyfunc(func, nin, nout)`` made on the worker: picklable when ``func`` is."""

    __slots__ = ("func", "nin", "nout", "identity", "__name__")

    def __init__(self, func: Callable[..., Any], nin: int, nout: int, identity: Any) -> None:
        self.func, self.nin, self.nout, self.identity = func, nin, nout, identity
        self.__name__ = getattr(func, "__name__", "pyfunc")

    def __call__(self, *blocks: Any) -> Any:
        return np.frompyfunc(self.func, self.nin, self.nout, identity=self.identity)(*blocks)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_PyFunc, (self.func, self.nin, self.nout, self.identity))


class frompyfunc:  # noqa: N801 - NumPy's name
    """A Python function as an elementwise operation returning object arrays, like
    ``numpy.frompyfunc``.

    >>> import chunkarray as ca
    >>> fmt = frompyfunc(lambda v: f"<{v}>", 1, 1)
    >>> fmt(ca.arange(3, chunks=2)).compute()
    array(['<0>', '<1>', '<2>'], dtype=object)
    """

    def __init__(self, func: Callable[..., Any], /, nin: int, nout: int, *,
                 identity: Any = None) -> None:
        np.frompyfunc(func, nin, nout, identity=identity)  # NumPy's own checks, at the call
        self._kernel = _PyFunc(func, nin, nout, identity)
        self.nin, self.nout = nin, nout
        self.__name__ = self._kernel.__name__

    def __call__(self, *args: Any) -> Any:
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__} takes {self.nin} arguments, got {len(args)}")
        dtype: Any = np.dtype(object) if self.nout == 1 else (np.dtype(object),) * self.nout
        return elemwise(self._kernel, *args, dtype=dtype, label=self.__name__)


def _piecewise(x: np.ndarray, *conds: np.ndarray, funclist: Sequence[Any],
               args: tuple[Any, ...], kw: dict[str, Any]) -> np.ndarray:
    return np.piecewise(x, list(conds), funclist, *args, **kw)


@implements(np.piecewise)
def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any
              ) -> ChunkedArray:
    """Pieces of ``x`` through the function (or value) of the condition they meet, like
    ``numpy.piecewise``; elements meeting none are 0 unless an extra "otherwise" is given.

    >>> import chunkarray as ca
    >>> x = ca.arange(-2, 3, chunks=2)
    >>> piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v * 10]).compute()
    array([ 2,  1,  0, 10, 20])
    """
    x = asarray(x)
    if not isinstance(condlist, (list, tuple)) or (
            x.ndim != 0 and condlist and not isinstance(condlist[0], (list, np.ndarray,
                                                                      ChunkedArray))):
        condlist = [condlist]
    n, nf = len(condlist), len(funclist)
    if nf not in (n, n + 1):
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    conds = [broadcast_to(astype(asarray(c), bool), x.shape) for c in condlist]
    kernel = partial(_piecewise, funclist=list(funclist), args=args, kw=kw)
    return elemwise(kernel, x, *conds, dtype=x.dtype, label="piecewise")
