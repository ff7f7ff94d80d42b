"""The one table of elementwise functions: NumPy name → NumPy function → Python operators.

Everything that needs to know "which functions act element by element" reads this table: the
operators of :class:`~chunkarray.array.ChunkedArray` (``x + y`` is the entry ``add``), the public
ufunc functions (``chunkarray.sin``) and ``__array_ufunc__``, and fusion (which runs a chain of
elementwise steps piece by piece, in place). It is plain data over NumPy, so every layer may
import it.

>>> ELEMENTWISE["add"].dunders
('__add__', '__radd__', '__iadd__')
>>> ELEMENTWISE["sin"].func is np.sin, ELEMENTWISE["sin"].dunders
(True, ())
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ELEMENTWISE", "ELEMENTWISE_FUNCS", "Elementwise"]


@dataclass(frozen=True)
class Elementwise:
    """An elementwise NumPy function, and the Python operators that apply it.

    ``operator`` is Python's name for the operator (``"add"`` for ``+``, method ``__add__``);
    ``reflected`` says there is also ``__radd__`` (``2 + x``), ``inplace`` also ``__iadd__``.

    >>> Elementwise("equal", np.equal, "eq").dunders
    ('__eq__',)
    """

    name: str
    func: Callable[..., Any]
    operator: str | None = None
    reflected: bool = False
    inplace: bool = False

    @property
    def is_ufunc(self) -> bool:
        """Whether the function is a NumPy ufunc (as opposed to ``numpy.where``, ``numpy.clip``)."""
        return isinstance(self.func, np.ufunc)

    @property
    def nin(self) -> int:
        """How many array operands the function takes."""
        return self.func.nin if isinstance(self.func, np.ufunc) else 3

    @property
    def nout(self) -> int:
        """How many arrays the function returns (``divmod``, ``frexp`` and ``modf`` return two)."""
        return self.func.nout if isinstance(self.func, np.ufunc) else 1

    @property
    def dunders(self) -> tuple[str, ...]:
        """The names of the ``ChunkedArray`` methods that apply the function."""
        if self.operator is None:
            return ()
        forms = ("",) + ("r",) * self.reflected + ("i",) * self.inplace
        return tuple(f"__{form}{self.operator}__" for form in forms)


# NumPy name → (operator, reflected, in place). Where NumPy has two names for one ufunc
# (``divide`` and ``true_divide``, ``invert`` and ``bitwise_not``), the operator is on one of them.
_OPERATORS: dict[str, tuple[str, bool, bool]] = {
    "add": ("add", True, True),
    "subtract": ("sub", True, True),
    "multiply": ("mul", True, True),
    "divide": ("truediv", True, True),
    "floor_divide": ("floordiv", True, True),
    "remainder": ("mod", True, True),
    "power": ("pow", True, True),
    "bitwise_and": ("and", True, True),
    "bitwise_or": ("or", True, True),
    "bitwise_xor": ("xor", True, True),
    "left_shift": ("lshift", True, True),
    "right_shift": ("rshift", True, True),
    "divmod": ("divmod", True, False),
    # Python reflects a comparison itself (``2 < x`` is ``x > 2``): no ``__r..__`` forms.
    "equal": ("eq", False, False),
    "not_equal": ("ne", False, False),
    "less": ("lt", False, False),
    "less_equal": ("le", False, False),
    "greater": ("gt", False, False),
    "greater_equal": ("ge", False, False),
    "negative": ("neg", False, False),
    "positive": ("pos", False, False),
    "absolute": ("abs", False, False),
    "invert": ("invert", False, False),
}

# Element-by-element NumPy functions that are not ufuncs; chunkarray has its own public functions
# for them (their argument rules differ from a ufunc's).
_NOT_UFUNCS: tuple[Callable[..., Any], ...] = (np.where, np.clip)


def _is_elementwise_ufunc(value: Any) -> bool:
    return isinstance(value, np.ufunc) and value.signature is None


def _table() -> dict[str, Elementwise]:
    # NumPy's own namespace, not ``dir(np)``: asking NumPy for every name it lists imports its
    # lazily loaded submodules (f2py, testing, ...), a third of chunkarray's import time.
    table = {
        name: Elementwise(name, value, *_OPERATORS.get(name, (None, False, False)))
        for name, value in sorted(vars(np).items())
        if _is_elementwise_ufunc(value)
    }
    for func in _NOT_UFUNCS:
        table[func.__name__] = Elementwise(func.__name__, func)
    return table


#: Every elementwise NumPy function by its NumPy name (every ufunc without a core signature,
#: aliases included, then ``where`` and ``clip``).
ELEMENTWISE: dict[str, Elementwise] = _table()

#: The functions whose blocks may be computed piece by piece and in place: elementwise, one output.
ELEMENTWISE_FUNCS: frozenset[Callable[..., Any]] = frozenset(
    e.func for e in ELEMENTWISE.values() if e.nout == 1
)
