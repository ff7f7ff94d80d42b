"""NumPy's elementwise functions that are not ufuncs: ``around``, ``fix``, ``angle``, ``sinc``,
``i0``, ``isreal``, ``iscomplex``, ``isneginf``, ``isposinf``.

Each runs NumPy's own function on every block (it is elementwise), so values and dtypes are
NumPy's; what NumPy refuses for a dtype (``i0`` of complex numbers, ``isposinf`` of complex
numbers) is refused at the call, by the dtype probe on a stand-in.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import elemwise

__all__ = ["angle", "around", "fix", "i0", "iscomplex", "isneginf", "isposinf", "isreal", "sinc"]


def _no_out(out: Any, func: str) -> None:
    if out is not None:
        raise TypeError(f"{func}: out= is not supported on chunked arrays; assign the result")


def around(a: Any, /, decimals: int = 0, out: Any = None) -> ChunkedArray:
    """Round to ``decimals`` decimals, like ``numpy.around`` (an alias of ``numpy.round``).

    >>> import chunkarray as ca
    >>> around(ca.asarray([1.25, 2.5, -0.5]), 1).compute()
    array([ 1.2,  2.5, -0.5])
    """
    _no_out(out, "around")
    return elemwise(partial(np.round, decimals=decimals), a, label="round")


@implements(np.fix)
def fix(x: Any, /, out: Any = None) -> ChunkedArray:
    """Round towards zero, like ``numpy.fix``.

    >>> import chunkarray as ca
    >>> fix(ca.asarray([-1.5, 1.5])).compute()
    array([-1.,  1.])
    """
    _no_out(out, "fix")
    return elemwise(np.fix, x, label="fix")


@implements(np.angle)
def angle(z: Any, /, deg: bool = False) -> ChunkedArray:
    """The argument of complex numbers (in degrees with ``deg=True``), like ``numpy.angle``.

    >>> import chunkarray as ca
    >>> angle(ca.asarray([1j, -1]), deg=True).compute()
    array([ 90., 180.])
    """
    return elemwise(partial(np.angle, deg=bool(deg)), z, label="angle")


@implements(np.sinc)
def sinc(x: Any, /) -> ChunkedArray:
    """The normalized sinc function ``sin(pi x) / (pi x)``, like ``numpy.sinc``.

    >>> import chunkarray as ca
    >>> sinc(ca.asarray([0.0, 0.5])).compute()
    array([1.        , 0.63661977])
    """
    return elemwise(np.sinc, x, label="sinc")


@implements(np.i0)
def i0(x: Any, /) -> ChunkedArray:
    """The modified Bessel function of the first kind, order 0, like ``numpy.i0``.

    >>> import chunkarray as ca
    >>> i0(ca.asarray([0.0])).compute()
    array([1.])
    """
    return elemwise(np.i0, x, label="i0")


@implements(np.isreal)
def isreal(x: Any, /) -> ChunkedArray:
    """Whether each element has a zero imaginary part, like ``numpy.isreal``.

    >>> import chunkarray as ca
    >>> isreal(ca.asarray([1 + 1j, 2])).compute()
    array([False,  True])
    """
    return elemwise(np.isreal, x, label="isreal")


@implements(np.iscomplex)
def iscomplex(x: Any, /) -> ChunkedArray:
    """Whether each element has a nonzero imaginary part, like ``numpy.iscomplex``.

    >>> import chunkarray as ca
    >>> iscomplex(ca.asarray([1 + 1j, 2])).compute()
    array([ True, False])
    """
    return elemwise(np.iscomplex, x, label="iscomplex")


@implements(np.isneginf)
def isneginf(x: Any, /, out: Any = None) -> ChunkedArray:
    """Whether each element is negative infinity, like ``numpy.isneginf``.

    >>> import chunkarray as ca
    >>> isneginf(ca.asarray([-np.inf, np.inf])).compute()
    array([ True, False])
    """
    _no_out(out, "isneginf")
    return elemwise(np.isneginf, x, label="isneginf")


@implements(np.isposinf)
def isposinf(x: Any, /, out: Any = None) -> ChunkedArray:
    """Whether each element is positive infinity, like ``numpy.isposinf``.

    >>> import chunkarray as ca
    >>> isposinf(ca.asarray([-np.inf, np.inf])).compute()
    array([False,  True])
    """
    _no_out(out, "isposinf")
    return elemwise(np.isposinf, x, label="isposinf")
