"""The public surface of kinformer.metrics."""

from __future__ import annotations

import kinformer.metrics as metrics


def test_metrics_all_names_are_sorted_present_and_public() -> None:
    assert len(set(metrics.__all__)) == len(metrics.__all__)
    for name in metrics.__all__:
        assert getattr(metrics, name).__module__ == "kinformer.metrics", name
