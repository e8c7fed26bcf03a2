"""Time as an injected dependency (k8s.io/utils/clock).

The pure core never reads a clock: callers pass ``now`` (seconds on a monotonic scale).
Drivers ask a :class:`Clock` for ``now()``; tests hand them a
:class:`kinformer.testing.FakeClock` instead of sleeping.
"""

from __future__ import annotations

import time
from typing import Protocol, final, runtime_checkable

__all__ = ["Clock", "RealClock"]


@runtime_checkable
class Clock(Protocol):
    """A source of monotonic time in seconds."""

    def now(self) -> float:
        """Seconds on a monotonic scale; only differences are meaningful."""
        ...


@final
class RealClock:
    """The process's monotonic clock (:func:`time.monotonic`)."""

    __slots__ = ()

    def now(self) -> float:
        return time.monotonic()

    def __repr__(self) -> str:
        return "RealClock()"
