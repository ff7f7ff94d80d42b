"""Shared test set-up: hypothesis profiles and the executor fixture."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import chunkarray as ca

# "ci" keeps the whole suite fast on 2 cores; "deep" is for a long run by hand:
#   HYPOTHESIS_PROFILE=deep pytest
# "ci" is derandomized: every run tries the same examples, so a run passes or fails the same
# way every time (the random search for new failures is "deep"'s job). No profile has a
# deadline or the too_slow health check: both depend on how busy the machine is. A test's own
# @settings(suppress_health_check=[...]) replaces the profile's list, so it names too_slow too.
settings.register_profile(
    "ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True, derandomize=True,
)
settings.register_profile(
    "deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=10, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=["threads", "sync"])
def executor(request: pytest.FixtureRequest) -> str:
    """Run the test once on each executor (set as the default scheduler)."""
    with ca.config.set(scheduler=request.param):
        yield request.param
