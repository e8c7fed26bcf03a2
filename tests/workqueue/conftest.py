"""Fixtures for the work-queue driver tests: one harness for both flavours.

Tests are written once, as coroutines, against a :class:`Harness`: non-blocking calls
(``add``, ``done``, ``add_after``, ``len``, ``shutdown``, ...) go straight to the queue, which
has the same names in both flavours; blocking calls (``get``, ``shutdown_with_drain``) go
through the harness, which runs them in a thread for the threads flavour and awaits them for
the asyncio flavour. Time is a :class:`FakeClock`; tests never sleep, they advance it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kinformer.testing._clock import FakeClock
from kinformer.workqueue._asyncio import (
    AsyncDelayingQueue,
    AsyncRateLimitingQueue,
    AsyncWorkQueue,
)
from kinformer.workqueue._threads import DelayingQueue, RateLimitingQueue, WorkQueue

FLAVORS = ("threads", "asyncio")

_KINDS: dict[str, dict[str, Any]] = {
    "threads": {"work": WorkQueue, "delaying": DelayingQueue, "rate": RateLimitingQueue},
    "asyncio": {
        "work": AsyncWorkQueue,
        "delaying": AsyncDelayingQueue,
        "rate": AsyncRateLimitingQueue,
    },
}


@dataclass
class FakeMetricsProvider:
    """Records every metric call, as a Prometheus registry would see it."""

    depth: dict[str, int] = field(default_factory=dict)
    adds: dict[str, int] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    queue_durations: dict[str, list[float]] = field(default_factory=dict)
    work_durations: dict[str, list[float]] = field(default_factory=dict)
    unfinished: dict[str, list[float]] = field(default_factory=dict)
    longest: dict[str, list[float]] = field(default_factory=dict)

    def add_depth(self, name: str, delta: int) -> None:
        self.depth[name] = self.depth.get(name, 0) + delta

    def inc_adds(self, name: str) -> None:
        self.adds[name] = self.adds.get(name, 0) + 1

    def observe_queue_duration(self, name: str, seconds: float) -> None:
        self.queue_durations.setdefault(name, []).append(seconds)

    def observe_work_duration(self, name: str, seconds: float) -> None:
        self.work_durations.setdefault(name, []).append(seconds)

    def set_unfinished_work_seconds(self, name: str, seconds: float) -> None:
        self.unfinished.setdefault(name, []).append(seconds)

    def set_longest_running_processor_seconds(self, name: str, seconds: float) -> None:
        self.longest.setdefault(name, []).append(seconds)

    def inc_retries(self, name: str) -> None:
        self.retries[name] = self.retries.get(name, 0) + 1


class Harness:
    """Builds queues of one flavour on one FakeClock and runs their blocking calls."""

    def __init__(self, flavor: str) -> None:
        self.flavor = flavor
        self.clock = FakeClock()
        self._queues: list[Any] = []
        self._pending: list[asyncio.Future[Any]] = []

    def queue(self, kind: str = "work", **options: Any) -> Any:
        """A new queue of ``kind`` ("work", "delaying", "rate") on the harness clock."""
        queue = _KINDS[self.flavor][kind](clock=self.clock, **options)
        self._queues.append(queue)
        return queue

    def start_get(self, queue: Any) -> asyncio.Future[Any]:
        """Start ``queue.get()`` without waiting for it."""
        if self.flavor == "threads":
            future = asyncio.ensure_future(asyncio.to_thread(queue.get))
        else:
            future = asyncio.ensure_future(queue.get())
        self._pending.append(future)
        return future

    async def get(self, queue: Any) -> Hashable:
        return await asyncio.wait_for(self.start_get(queue), 5)

    def start_drain(self, queue: Any) -> asyncio.Future[Any]:
        """Start ``queue.shutdown_with_drain()`` without waiting for it."""
        if self.flavor == "threads":
            future = asyncio.ensure_future(asyncio.to_thread(queue.shutdown_with_drain))
        else:
            future = asyncio.ensure_future(queue.shutdown_with_drain())
        self._pending.append(future)
        return future

    async def wait_for_clock_waiters(self, count: int) -> None:
        """Wait (in real time, bounded) until ``count`` waiters wait on the clock with a deadline."""
        deadline = time.monotonic() + 5
        while self.clock.waiters < count:
            assert time.monotonic() < deadline, f"fewer than {count} clock waiters"
            await asyncio.sleep(0.001)

    async def assert_pending(self, future: asyncio.Future[Any]) -> None:
        """Give ``future`` a short real-time chance to finish, and check that it did not."""
        done, _ = await asyncio.wait([future], timeout=0.02)
        assert not done, f"expected to still be blocked, got {future}"

    async def close(self) -> None:
        for queue in self._queues:
            queue.shutdown()
        if self._pending:
            await asyncio.wait_for(asyncio.gather(*self._pending, return_exceptions=True), 5)


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    """The runtime under test: "threads" or "asyncio"."""
    return str(request.param)


@pytest.fixture
async def harness(flavor: str) -> AsyncIterator[Harness]:
    h = Harness(flavor)
    yield h
    await h.close()


@pytest.fixture
def provider() -> FakeMetricsProvider:
    return FakeMetricsProvider()
