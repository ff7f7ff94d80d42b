"""A rechunk staged through temporary files: out of core, like dask's P2P rechunk.

When every new block needs pieces of very many old blocks that cannot be made again (an
all-to-all rechunk of a computed array), any in-memory plan ends up holding the whole array.
Staging bounds that: one task per (merged) old block writes it to a file of its own, one task per
new block copies its pieces back out of those files. Each task holds one block, plus, while it
reads, the pages of one mapped file.

- Files: a staged block is its raw C-order bytes, nothing else (the shape and dtype are in the
  graph), in ``block-<i>-<j>.bin``. A write goes to a temporary name in the same directory and is
  then renamed over the final one, so a file that exists is complete: a failed write leaves none,
  and two computes of one array at once each read whole, identical files.
- Reads map a file (read-only), copy the piece they need into the new block, and drop the map at
  once: the pages touched count towards the process's memory only while that copy runs, and the
  operating system's page cache, not the process, holds the data in between.
- Writes (see `staging_write_chunks`): neighbouring old blocks
  may be merged along the axes new blocks span, as every (new block, staged block) pair costs a
  file opened and mapped.
- Order: a read task takes the (tiny) results of the writes it reads from as arguments, so every
  executor runs those writes first.
- Lifetime: the directory is made when the rechunk is built, under the ``temporary_directory``
  setting, and removed when the :class:`StagingArray` is garbage collected in the process that
  made it (it lives as long as the array and any graph lowered from it), when that process
  exits, or when it is stopped by SIGTERM or SIGHUP (where it has no handler of its own). Its
  name records the owning process, so the directory of a process that was killed outright is
  removed the next time a rechunk stages under the same parent directory. Each compute rewrites
  the same files.
- Clusters: every worker must see the directory, so on a multi-machine dask.distributed cluster
  ``temporary_directory`` must be on a shared filesystem. A write that finds no directory, or a
  read that finds no file, says so.
- Dtypes: any whose values are plain bytes (``dtype.hasobject`` is False). Python objects have
  no byte form to stage, so those arrays are rechunked in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from itertools import product
from typing import Any

from chunkarray.core.chunks import Chunks, staged_reads
from chunkarray.core.graph import Key, Node
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.staging import StagingArray, read_block, write_block
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.rechunk import Moved, rechunk_node
from chunkarray.primitives.sources import Data

__all__ = ["StagedRechunk", "staged_rechunk"]


def _index_kwargs(index: tuple[int, ...]) -> dict[str, Any]:
    return {"index": index}


class StagedRechunk(Moved):
    """The new blocks, each read back from the staged files once the writes it reads are done.

    ``source`` is the array rechunked; ``writes`` has one block per staged block (blocks of
    ``source``, or several of them merged).
    """

    __slots__ = ("writes", "data", "staged_chunks", "_reads")

    def __init__(self, name: str, source: Node, chunks: Chunks, writes: Node, data: Data,
                 staged_chunks: Chunks) -> None:
        super().__init__(name, source, chunks)
        self.writes = writes
        self.data = data
        self.staged_chunks = staged_chunks  # the blocks as written
        # Per axis, the pieces of staged blocks each new block reads.
        self._reads = [staged_reads(o, n) for o, n in zip(staged_chunks, chunks)]

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


def staged_rechunk(source: Node, chunks: Chunks, write_chunks: Chunks,
                   directory: str | None) -> StagedRechunk:
    """``source`` in ``chunks``, moved through files in a new temporary directory.

    ``write_chunks`` merge neighbouring blocks of ``source`` (in memory) into larger writes.
    Names depend on the source and the chunks only, never on the temporary path: the same
    rechunk built twice is the same node (and its second directory stays empty).
    """
    token = tokenize(source.name, chunks, write_chunks)
    staging = StagingArray.create(directory, source.dtype, write_chunks)
    data = Data(f"rechunk-staging-{token}", staging)
    ind = tuple(range(len(chunks)))
    writes = blockwise_node(
        write_block, ind, rechunk_node(source, write_chunks), ind, data, (), dtype=bool,
        adjust_chunks=dict.fromkeys(ind, 1), name=f"rechunk-stage-{token}",
        block_kwargs=_index_kwargs,
    )
    return StagedRechunk(f"rechunk-disk-{token}", source, chunks, writes, data, write_chunks)
