"""Staging directories of disk rechunks: removed on SIGTERM/SIGHUP, swept after SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import chunkarray as ca
from chunkarray.kernels.staging import StagingArray, is_stale, sweep

ROOT = str(Path(__file__).resolve().parent.parent)

# A process that stages a rechunk (a 2 MiB array through files in ``directory``), says where
# once the blocks are staged, and waits to be killed in the middle of that compute (staged files
# live only while a compute runs). ``handler`` installs a SIGTERM handler of its own first.
_CHILD = textwrap.dedent("""
    import signal, sys, time
    import numpy as np
    import chunkarray as ca
    if sys.argv[2] == "handler":
        signal.signal(signal.SIGTERM, lambda *_: print("own handler", flush=True))
    ca.config.set(temporary_directory=sys.argv[1])
    x = ca.from_array(np.ones((512, 512)), chunks=(512, 8)).map_blocks(abs)
    y = x.rechunk((8, 512), method="disk")
    path = y._node.data.value.path

    def hold(block):  # runs once the first new block was read: every block is staged
        print(path, flush=True)
        time.sleep(120)
        return block

    y.map_blocks(hold, dtype=float).sum().compute(scheduler="sync")
""")


def _staging_child(directory: Path, mode: str = "plain") -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": ROOT}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(directory), mode], env=env,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline().strip()  # blocks until the child has staged its blocks
    return child, line


def _wait(child: subprocess.Popen[str]) -> int:
    try:
        return child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()


def _staged(path: str) -> list[str]:
    return [n for n in os.listdir(path) if n.endswith(".bin")]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_staging_removed_when_the_process_is_terminated(tmp_path: Any, sig: int) -> None:
    child, path = _staging_child(tmp_path)
    assert os.path.isdir(path) and _staged(path)  # staged blocks on disk
    child.send_signal(sig)
    assert _wait(child) == -sig  # it still dies of the signal
    assert os.listdir(tmp_path) == []


def test_staging_of_a_killed_process_is_swept_at_the_next_use(tmp_path: Any) -> None:
    child, path = _staging_child(tmp_path)
    child.send_signal(signal.SIGKILL)
    assert _wait(child) == -signal.SIGKILL
    assert os.path.isdir(path) and is_stale(os.path.basename(path))
    x = ca.from_array(np.arange(16.0).reshape(4, 4), chunks=(4, 1)).map_blocks(abs)
    with ca.config.set(temporary_directory=str(tmp_path)):
        y = x.rechunk((1, 4), method="disk")
    assert not os.path.exists(path)
    assert os.listdir(tmp_path) == [os.path.basename(y._node.data.value.path)]
    np.testing.assert_array_equal(y.compute(), np.arange(16.0).reshape(4, 4))


def test_staging_of_a_live_process_is_not_swept(tmp_path: Any) -> None:
    child, path = _staging_child(tmp_path)
    try:
        assert not is_stale(os.path.basename(path))
        assert sweep(str(tmp_path)) == []
        StagingArray.create(str(tmp_path), np.dtype("f8"), ((2,),))
        assert os.path.isdir(path) and _staged(path)
    finally:
        child.kill()
        _wait(child)


def test_a_process_with_its_own_handler_keeps_it(tmp_path: Any) -> None:
    child, path = _staging_child(tmp_path, "handler")
    child.send_signal(signal.SIGTERM)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "own handler"  # ours did not replace it
    assert child.poll() is None and os.path.isdir(path)
    child.kill()
    _wait(child)


def test_stale_names() -> None:
    assert not is_stale("chunkarray-rechunk-abcdef")  # made before owners were recorded
    assert not is_stale("something-else")
    # A process of another machine (or PID namespace) cannot be checked: left alone.
    assert not is_stale(f"chunkarray-rechunk-{2**22 + 7}-00000000-0-1-abc")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    me = os.path.basename(StagingArray.create(None, np.dtype("f8"), ((2,),)).path)
    mine = me.split("-")
    assert is_stale("-".join([mine[0], mine[1], dead.stdout.strip(), *mine[3:]]))
    started = str(int(mine[5]) + 1)  # this pid, started at another time: the pid was reused
    assert is_stale("-".join([*mine[:5], started, *mine[6:]]))
    assert not is_stale(me)
