"""Deltas and the DeltaFIFO (client-go ``tools/cache/delta_fifo.go``).

A :class:`DeltaFIFO` is the queue between a reflector (the producer: ``add``, ``update``,
``delete``, ``replace``, ``resync``) and an informer's processing loop (the consumer: ``pop``).
It accumulates, per object key, the ordered list of changes (:class:`Deltas`) not yet
processed, and hands keys out in first-queued order. This is client-go's "mode D" (spec 0.4):
the informer passes its indexer as ``known_objects`` and ``emit_delta_type_replaced=True``.

Invariants (spec B-4, asserted by the tests):

* a key is in ``_queue`` iff it is in ``_items``;
* ``_queue`` has no duplicates;
* every ``_items[key]`` is non-empty, oldest delta first;
* plus the sync-accounting invariants of :mod:`kinformer.cache._fifo_base`.

The module holds no I/O: it is a data structure under one lock, with a blocking ``pop``
for threads and ``pop_nowait`` plus a waker for asyncio.
"""

from __future__ import annotations

import enum
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, final

from .._errors import FIFOClosedError, KeyFuncError
from .._objects import DeletedFinalStateUnknown, meta_namespace_key
from ._fifo_base import KnownObjects, _FIFOBase, tombstone_object

__all__ = [
    "BookmarkInfo",
    "Delta",
    "DeltaFIFO",
    "DeltaType",
    "Deltas",
    "KeyFunc",
    "KnownObjects",
    "ProcessFunc",
    "ReplacedAllInfo",
    "SyncAllInfo",
    "TransformFunc",
    "key_of",
]

_log = logging.getLogger(__name__)


class DeltaType(enum.StrEnum):
    """What happened to an object (spec B-1); the values are client-go's strings."""

    ADDED = "Added"
    UPDATED = "Updated"
    DELETED = "Deleted"
    REPLACED = "Replaced"
    """Emitted by ``replace`` (a relist) when ``emit_delta_type_replaced`` is set, and by RealFIFO."""
    SYNC = "Sync"
    """A periodic resync, or a relist's item when ``emit_delta_type_replaced`` is not set."""
    REPLACED_ALL = "ReplacedAll"
    """Mode A only: one delta per relist; the object is a :class:`ReplacedAllInfo`."""
    SYNC_ALL = "SyncAll"
    """Mode A only: one delta per resync; the object is a :class:`SyncAllInfo`."""
    BOOKMARK = "Bookmark"
    """Mode A only: a watch bookmark; the object is a :class:`BookmarkInfo`."""


@final
@dataclass(frozen=True, slots=True)
class Delta:
    """One change: its ``type`` and the object after it (before it, for ``Deleted``).

    ``object`` is the API object (a dict), a :class:`~kinformer.DeletedFinalStateUnknown`
    tombstone (``Deleted`` deltas made by a relist), or one of the Mode A payloads
    (:class:`ReplacedAllInfo`, :class:`SyncAllInfo`, :class:`BookmarkInfo`).
    """

    type: DeltaType
    object: Any


@final
class Deltas(list[Delta]):
    """The pending changes of one object, oldest first (spec B-1).

    >>> d = Deltas([Delta(DeltaType.ADDED, 1), Delta(DeltaType.UPDATED, 2)])
    >>> d.oldest().object, d.newest().object
    (1, 2)
    >>> Deltas().newest() is None
    True
    """

    __slots__ = ()

    def newest(self) -> Delta | None:
        """The most recent delta, or ``None`` if empty."""
        return self[-1] if self else None

    def oldest(self) -> Delta | None:
        """The least recent delta, or ``None`` if empty."""
        return self[0] if self else None


@final
@dataclass(frozen=True, slots=True)
class ReplacedAllInfo:
    """The object of a Mode A ``ReplacedAll`` delta: a whole relist (spec B-1, B-32).

    ``objects`` are already transformed. The consumer computes additions, updates and
    deletions against its store (spec D-22).
    """

    resource_version: str
    objects: tuple[Any, ...]


@final
@dataclass(frozen=True, slots=True)
class SyncAllInfo:
    """The (empty) object of a Mode A ``SyncAll`` delta (spec B-1, B-35, D-21)."""


@final
@dataclass(frozen=True, slots=True)
class BookmarkInfo:
    """The object of a Mode A ``Bookmark`` delta (spec B-1, B-36)."""

    resource_version: str


KeyFunc = Callable[[Any], str]
"""Computes an object's key; may raise (reported as :class:`~kinformer.KeyFuncError`)."""

TransformFunc = Callable[[Any], Any]
"""Called on objects before they are queued (e.g. to strip ``managedFields``)."""

ProcessFunc = Callable[[Deltas, bool], object]
"""``process(deltas, is_in_initial_list)``, called by ``pop`` (spec B-17, B-22)."""


def _key_error_reason(error: Exception) -> str:
    return error.reason if isinstance(error, KeyFuncError) else f"{type(error).__name__}: {error}"


def key_of(key_func: KeyFunc, obj: Any) -> str:
    """``KeyOf`` (spec B-6): the key of a :class:`Deltas` (its newest object), a tombstone, or an object.

    A tombstone's ``key`` is returned without calling ``key_func``. Failures raise
    :class:`~kinformer.KeyFuncError` (``key_func`` errors of other types are wrapped).

    >>> key_of(meta_namespace_key, DeletedFinalStateUnknown("ns/a", None))
    'ns/a'
    """
    if type(obj) is not dict:  # hot path: API objects are plain dicts, none of the below
        if isinstance(obj, Deltas):
            newest = obj.newest()
            if newest is None:
                raise KeyFuncError(obj, "0 length Deltas object; can't get key")
            obj = newest.object
        elif isinstance(obj, Delta):
            obj = obj.object
        if isinstance(obj, DeletedFinalStateUnknown):
            return obj.key
    try:
        return key_func(obj)
    except Exception as error:
        if isinstance(error, KeyFuncError):
            raise
        raise KeyFuncError(obj, _key_error_reason(error)) from error


_ADDED: Final = DeltaType.ADDED
_UPDATED: Final = DeltaType.UPDATED
_DELETED: Final = DeltaType.DELETED
_REPLACED: Final = DeltaType.REPLACED
_SYNC: Final = DeltaType.SYNC


@final
class DeltaFIFO(_FIFOBase):
    """A per-key queue of changes between a reflector and an informer (mode D, spec B.2 … B.6).

    Contract:

    * **Ordering.** Keys are popped in the order they were first queued. A key that already
      has pending deltas keeps its place when more deltas arrive: there is no line jumping
      (spec B-5). ``pop`` hands out *all* pending deltas of the first key, oldest first.
    * **Dedup.** Only two consecutive ``Deleted`` deltas are collapsed (spec B-9); everything
      else is kept, so the consumer sees every change in order.
    * **Deletes.** ``delete`` of a key that is neither pending nor known to
      ``known_objects`` is ignored (spec B-10). ``replace`` synthesises deletions, as
      ``Deleted`` deltas carrying a :class:`~kinformer.DeletedFinalStateUnknown`, for keys
      pending or known but absent from the new list (spec B-12, B-13).
    * **Sync.** :attr:`has_synced` turns true once every item of the first ``replace`` was
      popped *and processed* (spec B-21). client-go signals at the decrement, before the last
      initial item is processed (the spec's QUIRK note); kinformer signals after, as RealFIFO
      does, so a true ``has_synced`` means the consumer's cache holds the initial list.
    * **Processing.** ``process(deltas, is_in_initial_list)`` runs while the queue lock is
      held, so producers wait until it returns (spec B-19): keep it short, and never call
      back into the queue from it (the lock is not re-entrant). The popped deltas are never
      re-queued, whatever ``process`` does (spec B-18); an exception it raises propagates
      out of ``pop``.
    * **One consumer.** Concurrent pops are not supported (spec B-20). A thread consumer
      blocks in :meth:`pop`; an asyncio consumer registers a waker with :meth:`set_waker`
      and drains with :meth:`pop_nowait` after each wake-up, never blocking the event loop.
      Producers may run in any thread.
    * **Closing** wakes blocked pops; queued items are still handed out, then pops raise
      :class:`~kinformer.FIFOClosedError` (spec B-17, B-23). Producers are not affected
      (spec B-11).

    >>> fifo = DeltaFIFO()
    >>> fifo.add({"metadata": {"namespace": "ns", "name": "a"}, "v": 1})
    >>> fifo.update({"metadata": {"namespace": "ns", "name": "a"}, "v": 2})
    >>> seen = []
    >>> _ = fifo.pop(lambda deltas, initial: seen.extend((d.type, d.object["v"]) for d in deltas))
    >>> seen
    [(<DeltaType.ADDED: 'Added'>, 1), (<DeltaType.UPDATED: 'Updated'>, 2)]
    """

    __slots__ = (
        "_emit_replaced",
        "_items",
        "_key_func",
        "_known_objects",
        "_queue",
        "_transformer",
    )

    def __init__(
        self,
        *,
        key_func: KeyFunc = meta_namespace_key,
        known_objects: KnownObjects | None = None,
        emit_delta_type_replaced: bool = False,
        transformer: TransformFunc | None = None,
    ) -> None:
        """Create an empty queue.

        Args:
            key_func: the object key function (default ``"namespace/name"``, spec C-1).
            known_objects: the consumer's store (the informer's indexer). Used by ``delete``
                (B-10), ``replace`` (B-12 step 3) and ``resync`` (B-16); without it deletion
                detection covers pending keys only (B-13) and ``resync`` does nothing.
            emit_delta_type_replaced: ``replace`` queues ``Replaced`` instead of ``Sync``
                deltas. client-go's default is false; informers set it.
            transformer: applied to every object before it is queued, except tombstones and
                ``resync``'s objects, which come from the consumer's store (spec B-8).
        """
        queue: deque[str] = deque()
        super().__init__(queue)
        # Keys with pending deltas, in FIFO order. No duplicates; a key is in _queue iff it is
        # in _items (B-4). Never rebound: it is the base class's "pending" container.
        self._queue = queue
        # key -> its pending Deltas, oldest first; every list is non-empty (B-4).
        self._items: dict[str, Deltas] = {}
        self._key_func = key_func
        self._known_objects = known_objects
        self._emit_replaced = emit_delta_type_replaced
        self._transformer = transformer

    # -- producers ------------------------------------------------------------------------

    def add(self, obj: Any) -> None:
        """Queue an ``Added`` delta (spec B-7, B-8).

        Raises:
            KeyFuncError: no key for ``obj`` (nothing queued, but the queue counts as
                populated, as in client-go).
        """
        with self._lock:
            if not self._populated:
                self._mark_populated_locked()
            woke = self._queue_action_locked(key_of(self._key_func, obj), _ADDED, obj, True)
        if woke:
            self._call_waker()

    def update(self, obj: Any) -> None:
        """Queue an ``Updated`` delta (spec B-7, B-8); raises like :meth:`add`."""
        with self._lock:
            if not self._populated:
                self._mark_populated_locked()
            woke = self._queue_action_locked(key_of(self._key_func, obj), _UPDATED, obj, True)
        if woke:
            self._call_waker()

    def delete(self, obj: Any) -> None:
        """Queue a ``Deleted`` delta, unless the key is unknown (spec B-10).

        Ignored when the key has no pending deltas and either there is no ``known_objects``
        or ``known_objects.get_by_key`` returned ``None``. If ``get_by_key`` raises, the
        delete is queued.

        Raises:
            KeyFuncError: no key for ``obj`` (and, unlike :meth:`add`, the queue is not marked
                populated).
        """
        key = key_of(self._key_func, obj)
        with self._lock:
            if not self._populated:
                self._mark_populated_locked()
            if key not in self._items:
                known = self._known_objects
                if known is None:
                    return
                try:
                    known_obj = known.get_by_key(key)
                except Exception as error:
                    _log.debug("lookup of %r failed (%s); queueing its deletion", key, error)
                else:
                    if known_obj is None:
                        return
            woke = self._queue_action_locked(key, _DELETED, obj, True)
        if woke:
            self._call_waker()

    def replace(self, objects: Iterable[Any], resource_version: str = "") -> None:
        """Queue a relist: one delta per object, then deletions of vanished keys (spec B-12).

        Each object gets a ``Replaced`` delta (``Sync`` unless ``emit_delta_type_replaced``),
        appended after any pending deltas of its key (B-14). Then every pending key absent
        from ``objects`` gets ``Deleted(DeletedFinalStateUnknown(key, newest pending object))``
        and, with ``known_objects``, every known key absent from ``objects`` and not pending
        gets ``Deleted(DeletedFinalStateUnknown(key, known object or None))``. The first
        ``replace`` fixes the number of pops until :attr:`has_synced` (B-21).
        ``resource_version`` is accepted for symmetry with RealFIFO and ignored.

        Raises:
            KeyFuncError: an object without a key; the objects before it stay queued.
        """
        del resource_version  # unused by DeltaFIFO (spec B-12)
        lock = self._lock
        lock.acquire()
        was_empty = not self._queue
        try:
            self._replace_locked(objects)
        finally:
            woke = was_empty and bool(self._queue)
            lock.release()
            if woke:
                self._call_waker()

    def resync(self) -> None:
        """Queue ``Sync(known object)`` for every known key without pending deltas (spec B-16).

        A no-op without ``known_objects``. Objects are not transformed (they come from the
        consumer's store). Keys whose lookup fails or finds nothing are skipped.

        Raises:
            KeyFuncError: a known object without a key.
        """
        known = self._known_objects
        if known is None:
            return
        lock = self._lock
        lock.acquire()
        was_empty = not self._queue
        try:
            for key in known.list_keys():
                self._sync_key_locked(known, key)
        finally:
            woke = was_empty and bool(self._queue)
            lock.release()
            if woke:
                self._call_waker()

    # -- consumer -------------------------------------------------------------------------

    def pop(self, process: ProcessFunc, *, timeout: float | None = None) -> Deltas:
        """Block until a key is queued, remove it, and call ``process`` with its deltas (spec B-17).

        ``process(deltas, is_in_initial_list)`` runs under the queue lock;
        ``is_in_initial_list`` is true while the queue has not synced (B-22). Returns the
        popped deltas.

        Raises:
            FIFOClosedError: the queue is closed and empty.
            TimeoutError: ``timeout`` seconds passed and nothing was queued.
            Exception: whatever ``process`` raised (the deltas are dropped, B-18).
        """
        with self._lock:
            if not self._queue:
                self._wait_locked(timeout)
            return self._pop_locked(process)

    def pop_nowait(self, process: ProcessFunc) -> bool:
        """Like :meth:`pop` without blocking: false if nothing is queued.

        For asyncio drivers, together with :meth:`set_waker`.

        Raises:
            FIFOClosedError: the queue is closed and empty.
            Exception: whatever ``process`` raised.
        """
        with self._lock:
            if not self._queue:
                if self._closed:
                    raise FIFOClosedError
                return False
            self._pop_locked(process)
            return True

    # -- introspection --------------------------------------------------------------------

    def key_of(self, obj: Any) -> str:
        """The key this queue uses for ``obj`` (spec B-6); see :func:`key_of`."""
        return key_of(self._key_func, obj)

    @property
    def transformer(self) -> TransformFunc | None:
        """The transform function (spec B-24)."""
        return self._transformer

    def __len__(self) -> int:
        """The number of keys with pending deltas."""
        return len(self._queue)

    # -- internals (lock held) ------------------------------------------------------------

    def _queue_action_locked(self, key: str, action: DeltaType, obj: Any, transform: bool) -> bool:
        """Append ``Delta(action, obj)`` to ``key``'s deltas, dedup the tail (spec B-8, B-9).

        ``transform`` is false for the internal ``Sync`` action (resync); tombstones are never
        transformed. Returns true when the queue went from empty to non-empty.
        """
        transformer = self._transformer
        if transform and transformer is not None and not isinstance(obj, DeletedFinalStateUnknown):
            obj = transformer(obj)
        delta = Delta(action, obj)
        deltas = self._items.get(key)
        if deltas is None:
            self._items[key] = Deltas((delta,))
            queue = self._queue
            queue.append(key)
            if len(queue) == 1:
                self._notify_locked()
                return True
            return False
        if action is _DELETED:
            last = deltas[-1]
            if last.type is _DELETED:
                # B-9: two Deleted collapse; the older survives unless it is a tombstone.
                if isinstance(last.object, DeletedFinalStateUnknown):
                    deltas[-1] = delta
                return False
        deltas.append(delta)
        return False

    def _replace_locked(self, objects: Iterable[Any]) -> None:
        action = _REPLACED if self._emit_replaced else _SYNC
        key_func = self._key_func
        keys: set[str] = set()
        for obj in objects:
            key = key_of(key_func, obj)
            keys.add(key)
            # The internal action is Replaced, so relisted objects are transformed (B-8).
            self._queue_action_locked(key, action, obj, True)

        # Deletion detection against pending keys (B-12 step 2). Only existing keys are
        # touched, so iterating the dict while appending to its lists is safe.
        queued_deletions = 0
        for key, deltas in self._items.items():
            if key in keys:
                continue
            last_obj = deltas[-1].object
            if isinstance(last_obj, DeletedFinalStateUnknown):
                last_obj = last_obj.obj
            queued_deletions += 1
            self._queue_action_locked(key, _DELETED, DeletedFinalStateUnknown(key, last_obj), True)

        # Deletion detection against the consumer's store (B-12 step 3).
        known = self._known_objects
        if known is not None:
            items = self._items
            for key in known.list_keys():
                if key in keys or key in items:
                    continue
                known_obj = tombstone_object(known, key, _log)
                queued_deletions += 1
                self._queue_action_locked(
                    key, _DELETED, DeletedFinalStateUnknown(key, known_obj), True
                )

        if not self._populated:
            self._first_replace_locked(len(keys) + queued_deletions)

    def _sync_key_locked(self, known: KnownObjects, key: str) -> None:
        try:
            obj = known.get_by_key(key)
        except Exception as error:
            _log.warning("lookup of %r failed (%s); not queueing it for resync", key, error)
            return
        if obj is None:
            _log.info("%r vanished from known objects; not queueing it for resync", key)
            return
        obj_key = key_of(self._key_func, obj)
        if obj_key in self._items:
            # Pending deltas are newer than the store: do not queue an older state (B-16).
            return
        self._queue_action_locked(obj_key, _SYNC, obj, False)

    def _pop_locked(self, process: ProcessFunc) -> Deltas:
        is_in_initial_list = not self._synced
        key = self._queue.popleft()
        deltas = self._items.pop(key)
        try:
            process(deltas, is_in_initial_list)
        finally:
            if self._initial_population_count:
                # After processing: the QUIRK fix of B-21.
                self._processed_locked(1)
        return deltas
