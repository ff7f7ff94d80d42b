"""The process-pool executor: the standard checks of every executor."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import numpy as np
import pytest

import chunkarray as ca
from chunkarray.core import config
from chunkarray.executors import processes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

A = np.arange(120.0).reshape(10, 12)


@pytest.fixture(scope="module", autouse=True)
def pool() -> Iterator[None]:
    yield
    processes.shutdown()


def _double(block: np.ndarray) -> np.ndarray:
    return block * 2


def _fail(block: np.ndarray) -> np.ndarray:
    raise KeyError(f"no block {block.shape}")


@pytest.mark.parametrize("make, expected", [
    (lambda x: x + 1, A + 1),
    (lambda x: (x - x.mean(axis=0)).std(axis=0), (A - A.mean(axis=0)).std(axis=0)),
    (lambda x: ca.rechunk(x, (5, 5)).T.sum(axis=1), A.T.sum(axis=1)),
    (lambda x: x.map_blocks(_double, dtype=float).max(), (A * 2).max()),
    (lambda x: x.argmin(axis=1), A.argmin(axis=1)),
])
def test_results_equal_numpy(make: object, expected: np.ndarray) -> None:
    x = ca.from_array(A, chunks=(3, 5))
    got = make(x).compute(scheduler="processes", num_workers=2)  # type: ignore[operator]
    np.testing.assert_allclose(got, expected)


def test_compute_several_and_persist() -> None:
    x = ca.from_array(A, chunks=4)
    with ca.config.set(scheduler="processes", num_workers=2):
        total, doubled = ca.compute(x.sum(), x * 2)
        held = x.persist()
    assert total == A.sum()
    np.testing.assert_array_equal(doubled, A * 2)
    np.testing.assert_array_equal(held.compute(scheduler="sync"), A)


def test_lambdas_run_when_cloudpickle_is_installed() -> None:
    pytest.importorskip("cloudpickle")
    x = ca.arange(9, chunks=4).map_blocks(lambda b: b + 100, dtype=int)
    np.testing.assert_array_equal(x.compute(scheduler="processes", num_workers=2),
                                  np.arange(9) + 100)


def test_an_exception_reaches_the_caller() -> None:
    x = ca.from_array(A, chunks=5).map_blocks(_fail, dtype=float)
    with pytest.raises(KeyError, match=r"no block \(5, 5\)") as info:
        x.compute(scheduler="processes", num_workers=2)
    assert any("raised while computing block" in n for n in info.value.__notes__)
    assert ca.arange(4, chunks=2).sum().compute(scheduler="processes", num_workers=2) == 6


# --- exceptions that pickle badly -----------------------------------------------------------------


class NeedsTwo(Exception):
    """An exception whose constructor takes other arguments than its ``args``: unpickling it
    the usual way (``NeedsTwo(*args)``) fails."""

    def __init__(self, block: tuple[int, ...], why: str) -> None:
        super().__init__(f"block {block}: {why}")
        self.block = block
        self.why = why


def _fail_at_two(block: np.ndarray, block_id: tuple[int, ...] = ()) -> np.ndarray:
    if block_id == (2,):
        raise NeedsTwo(block_id, "too odd")
    return block


def test_an_exception_needing_other_arguments_keeps_its_type_and_block() -> None:
    x = ca.arange(10, chunks=2).map_blocks(_fail_at_two, dtype=int)
    with pytest.raises(NeedsTwo, match=r"block \(2,\): too odd") as info:
        x.compute(scheduler="processes", num_workers=2)
    assert (info.value.block, info.value.why) == ((2,), "too odd")
    assert info.value.__notes__ == [
        f"chunkarray: raised while computing block ('{x.name}', 2)"]
    assert "_fail_at_two" in str(info.value.__cause__)  # the worker's traceback
    assert ca.arange(4, chunks=2).sum().compute(scheduler="processes", num_workers=2) == 6


def test_an_exception_that_cannot_be_rebuilt_becomes_a_runtime_error() -> None:
    pytest.importorskip("cloudpickle")  # a class local to a function travels by value only

    class Local(Exception):  # a module-level namesake must not be taken for it
        pass

    def fail_at_one(block: np.ndarray, block_id: tuple[int, ...] = ()) -> np.ndarray:
        if block_id == (1,):
            raise Local("made in a function")
        return block

    x = ca.arange(6, chunks=2).map_blocks(fail_at_one, dtype=int)
    with pytest.raises(RuntimeError) as info:
        x.compute(scheduler="processes", num_workers=2)
    message = str(info.value)
    first = message.splitlines()[0]
    assert first.startswith(__name__) and "Local: made in a function" in first, first
    assert "Traceback (most recent call last)" in message and "fail_at_one" in message
    assert info.value.__notes__ == [f"chunkarray: raised while computing block ('{x.name}', 1)"]


_MAIN_SCRIPT = textwrap.dedent("""
    import numpy as np
    import chunkarray as ca

    class MainError(Exception):
        def __init__(self, code, text):
            super().__init__(text)
            self.code = code

    def fail(block, block_id=()):
        if block_id == (1,):
            raise MainError(7, "from __main__")
        return block

    if __name__ == "__main__":
        x = ca.arange(6, chunks=2).map_blocks(fail, dtype=int)
        try:
            x.compute(scheduler="processes", num_workers=2)
        except MainError as exc:
            assert exc.code == 7 and str(exc) == "from __main__", (exc.code, str(exc))
            assert exc.__notes__ == [
                f"chunkarray: raised while computing block ('{x.name}', 1)"], exc.__notes__
            print("ok")
""")


def test_an_exception_defined_in_main_keeps_its_type(tmp_path) -> None:
    pytest.importorskip("cloudpickle")  # functions of __main__ travel by value only
    script = tmp_path / "script.py"
    script.write_text(_MAIN_SCRIPT)
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def _chunk_size_block(block: np.ndarray) -> np.ndarray:
    return np.full(block.shape, config.get("chunk_size"), dtype=object)


def test_tasks_run_with_the_callers_settings() -> None:
    x = ca.zeros(4, chunks=1, dtype=object).map_blocks(_chunk_size_block, dtype=object)
    with config.set(chunk_size="3 MiB"):
        got = x.compute(scheduler="processes", num_workers=2)
    assert list(got) == ["3 MiB"] * 4


class Local(Exception):
    """A namesake of the class local to a test above."""
