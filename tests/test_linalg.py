"""Matrix products against NumPy: matmul rules, dtypes, random chunkings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.graph import collect_nodes, lower
from chunkarray.linalg import dot, matmul
from tests.strategies import assert_eq, chunkings, values

DTYPES = [np.bool_, np.int8, np.int64, np.uint16, np.float32, np.float64, np.complex128]


@st.composite
def operand_shapes(draw):
    """Shapes NumPy's matmul accepts: 1-D or stacks of matrices with broadcastable batches."""
    n, k, m = draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    x_shape = (k,) if draw(st.booleans()) else (*batch, n, k)
    y_batch = [b if draw(st.booleans()) else 1 for b in batch][len(batch) - draw(
        st.integers(0, len(batch))):]
    y_shape = (k,) if draw(st.booleans()) else (*y_batch, k, m)
    return x_shape, y_shape


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operand_shapes(), st.sampled_from(DTYPES), st.sampled_from(DTYPES), st.data())
def test_matmul_matches_numpy(executor, shapes, dt1, dt2, data):
    (xs, ys) = shapes
    a = data.draw(values(dt1, xs))
    b = data.draw(values(dt2, ys))
    x = ca.from_array(a, chunks=data.draw(chunkings(a.shape)))
    y = ca.from_array(b, chunks=data.draw(chunkings(b.shape)))
    expected = np.matmul(a, b)
    result = matmul(x, y)
    assert result.shape == np.shape(expected) and result.dtype == expected.dtype
    exact = expected.dtype.kind in "biu"
    got = result.compute()
    if exact:
        assert_eq(got, expected, exact=True)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)


def test_matmul_operator_and_numpy_dispatch():
    a = np.arange(12.0).reshape(3, 4)
    x = ca.from_array(a, chunks=2)
    assert_eq((x @ a.T).compute(), a @ a.T)
    assert_eq((a.T @ x).compute(), a.T @ a)
    assert_eq(np.matmul(x, a.T).compute(), a @ a.T)
    assert_eq(np.dot(x, a.T).compute(), np.dot(a, a.T))


def test_dot_of_vectors_and_scalars():
    v = np.arange(5)
    x = ca.from_array(v, chunks=2)
    assert_eq(dot(x, x).compute(), np.dot(v, v))
    assert_eq(dot(x, 3).compute(), np.dot(v, 3))


@pytest.mark.parametrize(("xs", "ys"), [((3, 4), (5, 2)), ((4,), (3,)), ((2, 3, 4), (3, 4, 5))])
def test_mismatched_shapes_raise_at_the_call(xs, ys):
    x, y = ca.ones(xs, chunks=2), ca.ones(ys, chunks=2)
    with pytest.raises(ValueError, match="matmul|broadcast"):
        matmul(x, y)


def test_zero_dimensional_operands_are_refused():
    with pytest.raises(ValueError, match="at least one dimension"):
        matmul(ca.ones((), chunks=()), ca.ones((2,), chunks=1))


def test_matmul_of_1d_object_arrays(executor):
    # NumPy gives a bare Python object for 1-d @ 1-d of objects: its dtype is still object.
    a = np.array([1.5, 2, 3], dtype=object)
    x = ca.from_array(a, chunks=2)
    assert (x @ x).dtype == object
    assert (x @ x).compute() == a @ a


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operand_shapes(), st.sampled_from(DTYPES), st.sampled_from(DTYPES), st.data())
def test_matmul_under_a_small_memory_limit_matches_numpy(executor, shapes, dt1, dt2, data):
    # 3000 bytes: whole panels rarely fit, single block products always do (at most 6 x 6 each).
    (xs, ys) = shapes
    a, b = data.draw(values(dt1, xs)), data.draw(values(dt2, ys))
    x = ca.from_array(a, chunks=data.draw(chunkings(a.shape)))
    y = ca.from_array(b, chunks=data.draw(chunkings(b.shape)))
    expected = np.matmul(a, b)
    with ca.config.set(memory_limit=3000):
        result = matmul(x, y)
    assert result.shape == np.shape(expected) and result.dtype == expected.dtype
    if expected.dtype.kind in "biu":
        assert_eq(result.compute(), expected, exact=True)
    else:
        np.testing.assert_allclose(result.compute(), expected, rtol=1e-4, atol=1e-3)


def _largest_task_input(y):
    """The most bytes of blocks any task of ``y``'s graph reads (from the node chunks)."""
    nodes = collect_nodes([y._node])
    lowered = lower([y._node], list(y._node.keys()))

    def nbytes(key):
        node = nodes[key[0]]
        if not node.chunks:
            return node.dtype.itemsize
        return node.dtype.itemsize * int(np.prod([c[i] for c, i in zip(node.chunks, key[1:])]))

    return max(sum(nbytes(d) for d in deps if nodes[d[0]].chunks or len(d) == 1)
               for deps in lowered.dependencies.values())


def test_gram_matrix_of_a_tall_array_keeps_tasks_within_the_limit(executor):
    # x.T @ x: every output block's panels are the whole of x (8 MB); before, one task held both.
    a = np.random.default_rng(0).random((20_000, 50))
    x = ca.from_array(a, chunks=(1000, 50))
    with ca.config.set(memory_limit="2 MiB"):
        gram = x.T @ x
    assert _largest_task_input(gram) <= 2 * 2**20
    np.testing.assert_allclose(gram.compute(), a.T @ a)
    with ca.config.set(memory_limit="100 KiB"), pytest.raises(ValueError, match="memory_limit"):
        x.T @ x  # one block product (400 KB per block) cannot fit: refused at the call
