"""``rechunk``: change the block sizes of an array within a memory budget."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chunkarray.array import ChunkedArray
from chunkarray.core import config
from chunkarray.core.bytesize import parse_bytes
from chunkarray.core.chunks import Chunks, has_unknown, largest_block_nbytes, normalize_chunks
from chunkarray.core.graph import Node
from chunkarray.kernels.staging import can_stage
from chunkarray.optimize.pushdown import remake
from chunkarray.optimize.rechunk_plan import (
    plan_rechunk,
    source_span_bytes,
    stages_on_disk,
    staging_groups_within,
)
from chunkarray.optimize.storage_reads import remake_reads_fit
from chunkarray.primitives.rechunk import Rechunk, rechunk_source, same_sizes
from chunkarray.primitives.staged import staged_rechunk

__all__ = ["METHODS", "rechunk"]

#: What ``method=`` accepts: None chooses, "tasks" moves blocks in memory, "disk" stages them.
METHODS = (None, "tasks", "disk")


def rechunk(x: ChunkedArray, /, chunks: Any = "auto", *, memory_limit: Any = None,
            method: str | None = None) -> ChunkedArray:
    """The same values in new blocks; no task holds more than ``memory_limit`` bytes.

    ``chunks`` takes every form ``from_array`` does, but axes a dict does not name, and axes
    given as ``None``, keep their blocks (as in dask; ``-1`` makes an axis one block). A rechunk
    to the current chunks is ``x`` itself, a rechunk of a rechunk is one rechunk, and a rechunk
    of an array read from storage or made by a creation function (or elementwise steps over
    those) makes the new blocks directly, as long as that reads a bounded amount of storage: no
    new block may decompress more than ``memory_limit`` bytes of whole storage chunks, nor all of
    them more than twice what the current blocks do (see
    :mod:`chunkarray.optimize.storage_reads`). Otherwise blocks are moved, by one of two methods:

    - ``"tasks"``: in memory, through intermediate chunkings where one stage would not fit
      (see :func:`chunkarray.optimize.rechunk_plan.plan_rechunk`). Refused (``ValueError``)
      when the old blocks that one new block overlaps hold more than ``memory_limit`` together:
      all of them must be in memory before that block can be made, however it is staged.
    - ``"disk"``: each old block is written to a file of its own in a temporary directory under
      the ``temporary_directory`` setting and each new block copied back out of those files (see
      :mod:`chunkarray.primitives.staged`); on a multi-machine cluster the directory must be on
      a filesystem every worker shares. Chosen with ``method="disk"`` even for arrays that could
      be made directly.
    - ``None`` (default) picks ``"disk"`` when the old blocks that one new block overlaps hold
      more than ``memory_limit`` together: all of them must exist before that block can be
      made, so moving them in memory holds them all (in an all-to-all rechunk, the whole array).

    Arrays with no elements, with unknown block sizes or holding Python objects (object dtype,
    or structured dtypes with object fields) always use ``"tasks"``: they have nothing to stage,
    or no bytes to stage it as (and Python objects over the limit are refused, as above). Axes
    with unknown (NaN) block sizes must keep them: leave them out of a dict, or give their
    current chunks (or ``-1`` when they are one block).

    >>> import chunkarray as ca
    >>> x = ca.ones((6, 6), chunks=(6, 1))
    >>> rechunk(x, (1, 6)).chunks
    ((1, 1, 1, 1, 1, 1), (6,))
    >>> rechunk(x, x.chunks) is x
    True
    >>> computed = x.map_blocks(abs)  # blocks that cannot be made again, only moved
    >>> y = rechunk(computed, (1, 6), memory_limit=200)  # each new block needs all 6 old ones
    >>> type(y._node).__name__, float(y.sum().compute())
    ('StagedRechunk', 36.0)
    >>> rechunk(computed, (1, 6), memory_limit=200, method="tasks")
    Traceback (most recent call last):
    ...
    ValueError: rechunk from ... holds 288 bytes at once, more than memory_limit=200: ...
    >>> type(rechunk(computed, (1, 6), memory_limit=400, method="tasks")._node).__name__
    'Rechunk'
    """
    if method not in METHODS:
        raise ValueError(f"rechunk: method={method!r} is not one of {list(METHODS)} (None: "
                         f"choose, 'tasks': in memory, 'disk': through temporary storage)")
    new = _new_chunks(x, chunks)
    if same_sizes(new, x.chunks):
        return x
    limit = parse_bytes(memory_limit if memory_limit is not None else config.get("memory_limit"))
    node = rechunk_source(x._node)  # only the original blocks matter
    if same_sizes(node.chunks, new):
        return ChunkedArray(node)
    if any(map(has_unknown, new)):
        return ChunkedArray(_move_unknown(node, new, limit))
    itemsize = max(node.dtype.itemsize, 1)
    if method != "disk":
        direct = remake(node, new)
        if direct is not None and remake_reads_fit(node, direct, limit):
            _check_blocks(new, itemsize, limit, chunks)
            return ChunkedArray(direct)
    # Staged files hold values, not masks: a masked array is moved in memory unless "disk" is
    # asked for (which its staging node then refuses).
    stageable = can_stage(node.dtype) and (not node.masked or method == "disk")
    if stages_on_disk(node.chunks, new, itemsize, limit, method, stageable):
        groups = staging_groups_within(node.chunks, new, itemsize, limit)
        return ChunkedArray(staged_rechunk(node, new, groups,
                                           config.get("temporary_directory")))
    _check_in_memory(node, new, itemsize, limit, method)
    for stage in plan_rechunk(node.chunks, new, itemsize, limit):
        node = Rechunk(node, stage)
    return ChunkedArray(node)


def _check_in_memory(node: Node, new: Chunks, itemsize: int, limit: int, method: str | None
                     ) -> None:
    """Refuse a rechunk in memory that cannot keep within ``limit``.

    Before a new block can be made, every old block it overlaps must have been made, and
    nothing of them can be let go until the new blocks that need it are made: however the
    blocks are moved in memory (in stages or not, in any order), the process then holds them
    all. Blocks that could be made again were remade from their source above.
    """
    span = source_span_bytes(node.chunks, new, itemsize)
    if span <= limit or not all(map(sum, node.chunks)):
        return
    what = (f"rechunk from chunks={node.chunks} to chunks={new}" if len(str(new)) < 200 else
            "this rechunk")
    if method == "tasks":
        fix = "use method='disk' (or method=None, which chooses it), a larger memory_limit"
    elif node.masked:
        fix = ("masked blocks (numpy.ma) cannot be staged on disk; use a larger memory_limit "
               "(or ca.ma.filled(x) first)")
    else:
        fix = (f"its {node.dtype} values hold Python objects, which cannot be staged on disk; "
               f"use a larger memory_limit")
    raise ValueError(
        f"{what} in memory holds {span:,} bytes at once, more than memory_limit={limit:,}: "
        f"every old block that one new block overlaps must be in memory before that block can "
        f"be made; {fix}, or new chunks that each overlap fewer old blocks"
    )


def _check_blocks(new: Chunks, itemsize: int, limit: int, chunks: Any) -> None:
    block = largest_block_nbytes(new, itemsize)
    if block > limit:
        raise ValueError(
            f"rechunk: a block of chunks={chunks!r} holds {block:,} bytes, more than "
            f"memory_limit={limit:,}; use smaller chunks or a larger memory_limit"
        )


# --- the new chunks, and axes of unknown size ----------------------------------------------------


def _new_chunks(x: ChunkedArray, chunks: Any) -> Chunks:
    """``chunks`` normalized against ``x``: unnamed axes of a dict, and axes given as None,
    keep their blocks (``-1`` makes an axis one block), and axes of unknown size must keep theirs
    (as in dask, which cannot move blocks it cannot measure).

    >>> import chunkarray as ca
    >>> x = ca.ones((6, 6), chunks=(2, 3))
    >>> _new_chunks(x, (None, 6)), _new_chunks(x, {1: -1}), _new_chunks(x, {0: None, 1: 2})
    (((2, 2, 2), (6,)), ((2, 2, 2), (6,)), ((2, 2, 2), (2, 2, 2)))
    """
    given = chunks  # for messages
    if chunks is None:
        return x.chunks
    if isinstance(chunks, Mapping):  # as in dask: the axes not named keep their blocks
        named = {a % x.ndim if isinstance(a, int) and -x.ndim <= a < x.ndim else a: c
                 for a, c in chunks.items()}
        chunks = {**dict(enumerate(x.chunks)),
                  **{a: x.chunks[a] if c is None and a in range(x.ndim) else c
                     for a, c in named.items()}}
    elif isinstance(chunks, (tuple, list)) and len(chunks) == x.ndim:
        chunks = tuple(x.chunks[a] if c is None else c for a, c in enumerate(chunks))
    unknown = [a for a, c in enumerate(x.chunks) if has_unknown(c)]
    if not unknown:
        previous = tuple(max(s, 1) for s in x.chunksize)  # "auto" keeps multiples of the old blocks
        new = normalize_chunks(chunks, x.shape, dtype=x.dtype, previous_chunks=previous,
                               limit=config.get("chunk_size"))
        for axis, c in enumerate(new):
            if has_unknown(c):
                raise ValueError(f"rechunk: chunks={given!r} gives unknown (NaN) sizes for axis "
                                 f"{axis}, whose sizes are known; give integer block sizes")
        return new
    specs = _per_axis(chunks, x.ndim)
    for axis in unknown:
        if not _keeps(specs[axis], x.chunks[axis]):
            raise ValueError(
                f"rechunk: axis {axis} has unknown (NaN) block sizes (chunks={x.chunks}), so its "
                f"blocks cannot change, but chunks={given!r} changes them; keep them (leave the "
                f"axis out of a dict, e.g. x.rechunk({{{_other(x.ndim, axis)}: ...}})) or call "
                f"x.compute_chunk_sizes() first"
            )
    known = [a for a in range(x.ndim) if a not in unknown]
    if any(isinstance(specs[a], str) for a in known):  # as in dask
        raise ValueError(
            f"rechunk: chunks={given!r} asks for automatic block sizes, which need the size of "
            f"every axis, but axis {unknown[0]} has unknown (NaN) block sizes; give explicit "
            f"sizes or call x.compute_chunk_sizes() first"
        )
    sub = normalize_chunks(
        tuple(specs[a] for a in known), tuple(x.shape[a] for a in known), dtype=x.dtype,
        previous_chunks=tuple(max(max(x.chunks[a]), 1) for a in known),
        limit=config.get("chunk_size"),
    )
    out = list(x.chunks)
    for a, c in zip(known, sub):
        out[a] = c
    return tuple(out)


def _per_axis(chunks: Any, ndim: int) -> list[Any]:
    """One chunk spec per axis, for arrays with unknown sizes (dicts were completed before)."""
    if isinstance(chunks, Mapping):
        bad = sorted(map(repr, set(chunks) - set(range(ndim))))
        if bad:
            raise ValueError(f"rechunk: chunks={chunks!r}: dict keys must be axes in "
                             f"range({-ndim}, {ndim}), got {', '.join(bad)}")
        return [chunks[a] for a in range(ndim)]
    if isinstance(chunks, (tuple, list)):
        if len(chunks) != ndim:
            raise ValueError(f"rechunk: chunks={chunks!r} has {len(chunks)} entries but the "
                             f"array has {ndim} axes; give one entry per axis")
        return list(chunks)
    return [chunks] * ndim


def _keeps(spec: Any, sizes: tuple[Any, ...]) -> bool:
    """Whether ``spec`` leaves an axis of unknown ``sizes`` as it is."""
    if isinstance(spec, (tuple, list)):
        return same_sizes((tuple(spec),), (sizes,))
    whole = spec is None or (isinstance(spec, int) and not isinstance(spec, bool) and spec == -1)
    return whole and len(sizes) == 1


def _other(ndim: int, axis: int) -> int:
    return 0 if axis != 0 or ndim == 1 else 1


def _move_unknown(node: Node, new: Chunks, limit: int) -> Node:
    """Rechunk the known axes in memory; the unknown ones keep their blocks.

    The memory limit is checked over the known axes only (each unknown axis counted as one
    element): their sizes are not known before compute.
    """
    known = [a for a, c in enumerate(new) if not has_unknown(c)]
    itemsize = max(node.dtype.itemsize, 1)
    plan = plan_rechunk(tuple(node.chunks[a] for a in known), tuple(new[a] for a in known),
                        itemsize, limit)
    for stage in plan:
        full = list(new)
        for a, c in zip(known, stage):
            full[a] = c
        node = Rechunk(node, tuple(full))
    return node
