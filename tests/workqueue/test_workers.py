"""Workers over a reconcile function, both flavours: retry with rate limiting, forget, done (G-15)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from kinformer.workqueue import ShutDown
from kinformer.workqueue._rate_limiters import ItemExponentialFailureRateLimiter
from kinformer.workqueue._workers import (
    process_next_work_item,
    process_next_work_item_async,
    run_workers,
    run_workers_async,
)

from .conftest import Harness


class Reconciler:
    """Records calls; fails an item as many times as told, then succeeds."""

    def __init__(self, failures: dict[str, int] | None = None) -> None:
        self.failures = dict(failures or {})
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, item: str) -> None:
        with self._lock:
            self.calls.append(item)
            if self.failures.get(item, 0) > 0:
                self.failures[item] -= 1
                raise RuntimeError(f"cannot reconcile {item}")


def _start_workers(harness: Harness, q: Any, reconcile: Callable[..., Any], workers: int) -> Any:
    if harness.flavor == "threads":
        return asyncio.ensure_future(asyncio.to_thread(run_workers, q, reconcile, workers=workers))
    return asyncio.ensure_future(run_workers_async(q, reconcile, workers=workers))


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.001)


async def test_workers_g15_failure_is_retried_rate_limited_then_forgotten(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    q = harness.queue(
        "rate", name="ctrl", rate_limiter=ItemExponentialFailureRateLimiter(1.0, 60.0)
    )
    reconcile = Reconciler({"a": 2})
    workers = _start_workers(harness, q, reconcile, 2)
    with caplog.at_level(logging.ERROR, logger="kinformer.workqueue"):
        q.add("a")
        await _until(lambda: reconcile.calls == ["a"])
        await _until(lambda: q.num_requeues("a") == 1)
        await harness.wait_for_clock_waiters(1)  # a worker waits for the 1 s retry
        harness.clock.advance(1.0)
        await _until(lambda: q.num_requeues("a") == 2)
        await harness.wait_for_clock_waiters(1)
        harness.clock.advance(1.0)
        await harness.assert_pending(workers)
        assert reconcile.calls == ["a", "a"]  # second retry waits 2 s
        harness.clock.advance(1.0)
        await _until(lambda: reconcile.calls == ["a", "a", "a"])
        await _until(lambda: q.num_requeues("a") == 0)  # success: forgotten
    assert [r.getMessage() for r in caplog.records] == [
        "error reconciling 'a' (queue 'ctrl'), requeuing"
    ] * 2
    assert caplog.records[0].exc_info is not None
    q.shutdown()
    await asyncio.wait_for(workers, 5)


async def test_workers_g4_done_is_called_so_readded_items_run_again(harness: Harness) -> None:
    q = harness.queue("rate")
    started = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def reconcile(item: str) -> None:
        calls.append(item)
        if len(calls) == 1:
            started.set()
            assert release.wait(5)

    async def areconcile(item: str) -> None:
        calls.append(item)
        if len(calls) == 1:
            started.set()
            await _until(release.is_set)

    workers = _start_workers(
        harness, q, reconcile if harness.flavor == "threads" else areconcile, 3
    )
    q.add("a")
    await _until(started.is_set)
    q.add("a")  # while being reconciled: must not run concurrently, runs again after done
    await harness.assert_pending(workers)
    assert calls == ["a"]
    release.set()
    await _until(lambda: calls == ["a", "a"])
    q.shutdown()
    await asyncio.wait_for(workers, 5)
    assert len(q) == 0


async def test_workers_process_all_items_and_stop_at_shutdown(harness: Harness) -> None:
    q = harness.queue("rate")
    reconcile = Reconciler()
    for i in range(20):
        q.add(f"item-{i}")
    workers = _start_workers(harness, q, reconcile, 4)
    await _until(lambda: len(reconcile.calls) == 20)
    q.shutdown()
    await asyncio.wait_for(workers, 5)
    assert sorted(reconcile.calls) == sorted(f"item-{i}" for i in range(20))


async def test_workers_g7_drain_waits_for_the_item_being_reconciled(harness: Harness) -> None:
    q = harness.queue("rate")
    release = threading.Event()
    calls: list[str] = []

    def reconcile(item: str) -> None:
        calls.append(item)
        assert release.wait(5)

    async def areconcile(item: str) -> None:
        calls.append(item)
        await _until(release.is_set)

    workers = _start_workers(
        harness, q, reconcile if harness.flavor == "threads" else areconcile, 1
    )
    q.add("a")
    await _until(lambda: calls == ["a"])
    drain = harness.start_drain(q)
    await harness.assert_pending(drain)
    release.set()
    await asyncio.wait_for(drain, 5)
    await asyncio.wait_for(workers, 5)


def test_workers_reject_zero_workers() -> None:
    from kinformer.workqueue._threads import RateLimitingQueue

    with pytest.raises(ValueError, match="at least 1"):
        run_workers(RateLimitingQueue(), print, workers=0)


async def test_workers_async_reject_zero_workers() -> None:
    from kinformer.workqueue._asyncio import AsyncRateLimitingQueue

    with pytest.raises(ValueError, match="at least 1"):
        await run_workers_async(AsyncRateLimitingQueue(), print, workers=0)


def test_process_next_work_item_base_exception_marks_done_and_propagates() -> None:
    from kinformer.workqueue._threads import RateLimitingQueue

    q: RateLimitingQueue[str] = RateLimitingQueue()
    q.add("a")

    def reconcile(item: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        process_next_work_item(q, reconcile)
    assert q.num_requeues("a") == 0  # not retried
    q.add("a")
    assert len(q) == 1  # done was called: the item could be queued again
    q.shutdown()
    assert process_next_work_item(q, lambda item: None) is True  # drains "a" first
    assert process_next_work_item(q, lambda item: None) is False
    with pytest.raises(ShutDown):
        q.get()


async def test_process_next_work_item_async_cancellation_marks_done() -> None:
    from kinformer.workqueue._asyncio import AsyncRateLimitingQueue

    q: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue()
    q.add("a")
    entered = asyncio.Event()

    async def reconcile(item: str) -> None:
        entered.set()
        await asyncio.Event().wait()

    task = asyncio.ensure_future(process_next_work_item_async(q, reconcile))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert q.num_requeues("a") == 0
    q.add("a")
    assert len(q) == 1
    q.shutdown()
    assert await process_next_work_item_async(q, lambda item: None) is True
    assert await process_next_work_item_async(q, lambda item: None) is False
