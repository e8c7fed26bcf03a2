"""Work queues for threads: WorkQueue, DelayingQueue, RateLimitingQueue (client-go ``util/workqueue``).

A thin driver over :class:`~kinformer.workqueue._queue.QueueState`: one ``threading.Lock``
guards the state; ``get`` and ``shutdown_with_drain`` block on conditions of that lock, with
every timed wait measured on the injected :class:`~kinformer._clock.Clock`. Delayed items need
no background thread: a blocked ``get`` waits at most until the next deadline (G-11).
A named queue with a metrics provider runs one daemon thread that refreshes the
unfinished-work gauges every 500 ms until shutdown (G-25).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Final, Generic, TypeVar, final

from .._clock import Clock, RealClock
from ._metrics import UNFINISHED_WORK_UPDATE_PERIOD, MetricsProvider, queue_metrics
from ._queue import QueueState, ShutDown
from ._rate_limiters import RateLimiter, default_controller_rate_limiter

__all__ = ["DelayingQueue", "RateLimitingQueue", "WorkQueue"]

T = TypeVar("T", bound=Hashable)

_REAL_CLOCK: Final = RealClock()


class WorkQueue(Generic[T]):
    """A deduplicating FIFO of work items with "processing" tracking (G-1..G-8).

    Contract, for items compared by equality (any hashable):

    * ``add(x)`` while ``x`` is queued does nothing; while ``x`` is being processed (returned by
      ``get`` and not yet ``done``), ``x`` is queued again only when ``done(x)`` is called. So
      one item is never processed by two workers at once.
    * ``get()`` blocks until an item is queued; after ``shutdown()`` it still returns the
      queued items, then raises :class:`ShutDown`. Every item returned must be passed to
      ``done`` exactly once, even when processing fails.
    * ``len(q)`` counts queued items, not those being processed.
    * After ``shutdown()`` or ``shutdown_with_drain()``, adds are ignored. ``shutdown()``
      returns at once; ``shutdown_with_drain()`` waits until no item is being processed (it
      never returns if a worker forgets ``done``; a concurrent ``shutdown()`` releases it).

    All methods are thread-safe.
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
        self._lock = threading.Lock()
        self._not_empty = threading.Condition(self._lock)
        self._drained = threading.Condition(self._lock)
        self._stop = threading.Condition(self._lock)
        self._core: QueueState[T] = QueueState(metrics=queue_metrics(name, metrics_provider))
        self._metrics_thread: threading.Thread | None = None
        if self._core.records_metrics:
            self._metrics_thread = threading.Thread(
                target=self._update_metrics, name=f"workqueue-metrics-{name}", daemon=True
            )
            self._metrics_thread.start()

    def add(self, item: T) -> None:
        """Mark ``item`` as needing processing (G-2)."""
        with self._lock:
            self._wake(self._core.add(item, self._clock.now()))

    def get(self) -> T:
        """Block until an item is queued and return it; raise :class:`ShutDown` when drained (G-3)."""
        with self._lock:
            while True:
                now = self._clock.now()
                if self._core.ready(now):
                    return self._core.pop(now)
                if self._core.shutting_down:
                    raise ShutDown("the work queue is shut down")
                self._clock.wait(self._not_empty, self._core.wait_timeout(now))

    def done(self, item: T) -> None:
        """Mark the end of ``item``'s processing; re-queue it if it was added meanwhile (G-4)."""
        with self._lock:
            self._wake(self._core.done(item, self._clock.now()))
            if self._core.drained:
                self._drained.notify_all()

    def __len__(self) -> int:
        """Queued items, not counting those being processed (G-5)."""
        with self._lock:
            return self._core.length(self._clock.now())

    def shutdown(self) -> None:
        """Ignore new items, wake every blocked ``get``, release a drain; do not wait (G-6)."""
        with self._lock:
            self._core.shutdown(drain=False)
            self._wake_all()

    def shutdown_with_drain(self) -> None:
        """Shut down, then block while items are being processed (G-7)."""
        with self._lock:
            self._core.shutdown(drain=True)
            self._wake_all()
            while self._core.draining:
                self._clock.wait(self._drained, None)

    @property
    def shutting_down(self) -> bool:
        """Whether ``shutdown()`` or ``shutdown_with_drain()`` was called (G-8)."""
        with self._lock:
            return self._core.shutting_down

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} len={len(self)}>"

    def _wake(self, count: int) -> None:
        if count:
            self._not_empty.notify(count)

    def _wake_all(self) -> None:
        self._not_empty.notify_all()
        self._drained.notify_all()
        self._stop.notify_all()

    def _update_metrics(self) -> None:
        with self._lock:
            tick = self._clock.now() + UNFINISHED_WORK_UPDATE_PERIOD
            while not self._core.shutting_down:
                now = self._clock.now()
                if now < tick:
                    self._clock.wait(self._stop, tick - now)
                    continue
                self._core.update_unfinished_work(now)
                tick += UNFINISHED_WORK_UPDATE_PERIOD


class DelayingQueue(WorkQueue[T]):
    """A :class:`WorkQueue` that can also add an item after a delay (G-10..G-12).

    ``add_after(x, seconds)`` adds ``x`` once ``seconds`` have passed on the queue's clock;
    for an item already waiting, the earlier deadline wins, and when it fires the usual dedup
    applies. ``shutdown()`` discards the items still waiting.
    """

    def add_after(self, item: T, seconds: float) -> None:
        """Add ``item`` after ``seconds``; ``seconds <= 0`` adds it now (G-10)."""
        with self._lock:
            self._wake(self._core.add_after(item, seconds, self._clock.now()))


@final
class RateLimitingQueue(DelayingQueue[T]):
    """A :class:`DelayingQueue` whose retries are spaced by a :class:`RateLimiter` (G-15).

    ``add_rate_limited(x)`` is ``add_after(x, rate_limiter.when(x))``. ``forget(x)`` clears
    the limiter's memory of ``x`` (call it when ``x`` succeeded) but does not touch the queue:
    ``done(x)`` is still required. The default limiter is
    :func:`default_controller_rate_limiter`.
    """

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
