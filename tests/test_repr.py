"""The notebook repr (table and chunk picture) and visualize()."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest

import chunkarray as ca
from chunkarray.diagnostics.html_repr import format_bytes, svg_chunks


@pytest.mark.parametrize("n, text", [
    (0, "0 B"), (1023, "1023 B"), (1024, "1.00 KiB"), (1536, "1.50 KiB"),
    (5 * 2**20, "5.00 MiB"), (3 * 2**40, "3.00 TiB"),
])
def test_format_bytes(n: int, text: str) -> None:
    assert format_bytes(n) == text


def test_table_has_sizes_in_human_units() -> None:
    x = ca.zeros((1000, 2000), chunks=(250, 1000), dtype="f4")
    page = x._repr_html_()
    for text in ["7.63 MiB", "976.56 KiB", "(1000, 2000)", "(250, 1000)", "8 blocks", "(4, 2)",
                 "float32"]:
        assert text in page, text


@pytest.mark.parametrize("chunks", [((2, 2, 1),), ((3, 3), (2, 2, 2, 1)), ((1,) * 5, (7,))])
def test_svg_draws_one_line_per_chunk_boundary(chunks: Any) -> None:
    svg = svg_chunks(chunks)
    rows = len(chunks[0]) + 1 if len(chunks) == 2 else 2
    cols = len(chunks[-1]) + 1
    assert svg.count("<line") == rows + cols
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_many_chunks_are_drawn_solid() -> None:
    svg = svg_chunks(((1,) * 1000, (10,) * 3))
    assert svg.count("<line") == 2 + 4 and "#8B4903" in svg


def test_extreme_aspect_ratios_stay_visible() -> None:
    for chunks in [((1,), (10**6,)), ((10**6,), (1,))]:
        sizes = [float(v) for v in re.findall(r'width="([\d.]+)" height="([\d.]+)"',
                                              svg_chunks(chunks))[1]]
        assert min(sizes) >= 12


def test_repr_by_dimension() -> None:
    assert "<svg" not in ca.ones((), chunks=())._repr_html_()
    assert "<svg" in ca.ones(10, chunks=3)._repr_html_()
    page = ca.ones((2, 3, 4, 5), chunks=(1, 2, 2, 5))._repr_html_()
    assert "leading axes: shape (2, 3), 4 block(s) of (1, 2)" in page
    assert page.count("<svg") == 1


def test_visualize_without_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # as if it were not installed
    with pytest.raises(ImportError, match="pip install graphviz"):
        ca.arange(4, chunks=2).visualize()


def test_visualize_with_graphviz(tmp_path: Any) -> None:
    pytest.importorskip("graphviz")
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    x = ca.arange(6, chunks=2).sum()
    path = tmp_path / "graph.svg"
    graph = x.visualize(str(path))
    assert path.exists() and "->" in graph.source
