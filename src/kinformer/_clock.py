"""Time as an injected dependency (k8s.io/utils/clock).

The pure core never reads a clock: callers pass ``now`` (seconds on a monotonic scale).
Drivers ask a :class:`Clock` for ``now()`` and do every timed wait through it, so that tests
can hand them a :class:`kinformer.testing.FakeClock` instead of sleeping:

* threads: ``clock.wait(condition, timeout)`` is ``condition.wait(timeout)`` measured on the
  clock. The caller holds ``condition`` and loops on its own predicate (spurious wake-ups are
  allowed), exactly as with :meth:`threading.Condition.wait`;
* asyncio: ``await clock.wait_event(event, timeout)`` waits until ``event`` is set or
  ``timeout`` seconds of the clock have passed, and returns ``event.is_set()``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Protocol, final, runtime_checkable

__all__ = ["Clock", "RealClock"]


@runtime_checkable
class Clock(Protocol):
    """A source of monotonic time in seconds, and timed waits measured on it."""

    def now(self) -> float:
        """Seconds on a monotonic scale; only differences are meaningful."""
        ...

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        """With ``condition`` held: release it, block until notified or ``timeout`` passes, reacquire.

        ``None`` waits for a notification only. Callers re-check their predicate afterwards.
        """
        ...

    async def wait_event(self, event: asyncio.Event, timeout: float | None) -> bool:
        """Wait until ``event`` is set or ``timeout`` seconds pass; return ``event.is_set()``."""
        ...


@final
class RealClock:
    """The process's monotonic clock (:func:`time.monotonic`)."""

    __slots__ = ()

    def now(self) -> float:
        return time.monotonic()

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        condition.wait(timeout)

    async def wait_event(self, event: asyncio.Event, timeout: float | None) -> bool:
        if event.is_set():
            return True
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            pass
        return event.is_set()

    def __repr__(self) -> str:
        return "RealClock()"
