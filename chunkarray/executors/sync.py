"""The single-threaded executor: runs tasks one by one in the caller, for debugging."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chunkarray.core.graph import Key, Lowered
from chunkarray.executors import _callbacks
from chunkarray.executors._task import run_in_order

__all__ = ["execute"]


def execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None = None) -> list[Any]:
    """Run ``lowered`` in its depth-first order and return the values of ``keys``.

    Each result is dropped as soon as its last consumer has run.
    """
    if _callbacks.active:  # checked once per call: diagnostics see a copy that reports events
        return _callbacks.run_observed(_execute, lowered, keys, num_workers)
    return _execute(lowered, keys, num_workers)


def _execute(lowered: Lowered, keys: Sequence[Key], num_workers: int | None = None) -> list[Any]:
    results: dict[Key, Any] = {}
    remaining = lowered.consumer_counts()
    keep = {lowered.ids[k] for k in keys}
    run_in_order(lowered, results, remaining, keep)
    return [results[k] for k in keys]
