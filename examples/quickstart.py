"""A first look at chunkarray: NumPy code on a chunked array, computed block by block."""

import numpy as np

import chunkarray as ca

a = np.random.default_rng(0).normal(size=(4_000, 3_000))
x = ca.from_array(a, chunks=(1_000, 1_000))  # 12 blocks, views of ``a``: nothing is copied
print(x)

anomaly_std = (x - x.mean(axis=0)).std(axis=0)  # builds a graph; nothing runs yet
result = anomaly_std.compute()  # runs it on the threaded executor
expected = (a - a.mean(axis=0)).std(axis=0)
print("std of anomalies, first 3 columns:", result[:3])
print("matches NumPy:", np.allclose(result, expected), "| dtype:", result.dtype)

total, biggest = ca.compute(x.sum(), np.max(x))  # one pass shares the reads of x
print(f"sum = {total:.3f}, max = {biggest:.3f}")

with ca.config.set(scheduler="sync"):  # one thread, plain tracebacks: for debugging
    print("argmax along rows (first 5):", x.argmax(axis=1).compute()[:5])
