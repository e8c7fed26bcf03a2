"""The public surface of kinformer.leaderelection."""

from __future__ import annotations

import kinformer.leaderelection as leaderelection
from kinformer import KinformerError


def test_leaderelection_all_names_are_sorted_present_and_public() -> None:
    assert len(set(leaderelection.__all__)) == len(leaderelection.__all__)
    for name in leaderelection.__all__:
        obj = getattr(leaderelection, name)
        if isinstance(obj, type) or callable(obj):
            assert obj.__module__ == "kinformer.leaderelection", name
    assert issubclass(leaderelection.LeaderElectionCheckError, KinformerError)


def test_leaderelection_section_1_constants() -> None:
    assert leaderelection.JITTER_FACTOR == 1.2
    assert leaderelection.DEFAULT_LEASE_DURATION == 15.0
    assert leaderelection.DEFAULT_RENEW_DEADLINE == 10.0
    assert leaderelection.DEFAULT_RETRY_PERIOD == 2.0
