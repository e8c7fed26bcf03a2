"""Soak (issue 8, item 3): no resource may trend upward once warm.

The CI version runs both informer runtimes for 30 s of churn with a fault every 3 s; the
long run is ``scripts/soak --minutes M`` (docs/soak.md). The trend checker itself is tested
on synthetic series so that it cannot pass vacuously.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ._soak import METRICS, Sample, check_trends, fit, format_report, run_soak


def _series(values: list[int], metric: str = "rss_kb") -> list[Sample]:
    base = dict.fromkeys(METRICS, 10)
    samples = []
    for i, value in enumerate(values):
        fields = {**base, metric: value}
        samples.append(Sample(seconds=i * 5.0, events=i, faults=i, writes=i, **fields))
    return samples


def test_fit_slope_of_a_line_and_degenerate_inputs() -> None:
    assert fit([(0, 1), (1, 3), (2, 5)]) == pytest.approx(2.0)
    assert fit([(0, 1)]) == 0.0
    assert fit([(1, 1), (1, 5)]) == 0.0


def test_check_trends_flags_a_steady_leak_in_the_warm_half() -> None:
    sockets = [10] * 10 + list(range(10, 30, 2))  # flat while warming, then +1 socket per 5 s
    trends = {t.metric: t for t in check_trends(_series(sockets, "sockets"))}
    assert not trends["sockets"].ok
    assert trends["sockets"].rise == pytest.approx(18.0)
    assert all(trends[m].ok for m in METRICS if m != "sockets")


def test_check_trends_ignores_warm_up_growth_and_noise() -> None:
    rss = list(range(50_000, 60_000, 1000)) + [60_000, 60_400, 59_800, 60_200, 60_000] * 2
    trends = {t.metric: t for t in check_trends(_series(rss))}
    assert all(trend.ok for trend in trends.values())
    assert trends["rss_kb"].rise < 1000


@pytest.mark.slow
def test_soak_threads_and_asyncio_informers_do_not_leak(tmp_path: Path) -> None:
    out = tmp_path / "soak.csv"
    result = run_soak(30, sample_interval=1.0, fault_interval=3.0, csv_path=out)
    report = format_report(result)
    assert result.converged, report
    assert result.faults >= 9, report
    assert result.writes > 200, report
    assert result.events > result.writes, report  # two informers see every write
    assert all(trend.ok for trend in result.trends), report
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(result.samples) >= 25
    assert int(rows[-1]["sockets"]) > 0
    assert int(rows[-1]["threads"]) > 0
