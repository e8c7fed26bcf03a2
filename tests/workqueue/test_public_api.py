"""The public surface of kinformer.workqueue."""

from __future__ import annotations

import itertools

import pytest

import kinformer.workqueue as workqueue
from kinformer.workqueue._metrics import HISTOGRAM_BUCKETS, PROMETHEUS_NAMES, MetricsProvider


def test_workqueue_all_names_are_public_and_present_as_the_package() -> None:
    assert sorted(workqueue.__all__) == workqueue.__all__
    for name in workqueue.__all__:
        obj = getattr(workqueue, name)
        assert obj.__module__ == "kinformer.workqueue", name
    assert issubclass(workqueue.ShutDown, workqueue.ShutDown.__mro__[1])
    assert workqueue.ShutDown.__mro__[1].__name__ == "KinformerError"


def test_metrics_g25_prometheus_names_cover_every_hook() -> None:
    hooks = {name for name in vars(MetricsProvider) if not name.startswith("_")}
    assert set(PROMETHEUS_NAMES) == hooks
    assert HISTOGRAM_BUCKETS[0] == 1e-6
    assert len(HISTOGRAM_BUCKETS) == 10
    assert [b / a for a, b in itertools.pairwise(HISTOGRAM_BUCKETS)] == pytest.approx([10.0] * 9)
