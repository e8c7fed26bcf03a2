"""Work queues for asyncio: AsyncWorkQueue, AsyncDelayingQueue, AsyncRateLimitingQueue.

The asyncio twins of :mod:`kinformer.workqueue._threads`, over the same
:class:`~kinformer.workqueue._queue.QueueState`. ``get`` and ``shutdown_with_drain`` are
coroutines; ``add``, ``done``, ``add_after``, ``shutdown`` never block and are plain methods.
Each blocked ``get`` waits on its own :class:`asyncio.Event` (woken one per queued item),
with timed waits measured on the injected :class:`~kinformer._clock.Clock`. A named queue with
a metrics provider runs one task, started by the first ``get`` (where a loop is certainly
running), that refreshes the unfinished-work gauges every 500 ms until shutdown (G-25).

Like :class:`asyncio.Queue`, these queues are not thread-safe: use them from their event loop
(from another thread, ``loop.call_soon_threadsafe(queue.add, item)``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable
from typing import Final, Generic, TypeVar, final

from .._clock import Clock, RealClock
from ._metrics import UNFINISHED_WORK_UPDATE_PERIOD, MetricsProvider, queue_metrics
from ._queue import QueueState, ShutDown
from ._rate_limiters import RateLimiter, default_controller_rate_limiter

__all__ = ["AsyncDelayingQueue", "AsyncRateLimitingQueue", "AsyncWorkQueue"]

T = TypeVar("T", bound=Hashable)

_REAL_CLOCK: Final = RealClock()


class AsyncWorkQueue(Generic[T]):
    """The asyncio :class:`~kinformer.workqueue.WorkQueue`: same contract (G-1..G-8).

    ``await q.get()`` blocks until an item is queued, returns queued items even after
    ``shutdown()``, then raises :class:`ShutDown`. Every item returned must be passed to
    ``done`` exactly once. ``await q.shutdown_with_drain()`` waits until no item is being
    processed. A cancelled ``get`` consumes nothing.
    """

    def __init__(
        self,
        *,
        name: str = "",
        clock: Clock = _REAL_CLOCK,
        metrics_provider: MetricsProvider | None = None,
    ) -> None:
        self.name: Final = name
        self._clock = clock
        self._core: QueueState[T] = QueueState(metrics=queue_metrics(name, metrics_provider))
        self._getters: deque[asyncio.Event] = deque()
        self._drainers: list[asyncio.Event] = []
        self._stop = asyncio.Event()
        self._metrics_task: asyncio.Task[None] | None = None

    def add(self, item: T) -> None:
        """Mark ``item`` as needing processing (G-2)."""
        self._wake(self._core.add(item, self._clock.now()))

    async def get(self) -> T:
        """Wait until an item is queued and return it; raise :class:`ShutDown` when drained (G-3)."""
        if self._metrics_task is None and self._core.records_metrics:
            # Started here, the first place where an event loop is certainly running.
            self._metrics_task = asyncio.get_running_loop().create_task(self._update_metrics())
        while True:
            now = self._clock.now()
            if self._core.ready(now):
                return self._core.pop(now)
            if self._core.shutting_down:
                raise ShutDown("the work queue is shut down")
            event = asyncio.Event()
            self._getters.append(event)
            try:
                await self._clock.wait_event(event, self._core.wait_timeout(now))
            except BaseException:
                if event.is_set():
                    self._wake(1)  # pass on the wake-up this task will not use
                else:
                    self._getters.remove(event)
                raise
            if not event.is_set():
                self._getters.remove(event)

    def done(self, item: T) -> None:
        """Mark the end of ``item``'s processing; re-queue it if it was added meanwhile (G-4)."""
        self._wake(self._core.done(item, self._clock.now()))
        if self._core.drained:
            self._release_drainers()

    def __len__(self) -> int:
        """Queued items, not counting those being processed (G-5)."""
        return self._core.length(self._clock.now())

    def shutdown(self) -> None:
        """Ignore new items, wake every waiting ``get``, release a drain; do not wait (G-6)."""
        self._core.shutdown(drain=False)
        self._wake_all()

    async def shutdown_with_drain(self) -> None:
        """Shut down, then wait while items are being processed (G-7)."""
        self._core.shutdown(drain=True)
        self._wake_all()
        while self._core.draining:
            event = asyncio.Event()
            self._drainers.append(event)
            try:
                await self._clock.wait_event(event, None)
            finally:
                if not event.is_set():
                    self._drainers.remove(event)

    @property
    def shutting_down(self) -> bool:
        """Whether ``shutdown()`` or ``shutdown_with_drain()`` was called (G-8)."""
        return self._core.shutting_down

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} len={len(self)}>"

    def _wake(self, count: int) -> None:
        getters = self._getters
        while count > 0 and getters:
            getters.popleft().set()
            count -= 1

    def _wake_all(self) -> None:
        self._wake(len(self._getters))
        self._release_drainers()
        self._stop.set()

    def _release_drainers(self) -> None:
        drainers, self._drainers = self._drainers, []
        for event in drainers:
            event.set()

    async def _update_metrics(self) -> None:
        tick = self._clock.now() + UNFINISHED_WORK_UPDATE_PERIOD
        while not self._core.shutting_down:
            now = self._clock.now()
            if now < tick:
                await self._clock.wait_event(self._stop, tick - now)
                continue
            self._core.update_unfinished_work(now)
            tick += UNFINISHED_WORK_UPDATE_PERIOD


class AsyncDelayingQueue(AsyncWorkQueue[T]):
    """The asyncio :class:`~kinformer.workqueue.DelayingQueue` (G-10..G-12)."""

    def add_after(self, item: T, seconds: float) -> None:
        """Add ``item`` after ``seconds``; ``seconds <= 0`` adds it now (G-10)."""
        self._wake(self._core.add_after(item, seconds, self._clock.now()))


@final
class AsyncRateLimitingQueue(AsyncDelayingQueue[T]):
    """The asyncio :class:`~kinformer.workqueue.RateLimitingQueue` (G-15)."""

    def __init__(
        self,
        *,
        rate_limiter: RateLimiter | None = None,
        name: str = "",
        clock: Clock = _REAL_CLOCK,
        metrics_provider: MetricsProvider | None = None,
    ) -> None:
        super().__init__(name=name, clock=clock, metrics_provider=metrics_provider)
        self.rate_limiter: Final[RateLimiter] = (
            rate_limiter if rate_limiter is not None else default_controller_rate_limiter()
        )

    def add_rate_limited(self, item: T) -> None:
        """Add ``item`` when the rate limiter says it may be retried (G-15)."""
        self.add_after(item, self.rate_limiter.when(item, self._clock.now()))

    def forget(self, item: T) -> None:
        """Make the rate limiter forget ``item``'s failures (G-15)."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        """How many times ``item`` was rate limited since it was last forgotten (G-15)."""
        return self.rate_limiter.num_requeues(item)
