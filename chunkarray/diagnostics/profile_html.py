"""The profiler's HTML report: a task stream and a memory chart in inline SVG, and a summary.

Plain string building: the page needs no script, stylesheet or font from anywhere else.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from chunkarray.diagnostics.html_repr import format_bytes

__all__ = ["render"]

# matplotlib's tab10: distinct, and readable with black text on top.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]
WIDTH = 900  # pixels of the time axis
ROW = 22  # pixels per thread in the task stream
LEFT = 150  # room for thread names


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _x(t: float, wall: float) -> float:
    return LEFT + WIDTH * t / wall


def _axis(wall: float, y: float) -> list[str]:
    ticks = []
    for i in range(6):
        t = wall * i / 5
        ticks.append(f'<text x="{_x(t, wall):.1f}" y="{y + 14:.1f}" font-size="11" '
                     f'text-anchor="middle">{t:.3g}s</text>')
    return [f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + WIDTH}" y2="{y:.1f}" stroke="#444"/>',
            *ticks]


def task_stream(tasks: Sequence[Any], wall: float, colors: dict[str, str]) -> str:
    """One row per thread, one ``<rect class="task">`` per task with its key in a tooltip.

    >>> from types import SimpleNamespace as T
    >>> svg = task_stream([T(key=("a-1", 0), kind="a", start=0.0, end=0.5, thread="t")], 1.0,
    ...                   {"a": "#000"})
    >>> svg.count('class="task"')
    1
    """
    threads = sorted({t.thread for t in tasks})
    rows = {name: i for i, name in enumerate(threads)}
    height = ROW * len(threads) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + WIDTH + 20}" '
             f'height="{height}" font-family="sans-serif">']
    for name, i in rows.items():
        parts.append(f'<text x="{LEFT - 6}" y="{i * ROW + 15}" font-size="11" '
                     f'text-anchor="end">{_esc(name)}</text>')
    for t in tasks:
        x, x2 = _x(t.start, wall), _x(t.end, wall)
        tip = f"{t.key} | {t.kind} | {(t.end - t.start) * 1e3:.3f} ms"
        parts.append(f'<rect class="task" x="{x:.2f}" y="{rows[t.thread] * ROW + 2}" '
                     f'width="{max(x2 - x, 0.5):.2f}" height="{ROW - 4}" '
                     f'fill="{colors[t.kind]}"><title>{_esc(tip)}</title></rect>')
    parts += _axis(wall, ROW * len(threads) + 4)
    parts.append("</svg>")
    return "\n".join(parts)


def memory_chart(memory: Sequence[tuple[float, int]], wall: float) -> str:
    """Process memory over time as one ``<polyline class="memory">``.

    >>> memory_chart([(0.0, 100), (1.0, 300)], 1.0).count("<polyline")
    1
    """
    height = 160
    peak = max((b for _, b in memory), default=1) or 1
    points = " ".join(f"{_x(t, wall):.1f},{height - height * b / peak:.1f}" for t, b in memory)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + WIDTH + 20}" '
        f'height="{height + 24}" font-family="sans-serif">',
        f'<text x="{LEFT - 6}" y="12" font-size="11" text-anchor="end">'
        f'{_esc(format_bytes(peak))}</text>',
        f'<text x="{LEFT - 6}" y="{height}" font-size="11" text-anchor="end">0</text>',
        f'<line x1="{LEFT}" y1="0" x2="{LEFT}" y2="{height}" stroke="#444"/>',
        f'<polyline class="memory" points="{points}" fill="none" stroke="#1f77b4" '
        f'stroke-width="1.5"><title>peak {_esc(format_bytes(peak))}</title></polyline>',
        *_axis(wall, height),
        "</svg>",
    ])


def _summary_table(summary: Sequence[tuple[str, int, float, float]],
                   colors: dict[str, str]) -> str:
    rows = "\n".join(
        f'<tr><td><span style="background:{colors[kind]}">&nbsp;&nbsp;&nbsp;</span> '
        f"{_esc(kind)}</td><td>{n}</td><td>{total:.4f}</td><td>{total / n * 1e3:.3f}</td>"
        f"<td>{longest * 1e3:.3f}</td></tr>"
        for kind, n, total, longest in summary
    )
    return ("<table><thead><tr><th>kind</th><th>tasks</th><th>total s</th><th>mean ms</th>"
            f"<th>longest ms</th></tr></thead><tbody>\n{rows}\n</tbody></table>")


def render(tasks: Sequence[Any], memory: Sequence[tuple[float, int]], wall: float,
           summary: Sequence[tuple[str, int, float, float]]) -> str:
    """The whole report page.

    >>> page = render([], [(0.0, 10)], 0.0, [])
    >>> page.startswith("<!DOCTYPE html>") and "<script" not in page
    True
    """
    wall = max(wall, max((t.end for t in tasks), default=0.0), 1e-9)
    kinds = sorted({t.kind for t in tasks})
    colors = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(kinds)}
    busy = sum(t.end - t.start for t in tasks)
    threads = len({t.thread for t in tasks})
    peak = max((b for _, b in memory), default=0)
    facts = [("wall time", f"{wall:.3f} s"), ("tasks", str(len(tasks))),
             ("threads", str(threads)), ("task time", f"{busy:.3f} s"),
             ("parallelism", f"{busy / wall:.2f}"), ("peak memory", format_bytes(peak))]
    fact_rows = "".join(f"<tr><th>{k}</th><td>{_esc(v)}</td></tr>" for k, v in facts)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"><title>chunkarray profile</title>',
        "<style>body{font-family:sans-serif;margin:20px} table{border-collapse:collapse}"
        " td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}</style>",
        "</head><body>",
        "<h1>chunkarray profile</h1>",
        f"<table>{fact_rows}</table>",
        "<h2>Task stream</h2>",
        task_stream(tasks, wall, colors),
        "<h2>Memory</h2>",
        memory_chart(memory, wall),
        "<h2>Tasks by kind</h2>",
        _summary_table(summary, colors),
        "</body></html>",
    ])
