import numpy as np
from hypothesis import given

import chunkarray as ca
from tests.strategies import arrays, assert_eq


@given(arrays())
def test_from_array_round_trips(pair):
    a, x = pair
    assert_eq(x.compute(), a, exact=True)


def test_mean_std_anomaly(executor):
    a = np.arange(20.0).reshape(4, 5)
    x = ca.from_array(a, chunks=(3, 2))
    assert_eq((x - x.mean(axis=0)).std(axis=0).compute(), (a - a.mean(axis=0)).std(axis=0))
