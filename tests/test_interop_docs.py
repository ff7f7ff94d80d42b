"""The README's table of supported NumPy functions is generated from the code and kept current."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from chunkarray.interop import docs
from chunkarray.ops.dispatch import HANDLED_FUNCTIONS

README = pathlib.Path(__file__).parent.parent / "README.md"


def test_the_readme_table_is_current() -> None:
    text = README.read_text()
    assert docs.update(text) == text, "README.md is stale: run python -m chunkarray.interop.docs"
    assert docs.main(["--check"]) == 0


def test_every_dispatched_function_is_listed() -> None:
    listed = {name for names in docs.supported().values() for name in names}
    for np_func in HANDLED_FUNCTIONS:
        assert docs._name(np_func) in listed
    assert {"np.result_type", "np.nancumsum", "np.sin", "np.linalg.qr", "np.fft.fft"} <= listed


def test_a_readme_without_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="has no generated section"):
        docs.update("# a README\n")


def test_a_new_function_changes_the_table() -> None:
    unregistered = np.lib.scimath.sqrt  # a NumPy function chunkarray does not implement
    assert unregistered not in HANDLED_FUNCTIONS
    before = docs.render()
    HANDLED_FUNCTIONS[unregistered] = lambda x: x  # a stand-in registration
    try:
        assert docs.render() != before
    finally:
        del HANDLED_FUNCTIONS[unregistered]
