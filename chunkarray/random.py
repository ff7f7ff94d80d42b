"""Random chunked arrays whose values depend on the seed and the positions, never the chunks.

``default_rng(seed)`` stands for ``numpy.random.Generator(numpy.random.Philox(seed))``:
``random`` and ``integers`` (scalar bounds) give NumPy's own values, rejected draws of
``integers`` included; every other distribution draws tile by tile from streams of its own (see
:mod:`chunkarray.ops.random`). As in dask, the module
also has NumPy's legacy interface: ``RandomState``, ``seed`` and module-level functions
(``chunkarray.random.normal(size=..., chunks=...)``, ...) drawing from one global state.

>>> import numpy as np, chunkarray as ca
>>> x = ca.random.default_rng(7).random((5, 4), chunks=(2, 3))
>>> bool((x.compute() == np.random.Generator(np.random.Philox(7)).random((5, 4))).all())
True
"""

from chunkarray.ops.random import Generator, default_rng
from chunkarray.ops.random_legacy import FUNCTIONS, RandomState, seed

globals().update(FUNCTIONS)

__all__ = ["Generator", "RandomState", "default_rng", "seed", *FUNCTIONS]
