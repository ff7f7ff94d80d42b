"""Pictures of an array: the notebook repr (a table and an SVG of the chunk grid), the task graph.

>>> import chunkarray as ca
>>> html = ca.ones((100, 60), chunks=(25, 30))._repr_html_()
>>> "<svg" in html and "5.86 KiB" in html  # a block of 25 x 30 float64 is 6000 bytes
True
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from chunkarray.array import ChunkedArray
from chunkarray.array_methods import provide
from chunkarray.core.chunks import chunk_boundaries
from chunkarray.optimize.lowering import lower_optimized

__all__ = ["format_bytes", "repr_html", "svg_chunks", "visualize"]

_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
_SIDE = 120  # pixels on the longer side of the picture
_MIN_SIDE = 12  # a very thin array still shows as a visible strip
_MAX_LINES = 100  # more chunk boundaries than this on an axis are drawn as a solid fill


def format_bytes(n: int | float) -> str:
    """A byte count in binary units, as people read them.

    >>> format_bytes(80), format_bytes(6000), format_bytes(3 * 2**30)
    ('80 B', '5.86 KiB', '3.00 GiB')
    """
    if n != n:  # NaN: an array of unknown size, after boolean masking
        return "unknown"
    if n < 1024:
        return f"{int(n)} B"
    exponent = min(int(math.log(n, 1024)), len(_UNITS) - 1)
    return f"{n / 1024**exponent:.2f} {_UNITS[exponent]}"


def _boundaries(chunks: Sequence[int], pixels: float) -> list[float]:
    total = sum(chunks) or 1
    return [0.0] + [pixels * b / total for b in chunk_boundaries(chunks)[1:]]


def _sides(rows: int, cols: int) -> tuple[float, float]:
    # Keep the aspect ratio, but squash extreme ones (log scale) so both sides stay visible.
    rows, cols = max(rows, 1), max(cols, 1)
    ratio = rows / cols
    if not 0.1 <= ratio <= 10:
        ratio = 10 ** (math.copysign(1 + math.log10(abs(math.log10(ratio))) / 4,
                                     math.log10(ratio)))
    if ratio >= 1:
        return _SIDE, max(_SIDE / ratio, _MIN_SIDE)
    return max(_SIDE * ratio, _MIN_SIDE), _SIDE


def svg_chunks(chunks: Sequence[Sequence[int]]) -> str:
    """An SVG picture of a 2-D chunk grid (a 1-D one is drawn as a single row).

    >>> svg = svg_chunks(((2, 2), (3, 3, 3)))
    >>> svg.count("<line")  # 3 horizontal and 4 vertical lines
    7
    """
    if len(chunks) == 1:
        chunks = ((1,), tuple(chunks[0]))
        height, width = 25.0, float(_SIDE)
    else:
        height, width = _sides(sum(chunks[0]), sum(chunks[1]))
    ys, xs = _boundaries(chunks[0], height), _boundaries(chunks[1], width)
    lines = []
    for positions, horizontal in ((ys, True), (xs, False)):
        edges = positions if len(positions) <= _MAX_LINES else [positions[0], positions[-1]]
        for p in edges:
            x1, y1, x2, y2 = (0, p, width, p) if horizontal else (p, 0, p, height)
            bold = ' style="stroke-width:2"' if p in (positions[0], positions[-1]) else ""
            lines.append(f'  <line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"{bold}/>')
    dense = len(ys) > _MAX_LINES or len(xs) > _MAX_LINES
    fill = "#8B4903" if dense else "#ECB172"  # dense grids get a solid, darker fill, as in dask
    rows, cols = sum(chunks[0]), sum(chunks[1])
    return "\n".join([
        f'<svg width="{width + 50:.0f}" height="{height + 50:.0f}" style="stroke:rgb(0,0,0);'
        f'stroke-width:1" xmlns="http://www.w3.org/2000/svg">',
        '  <g transform="translate(10, 10)">',
        f'  <rect x="0" y="0" width="{width:.1f}" height="{height:.1f}" '
        f'style="fill:{fill};fill-opacity:0.8;stroke-width:0"/>',
        *lines,
        f'  <text x="{width / 2:.1f}" y="{height + 20:.1f}" font-size="12" '
        f'text-anchor="middle" style="stroke:none">{cols}</text>',
        *([] if len(chunks[0]) == 1 and rows == 1 else [
            f'  <text x="{width + 18:.1f}" y="{height / 2:.1f}" font-size="12" '
            f'text-anchor="middle" transform="rotate(-90,{width + 18:.1f},{height / 2:.1f})" '
            f'style="stroke:none">{rows}</text>']),
        "  </g>",
        "</svg>",
    ])


def _table(x: ChunkedArray) -> str:
    block_bytes = math.prod(x.chunksize) * x.itemsize if x.ndim else x.itemsize
    rows = [
        ("Bytes", format_bytes(x.nbytes), format_bytes(block_bytes)),
        ("Shape", str(x.shape), str(x.chunksize)),
        ("Blocks", f"{x.npartitions} blocks", str(x.numblocks)),
        ("Type", str(x.dtype), "numpy.ndarray"),
    ]
    body = "\n".join(
        f"    <tr><th>{name}</th><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>"
        for name, a, b in rows
    )
    return ("<table>\n  <thead><tr><td></td><th>Array</th><th>Block</th></tr></thead>\n"
            f"  <tbody>\n{body}\n  </tbody>\n</table>")


def repr_html(x: ChunkedArray) -> str:
    """The notebook repr: a table of sizes beside a picture of the chunks (``_repr_html_``).

    Three or more axes are drawn by their last two, with a note on the others.

    >>> import chunkarray as ca
    >>> "leading axes" in ca.zeros((4, 5, 6), chunks=2)._repr_html_()
    True
    """
    if x.ndim == 0:
        picture = ""
    else:
        picture = svg_chunks(x.chunks[-2:])
        if x.ndim > 2:
            lead = x.chunks[:-2]
            picture += (f"<p>leading axes: shape {x.shape[:-2]}, "
                        f"{math.prod(len(c) for c in lead)} block(s) of "
                        f"{tuple(max(c) for c in lead)}</p>")
    return ('<table><tr><td style="vertical-align:top">\n' + _table(x) + "\n</td>\n"
            '<td style="vertical-align:top">\n' + picture + "\n</td></tr></table>")


def visualize(x: ChunkedArray, filename: str | None = "graph.svg", *, format: str | None = None
              ) -> Any:
    """Draw the task graph of ``x`` with graphviz; write it to ``filename`` unless ``None``.

    Returns the ``graphviz.Digraph``. Needs the ``graphviz`` Python package and Graphviz's ``dot``.

    >>> import chunkarray as ca
    >>> ca.arange(4, chunks=2).visualize("graph.svg")  # doctest: +SKIP
    <graphviz.graphs.Digraph object at ...>
    """
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "visualize() needs the graphviz Python package and the Graphviz programs: "
            "`pip install graphviz` plus Graphviz itself (`apt install graphviz`, "
            "`brew install graphviz`), or `conda install python-graphviz`"
        ) from None
    lowered, _ = lower_optimized([x._node])
    graph = graphviz.Digraph(graph_attr={"rankdir": "BT"})
    ids = {k: str(i) for i, k in enumerate(lowered.order)}
    for key in lowered.order:
        kind = str(key[0]).rsplit("-", 1)[0]
        label = f"{kind} {key[1:]}" if len(key) > 1 else kind
        graph.node(ids[key], label=label, shape="box")
        for dep in lowered.dependencies[key]:
            graph.edge(ids[dep], ids[key])
    if filename is not None:
        stem, _, ext = filename.rpartition(".")
        graph.render(outfile=filename, format=format or ext or "svg", cleanup=True)
    return graph


# What ChunkedArray._repr_html_ and ChunkedArray.visualize do, provided to the array layer.
provide("_repr_html_")(repr_html)
provide("visualize")(visualize)
