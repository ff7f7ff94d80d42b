"""Push-down: a change of an array's blocks carried through elementwise steps into its sources.

Slicing ``(x + 1)[:10]``, taking ``(x * 2)[perm]`` and rechunking ``(x + 1).rechunk(c)`` all do
the same rewrite: an elementwise step changed this way is the same step over its inputs changed
the same way, so the change travels down to the reads and creation functions at the bottom,
which make just what is asked of them (read fewer rows, read blocks of another size). No
intermediate block is made only to be cut up again.

:func:`push_down` walks the chain once for all of them; what differs is a :class:`Change`: what
it is at one input of an elementwise step, and what it does where the chain ends.
"""

from __future__ import annotations

from typing import Any, cast

from chunkarray.core.chunks import Chunks
from chunkarray.core.graph import Node
from chunkarray.core.tokenize import tokenize
from chunkarray.optimize.fuse import is_elementwise
from chunkarray.primitives.blockwise import Blockwise, blockwise_node
from chunkarray.primitives.rechunk import rechunk_source
from chunkarray.primitives.sources import BlockFunction, FromArray

__all__ = ["Change", "Remake", "push_down", "remake"]


class Change:
    """A change of a node's blocks that :func:`push_down` can carry down an elementwise chain.

    Subclasses say what the change is at one input of an elementwise step
    (:meth:`for_input`) and what it makes of a node that is not one (:meth:`at_source`).
    """

    #: Output axes the change removes (an integer index): the step's axes are renumbered.
    dropped: frozenset[int] = frozenset()

    def enter(self, node: Node) -> Node:
        """The node to change instead of ``node`` (e.g. what a rechunk moves): ``node`` here."""
        return node

    def leaves(self, node: Node) -> bool:
        """Whether the change leaves ``node`` as it is (then it is not rebuilt)."""
        return False

    def for_input(self, ind: tuple[int, ...], broadcast: tuple[bool, ...]) -> Change | None:
        """The change at an input of an elementwise step with axes ``ind`` (output axis numbers;
        ``broadcast`` where it has length one against a longer output axis), or None to leave
        that input as it is."""
        raise NotImplementedError

    def at_source(self, node: Node) -> Node | None:
        """``node`` (not an elementwise step) changed, or None where it cannot be."""
        raise NotImplementedError


def push_down(node: Node, change: Change) -> Node | None:
    """``node`` with ``change`` applied at its sources, through the elementwise steps above them.

    None when some source along the way cannot take the change (the caller then changes the
    blocks of ``node`` itself, e.g. by moving data).

    >>> import chunkarray as ca
    >>> x = ca.ones((4, 4), chunks=2) + 1
    >>> y = push_down(x._node, Remake(((4,), (1, 3))))
    >>> y.chunks, [n.chunks for n in y.inputs]
    (((4,), (1, 3)), [((4,), (1, 3))])
    """
    node = change.enter(node)
    if change.leaves(node):
        return node
    if not is_elementwise(node):
        return change.at_source(node)
    step = cast(Blockwise, node)
    # The index letters of an elementwise step are its axis numbers.
    in_inds = cast("tuple[tuple[int, ...], ...]", step.in_inds)
    dropped = change.dropped
    renumber = {a: i for i, a in enumerate(a for a in range(len(step.shape)) if a not in dropped)}
    pairs: list[Any] = []
    for source, ind in zip(step.inputs, in_inds):
        broadcast = tuple(n == 1 and step.shape[a] != 1 for a, n in zip(ind, source.shape))
        own = change.for_input(ind, broadcast)
        changed = source if own is None else push_down(source, own)
        if changed is None:
            return None
        pairs += [changed, tuple(renumber[a] for a in ind if a not in dropped)]
    # Axes left are numbered 0, 1, ... again: the step stays elementwise in the eyes of fusion
    # and of a later change pushed through it.
    return blockwise_node(step.func, tuple(renumber.values()), *pairs, dtype=step.dtype,
                          masked=step.masked)


class Remake(Change):
    """New chunks made by the sources themselves: a read reads other regions, a creation
    function is called with other shapes and offsets.

    No data moves between blocks, so no task holds more than one new block. A rechunk already
    over a source is skipped: the new blocks replace it.
    """

    def __init__(self, chunks: Chunks) -> None:
        self.chunks = chunks

    def enter(self, node: Node) -> Node:
        return rechunk_source(node)

    def leaves(self, node: Node) -> bool:
        return node.chunks == self.chunks

    def for_input(self, ind: tuple[int, ...], broadcast: tuple[bool, ...]) -> Change:
        # A broadcast axis keeps its one block.
        return Remake(tuple((1,) if b else self.chunks[a] for a, b in zip(ind, broadcast)))

    def at_source(self, node: Node) -> Node | None:
        name = f"{node.name.split('-')[0]}-" + tokenize(node.name, self.chunks)
        if isinstance(node, FromArray):
            return FromArray(name, node.source, self.chunks, node.dtype, node.getter,
                             node.region, data=node.data)
        if isinstance(node, BlockFunction):
            return BlockFunction(name, node.func, self.chunks, node.dtype, node.kwargs)
        return None


def remake(node: Node, chunks: Chunks) -> Node | None:
    """``node`` making blocks of ``chunks`` itself, when its blocks are cheap to make anew (a
    read, a creation function, elementwise steps over those); None otherwise.

    >>> import chunkarray as ca
    >>> remake(ca.ones(6, chunks=2)._node, ((3, 3),)).chunks
    ((3, 3),)
    >>> remake(ca.ones(6, chunks=2).map_blocks(abs)._node, ((3, 3),)) is None
    True
    """
    return push_down(node, Remake(chunks))
