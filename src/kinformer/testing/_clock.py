"""A clock that moves only when the test says so (client-go ``testingclock.FakeClock``).

Drivers given a :class:`FakeClock` block in ``clock.wait(...)`` / ``clock.wait_event(...)``
until the test calls :meth:`FakeClock.advance` past their deadline (or something else wakes
them). Tests therefore never sleep: they advance time and then wait, in real time and with a
bound, for the observable effect.

Invariant: a waiter registered with deadline ``d`` is woken by the first ``advance`` that makes
``now() >= d``; waiters with no deadline are never woken by the clock.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import final

__all__ = ["FakeClock"]


@final
class FakeClock:
    """Manual monotonic time for the threads and asyncio drivers.

    >>> clock = FakeClock(start=100.0)
    >>> clock.now()
    100.0
    >>> clock.advance(2.5)
    >>> clock.now()
    102.5
    """

    def __init__(self, *, start: float = 1000.0) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._now = start
        self._thread_waiters: list[tuple[float, threading.Condition]] = []
        self._async_waiters: list[
            tuple[float, asyncio.AbstractEventLoop, asyncio.Future[None]]
        ] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every waiter whose deadline has been reached."""
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go backwards")
        with self._lock:
            self._now += seconds
            now = self._now
            due_threads = [cond for deadline, cond in self._thread_waiters if deadline <= now]
            due_async = [
                (loop, fut) for deadline, loop, fut in self._async_waiters if deadline <= now
            ]
            self._changed.notify_all()
        for cond in due_threads:
            with cond:
                cond.notify_all()
        for loop, fut in due_async:
            loop.call_soon_threadsafe(_resolve, fut)

    @property
    def waiters(self) -> int:
        """How many threads and tasks are currently waiting on this clock with a deadline."""
        with self._lock:
            return len(self._thread_waiters) + len(self._async_waiters)

    def block_until_waiters(self, count: int, *, timeout: float = 5.0) -> None:
        """Block (in real time) until at least ``count`` waiters wait with a deadline.

        Lets a test advance time only once the code under test has reached its timed wait.
        Raises ``TimeoutError`` after ``timeout`` real seconds.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._thread_waiters) + len(self._async_waiters) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"fewer than {count} waiters on the fake clock after {timeout}s"
                    )
                self._changed.wait(remaining)

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        if timeout is None:
            condition.wait()
            return
        entry: tuple[float, threading.Condition]
        with self._lock:
            if timeout <= 0:
                return
            entry = (self._now + timeout, condition)
            self._thread_waiters.append(entry)
            self._changed.notify_all()
        try:
            # ``condition`` is held by the caller, so ``advance`` cannot notify before we wait.
            condition.wait()
        finally:
            with self._lock:
                self._thread_waiters.remove(entry)

    async def wait_event(self, event: asyncio.Event, timeout: float | None) -> bool:
        if event.is_set():
            return True
        if timeout is None:
            await event.wait()
            return True
        loop = asyncio.get_running_loop()
        expired: asyncio.Future[None] = loop.create_future()
        entry = (0.0, loop, expired)
        with self._lock:
            if timeout <= 0:
                return False
            entry = (self._now + timeout, loop, expired)
            self._async_waiters.append(entry)
            self._changed.notify_all()
        waiter = asyncio.ensure_future(_wait_then_none(event))
        try:
            await asyncio.wait([waiter, expired], return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            with self._lock:
                self._async_waiters.remove(entry)
        return event.is_set()

    def __repr__(self) -> str:
        return f"FakeClock(now={self.now()})"


async def _wait_then_none(event: asyncio.Event) -> None:
    await event.wait()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
