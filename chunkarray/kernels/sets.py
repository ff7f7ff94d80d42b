"""Per-block NumPy functions of the set operations: distinct values of blocks, merged by a tree.

A *unique state* is ``(values, counts, first)``: the sorted distinct values of some blocks, how
often each occurs (or None when not asked for) and the flat position of its first occurrence in
the whole array (or None). NaNs sort last, as in NumPy; with ``equal_nan`` they are one value.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from chunkarray.kernels.blocks import flatten_nested

State = tuple[np.ndarray, "np.ndarray | None", "np.ndarray | None"]

# A block of integers whose values span at most this many times its length is counted with
# bincount (linear time) rather than sorted: the table costs no more than the block itself.
_TABLE_SPAN = 1

_NAN_KINDS = "fcmM"


def _has_nan_kind(values: np.ndarray) -> bool:
    return values.dtype.kind in _NAN_KINDS


def flat_positions(local: np.ndarray, block_shape: tuple[int, ...], offset: tuple[int, ...],
                   shape: tuple[int, ...]) -> np.ndarray:
    """Positions in the flattened whole array of flat positions ``local`` within a block.

    >>> flat_positions(np.array([0, 3]), (2, 2), (2, 0), (4, 2)).tolist()
    [4, 7]
    """
    local = np.asarray(local, dtype=np.intp)
    if not block_shape or local.size == 0:
        return local + 0
    coords = np.unravel_index(local, block_shape)
    moved = tuple(c + o for c, o in zip(coords, offset))
    return np.asarray(np.ravel_multi_index(moved, shape), dtype=np.intp)


def _by_table(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Distinct values and counts of an integer block through a table, or None if it is too wide."""
    if flat.dtype.kind not in "biu" or flat.size == 0:
        return None
    if flat.dtype.kind == "b":
        flat = flat.view(np.uint8)
    lo, hi = flat.min(), flat.max()
    span = int(hi) - int(lo)
    if span > _TABLE_SPAN * flat.size:
        return None
    # Subtract in intp: narrow types would wrap; a span this small always fits.
    table = np.bincount(np.subtract(flat, lo, dtype=np.intp, casting="unsafe"),
                        minlength=span + 1)
    present = np.flatnonzero(table)
    values = np.add(present.astype(flat.dtype), lo, dtype=flat.dtype)
    return values, table[present]


class Run(NamedTuple):
    """A block's values sorted, repeats kept: what a block of mostly distinct values gives the
    merge by value ranges instead of its state (see :func:`unique_chunk`)."""

    values: np.ndarray


def unique_chunk(block: np.ndarray, *, counts: bool, index: bool, equal_nan: bool,
                 offset: tuple[int, ...] | None = None, shape: tuple[int, ...] | None = None,
                 runs: bool = False) -> State | Run:
    """The unique state of one block (``offset``/``shape`` place it when ``index`` is asked).

    With ``runs`` (a merge by value ranges follows, which takes both), a block whose values are
    mostly distinct gives its sorted values as a :class:`Run` instead: counting them here would
    cost a pass and a second array, and save the merge almost nothing.

    >>> unique_chunk(np.array([3, 1, 3]), counts=True, index=False, equal_nan=True)
    (array([1, 3]), array([1, 2]), None)
    >>> unique_chunk(np.array([30, 10, 20]), counts=True, index=False, equal_nan=True, runs=True)
    Run(values=array([10, 20, 30]))
    """
    block = np.asarray(block)
    flat = block.reshape(-1)
    if not index:
        fast = _by_table(flat)
        if fast is not None:
            values, n = fast
            return values.astype(block.dtype, copy=False), n if counts else None, None
        if flat.dtype.kind != "O":
            ordered = np.sort(flat)
            starts = _group_starts(ordered, equal_nan)
            if runs and 2 * starts.size > ordered.size:
                return Run(ordered)
            return ordered[starts], _run_lengths(starts, ordered.size) if counts else None, None
    unique: Any = np.unique  # its overloads cannot follow flags known only at run time
    out = unique(flat, return_index=index, return_counts=counts, equal_nan=equal_nan)
    if not (index or counts):
        return out, None, None
    parts = list(out)
    values = parts.pop(0)
    first: np.ndarray | None = parts.pop(0) if index else None
    counted: np.ndarray | None = parts.pop(0) if counts else None
    if first is not None:
        first = flat_positions(first, block.shape, offset or (), shape or ())
    return values, counted, first


def _group_starts(values: np.ndarray, equal_nan: bool) -> np.ndarray:
    """Where each run of equal sorted values starts (NaNs one run when ``equal_nan``)."""
    mask = np.empty(values.shape, dtype=bool)
    mask[:1] = True
    if values.dtype.kind == "V":  # rows (unique along an axis): no ufunc compares structures
        mask[1:] = values[1:] != values[:-1]
    else:
        np.not_equal(values[1:], values[:-1], out=mask[1:])
    if equal_nan and _has_nan_kind(values) and values.size and np.isnan(values[-1]):
        nan = np.isnan(values)
        mask[1:] &= ~(nan[1:] & nan[:-1])
    return np.flatnonzero(mask)


def _run_lengths(starts: np.ndarray, n: int) -> np.ndarray:
    """How many elements each group starting at ``starts`` (of ``n`` elements) has."""
    return np.diff(starts, append=n).astype(np.intp, copy=False)


def _merge_runs(runs: list[Run], *, counts: bool, equal_nan: bool) -> State:
    """The unique state of sorted runs: merged (NumPy's stable sort merges the runs it finds,
    about half the work of a sort), then counted as ``numpy.unique`` counts."""
    values = np.concatenate([r.values for r in runs])
    values.sort(kind="stable")
    starts = _group_starts(values, equal_nan)
    return values[starts], _run_lengths(starts, values.size) if counts else None, None


def unique_merge(states: list[Any], *, equal_nan: bool, counts: bool | None = None) -> State:
    """Merge the unique states of several groups of blocks into one (:class:`Run` s too, for
    which ``counts`` says whether to count)."""
    runs = [s for s in states if isinstance(s, Run)]
    if runs:
        of_runs = _merge_runs(runs, counts=bool(counts), equal_nan=equal_nan)
        others = [s for s in states if not isinstance(s, Run)]
        if not others:
            return of_runs
        states = [of_runs, *others]
    kept = [s for s in states if s[0].size] or states[:1]
    if len(kept) == 1:
        return kept[0]
    values = np.concatenate([s[0] for s in kept])
    has_counts, has_first = kept[0][1] is not None, kept[0][2] is not None
    if not has_first and values.dtype.kind in "iu":
        by_table = _merge_by_table(kept, values)
        if by_table is not None:
            return by_table
    first = np.concatenate([s[2] for s in kept]) if has_first else None
    # Equal values by position, as NumPy's stable sort leaves them: each group's first element
    # is then its first occurrence (and among NaNs, the first of the smallest payload).
    order = np.argsort(values, kind="stable") if first is None else np.lexsort((first, values))
    values = values[order]
    starts = _group_starts(values, equal_nan)
    summed = None
    if has_counts:
        summed = np.add.reduceat(np.concatenate([s[1] for s in kept])[order], starts)
    if first is not None:
        first = first[order][starts]
    return values[starts], summed, first


def _merge_by_table(states: list[State], values: np.ndarray) -> State | None:
    # Each state's values are sorted and distinct: its first and last are its extremes, and a
    # fancy ``+=`` with its values as indices adds each count exactly once.
    lo = min(s[0][0] for s in states)
    hi = max(s[0][-1] for s in states)
    span = int(hi) - int(lo)
    if span > 2 * values.size:
        return None
    table = np.zeros(span + 1, dtype=np.intp)
    for v, n, _ in states:
        table[np.subtract(v, lo, dtype=np.intp, casting="unsafe")] += 1 if n is None else n
    present = np.flatnonzero(table)
    counts = table[present] if states[0][1] is not None else None
    return np.add(present.astype(values.dtype), lo, dtype=values.dtype), counts, None


def unique_union(*states: State, equal_nan: bool) -> State:
    """The unique state of several arrays together."""
    return unique_merge(list(states), equal_nan=equal_nan)


# --- merging by value ranges ----------------------------------------------------------------------
#
# A tree's last merge holds every block's distinct values in one task: with many distinct values
# that is one large single-threaded sort. Instead, splitters sampled from the blocks' sorted
# values cut every state into value ranges, the ranges are merged in parallel (equal values fall
# in the same range, so each range's merge is final), and the results are joined in order.

def range_splitters(states: Any, *, parts: int) -> np.ndarray:
    """``parts - 1`` increasing values cutting the blocks' distinct values into ``parts`` ranges
    of about equal size (NaNs, sorted last, stay in the last range).

    >>> range_splitters([(np.arange(0, 10), None, None), (np.arange(10, 20), None, None)],
    ...                 parts=2)
    array([10])
    """
    kept = [st[0] for st in flatten_nested(states)]
    step = max(1, sum(v.size for v in kept) // (64 * parts))
    sample = np.sort(np.concatenate([v[::step] for v in kept]))
    if _has_nan_kind(sample):
        sample = sample[~np.isnan(sample)]
    if not sample.size:
        return sample
    cuts = sample[(np.arange(1, parts) * sample.size) // parts]
    return np.unique(cuts)


def range_merge(states: Any, splitters: np.ndarray, *, r: int, equal_nan: bool,
                counts: bool = False) -> State:
    """The merged unique state of the values of range ``r`` of every state (or run): values
    ``v`` with ``splitters[r - 1] <= v < splitters[r]``; ``counts``: whether runs are counted.

    >>> range_merge([Run(np.array([1, 5, 5])), (np.array([2, 5]), np.array([4, 1]), None)],
    ...             np.array([5]), r=1, equal_nan=True, counts=True)
    (array([5]), array([3]), None)
    """
    pieces: list[Any] = []
    for state in flatten_nested(states):
        values = state[0]
        lo = 0 if r == 0 or r > len(splitters) else int(
            np.searchsorted(values, splitters[r - 1], "left"))
        hi = values.size if r >= len(splitters) else int(
            np.searchsorted(values, splitters[r], "left"))
        if r > len(splitters):
            lo = hi  # fewer distinct splitters than ranges: the extra ranges are empty
        if isinstance(state, Run):
            pieces.append(Run(values[lo:hi]))
            continue
        _, n, first = state
        pieces.append((values[lo:hi], None if n is None else n[lo:hi],
                       None if first is None else first[lo:hi]))
    return unique_merge(pieces, equal_nan=equal_nan, counts=counts)


def join_ranges(states: list[State]) -> State:
    """The states of consecutive value ranges joined into one."""
    values = np.concatenate([st[0] for st in states])
    counts = None if states[0][1] is None else np.concatenate([st[1] for st in states])
    first = None if states[0][2] is None else np.concatenate([st[2] for st in states])
    return values, counts, first


def unique_finish(state: State, *, equal_nan: bool) -> State:
    """The final state: with distinct NaNs, the NaN tail as NumPy's stable sort leaves it (in
    sort order, which tells complex NaNs apart, then in order of position)."""
    values, counts, first = state
    if equal_nan or first is None or not _has_nan_kind(values) or not values.size \
            or not np.isnan(values[-1]):
        return state
    start = int(np.searchsorted(np.isnan(values), True))
    by_position = np.argsort(first[start:], kind="stable")
    order = by_position[np.argsort(values[start:][by_position], kind="stable")] + start
    values, first = values.copy(), first.copy()
    values[start:], first[start:] = values[order], first[order]
    if counts is not None:
        counts = counts.copy()
        counts[start:] = counts[order]
    return values, counts, first


def state_field(state: State, *, i: int) -> Any:
    return state[i]


def unique_inverse(block: np.ndarray, state: State, *, equal_nan: bool,
                   offset: tuple[int, ...] | None = None, shape: tuple[int, ...] | None = None
                   ) -> np.ndarray:
    """Each element's position among the unique values (the block's shape kept)."""
    values, _, first = state
    inverse = np.array(np.searchsorted(values, block), dtype=np.intp)  # 0-d blocks too
    if _has_nan_kind(values) and values.size and np.isnan(values[-1]):
        start = int(np.searchsorted(np.isnan(values), True))
        nan = np.asarray(np.isnan(block))
        if equal_nan:
            inverse[nan] = start
        elif nan.any():
            # Distinct NaNs: each is the unique value whose first (only) position is its own.
            where = flat_positions(np.flatnonzero(nan), np.shape(block), offset or (),
                                   shape or ())
            assert first is not None  # the state keeps positions when NaNs are distinct
            tail = first[start:]
            by_position = np.argsort(tail)
            inverse[nan] = start + by_position[np.searchsorted(tail[by_position], where)]
    elif values.dtype.kind == "V" and first is not None:
        odd = np.asarray(block != block)  # rows with a NaN: each is a unique value of its own
        if odd.any():
            where = flat_positions(np.flatnonzero(odd), np.shape(block), offset or (),
                                   shape or ())
            own = np.flatnonzero(values != values)
            by_position = np.argsort(first[own])
            inverse[odd] = own[by_position[np.searchsorted(first[own][by_position], where)]]
    return inverse


# --- unique along an axis: each row (the other axes, flattened) is one structured element -------
#
# As NumPy does it: a row of ``m`` elements is viewed as one element of a structured dtype of ``m``
# fields, compared and sorted field by field (NaN last in each field). Rows with a NaN are unequal
# to every row, themselves included, so each is a unique value of its own.


def row_dtype(dtype: np.dtype, m: int) -> np.dtype:
    """The structured dtype of a row of ``m`` elements of ``dtype``, as ``numpy.unique`` makes.

    >>> row_dtype(np.dtype("i2"), 2)
    dtype([('f0', '<i2'), ('f1', '<i2')])
    """
    return np.dtype([(f"f{i}", dtype) for i in range(m)])


def unequal_to_itself(dtype: np.dtype) -> bool:
    """Whether elements of ``dtype`` may be unequal to themselves (a NaN, in a field or not).

    >>> unequal_to_itself(row_dtype(np.dtype("f8"), 2)), unequal_to_itself(np.dtype("i8"))
    (True, False)
    """
    if dtype.fields:
        return any(unequal_to_itself(f[0]) for f in dtype.fields.values())
    return dtype.kind in _NAN_KINDS


def to_rows(block: np.ndarray, *, axis: int, dtype: np.dtype) -> np.ndarray:
    """The block's rows along ``axis`` as a 1-d array of the row dtype ``dtype``.

    >>> to_rows(np.array([[1, 2], [3, 4]], dtype="i1"), axis=1, dtype=row_dtype(np.dtype("i1"), 2))
    array([(1, 3), (2, 4)], dtype=[('f0', 'i1'), ('f1', 'i1')])
    """
    moved = np.moveaxis(block, axis, 0)
    n = moved.shape[0]
    if not dtype.fields:  # rows of no elements: all equal
        return np.empty(n, dtype=dtype)
    flat = np.ascontiguousarray(moved.reshape(n, len(dtype.fields)))
    return flat.view(dtype).reshape(n)


def from_rows(rows: np.ndarray, *, axis: int, dtype: np.dtype, rest: tuple[int, ...]
              ) -> np.ndarray:
    """Rows back as an array of ``dtype``, the rows along ``axis`` and each shaped ``rest``.

    >>> rows = np.array([(1, 3), (2, 4)], dtype=row_dtype(np.dtype("i1"), 2))
    >>> from_rows(rows, axis=1, dtype=np.dtype("i1"), rest=(2,))
    array([[1, 2],
           [3, 4]], dtype=int8)
    """
    n = len(rows)
    if not rows.dtype.fields:
        out = np.empty((n, *rest), dtype=dtype)
    else:
        out = np.ascontiguousarray(rows).view(dtype).reshape(n, *rest)
    return np.moveaxis(out, 0, axis)


def isin_block(block: np.ndarray, test: Any, *, invert: bool, kind: Any,
               assume_unique: bool = False) -> np.ndarray:
    """``numpy.isin`` of one block; ``test`` is a NumPy array or a unique state."""
    if isinstance(test, tuple):  # distinct values; the block's own may repeat
        test = test[0]
    return np.isin(block, test, assume_unique=assume_unique, invert=invert, kind=kind)


def values_where(block: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The elements of a 1-d block where ``keep`` holds."""
    return block[keep]


def values_not_in(state: State, test: Any) -> np.ndarray:
    """Unique values of ``state`` absent from ``test`` (an array or another unique state)."""
    values = state[0]
    other = test[0] if isinstance(test, tuple) else test
    return values[np.isin(values, other, assume_unique=isinstance(test, tuple), invert=True)]


def intersect_states(left: State, right: State, *, indices: bool) -> tuple[np.ndarray, ...]:
    """Common unique values, and with ``indices`` their first positions in either array."""
    common, i, j = np.intersect1d(left[0], right[0], assume_unique=True, return_indices=True)
    if not indices:
        return (common,)
    assert left[2] is not None and right[2] is not None
    return common, left[2][i], right[2][j]


def cast_block(block: np.ndarray, *, dtype: np.dtype) -> np.ndarray:
    return block.astype(dtype, copy=False)


def take_output(outputs: tuple[np.ndarray, ...], *, i: int) -> np.ndarray:
    return outputs[i]
