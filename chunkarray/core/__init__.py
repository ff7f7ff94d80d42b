"""The core: what every layer above stands on, and which knows nothing of arrays or operations.

- :mod:`~chunkarray.core.chunks`: chunk arithmetic, pure functions over tuples of block sizes;
- :mod:`~chunkarray.core.graph`: the expression-graph :class:`~chunkarray.core.graph.Node` and its
  lowering to a task graph;
- :mod:`~chunkarray.core.tokenize`: deterministic names;
- :mod:`~chunkarray.core.config`: settings;
- :mod:`~chunkarray.core.bytesize`: byte sizes such as ``"64 MiB"``.

Nothing here imports from the rest of the package.
"""
