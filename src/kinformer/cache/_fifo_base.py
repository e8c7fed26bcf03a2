"""Bookkeeping shared by :class:`DeltaFIFO` and :class:`RealFIFO` (client-go ``delta_fifo.go``,
``the_real_fifo.go``): the lock, the closed flag, initial-population accounting, and wake-ups.

Both queues are pure data structures guarded by one :class:`threading.Lock`; nothing here
sleeps, reads a clock or starts a thread. Two ways to consume a queue share this state:

* threads: ``pop(process, timeout=...)`` blocks on a :class:`threading.Condition` built on
  the queue lock until something is queued or the queue is closed (spec B-17, B-23);
* asyncio: ``pop_nowait(process)`` never blocks, and a *waker* callback registered with
  :meth:`_FIFOBase.set_waker` tells the driver when to try again (typically
  ``lambda: loop.call_soon_threadsafe(event.set)``).

Sync accounting (spec B-21, B-34): ``synced`` is ``populated and initial_population_count == 0``.
It is kept as a plain boolean that turns true exactly once and never turns back, so
:attr:`has_synced` is a lock-free read. Both queues decrement the count only *after* the
popped item was processed, so ``has_synced`` never reports true while the last item of the
initial list is still being processed (the fix the spec's QUIRK note on B-21 asks for).

Invariants (asserted by the tests):

* ``_initial_population_count >= 0``;
* ``_synced`` implies ``_populated`` and ``_initial_population_count == 0``; once true it
  stays true;
* ``_closed`` never turns back to false.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .._errors import FIFOClosedError

__all__ = ["KnownObjects", "Waker", "tombstone_object"]

Waker = Callable[[], object]
"""A callback without arguments; see :meth:`_FIFOBase.set_waker`."""


class KnownObjects(Protocol):
    """What a queue may ask about the objects its consumer already knows (``KeyListerGetter``).

    In an informer this is the informer's indexer. ``get_by_key`` returns ``None`` for an
    unknown key; an exception it raises is treated as client-go treats a ``GetByKey`` error
    (spec B-10, B-12, B-16).
    """

    def list_keys(self) -> Iterable[str]:
        """Every key the consumer knows."""
        ...

    def get_by_key(self, key: str) -> Any:
        """The known object for ``key``, or ``None``."""
        ...


def tombstone_object(known: KnownObjects, key: str, log: logging.Logger) -> Any:
    """The known object to put in a relist's tombstone for ``key``, or ``None`` (B-12, B-31).

    A failed or empty look-up still yields a tombstone (client-go queues one with a nil object);
    it is logged on ``log``.
    """
    try:
        known_obj = known.get_by_key(key)
    except Exception as error:
        log.warning("lookup of %r failed (%s); queueing a tombstone without object", key, error)
        return None
    if known_obj is None:
        log.info("%r vanished from known objects; tombstone without object", key)
    return known_obj


class _FIFOBase:
    """Lock, closed flag, initial-population accounting and wake-ups for one queue.

    Subclasses keep their pending work in the container passed as ``pending`` (never
    rebound), so that the blocking wait can test emptiness without knowing its shape.
    """

    __slots__ = (
        "_closed",
        "_cond",
        "_initial_population_count",
        "_lock",
        "_pending",
        "_populated",
        "_synced",
        "_waiting",
        "_waker",
    )

    def __init__(self, pending: deque[Any]) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        # The container whose emptiness means "nothing to pop" (a deque of keys or of deltas).
        self._pending = pending
        # True once the first Replace, or any Add/Update/Delete, happened (spec B-3, B-7).
        self._populated = False
        # Items of the first Replace not yet processed (spec B-12 step 4, B-34); >= 0.
        self._initial_population_count = 0
        # populated and initial_population_count == 0, latched (spec B-21).
        self._synced = False
        # Set by close(); never reset (spec B-23).
        self._closed = False
        # Number of threads blocked in a pop: producers notify the condition only when > 0.
        self._waiting = 0
        self._waker: Waker | None = None

    # -- public -------------------------------------------------------------------------------

    @property
    def has_synced(self) -> bool:
        """True once the items of the first ``replace`` were all processed (spec B-21, B-34).

        Also true as soon as ``add``/``update``/``delete`` are called before any ``replace``,
        and right after a first ``replace`` that queued nothing. Once true, stays true.
        Read without the lock (a latched boolean), so it never waits for a ``process`` call.
        """
        return self._synced

    @property
    def is_closed(self) -> bool:
        """Whether :meth:`close` was called (spec B-23)."""
        return self._closed

    def close(self) -> None:
        """Close the queue: wake every blocked ``pop`` and call the waker (spec B-23).

        Closing does not discard anything: pops keep handing out what is queued and raise
        :class:`~kinformer.FIFOClosedError` only once the queue is empty (spec B-17).
        Producers may still enqueue after close (spec B-11).
        """
        with self._lock:
            self._closed = True
            self._cond.notify_all()
            waker = self._waker
        if waker is not None:
            waker()

    def set_waker(self, waker: Waker | None) -> None:
        """Register ``waker``, called whenever the queue goes from empty to non-empty, and on close.

        The call happens in the producer's thread, outside the queue lock, after the change
        is visible: a consumer that saw the queue empty (``pop_nowait`` returned false)
        before the change is always woken after it. Keep it cheap and thread-safe, e.g.
        ``lambda: loop.call_soon_threadsafe(event.set)``; spurious calls are possible and
        harmless. A consumer must drain the queue (call ``pop_nowait`` until it returns
        false) after each wake-up, since further enqueues into a non-empty queue do not
        call the waker. If the queue is non-empty or closed when the waker is registered, it
        is called once right away. ``None`` removes the waker.
        """
        with self._lock:
            self._waker = waker
            call_now = waker is not None and (bool(self._pending) or self._closed)
        if call_now:
            assert waker is not None
            waker()

    # -- for subclasses -----------------------------------------------------------------------

    def _mark_populated_locked(self) -> None:
        """Add/Update/Delete set ``populated`` (spec B-7, B-30); called only while not populated.

        Only the first Replace sets a non-zero count, and it also sets ``populated``, so the
        count is 0 here: the queue is synced at once (B-21).
        """
        self._populated = True
        self._synced = True

    def _first_replace_locked(self, count: int) -> None:
        """The first Replace sets ``populated`` and the initial count (spec B-12 step 4, B-34)."""
        self._populated = True
        self._initial_population_count = count
        if count == 0:
            self._synced = True

    def _processed_locked(self, count: int) -> None:
        """``count`` popped items were processed (spec B-21, B-34); called only while the count > 0.

        A batch never crosses the end of the initial population (B-37), so the count reaches
        exactly 0; it is clamped anyway so that it can never go negative.
        """
        remaining = self._initial_population_count - count
        if remaining > 0:
            self._initial_population_count = remaining
        else:
            self._initial_population_count = 0
            self._synced = True

    def _ready(self) -> bool:
        return bool(self._pending) or self._closed

    def _wait_locked(self, timeout: float | None) -> None:
        """Block until something is pending; raise when closed and empty, or on timeout.

        Called with the lock held and nothing pending.

        Raises:
            FIFOClosedError: the queue is closed and empty (spec B-17).
            TimeoutError: ``timeout`` seconds passed with the queue still empty.
        """
        if self._closed:
            raise FIFOClosedError
        self._waiting += 1
        try:
            self._cond.wait_for(self._ready, timeout)
        finally:
            self._waiting -= 1
        if not self._pending:
            if self._closed:
                raise FIFOClosedError
            raise TimeoutError(f"nothing queued within {timeout} s")

    def _call_waker(self) -> None:
        """Call the waker, if any; called without the lock after the queue became non-empty."""
        waker = self._waker
        if waker is not None:
            waker()

    def _notify_locked(self) -> None:
        """Wake blocked pops: called when the queue goes from empty to non-empty.

        Pops wait only while the queue is empty, so the transition is the only event they
        need; ``notify_all`` hands every waiter back to its predicate check.
        """
        if self._waiting:
            self._cond.notify_all()
