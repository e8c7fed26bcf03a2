"""The work queue's bookkeeping (client-go ``util/workqueue/queue.go``, spec G-1..G-12).

:class:`QueueState` is the whole state machine of client-go's ``Typed`` queue plus the
delaying queue's waiting set, with no lock, no thread and no clock: every operation takes
``now`` and returns how many blocked getters the driver must wake. The threads drivers
(``WorkQueue``, ...) and the asyncio drivers (``AsyncWorkQueue``, ...) wrap one instance each,
under their own lock or on their event loop.

Fields and their invariants (G-1), after every public method:

* ``_queue`` (FIFO of items waiting for ``get``): no duplicates; every queued item is in
  ``_dirty`` and not in ``_processing``;
* ``_dirty``: items that need processing (queued, or re-added while being processed);
* ``_processing``: items handed out by ``get`` and not yet ``done``;
* ``_waiting``: items of ``add_after`` whose deadline is still ahead of the last ``now`` seen
  (entries that fell due have been ``add``\\ ed, in deadline order, before the operation ran);
* ``_next_due`` is the earliest deadline in ``_waiting``, or ``inf`` when it is empty;
* once ``_shutting_down`` is set it stays set, nothing more is added and ``_waiting`` is empty.

Delayed entries are promoted lazily: each operation first adds the entries due at ``now``,
and drivers that block in ``get`` wait at most until the next deadline
(:meth:`QueueState.wait_timeout`). Observers therefore see exactly what client-go's waiting
loop produces once it has run, without a background thread or task.

Differences from client-go, on purpose: ``add_after`` never blocks (client-go blocks when 1000
hand-offs to its waiting loop are pending, G-10: there is no hand-off here); ``done`` of an
item that is not being processed changes nothing (client-go appends a duplicate, G-4 NOTE);
the pluggable-queue ``Touch`` hook of G-2 is not ported (the queue is always FIFO).
"""

from __future__ import annotations

import math
import sys
from collections import deque
from collections.abc import Hashable
from typing import Final, Generic, TypeVar, final

from .._errors import KinformerError
from ._delaying import DelayHeap
from ._metrics import QueueMetrics

__all__ = ["MAX_WAIT", "WAKE_ALL", "QueueState", "ShutDown"]

T = TypeVar("T", bound=Hashable)

#: A blocked ``get`` re-checks the waiting set at least this often (client-go
#: ``delaying_queue.go``: ``maxWait = 10 * time.Second``).
MAX_WAIT: Final = 10.0

#: Returned instead of a count when every blocked getter must wake and recompute its deadline.
WAKE_ALL: Final = sys.maxsize


class ShutDown(KinformerError):
    """``get()`` on a queue that is shut down and has no queued item left (G-3).

    Mirrors :class:`queue.ShutDown` of Python 3.13 and client-go's ``shutdown == true``.
    """


@final
class QueueState(Generic[T]):
    """Dirty / processing bookkeeping of one work queue, with its delayed items.

    >>> state: QueueState[str] = QueueState()
    >>> state.add("a", now=0.0), state.add("a", now=0.0)  # dedup (G-2)
    (1, 0)
    >>> state.ready(0.0), state.pop(0.0)
    (True, 'a')
    >>> state.add("a", now=1.0)  # re-added while processing: queued only at done (G-4)
    0
    >>> state.length(1.0), state.done("a", now=2.0), state.length(2.0)
    (0, 1, 1)
    """

    __slots__ = (
        "_dirty",
        "_drain",
        "_metrics",
        "_next_due",
        "_processing",
        "_queue",
        "_shutting_down",
        "_waiting",
    )

    def __init__(self, *, metrics: QueueMetrics | None = None) -> None:
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        self._waiting: DelayHeap[T] = DelayHeap()
        # The earliest deadline in ``_waiting`` (inf when nothing waits), kept exact by
        # add_after / _promote / shutdown: the hot path skips the heap while it is ahead.
        self._next_due = math.inf
        self._shutting_down = False
        self._drain = False
        self._metrics = metrics

    # -- operations ---------------------------------------------------------------------

    def add(self, item: T, now: float) -> int:
        """Mark ``item`` dirty and queue it unless it is being processed (G-2).

        Ignored once shutting down; an item already dirty is not queued twice. Returns the
        number of items appended to the queue (including delayed items that fell due).
        """
        return self._promote(now) + self._add(item, now)

    def add_after(self, item: T, delay: float, now: float) -> int:
        """Add ``item`` once ``delay`` seconds have passed (G-10, G-11).

        Ignored once shutting down; counts a retry in the metrics; ``delay <= 0`` adds at once.
        An item already waiting keeps the earlier of its two deadlines. Returns the number of
        getters to wake: the items queued, or :data:`WAKE_ALL` when the earliest deadline
        moved (blocked getters must shorten their wait).
        """
        if self._shutting_down:
            return 0
        if self._metrics is not None:
            self._metrics.retry()
        if delay <= 0:
            return self.add(item, now)
        queued = self._promote(now)
        ready_at = now + delay
        if self._waiting.push(item, ready_at) and ready_at < self._next_due:
            self._next_due = ready_at
            return WAKE_ALL
        return queued

    def ready(self, now: float) -> bool:
        """Whether :meth:`pop` has an item at ``now`` (after promoting due delayed items)."""
        self._promote(now)
        return bool(self._queue)

    def pop(self, now: float) -> T:
        """Hand out the head of the queue: it leaves dirty and enters processing (G-3).

        Call only after :meth:`ready` returned ``True`` for the same ``now``.
        """
        item = self._queue.popleft()
        self._processing.add(item)
        self._dirty.discard(item)
        if self._metrics is not None:
            self._metrics.get(item, now)
        return item

    def done(self, item: T, now: float) -> int:
        """``item``'s processing ended; queue it again if it was re-added meanwhile (G-4).

        Returns the number of items appended to the queue. Deviation from client-go, where
        ``Done`` of an item that is queued but not processing appends a duplicate (misuse,
        G-4 NOTE): here it changes nothing, so the queue never holds duplicates.
        """
        queued = self._promote(now)
        if self._metrics is not None:
            self._metrics.done(item, now)
        if item in self._processing:
            self._processing.remove(item)
            if item in self._dirty:
                self._queue.append(item)
                queued += 1
        return queued

    def shutdown(self, *, drain: bool) -> None:
        """Refuse new items, drop the delayed ones, and set or cancel the drain (G-6, G-7, G-12).

        ``drain=False`` is ``ShutDown()`` (it also cancels a pending drain); ``drain=True`` is
        ``ShutDownWithDrain()``, whose caller then waits while :attr:`draining`.
        """
        self._drain = drain
        self._shutting_down = True
        self._waiting.clear()
        self._next_due = math.inf

    def length(self, now: float) -> int:
        """Queued items, not counting processing ones (G-5)."""
        self._promote(now)
        return len(self._queue)

    def wait_timeout(self, now: float) -> float | None:
        """How long a blocked ``get`` may wait before re-checking the delayed items.

        ``None`` (wait for a wake-up only) when nothing is delayed, otherwise the time to the
        earliest deadline, at most :data:`MAX_WAIT` (the waiting loop's heartbeat, G-11).
        """
        if self._next_due == math.inf:
            return None
        return min(max(self._next_due - now, 0.0), MAX_WAIT)

    def update_unfinished_work(self, now: float) -> None:
        """Recompute the unfinished-work gauges, if this queue records metrics (G-25)."""
        if self._metrics is not None:
            self._metrics.update_unfinished_work(now)

    # -- state --------------------------------------------------------------------------

    @property
    def shutting_down(self) -> bool:
        """Whether a shutdown was requested (G-8)."""
        return self._shutting_down

    @property
    def records_metrics(self) -> bool:
        """Whether this queue feeds a metrics provider (the driver then refreshes gauges)."""
        return self._metrics is not None

    @property
    def draining(self) -> bool:
        """Whether a ``shutdown_with_drain`` must keep waiting: drain pending, items in flight."""
        return self._drain and bool(self._processing)

    @property
    def drained(self) -> bool:
        """Whether a drain was requested and no item is being processed any more.

        Drivers wake their ``shutdown_with_drain`` waiters when this becomes true.
        """
        return self._drain and not self._processing

    @property
    def queued(self) -> tuple[T, ...]:
        """The queued items in order (a copy, for tests and debugging)."""
        return tuple(self._queue)

    @property
    def dirty(self) -> frozenset[T]:
        """The dirty set (a copy)."""
        return frozenset(self._dirty)

    @property
    def processing(self) -> frozenset[T]:
        """The processing set (a copy)."""
        return frozenset(self._processing)

    @property
    def waiting(self) -> int:
        """How many delayed items wait for their deadline."""
        return len(self._waiting)

    # -- internals ----------------------------------------------------------------------

    def _add(self, item: T, now: float) -> int:
        if self._shutting_down or item in self._dirty:
            return 0
        if self._metrics is not None:
            self._metrics.add(item, now)
        self._dirty.add(item)
        if item in self._processing:
            return 0
        self._queue.append(item)
        return 1

    def _promote(self, now: float) -> int:
        if now < self._next_due:
            return 0
        queued = sum(self._add(item, now) for item in self._waiting.pop_due(now))
        next_due = self._waiting.next_ready_at()
        self._next_due = math.inf if next_due is None else next_due
        return queued
