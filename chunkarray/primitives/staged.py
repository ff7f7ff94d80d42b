"""A rechunk staged through temporary files: out of core, like dask's P2P rechunk.

When every new block needs pieces of very many old blocks that cannot be made again (an
all-to-all rechunk of a computed array), any in-memory plan ends up holding the whole array.
Staging bounds that: one task per old block writes it to a file, one task per new block copies
its pieces back out of the files. Each task holds one block, plus, while it reads, the pages of
one mapped file that it touches.

- Files (see :class:`~chunkarray.kernels.staging.StagingArray`): neighbouring old blocks share
  a file, as every (new block, file) pair costs a file opened and mapped; each old block is
  written whole, as it is, at its own offset, so no task merges blocks in memory and writes are
  long sequential runs. A byte per block records that it was written: a read of a block that
  is not there fails instead of reading zeros.
- Reads map a file (read-only), copy the pieces they need into the new block, and drop the map
  at once: the pages touched count towards the process's memory only while that copy runs, and
  the operating system's page cache, not the process, holds the data in between.
- Order: a read task takes the (tiny) results of the writes it reads from as arguments, so every
  executor runs those writes first.
- Lifetime: the directory is made when the rechunk is built, under the ``temporary_directory``
  setting; a compute that uses it makes it again if needed and removes it when it ends (the
  last one, when several run at once), whether it succeeds or fails: the files only matter while
  its tasks run, and every compute writes them again. It is also removed when the
  :class:`StagingArray` is garbage collected in the process that made it, when that process
  exits, or when it is stopped by SIGTERM or SIGHUP (where it has no handler of its own). Its
  name records the owning process, so the directory of a process that was killed outright is
  removed the next time a rechunk stages under the same parent directory.
- Order and reuse: the new blocks that read the same files are made one after another (see
  :meth:`StagedRechunk.axis_order`), and on the threaded and sync executors a file every reader
  has read takes the next old blocks: its pages are overwritten rather than new ones allocated,
  which on a virtual machine was most of the system time of a staged rechunk, measured.
- Clusters: every worker must see the directory, so on a multi-machine dask.distributed cluster
  ``temporary_directory`` must be on a shared filesystem. A write that finds no directory, or a
  read that finds no file or block, says so.
- Dtypes: any whose values are plain bytes (``dtype.hasobject`` is False). Python objects have
  no byte form to stage, so those arrays are rechunked in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from itertools import product
from typing import Any

from chunkarray.core.chunks import Chunks, staged_reads
from chunkarray.core.graph import Key, Node
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.staging import StagingArray, read_block, readers_per_group, write_block
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.rechunk import Moved
from chunkarray.primitives.sources import Data

__all__ = ["StagedRechunk", "staged_rechunk", "stagings"]


def _index_kwargs(index: tuple[int, ...]) -> dict[str, Any]:
    return {"index": index}


class StagedRechunk(Moved):
    """The new blocks, each read back from the staged files once the writes it reads are done.

    ``source`` is the array rechunked; ``writes`` has one (tiny) block per block of ``source``,
    made once that block is in its file.
    """

    __slots__ = ("writes", "data", "_reads", "_order")

    def __init__(self, name: str, source: Node, chunks: Chunks, writes: Node, data: Data
                 ) -> None:
        super().__init__(name, source, chunks)
        self.writes = writes
        self.data = data
        # Per axis, the pieces of old blocks each new block reads.
        self._reads = [staged_reads(o, n) for o, n in zip(source.chunks, chunks)]
        # New blocks made in C order over the axes sorted by new blocks per old block: along
        # an axis where new blocks are the smaller, neighbours read the same files, so those
        # vary fastest and each file's readers run one after another (and the file is then
        # removed, see StagingArray); axes where new blocks span many old ones vary slowest.
        ratios = [len(n) / max(len(o), 1) for o, n in zip(source.chunks, chunks)]
        order = tuple(sorted(range(len(chunks)), key=ratios.__getitem__))
        self._order = None if order == tuple(range(len(chunks))) else order

    def axis_order(self) -> tuple[int, ...] | None:
        return self._order

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.writes, self.data)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        pieces = tuple(reads[i] for reads, i in zip(self._reads, index))
        blocks = product(*([b for b, _, _ in axis] for axis in pieces))
        written: list[Key] = [(self.writes.name, *b) for b in blocks]
        shape = tuple(c[i] for c, i in zip(self.chunks, index))
        func = partial(read_block, pieces=pieces, shape=shape)
        data_key = (self.data.name,)
        return (func, data_key, written), [data_key, *written]


def staged_rechunk(source: Node, chunks: Chunks, factors: tuple[int, ...],
                   directory: str | None) -> StagedRechunk:
    """``source`` in ``chunks``, moved through files in a new temporary directory.

    ``factors`` says how many neighbouring old blocks share a file along each axis.
    Names depend on the source and the chunks only, never on the temporary path or the files:
    the same rechunk built twice is the same node (and its second directory stays empty).
    """
    token = tokenize(source.name, chunks, factors)
    readers = tuple(readers_per_group(staged_reads(o, n), f)
                    for o, n, f in zip(source.chunks, chunks, factors))
    staging = StagingArray.create(directory, source.dtype, source.chunks, factors, readers)
    data = Data(f"rechunk-staging-{token}", staging)
    ind = tuple(range(len(chunks)))
    writes = blockwise_node(
        write_block, ind, source, ind, data, (), dtype=bool,
        adjust_chunks=dict.fromkeys(ind, 1), name=f"rechunk-stage-{token}",
        block_kwargs=_index_kwargs,
    )
    return StagedRechunk(f"rechunk-disk-{token}", source, chunks, writes, data)


def stagings(nodes: Iterable[Node]) -> list[StagingArray]:
    """The staging directories that the graph of ``nodes`` writes and reads."""
    return [n.value for n in nodes if isinstance(n, Data) and isinstance(n.value, StagingArray)]
