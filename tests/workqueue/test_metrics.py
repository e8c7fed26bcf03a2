"""Work-queue metric hooks (spec G-25), recorded into a fake provider, both flavours."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from kinformer.workqueue import _metrics
from kinformer.workqueue._metrics import (
    NoopMetricsProvider,
    QueueMetrics,
    global_metrics_provider,
    queue_metrics,
    set_metrics_provider,
)

from .conftest import FakeMetricsProvider, Harness


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.001)


async def test_metrics_g25_depth_adds_and_queue_latency(
    harness: Harness, provider: FakeMetricsProvider
) -> None:
    q = harness.queue(name="ctrl", metrics_provider=provider)
    q.add("a")
    harness.clock.advance(2.0)
    q.add("a")  # already dirty: no add, the latency still counts from the first add
    q.add("b")
    assert provider.adds == {"ctrl": 2}
    assert provider.depth == {"ctrl": 2}
    assert await harness.get(q) == "a"
    assert provider.depth == {"ctrl": 1}
    assert provider.queue_durations == {"ctrl": [2.0]}
    q.add("a")  # newly dirty while processing: counted (G-2)
    assert provider.adds == {"ctrl": 3}
    assert provider.depth == {"ctrl": 2}
    harness.clock.advance(3.0)
    q.done("a")
    assert provider.work_durations == {"ctrl": [3.0]}
    assert await harness.get(q) == "b"
    assert await harness.get(q) == "a"
    assert provider.queue_durations == {"ctrl": [2.0, 3.0, 3.0]}
    assert provider.depth == {"ctrl": 0}


async def test_metrics_g25_retries_count_every_add_after(
    harness: Harness, provider: FakeMetricsProvider
) -> None:
    q = harness.queue("rate", name="ctrl", metrics_provider=provider)
    q.add_after("a", 0)
    q.add_after("a", 1.0)
    q.add_rate_limited("b")
    assert provider.retries == {"ctrl": 3}
    q.shutdown()
    q.add_after("c", 1.0)  # ignored entirely once shutting down (G-10)
    assert provider.retries == {"ctrl": 3}


async def test_metrics_g25_unfinished_work_every_500ms(
    harness: Harness, provider: FakeMetricsProvider
) -> None:
    q = harness.queue(name="ctrl", metrics_provider=provider)
    q.add("a")
    assert await harness.get(q) == "a"
    await harness.wait_for_clock_waiters(1)  # the updater waits for its next tick
    harness.clock.advance(0.4)
    await harness.wait_for_clock_waiters(1)
    assert "ctrl" not in provider.unfinished
    harness.clock.advance(0.1)
    await _until(lambda: len(provider.unfinished.get("ctrl", [])) == 1)
    assert provider.unfinished["ctrl"] == [0.5]
    assert provider.longest["ctrl"] == [0.5]
    q.add("b")
    assert await harness.get(q) == "b"
    await harness.wait_for_clock_waiters(1)
    harness.clock.advance(0.5)
    await _until(lambda: len(provider.unfinished["ctrl"]) == 2)
    assert provider.unfinished["ctrl"][1] == pytest.approx(1.5)  # 1.0 + 0.5
    assert provider.longest["ctrl"][1] == 1.0
    q.shutdown()  # stops the updater (G-6)
    await _until(lambda: harness.clock.waiters == 0)


async def test_metrics_g25_unnamed_queue_records_nothing(
    harness: Harness, provider: FakeMetricsProvider
) -> None:
    q = harness.queue("rate", metrics_provider=provider)
    q.add("a")
    q.add_rate_limited("b")
    await harness.get(q)
    assert provider == FakeMetricsProvider()
    assert harness.clock.waiters == 0  # and runs no updater


def test_metrics_g25_noop_provider_means_no_recorder() -> None:
    assert queue_metrics("ctrl", NoopMetricsProvider()) is None
    assert queue_metrics("", FakeMetricsProvider()) is None
    assert isinstance(queue_metrics("ctrl", FakeMetricsProvider()), QueueMetrics)


def test_metrics_g25_global_provider_first_call_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_metrics, "_global", _metrics._GlobalProvider())  # a fresh process state
    assert isinstance(global_metrics_provider(), NoopMetricsProvider)
    assert queue_metrics("ctrl", None) is None
    first, second = FakeMetricsProvider(), FakeMetricsProvider()
    assert set_metrics_provider(first) is True
    assert set_metrics_provider(second) is False
    assert global_metrics_provider() is first
    recorder = queue_metrics("ctrl", None)
    assert recorder is not None
    recorder.retry()
    assert first.retries == {"ctrl": 1}
    assert second.retries == {}


def test_metrics_g25_recorder_ignores_unknown_items() -> None:
    provider = FakeMetricsProvider()
    recorder = QueueMetrics(provider, "q")
    recorder.get("never-added", 1.0)  # no add time: no latency observed
    recorder.done("never-got", 2.0)  # not processing: no work duration
    recorder.update_unfinished_work(3.0)
    assert provider.queue_durations == {}
    assert provider.work_durations == {}
    assert provider.unfinished == {"q": [2.0]}
    assert provider.longest == {"q": [2.0]}


def test_metrics_g25_noop_provider_accepts_every_hook() -> None:
    noop = NoopMetricsProvider()
    noop.add_depth("q", 1)
    noop.inc_adds("q")
    noop.observe_queue_duration("q", 1.0)
    noop.observe_work_duration("q", 1.0)
    noop.set_unfinished_work_seconds("q", 1.0)
    noop.set_longest_running_processor_seconds("q", 1.0)
    noop.inc_retries("q")
