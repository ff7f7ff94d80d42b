"""Names identify computations: different functions, bound objects or indices never share one."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import chunkarray as ca
from chunkarray.core import tokenize as tokenize_module
from chunkarray.core.tokenize import content_token, tokenize


class _Scale:
    def __init__(self, k: float) -> None:
        self.k = k

    def apply(self, block: np.ndarray) -> np.ndarray:
        return block * self.k


def test_bound_methods_of_two_objects_are_two_computations(executor):
    x = ca.from_array(np.ones(4), chunks=2)
    s2, s3 = _Scale(2), _Scale(3)
    assert tokenize(s2.apply) != tokenize(s3.apply)
    np.testing.assert_array_equal((x.map_blocks(s2.apply) + x.map_blocks(s3.apply)).compute(),
                                  np.full(4, 5.0))
    y2, y3 = ca.compute(x.map_blocks(s2.apply), x.map_blocks(s3.apply))
    np.testing.assert_array_equal(y2, np.full(4, 2.0))
    np.testing.assert_array_equal(y3, np.full(4, 3.0))


def test_the_same_bound_method_keeps_its_name():
    s = _Scale(2)
    x = ca.from_array(np.ones(4), chunks=2)
    assert x.map_blocks(s.apply).name == x.map_blocks(s.apply).name


def test_a_function_redefined_under_the_same_name_is_a_new_computation(executor):
    namespace: dict = {}
    exec("def f(b):\n    return b * 2", namespace)  # a notebook cell ...
    first = namespace["f"]
    exec("def f(b):\n    return b * 3", namespace)  # ... run again after an edit
    second = namespace["f"]
    assert first.__qualname__ == second.__qualname__
    assert tokenize(first) != tokenize(second)
    x = ca.from_array(np.ones(4), chunks=2)
    a, b = ca.compute(x.map_blocks(first), x.map_blocks(second))
    np.testing.assert_array_equal(a, np.full(4, 2.0))
    np.testing.assert_array_equal(b, np.full(4, 3.0))


def test_closures_and_defaults_are_part_of_the_name():
    def make(k):
        return lambda b: b * k

    assert tokenize(make(2)) != tokenize(make(3))
    assert tokenize(make(2)) == tokenize(make(2))  # deterministic, not by identity

    def with_default(b, k=2):
        return b * k

    def with_other_default(b, k=3):
        return b * k

    assert tokenize(with_default) != tokenize(with_other_default)
    assert tokenize(functools.partial(with_default, k=2)) != tokenize(
        functools.partial(with_default, k=3))


def test_globals_read_by_a_local_function_are_part_of_the_name():
    namespace: dict = {"k": 2}
    exec("def f(b):\n    return b * k", namespace)
    before = tokenize(namespace["f"])
    namespace["k"] = 3
    assert tokenize(namespace["f"]) != before


def test_library_functions_are_named_by_name_and_code():
    assert tokenize(np.sum) == tokenize(np.sum)
    assert tokenize(np.sum) != tokenize(np.prod)
    assert tokenize(np.add) != tokenize(np.subtract)


def test_the_same_index_gives_the_same_name():
    x = ca.from_array(np.arange(10_000.0), chunks=1000)
    perm = np.random.default_rng(0).permutation(10_000)
    assert x[perm].name == x[perm.copy()].name
    assert x[perm].name != x[perm[::-1].copy()].name
    assert content_token(perm) == content_token(perm.copy())
    assert content_token(perm) != content_token(perm.astype(np.int32))


def test_the_same_index_gives_the_same_name_on_every_path():
    # A computed array (not a read) goes through the join or gather-and-reorder takes.
    x = ca.from_array(np.arange(10_000.0), chunks=1000) + 1
    perm = np.random.default_rng(1).permutation(10_000)
    with ca.config.set(memory_limit="1 KiB"):
        assert x[perm].name == x[perm.copy()].name
        assert x[perm].name != x[perm[::-1].copy()].name
    assert x[perm].name == x[perm.copy()].name
    rows, cols = perm[:2000] % 100, perm[2000:4000] % 100
    y = x.reshape(100, 100)
    assert y.vindex[rows, cols].name == y.vindex[rows.copy(), cols.copy()].name
    assert y.vindex[rows, cols].name != y.vindex[cols, rows].name


def test_long_setitem_indices_that_differ_only_in_the_middle_get_different_names(executor):
    # repr() elides the middle of a long array: names built from it would collide.
    idx1 = np.arange(0, 8000, 2)
    idx2 = idx1.copy()
    idx2[1000] += 1
    x, y = ca.zeros(8000, chunks=8000), ca.zeros(8000, chunks=8000)
    x[idx1] = 1.0
    y[idx2] = 1.0
    assert x.name != y.name
    a, b = ca.compute(x, y)
    expected = np.zeros(8000)
    expected[idx1] = 1.0
    np.testing.assert_array_equal(a, expected)
    expected[idx2] = 1.0
    expected[idx1[1000]] = 0.0
    np.testing.assert_array_equal(b, expected)


@pytest.fixture(params=["xxhash", "sha256"])
def content_hash(request, monkeypatch):
    """Each content-token scheme: XXH3 when the ``fast`` extra is installed, else SHA-256."""
    if request.param == "xxhash":
        pytest.importorskip("xxhash")
    else:
        monkeypatch.setattr(tokenize_module, "xxhash", None)
    return request.param


def test_content_tokens_are_the_same_on_every_machine(content_hash):
    # Known answers: a token must not depend on the process, the machine or the run.
    expected = {"xxhash": ("d7649a400f5161357c69f387", "71bb32b1960424974b6c74fa"),
                "sha256": ("f66e824635553b8b54b1489a", "c4a20b4a8eccdfa08122ad0a")}
    assert (content_token(np.arange(10)), content_token(np.arange(2**20))) == \
        expected[content_hash]


def test_content_token_of_a_large_index_sees_every_part(content_hash):
    # SHA-256 hashes 4 MiB parts on threads: a change in any part, or another shape, changes it.
    perm = np.random.default_rng(0).permutation(3 * 2**20)  # 24 MiB: six parts
    token = content_token(perm)
    assert token == content_token(perm.copy())
    for i in (0, 2**19 + 3, len(perm) - 1):
        changed = perm.copy()
        changed[i] += 1
        assert content_token(changed) != token
    assert content_token(perm.reshape(3, -1)) != token


def test_content_token_works_in_a_forked_child(content_hash):
    import multiprocessing

    perm = np.arange(2**20)
    token = content_token(perm)  # the parent's hash threads exist now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply(content_token, (perm,)) == token
