"""The core: what every layer above stands on, and which knows nothing of arrays or operations.

- :mod:`~chunkarray.core.chunks`: chunk arithmetic, pure functions over tuples of block sizes
  (normalizing the forms users write; settings such as the target block size are arguments);
- :mod:`~chunkarray.core.grid`: block geometry, regular and varying axes behind one protocol:
  block sizes, offsets, slices, and which block holds an index (vectorized);
- :mod:`~chunkarray.core.graph`: the expression-graph :class:`~chunkarray.core.graph.Node` and its
  lowering to a task graph;
- :mod:`~chunkarray.core.tokenize`: deterministic names;
- :mod:`~chunkarray.core.config`: settings;
- :mod:`~chunkarray.core.bytesize`: byte sizes such as ``"64 MiB"``.

Nothing here imports from the rest of the package.
"""
