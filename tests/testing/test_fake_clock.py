"""FakeClock and RealClock: timed waits that tests control."""

from __future__ import annotations

import asyncio
import threading

import pytest

from kinformer._clock import Clock, RealClock
from kinformer.testing._clock import FakeClock


def test_fake_clock_satisfies_clock_protocol() -> None:
    assert isinstance(FakeClock(), Clock)
    assert isinstance(RealClock(), Clock)
    assert repr(RealClock()) == "RealClock()"
    assert repr(FakeClock(start=5)) == "FakeClock(now=5)"


def test_fake_clock_refuses_to_go_backwards() -> None:
    with pytest.raises(ValueError, match="backwards"):
        FakeClock().advance(-1)


def test_thread_wait_wakes_only_when_deadline_reached() -> None:
    clock = FakeClock()
    cond = threading.Condition()
    woke = threading.Event()

    def sleeper() -> None:
        with cond:
            clock.wait(cond, 10.0)
        woke.set()

    thread = threading.Thread(target=sleeper)
    thread.start()
    clock.block_until_waiters(1)
    clock.advance(9.0)
    assert not woke.wait(0.05)
    clock.advance(1.0)
    assert woke.wait(5)
    thread.join(5)
    assert clock.waiters == 0


def test_thread_wait_wakes_on_notify_and_zero_timeout_returns() -> None:
    clock = FakeClock()
    cond = threading.Condition()
    with cond:
        clock.wait(cond, 0)  # returns at once
    done = threading.Event()

    def sleeper() -> None:
        with cond:
            clock.wait(cond, None)
        done.set()

    thread = threading.Thread(target=sleeper)
    thread.start()
    for _ in range(200):
        with cond:
            cond.notify_all()
        if done.wait(0.01):
            break
    thread.join(5)
    assert done.is_set()


def test_block_until_waiters_times_out() -> None:
    with pytest.raises(TimeoutError):
        FakeClock().block_until_waiters(1, timeout=0.01)


async def test_async_wait_event_expires_with_advance() -> None:
    clock = FakeClock()
    event = asyncio.Event()
    task = asyncio.create_task(clock.wait_event(event, 3.0))
    while clock.waiters == 0:
        await asyncio.sleep(0)
    clock.advance(3.0)
    assert await asyncio.wait_for(task, 5) is False
    assert clock.waiters == 0


async def test_async_wait_event_returns_when_set() -> None:
    clock = FakeClock()
    event = asyncio.Event()
    task = asyncio.create_task(clock.wait_event(event, 3.0))
    await asyncio.sleep(0)
    event.set()
    assert await asyncio.wait_for(task, 5) is True
    assert await clock.wait_event(event, 1.0) is True
    assert await clock.wait_event(asyncio.Event(), 0) is False
    other = asyncio.Event()
    other.set()
    assert await clock.wait_event(other, None) is True


async def test_async_wait_event_without_timeout_waits_for_the_event() -> None:
    clock = FakeClock()
    event = asyncio.Event()
    task = asyncio.create_task(clock.wait_event(event, None))
    await asyncio.sleep(0)
    event.set()
    assert await asyncio.wait_for(task, 5) is True


async def test_real_clock_wait_event() -> None:
    clock = RealClock()
    event = asyncio.Event()
    assert await clock.wait_event(event, 0.001) is False
    event.set()
    assert await clock.wait_event(event, 1) is True
    cond = threading.Condition()
    with cond:
        clock.wait(cond, 0.001)
    assert clock.now() > 0
