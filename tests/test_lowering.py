"""The one path from roots to tasks: fused when the setting says so, culled to the keys asked."""

from __future__ import annotations

import numpy as np

import chunkarray as ca
from chunkarray.optimize.lowering import lower_optimized
from chunkarray.primitives.fused import Fused


def test_every_block_of_the_roots_by_default():
    x = ca.from_array(np.arange(10.0), chunks=3) * 2 + 1
    lowered, nodes = lower_optimized([x._node])
    assert set(x._node.keys()) <= set(lowered.order)
    assert isinstance(nodes[x.name], Fused)  # one task per block runs the chain
    assert len(lowered) == x.npartitions + 1  # and the source's data


def test_only_the_tasks_the_keys_need():
    x = ca.from_array(np.arange(10.0), chunks=3) + 1
    lowered, _ = lower_optimized([x._node], [(x.name, 1)])
    assert [k for k in lowered.order if k[0] == x.name] == [(x.name, 1)]


def test_fusion_follows_the_setting():
    x = ca.ones(6, chunks=2) * 2 + 1
    with ca.config.set(fuse=False):
        lowered, nodes = lower_optimized([x._node])
    assert not any(isinstance(n, Fused) for n in nodes.values())
    assert len(lowered) == 3 * x.npartitions  # ones, multiply, add: a task each per block


def test_compute_the_dask_graph_and_the_picture_agree():
    x = (ca.from_array(np.arange(8.0), chunks=3) - 1).sum()
    lowered, _ = lower_optimized([x._node])
    assert x.to_dask().__dask_graph__().keys() == lowered.tasks.keys()
    assert x.compute() == np.sum(np.arange(8.0) - 1)
