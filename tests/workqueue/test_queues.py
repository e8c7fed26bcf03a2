"""The queue drivers, both flavours (spec G-1..G-15, K-24), with a FakeClock and no sleeps."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kinformer.workqueue import ShutDown
from kinformer.workqueue._queue import MAX_WAIT
from kinformer.workqueue._rate_limiters import ItemExponentialFailureRateLimiter

from .conftest import Harness

# -- G.1 basic queue ------------------------------------------------------------------------


async def test_queue_g1_items_compared_by_equality(harness: Harness) -> None:
    q = harness.queue()
    q.add(("default", "web-1"))
    q.add(("default", "web-1"))  # an equal, distinct object
    assert len(q) == 1
    assert await harness.get(q) == ("default", "web-1")


async def test_queue_g2_add_dedups_queued_items_and_keeps_fifo_order(harness: Harness) -> None:
    q = harness.queue()
    for item in ["a", "b", "a", "c", "b"]:
        q.add(item)
    assert len(q) == 3
    assert [await harness.get(q) for _ in range(3)] == ["a", "b", "c"]


async def test_queue_g2_add_while_processing_queues_only_at_done(harness: Harness) -> None:
    q = harness.queue()
    q.add("a")
    assert await harness.get(q) == "a"
    q.add("a")
    q.add("a")
    assert len(q) == 0  # G-5: not counted until done
    getter = harness.start_get(q)
    await harness.assert_pending(getter)  # one item is never handed to two workers
    q.done("a")
    assert await asyncio.wait_for(getter, 5) == "a"
    q.done("a")
    assert len(q) == 0


async def test_queue_g2_add_ignored_after_shutdown(harness: Harness) -> None:
    q = harness.queue()
    q.shutdown()
    q.add("a")
    assert len(q) == 0
    with pytest.raises(ShutDown):
        await harness.get(q)


async def test_queue_g3_get_blocks_until_add(harness: Harness) -> None:
    q = harness.queue()
    getter = harness.start_get(q)
    await harness.assert_pending(getter)
    q.add("a")
    assert await asyncio.wait_for(getter, 5) == "a"


async def test_queue_g3_get_after_shutdown_returns_queued_items_then_raises(
    harness: Harness,
) -> None:
    q = harness.queue()
    q.add("a")
    q.add("b")
    q.shutdown()
    assert await harness.get(q) == "a"
    assert await harness.get(q) == "b"
    with pytest.raises(ShutDown):
        await harness.get(q)


async def test_queue_g3_each_item_wakes_one_of_several_getters(harness: Harness) -> None:
    q = harness.queue()
    getters = [harness.start_get(q) for _ in range(3)]
    await harness.assert_pending(getters[0])
    q.add("a")
    q.add("b")
    done: set[asyncio.Future[Any]] = set()
    pending = set(getters)
    while len(done) < 2:
        more, pending = await asyncio.wait(pending, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        assert more
        done |= more
    await harness.assert_pending(next(iter(pending)))
    assert sorted(f.result() for f in done) == ["a", "b"]
    assert len(pending) == 1
    q.shutdown()
    with pytest.raises(ShutDown):
        await asyncio.wait_for(pending.pop(), 5)


async def test_queue_g4_done_requeues_at_the_tail(harness: Harness) -> None:
    q = harness.queue()
    q.add("a")
    q.add("b")
    assert await harness.get(q) == "a"
    q.add("a")
    q.add("c")
    q.done("a")
    assert [await harness.get(q) for _ in range(3)] == ["b", "c", "a"]


async def test_queue_g4_done_of_unknown_item_changes_nothing(harness: Harness) -> None:
    q = harness.queue()
    q.add("a")
    q.done("a")  # queued but not processing: client-go would duplicate it (G-4 NOTE)
    q.done("zzz")
    assert len(q) == 1


async def test_queue_g5_len_counts_queued_items_only(harness: Harness) -> None:
    q = harness.queue()
    q.add("a")
    q.add("b")
    assert len(q) == 2
    await harness.get(q)
    assert len(q) == 1


async def test_queue_g6_shutdown_wakes_every_getter_and_is_idempotent(harness: Harness) -> None:
    q = harness.queue()
    getters = [harness.start_get(q) for _ in range(3)]
    await harness.assert_pending(getters[0])
    q.shutdown()
    q.shutdown()
    for getter in getters:
        with pytest.raises(ShutDown):
            await asyncio.wait_for(getter, 5)


async def test_queue_g6_shutdown_does_not_wait_for_workers(harness: Harness) -> None:
    q = harness.queue()
    q.add("a")
    await harness.get(q)
    q.shutdown()  # returns although "a" is still being processed
    assert q.shutting_down
    q.done("a")


async def test_queue_g7_shutdown_with_drain_waits_for_processing_items(harness: Harness) -> None:
    q = harness.queue()
    for item in "abc":
        q.add(item)
    a = await harness.get(q)
    b = await harness.get(q)
    drain = harness.start_drain(q)
    await harness.assert_pending(drain)
    q.add("d")  # ignored: shutting down
    q.done(a)
    await harness.assert_pending(drain)
    q.done(b)
    await asyncio.wait_for(drain, 5)
    # "c" was queued, not processing: the drain did not wait for it, get still returns it.
    assert len(q) == 1
    assert await harness.get(q) == "c"


async def test_queue_g7_drain_returns_at_once_when_nothing_is_processing(harness: Harness) -> None:
    q = harness.queue()
    q.add("queued")
    await asyncio.wait_for(harness.start_drain(q), 5)
    assert q.shutting_down


async def test_queue_g7_concurrent_shutdown_releases_drain(harness: Harness) -> None:
    q = harness.queue()
    q.add("a")
    await harness.get(q)
    drain = harness.start_drain(q)
    await harness.assert_pending(drain)
    q.shutdown()
    await asyncio.wait_for(drain, 5)


async def test_queue_g7_drain_does_not_wait_for_an_item_requeued_by_done(
    harness: Harness,
) -> None:
    q = harness.queue()
    q.add("a")
    await harness.get(q)
    q.add("a")  # dirty while processing
    drain = harness.start_drain(q)
    await harness.assert_pending(drain)
    q.done("a")  # re-queued although shutting down (G-4), and nothing is processing any more
    await asyncio.wait_for(drain, 5)
    assert await harness.get(q) == "a"
    q.done("a")
    with pytest.raises(ShutDown):
        await harness.get(q)


async def test_queue_g8_shutting_down_reports_the_flag(harness: Harness) -> None:
    q = harness.queue()
    assert not q.shutting_down
    q.shutdown()
    assert q.shutting_down
    assert "len=0" in repr(q)


# -- G.2 delaying queue ---------------------------------------------------------------------


async def test_delaying_g10_add_after_non_positive_adds_now(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.add_after("a", 0)
    q.add_after("b", -1.0)
    assert len(q) == 2


async def test_delaying_g10_add_after_ignored_after_shutdown(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.shutdown()
    q.add_after("a", 0)
    q.add_after("b", 1.0)
    harness.clock.advance(2.0)
    assert len(q) == 0


async def test_delaying_g10_item_appears_after_its_delay(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.add_after("a", 1.5)
    assert len(q) == 0
    harness.clock.advance(1.0)
    assert len(q) == 0
    harness.clock.advance(0.5)
    assert len(q) == 1


async def test_delaying_g11_blocked_getter_wakes_at_the_deadline(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.add_after("a", 3.0)
    getter = harness.start_get(q)
    await harness.wait_for_clock_waiters(1)
    harness.clock.advance(2.0)
    await harness.assert_pending(getter)
    harness.clock.advance(1.0)
    assert await asyncio.wait_for(getter, 5) == "a"


async def test_delaying_g11_earlier_request_shortens_a_blocked_wait(harness: Harness) -> None:
    q = harness.queue("delaying")
    getter = harness.start_get(q)
    await harness.assert_pending(getter)  # waiting with no deadline at all
    q.add_after("late", 60.0)
    await harness.wait_for_clock_waiters(1)
    q.add_after("early", 1.0)
    harness.clock.advance(1.0)
    assert await asyncio.wait_for(getter, 5) == "early"


async def test_delaying_g11_earliest_deadline_wins_never_later(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.add_after("a", 5.0)
    q.add_after("a", 10.0)  # later: ignored
    harness.clock.advance(5.0)
    assert len(q) == 1
    q2 = harness.queue("delaying")
    q2.add_after("b", 10.0)
    q2.add_after("b", 2.0)  # earlier: moves the deadline
    harness.clock.advance(2.0)
    assert len(q2) == 1
    harness.clock.advance(10.0)
    assert len(q2) == 1  # fired once only


async def test_delaying_g11_due_items_are_added_in_deadline_order(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.add_after("c", 3.0)
    q.add_after("a", 1.0)
    q.add_after("b", 2.0)
    harness.clock.advance(5.0)
    q.add("d")  # added after the others fell due: queued behind them
    assert [await harness.get(q) for _ in range(4)] == ["a", "b", "c", "d"]


async def test_delaying_g11_dedup_applies_when_the_delay_fires(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.add("a")
    q.add_after("a", 1.0)
    harness.clock.advance(1.0)
    assert len(q) == 1  # already dirty
    assert await harness.get(q) == "a"
    q.add_after("a", 1.0)
    harness.clock.advance(1.0)
    assert len(q) == 0  # processing: queued again only at done
    q.done("a")
    assert len(q) == 1


async def test_delaying_g11_getter_rechecks_at_least_every_ten_seconds(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.add_after("a", 3 * MAX_WAIT)
    getter = harness.start_get(q)
    await harness.wait_for_clock_waiters(1)
    harness.clock.advance(MAX_WAIT)  # heartbeat: the getter wakes, finds nothing, waits again
    await harness.wait_for_clock_waiters(1)
    await harness.assert_pending(getter)
    harness.clock.advance(2 * MAX_WAIT)
    assert await asyncio.wait_for(getter, 5) == "a"


async def test_delaying_g12_shutdown_discards_waiting_items(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.add_after("a", 1.0)
    q.add("b")
    q.shutdown()
    harness.clock.advance(5.0)
    assert await harness.get(q) == "b"
    with pytest.raises(ShutDown):
        await harness.get(q)


async def test_delaying_g12_drain_also_discards_waiting_items(harness: Harness) -> None:
    q = harness.queue("delaying")
    q.add_after("a", 1.0)
    await asyncio.wait_for(harness.start_drain(q), 5)
    harness.clock.advance(5.0)
    assert len(q) == 0


async def test_delaying_g12_shutdown_wakes_a_getter_waiting_for_a_deadline(
    harness: Harness,
) -> None:
    q = harness.queue("delaying")
    q.add_after("a", 100.0)
    getter = harness.start_get(q)
    await harness.wait_for_clock_waiters(1)
    q.shutdown()
    with pytest.raises(ShutDown):
        await asyncio.wait_for(getter, 5)


# -- G.3 rate-limiting queue ----------------------------------------------------------------


async def test_rate_limiting_g15_add_rate_limited_waits_for_the_limiter(harness: Harness) -> None:
    q = harness.queue("rate", rate_limiter=ItemExponentialFailureRateLimiter(1.0, 100.0))
    q.add_rate_limited("a")  # 1 s
    q.add_rate_limited("a")  # 2 s, but the earlier deadline (1 s) wins
    assert q.num_requeues("a") == 2
    assert len(q) == 0
    harness.clock.advance(1.0)
    assert len(q) == 1


async def test_rate_limiting_g15_forget_does_not_touch_the_queue(harness: Harness) -> None:
    q = harness.queue("rate", rate_limiter=ItemExponentialFailureRateLimiter(1.0, 100.0))
    q.add("a")
    q.add_rate_limited("b")
    q.forget("a")
    q.forget("b")
    assert q.num_requeues("b") == 0
    assert len(q) == 1
    harness.clock.advance(1.0)
    assert len(q) == 2  # "b" still fires
    item = await harness.get(q)
    q.forget(item)
    q.add(item)
    assert len(q) == 1  # still processing: forget did not mark it done
    q.done(item)
    assert len(q) == 2


async def test_rate_limiting_g19_default_limiter_is_the_controller_one(harness: Harness) -> None:
    q = harness.queue("rate")
    q.add_rate_limited("a")
    assert q.num_requeues("a") == 1
    harness.clock.advance(0.005)  # 5 ms: the per-item base delay
    assert len(q) == 1


async def test_rate_limiting_k24_scenario(harness: Harness) -> None:
    """K-24: re-added during processing → queued at done; shutdown still drains the queue."""
    q = harness.queue("rate", rate_limiter=ItemExponentialFailureRateLimiter(1.0, 100.0))
    q.add("a")
    item = await harness.get(q)
    q.add_rate_limited(item)
    harness.clock.advance(1.0)
    assert len(q) == 0
    q.done(item)
    assert len(q) == 1
    q.shutdown()
    assert await harness.get(q) == "a"
    with pytest.raises(ShutDown):
        await harness.get(q)


# -- asyncio-only: cancellation ---------------------------------------------------------------


async def test_async_queue_cancelled_get_consumes_nothing() -> None:
    from kinformer.workqueue._asyncio import AsyncWorkQueue

    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    getter = asyncio.ensure_future(q.get())
    await asyncio.sleep(0)
    getter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await getter
    q.add("a")
    assert len(q) == 1
    assert await q.get() == "a"


async def test_async_queue_cancelled_woken_getter_passes_the_wake_up_on() -> None:
    from kinformer.workqueue._asyncio import AsyncWorkQueue

    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    first = asyncio.ensure_future(q.get())
    await asyncio.sleep(0)
    second = asyncio.ensure_future(q.get())
    await asyncio.sleep(0)
    q.add("a")  # wakes "first" only
    first.cancel()  # before it could run: its wake-up must reach "second"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await asyncio.wait_for(second, 5) == "a"
    q.shutdown()


async def test_async_queue_cancelled_drain_leaves_the_queue_shut_down() -> None:
    from kinformer.workqueue._asyncio import AsyncWorkQueue

    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    q.add("a")
    await q.get()
    drain = asyncio.ensure_future(q.shutdown_with_drain())
    await asyncio.sleep(0)
    drain.cancel()
    with pytest.raises(asyncio.CancelledError):
        await drain
    assert q.shutting_down
    q.done("a")
    drain = asyncio.ensure_future(q.shutdown_with_drain())
    await asyncio.wait_for(drain, 5)
