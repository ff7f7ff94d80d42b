"""Shared test set-up: hypothesis profiles and the executor fixture."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import chunkarray as ca

# "ci" keeps the whole suite fast on 2 cores; "deep" is for a long run by hand:
#   HYPOTHESIS_PROFILE=deep pytest
settings.register_profile(
    "ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=10, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=["threads", "sync"])
def executor(request: pytest.FixtureRequest) -> str:
    """Run the test once on each executor (set as the default scheduler)."""
    with ca.config.set(scheduler=request.param):
        yield request.param
