"""Optional storage libraries, imported when first used so ``import chunkarray`` stays light."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or say which chunkarray extra installs it.

    >>> require("numpy", "all").__name__
    'numpy'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"this needs the {module} package: pip install 'chunkarray[{extra}]'"
                          ) from None
