"""The array API standard's device (``CPU_DEVICE``) and ``__array_namespace_info__``.

chunkarray computes on the host's CPU, so there is one device; an array's ``device`` and every
``device=`` argument name it (the object, or the string ``"cpu"``).

>>> info = __array_namespace_info__()
>>> info.default_device()
CPU_DEVICE
>>> info.default_dtypes()["real floating"]
dtype('float64')
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["CPU_DEVICE", "Device", "__array_namespace_info__", "check_device"]


class Device:
    """The one device chunkarray computes on: the host's CPU (``CPU_DEVICE``).

    >>> CPU_DEVICE == Device() and CPU_DEVICE == "cpu"
    True
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "CPU_DEVICE"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) or other == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")


CPU_DEVICE = Device()


def check_device(device: Any, argument: str = "device") -> None:
    """Refuse any device but the CPU (``None``, ``CPU_DEVICE`` or ``"cpu"`` are accepted).

    >>> check_device("gpu")
    Traceback (most recent call last):
    ...
    ValueError: device='gpu': chunkarray computes on the CPU only; use CPU_DEVICE, "cpu" or None
    """
    if device is not None and not (isinstance(device, (Device, str)) and device == CPU_DEVICE):
        raise ValueError(f"{argument}={device!r}: chunkarray computes on the CPU only; use "
                         f'CPU_DEVICE, "cpu" or None')


# The standard's dtype kinds, in the order its ``dtypes()`` lists them.
_KINDS: dict[str, tuple[str, ...]] = {
    "bool": ("bool",),
    "signed integer": ("int8", "int16", "int32", "int64"),
    "unsigned integer": ("uint8", "uint16", "uint32", "uint64"),
    "real floating": ("float32", "float64"),
    "complex floating": ("complex64", "complex128"),
}
_KINDS["integral"] = _KINDS["signed integer"] + _KINDS["unsigned integer"]
_KINDS["numeric"] = _KINDS["integral"] + _KINDS["real floating"] + _KINDS["complex floating"]


class ArrayNamespaceInfo:
    """What ``chunkarray.__array_namespace_info__()`` returns: the namespace's capabilities,
    devices and data types, as the array API standard defines them.

    >>> ArrayNamespaceInfo().capabilities()["boolean indexing"]
    True
    """

    __slots__ = ()

    def capabilities(self) -> dict[str, Any]:
        """Optional features: boolean masks and data-dependent shapes (sizes become unknown).

        >>> ArrayNamespaceInfo().capabilities()["data-dependent shapes"]
        True
        """
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self) -> Device:
        """The CPU, the only device.

        >>> ArrayNamespaceInfo().default_device()
        CPU_DEVICE
        """
        return CPU_DEVICE

    def devices(self) -> list[Device]:
        """Every device arrays may live on: the CPU.

        >>> ArrayNamespaceInfo().devices()
        [CPU_DEVICE]
        """
        return [CPU_DEVICE]

    def default_dtypes(self, *, device: Any = None) -> dict[str, np.dtype]:
        """The dtypes creation functions use when none is given (NumPy's, on a 64-bit platform).

        >>> ArrayNamespaceInfo().default_dtypes()["integral"]
        dtype('int64')
        """
        check_device(device)
        return {
            "real floating": np.dtype(np.float64),
            "complex floating": np.dtype(np.complex128),
            "integral": np.dtype(np.intp),
            "indexing": np.dtype(np.intp),
        }

    def dtypes(self, *, device: Any = None, kind: str | tuple[str, ...] | None = None
               ) -> dict[str, np.dtype]:
        """The standard's dtypes of ``kind`` (a kind name, a tuple of them, or all if ``None``).

        >>> list(ArrayNamespaceInfo().dtypes(kind="real floating"))
        ['float32', 'float64']
        """
        check_device(device)
        if kind is None:
            names = ("bool",) + _KINDS["numeric"]
        else:
            kinds = (kind,) if isinstance(kind, str) else tuple(kind)
            unknown = [k for k in kinds if k not in _KINDS]
            if unknown:
                raise ValueError(f"kind={kind!r}: unknown dtype kind {unknown[0]!r}; "
                                 f"allowed: {', '.join(map(repr, _KINDS))}")
            names = tuple(n for n in _KINDS["bool"] + _KINDS["numeric"]
                          if any(n in _KINDS[k] for k in kinds))
        return {name: np.dtype(name) for name in names}


def __array_namespace_info__() -> ArrayNamespaceInfo:
    """The array API standard's inspection object for the ``chunkarray`` namespace.

    >>> __array_namespace_info__().devices()
    [CPU_DEVICE]
    """
    return ArrayNamespaceInfo()
