"""The shared informer's pure core: deltas into the cache, notifications to listeners, resync.

Mirrors client-go ``tools/cache/shared_informer.go`` (``sharedIndexInformer.HandleDeltas``,
``sharedProcessor``, ``processorListener``) and ``controller.go`` (``processDeltas``), spec
sections D.2 … D.5. No threads, tasks, sleeps or clock reads: the threads and asyncio drivers
pop the queue into :meth:`InformerCore.handle_deltas`, run one delivery loop per
:class:`HandlerRegistration` over :meth:`HandlerRegistration.take`, and pass ``now`` in.

Contract (what controllers rely on):

* **Cache first.** Every notification is distributed after the cache (the indexer) was
  updated for it, so a handler that reads the cache sees that state or a later one (D-54).
* **Per-key order.** Deltas are applied in queue order; each listener receives its
  notifications in distribution order.
* **Never blocked by a handler.** Distribution appends to each listener's unbounded buffer
  and wakes its delivery loop; it never waits for a handler (D-53).
* **Add or update is decided by the cache** (D-20): an ``Added`` delta for a cached key
  gives ``on_update``; a ``Replaced``/``Sync``/``Updated`` delta for an uncached one gives
  ``on_add``.
* **Sync updates** (same resourceVersion: periodic resyncs, unchanged relist items) go only to
  listeners flagged as syncing by the last resync check (D-50 … D-52).

Invariants: every registration is in ``_listeners`` until removed or the informer stops;
``_delivery_lock`` is held while deltas are applied and while a registration is added or
removed, so a late registration's synthetic adds and the live notifications never interleave
out of order (D-43).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Final, final

from .._objects import DeletedFinalStateUnknown, deletion_handling_meta_namespace_key
from ._fifo import BookmarkInfo, Delta, DeltaType, ReplacedAllInfo
from ._handlers import ResourceEventHandler
from ._indexer import Indexer

__all__ = ["MINIMUM_RESYNC_PERIOD", "HandlerRegistration", "InformerCore", "Notification"]

_log = logging.getLogger("kinformer.informer")

MINIMUM_RESYNC_PERIOD: Final = 1.0
"""Seconds; smaller requested handler resync periods are raised to this (spec D-41, section 1)."""

ADD: Final = 0
UPDATE: Final = 1
DELETE: Final = 2

Notification = tuple[int, Any, Any]
"""``(ADD, obj, is_in_initial_list)``, ``(UPDATE, old, new)`` or ``(DELETE, obj, None)``."""

Waker = Callable[[], object]


@final
class HandlerRegistration:
    """A handler registered on an informer: its buffer, resync schedule and sync state.

    Returned by ``add_event_handler``; pass it to ``remove_event_handler``. Its
    :attr:`has_synced` is true once the informer has synced AND every initial-list
    notification queued to this handler has been delivered (D-45).

    kinformer departs from client-go on one point (spec M-4): a handler that raises on an
    initial ``on_add`` does not leave its registration unsynced forever (kubernetes#129024);
    the notification counts as delivered, the exception is logged.
    """

    __slots__ = (
        "_buffer",
        "_informer_synced",
        "_initial_pending",
        "_synced",
        "_waker",
        "handler",
        "next_resync",
        "requested_resync_period",
        "resync_period",
        "stopped",
        "syncing",
    )

    def __init__(
        self,
        handler: ResourceEventHandler,
        *,
        requested_resync_period: float,
        resync_period: float,
        now: float,
        informer_synced: Callable[[], bool],
        waker: Waker,
    ) -> None:
        self.handler = handler
        self.requested_resync_period = requested_resync_period
        self.resync_period = resync_period
        self.next_resync = now + resync_period  # D-42
        self.syncing = True  # D-52: every listener starts flagged
        self.stopped = False
        # The unbounded buffer between distribution and delivery (D-53). Appended by the
        # processing side, popped by this listener's delivery loop; deque ops are atomic.
        self._buffer: deque[Notification] = deque()
        self._initial_pending = 0
        self._synced = False
        self._informer_synced = informer_synced
        self._waker = waker

    def __repr__(self) -> str:
        return f"<HandlerRegistration handler={self.handler!r} backlog={len(self._buffer)}>"

    @property
    def has_synced(self) -> bool:
        """Informer synced and every initial notification of this handler delivered (D-45)."""
        if not self._synced and self._initial_pending == 0 and self._informer_synced():
            self._synced = True
        return self._synced

    @property
    def backlog(self) -> int:
        """Notifications buffered for this handler and not yet delivered."""
        return len(self._buffer)

    def push(self, notification: Notification) -> None:
        """Buffer one notification and wake the delivery loop (never blocks)."""
        if notification[0] == ADD and notification[2]:
            self._initial_pending += 1
        self._buffer.append(notification)
        self._waker()

    def take(self) -> Notification | None:
        """The next notification to deliver, or ``None`` if the buffer is empty."""
        try:
            return self._buffer.popleft()
        except IndexError:
            return None

    def delivered(self, notification: Notification) -> None:
        """Record that the handler returned (or raised) for ``notification``."""
        if notification[0] == ADD and notification[2]:
            self._initial_pending -= 1

    def stop(self) -> None:
        """Drop undelivered notifications and mark stopped (D-46, D-56); wakes the loop."""
        self.stopped = True
        self._buffer.clear()
        self._waker()

    def effective_resync(self, check_period: float) -> None:
        """Recompute :attr:`resync_period` from the requested one (D-41 rule 3)."""
        self.resync_period = _effective(self.requested_resync_period, check_period)


def _effective(requested: float, check_period: float) -> float:
    if requested == 0 or check_period == 0:
        return 0.0
    return max(requested, check_period)


def _resource_version(obj: Any) -> str | None:
    if isinstance(obj, dict):
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            rv = meta.get("resourceVersion")
            return rv if isinstance(rv, str) else None
    return None


@final
class InformerCore:
    """Applies deltas to the indexer and distributes notifications (spec D.2 … D.5).

    ``resync_period`` is the informer's default: it sets both the resync check period (how
    often the reflector asks :meth:`should_resync`) and the default handler resync period
    (D-30). ``is_synced`` is the queue's sync state (the informer's ``has_synced``).
    """

    def __init__(
        self,
        indexer: Indexer[Any],
        *,
        resync_period: float,
        is_synced: Callable[[], bool],
    ) -> None:
        if resync_period < 0:
            raise ValueError("resync_period must be >= 0")
        self.indexer = indexer
        self.resync_check_period = resync_period
        self.default_handler_resync_period = resync_period
        self.started = False
        self.stopped = False
        self._is_synced = is_synced
        self._listeners: list[HandlerRegistration] = []
        self._delivery_lock = threading.RLock()

    # ---------------------------------------------------------------- registrations (D.4)

    @property
    def registrations(self) -> list[HandlerRegistration]:
        """A snapshot of the current registrations."""
        with self._delivery_lock:
            return list(self._listeners)

    def register(
        self,
        handler: ResourceEventHandler,
        *,
        resync_period: float | None,
        now: float,
        waker: Waker,
    ) -> HandlerRegistration:
        """Add a registration (spec D-40 … D-43); raise ``RuntimeError`` once stopped.

        A registration made after start gets one synthetic ``on_add(obj, True)`` per cached
        object, queued before this returns and before any later live notification.
        """
        with self._delivery_lock:
            if self.stopped:
                raise RuntimeError(
                    f"handler {handler!r} was not added to shared informer because it has stopped already"
                )
            requested = (
                self.default_handler_resync_period if resync_period is None else resync_period
            )
            if requested < 0:
                raise ValueError("resync_period must be >= 0")
            if 0 < requested < MINIMUM_RESYNC_PERIOD:
                _log.warning(
                    "resync period %.3fs is too small; changing it to the minimum allowed value of %.0fs",
                    requested,
                    MINIMUM_RESYNC_PERIOD,
                )
                requested = MINIMUM_RESYNC_PERIOD
            if 0 < requested < self.resync_check_period:
                if self.started:
                    _log.warning(
                        "resync period %.3fs is smaller than the informer's resync check period %.3fs "
                        "and the informer has already started; changing it to %.3fs",
                        requested,
                        self.resync_check_period,
                        self.resync_check_period,
                    )
                    requested = self.resync_check_period
                else:
                    self.resync_check_period = requested
                    for listener in self._listeners:
                        listener.effective_resync(requested)
            registration = HandlerRegistration(
                handler,
                requested_resync_period=requested,
                resync_period=_effective(requested, self.resync_check_period),
                now=now,
                informer_synced=self._is_synced,
                waker=waker,
            )
            self._listeners.append(registration)
            if self.started:
                for obj in self.indexer.list():
                    registration.push((ADD, obj, True))
            return registration

    def unregister(self, registration: HandlerRegistration) -> None:
        """Remove a registration; idempotent; drops its undelivered notifications (D-46)."""
        with self._delivery_lock:
            if registration in self._listeners:
                self._listeners.remove(registration)
            registration.stop()

    def stop(self) -> None:
        """The informer stopped: stop every registration, refuse new ones (D-33, D-56)."""
        with self._delivery_lock:
            self.stopped = True
            listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener.stop()

    # ------------------------------------------------------------------------- resync (D-52)

    def should_resync(self, now: float) -> bool:
        """Recompute every registration's syncing flag; true iff any is due (spec D-52)."""
        any_due = False
        with self._delivery_lock:
            for listener in self._listeners:
                due = listener.resync_period != 0 and now >= listener.next_resync
                listener.syncing = due
                if due:
                    listener.next_resync = now + listener.resync_period
                    any_due = True
        return any_due

    # ------------------------------------------------------------------ delta handling (D.2)

    def handle_deltas(self, deltas: Iterable[Delta], is_in_initial_list: bool) -> None:
        """Apply deltas to the indexer, oldest first, then notify (spec D-20 … D-22).

        This is the ``process`` function given to the queue's ``pop``.
        """
        indexer = self.indexer
        with self._delivery_lock:
            for delta in deltas:
                kind = delta.type
                obj = delta.object
                if kind is DeltaType.DELETED:
                    indexer.delete(obj)
                    self._distribute((DELETE, obj, None))
                elif kind is DeltaType.REPLACED_ALL:
                    self._replace_all(obj, is_in_initial_list)
                elif kind is DeltaType.SYNC_ALL:
                    for cached in indexer.list():
                        self._on_update(cached, cached)
                elif kind is DeltaType.BOOKMARK:
                    assert isinstance(obj, BookmarkInfo)
                    indexer.bookmark(obj.resource_version)
                else:
                    old = indexer.update(obj)
                    if old is None:
                        self._distribute((ADD, obj, is_in_initial_list))
                    else:
                        self._on_update(old, obj)

    def _replace_all(self, info: ReplacedAllInfo, is_in_initial_list: bool) -> None:
        """Mode A relist (D-22): replace the store, then deletions, then adds/updates."""
        indexer = self.indexer
        new_keys = set()
        changes: list[tuple[Any, Any]] = []
        for obj in info.objects:
            key = deletion_handling_meta_namespace_key(obj)
            new_keys.add(key)
            changes.append((indexer.get_by_key(key), obj))
        deletions = [
            DeletedFinalStateUnknown(key, indexer.get_by_key(key))
            for key in indexer.list_keys()
            if key not in new_keys
        ]
        indexer.replace(info.objects, info.resource_version)
        for tombstone in deletions:
            self._distribute((DELETE, tombstone, None))
        for old, new in changes:
            if old is None:
                self._distribute((ADD, new, is_in_initial_list))
            else:
                self._on_update(old, new)

    def _on_update(self, old: Any, new: Any) -> None:
        """D-50: same-RV updates go only to syncing listeners; others to everyone."""
        old_rv = _resource_version(old)
        if old_rv is not None and old_rv == _resource_version(new):
            notification: Notification = (UPDATE, old, new)
            for listener in self._listeners:
                if listener.syncing:
                    listener.push(notification)
        else:
            self._distribute((UPDATE, old, new))

    def _distribute(self, notification: Notification) -> None:
        for listener in self._listeners:
            listener.push(notification)
