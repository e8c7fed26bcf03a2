"""The in-order FIFO (client-go ``tools/cache/the_real_fifo.go``, ``RealFIFO``).

One ordered list of :class:`~kinformer.cache._fifo.Delta` s: every producer call appends,
nothing is coalesced per key, and ``pop`` hands out one delta at a time (or a batch of
deltas with distinct keys), so the consumer sees every change in the order it happened,
across all keys (spec B-30 … B-37). Two modes (spec 0.4):

* **mode R** (``atomic=False``): ``replace`` appends synthetic deletions first, then one
  ``Replaced`` delta per listed object (B-31); ``resync`` appends ``Sync`` deltas (B-35).
  ``known_objects`` (the consumer's store) is required: it is how ``replace`` finds the
  deletions of objects already processed, and what ``resync`` re-delivers.
* **mode A** (``atomic=True``, client-go 1.36's informer default): ``replace`` appends one
  ``ReplacedAll`` delta, ``resync`` one ``SyncAll`` delta, ``bookmark`` one ``Bookmark``
  delta (B-32, B-35, B-36); the consumer diffs against its own store (D-21, D-22), so
  ``known_objects`` must be ``None``. The lock is released while ``process`` runs as long as
  fewer than 2000 deltas are queued (client-go's ``UnlockWhileProcessing``, on with
  AtomicFIFO in 1.36, B-33); above that the lock is held, as back-pressure on producers.

Invariants (asserted by the tests): deltas are handed out in exactly the order they were
appended; ``len(queue)`` counts deltas; plus the sync-accounting invariants of
:mod:`kinformer.cache._fifo_base`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any, Final, TypeVar, final

from .._errors import FIFOClosedError, KeyFuncError
from .._objects import DeletedFinalStateUnknown, meta_namespace_key
from ._fifo import (
    BookmarkInfo,
    Delta,
    Deltas,
    DeltaType,
    KeyFunc,
    ProcessFunc,
    ReplacedAllInfo,
    SyncAllInfo,
    TransformFunc,
    key_of,
)
from ._fifo_base import KnownObjects, _FIFOBase, tombstone_object

__all__ = ["DEFAULT_BATCH_SIZE", "ProcessBatchFunc", "RealFIFO"]

_log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE: Final = 1000
"""Most deltas handed to one ``process_batch`` call (spec section 1, ``defaultBatchSize`` in
https://github.com/kubernetes/client-go/blob/master/tools/cache/the_real_fifo.go)."""

_UNLOCK_BELOW: Final = 2 * DEFAULT_BATCH_SIZE
"""Mode A releases the lock while processing only with fewer queued deltas (spec B-33)."""

ProcessBatchFunc = Callable[[list[Delta], bool], object]
"""``process_batch(deltas, is_in_initial_list)``: deltas of distinct keys, in queue order (B-37)."""

_BATCHABLE: Final = frozenset(
    {DeltaType.ADDED, DeltaType.UPDATED, DeltaType.DELETED, DeltaType.REPLACED, DeltaType.SYNC}
)
_ADDED: Final = DeltaType.ADDED
_UPDATED: Final = DeltaType.UPDATED
_DELETED: Final = DeltaType.DELETED
_SYNC_ALL: Final = Delta(DeltaType.SYNC_ALL, SyncAllInfo())

_A = TypeVar("_A")


@final
class RealFIFO(_FIFOBase):
    """A queue that hands out every delta, in order (spec B.7).

    Contract:

    * **Ordering.** Deltas are popped in the order they were appended, across all keys; a
      key's deltas are never merged or reordered (B-30). ``delete`` always appends, even for
      an object nobody knows.
    * **Sync.** :attr:`has_synced` turns true once every delta appended by the first
      ``replace`` was popped *and processed* (B-34); ``add``/``update``/``delete`` before any
      ``replace`` mean synced at once.
    * **Processing.** ``pop`` calls ``process(Deltas([delta]), is_in_initial_list)``;
      ``pop_batch`` groups up to 1000 deltas of distinct keys (B-37). In mode R the queue
      lock is held while processing (producers wait, B-19) and ``process`` must not call back
      into the queue. In mode A the lock is released while processing unless 2000 or more
      deltas are queued (B-33): producers keep going, and the consumer must be single.
    * **One consumer** (B-20). Closing behaves as for :class:`DeltaFIFO` (B-17, B-23).

    >>> fifo = RealFIFO(atomic=True)
    >>> fifo.replace([{"metadata": {"name": "a"}}], "10")
    >>> fifo.add({"metadata": {"name": "b"}})
    >>> got = []
    >>> while fifo.pop_nowait(lambda deltas, initial: got.append((deltas[0].type, initial))):
    ...     pass
    >>> got
    [(<DeltaType.REPLACED_ALL: 'ReplacedAll'>, True), (<DeltaType.ADDED: 'Added'>, False)]
    """

    __slots__ = ("_atomic", "_items", "_key_func", "_known_objects", "_transformer")

    def __init__(
        self,
        *,
        key_func: KeyFunc = meta_namespace_key,
        known_objects: KnownObjects | None = None,
        atomic: bool = False,
        transformer: TransformFunc | None = None,
    ) -> None:
        """Create an empty queue.

        Args:
            key_func: the object key function (default ``"namespace/name"``, spec C-1).
            known_objects: the consumer's store. Required in mode R (``replace`` detects
                deletions of processed objects and ``resync`` re-delivers them through it);
                must be ``None`` in mode A (the consumer diffs against its store itself).
            atomic: mode A: ``ReplacedAll``/``SyncAll``/``Bookmark`` deltas and processing
                without the lock (B-32, B-33, B-35, B-36).
            transformer: applied to objects before they are queued, except tombstones and
                ``resync``'s objects (they come from the consumer's store).

        Raises:
            ValueError: ``known_objects`` given in mode A, or missing in mode R (client-go
                panics in both cases).
        """
        if atomic and known_objects is not None:
            raise ValueError("known_objects must be None when atomic=True (spec B-32)")
        if not atomic and known_objects is None:
            raise ValueError("known_objects is required when atomic=False (spec B-31)")
        items: deque[Delta] = deque()
        super().__init__(items)
        # Every queued delta, oldest first, across all keys. Never rebound: it is the base
        # class's "pending" container.
        self._items = items
        self._key_func = key_func
        self._known_objects = known_objects
        self._atomic = atomic
        self._transformer = transformer

    # -- producers ------------------------------------------------------------------------

    def add(self, obj: Any) -> None:
        """Append ``Added(obj)`` (spec B-30).

        Raises:
            KeyFuncError: no key for ``obj`` (nothing queued; the queue counts as populated).
        """
        with self._lock:
            if not self._populated:
                self._mark_populated_locked()
            woke = self._add_to_items_locked(_ADDED, obj)
        if woke:
            self._call_waker()

    def update(self, obj: Any) -> None:
        """Append ``Updated(obj)`` (spec B-30); raises like :meth:`add`."""
        with self._lock:
            if not self._populated:
                self._mark_populated_locked()
            woke = self._add_to_items_locked(_UPDATED, obj)
        if woke:
            self._call_waker()

    def delete(self, obj: Any) -> None:
        """Append ``Deleted(obj)``, known or not (spec B-30); raises like :meth:`add`."""
        with self._lock:
            if not self._populated:
                self._mark_populated_locked()
            woke = self._add_to_items_locked(_DELETED, obj)
        if woke:
            self._call_waker()

    def replace(self, objects: Iterable[Any], resource_version: str) -> None:
        """Queue a relist (mode A: one ``ReplacedAll``, B-32; mode R: deletions then ``Replaced``, B-31).

        Mode R: first, each queued key (first-appearance order) absent from ``objects`` whose
        last queued delta is not ``Deleted`` gets ``Deleted(DeletedFinalStateUnknown(key,
        last queued object))``; then each known key absent from ``objects`` and from the
        queue gets ``Deleted(DeletedFinalStateUnknown(key, known object or None))``; then
        each object gets ``Replaced(obj)``, in list order. The first ``replace`` fixes the
        number of deltas to process until :attr:`has_synced` (B-34).

        Raises:
            KeyFuncError: mode R, an object (or a queued delta) without a key; nothing is
                queued.
            Exception: whatever the transformer raised (mode A: nothing is queued).
        """
        lock = self._lock
        lock.acquire()
        was_empty = not self._items
        try:
            if self._atomic:
                self._replace_all_locked(objects, resource_version)
            else:
                self._reconcile_locked(objects)
            if not self._populated:
                self._first_replace_locked(len(self._items))
        finally:
            woke = was_empty and bool(self._items)
            lock.release()
            if woke:
                self._call_waker()

    def resync(self) -> None:
        """Mode A: append one ``SyncAll``; mode R: ``Sync(known object)`` per known key not queued (B-35).

        Mode R objects are not transformed; keys whose lookup fails or finds nothing are
        skipped.

        Raises:
            KeyFuncError: mode R, a queued delta or a known object without a key.
        """
        lock = self._lock
        lock.acquire()
        was_empty = not self._items
        try:
            if self._atomic:
                self._append_locked(_SYNC_ALL)
            else:
                self._resync_known_locked()
        finally:
            woke = was_empty and bool(self._items)
            lock.release()
            if woke:
                self._call_waker()

    def bookmark(self, resource_version: str) -> None:
        """Mode A: append ``Bookmark(BookmarkInfo(resource_version))``; mode R: no-op (B-36)."""
        if not self._atomic:
            return
        with self._lock:
            woke = self._append_locked(Delta(DeltaType.BOOKMARK, BookmarkInfo(resource_version)))
        if woke:
            self._call_waker()

    # -- consumer -------------------------------------------------------------------------

    def pop(self, process: ProcessFunc, *, timeout: float | None = None) -> Deltas:
        """Block until a delta is queued, remove it, call ``process(Deltas([delta]), initial)`` (B-33).

        ``is_in_initial_list`` is true while the queue has not synced. Returns the popped
        one-delta :class:`Deltas`.

        Raises:
            FIFOClosedError: the queue is closed and empty.
            TimeoutError: ``timeout`` seconds passed and nothing was queued.
            Exception: whatever ``process`` raised (the delta is dropped).
        """
        with self._lock:
            if not self._items:
                self._wait_locked(timeout)
            return self._pop_locked(process)

    def pop_nowait(self, process: ProcessFunc) -> bool:
        """Like :meth:`pop` without blocking: false if nothing is queued (for asyncio drivers).

        Raises:
            FIFOClosedError: the queue is closed and empty.
        """
        with self._lock:
            if not self._items:
                if self._closed:
                    raise FIFOClosedError
                return False
            self._pop_locked(process)
            return True

    def pop_batch(
        self,
        process_batch: ProcessBatchFunc,
        process_single: ProcessFunc,
        *,
        timeout: float | None = None,
    ) -> int:
        """Block until something is queued, then pop a batch of deltas with distinct keys (B-37).

        From the head, up to 1000 deltas are taken, stopping before: a delta whose key is
        already in the batch; a ``ReplacedAll``/``SyncAll``/``Bookmark`` delta (taken alone
        when it is first); the end of the initial population (a batch never mixes initial and
        later deltas). A delta without a key is taken and ends the batch. A batch of one goes
        to ``process_single(Deltas([delta]), initial)``, a larger one to
        ``process_batch(deltas, initial)``. Returns the number of deltas popped.

        Raises:
            FIFOClosedError: the queue is closed and empty.
            TimeoutError: ``timeout`` seconds passed and nothing was queued.
        """
        with self._lock:
            if not self._items:
                self._wait_locked(timeout)
            return self._pop_batch_locked(process_batch, process_single)

    def pop_batch_nowait(self, process_batch: ProcessBatchFunc, process_single: ProcessFunc) -> int:
        """Like :meth:`pop_batch` without blocking: 0 if nothing is queued.

        Raises:
            FIFOClosedError: the queue is closed and empty.
        """
        with self._lock:
            if not self._items:
                if self._closed:
                    raise FIFOClosedError
                return 0
            return self._pop_batch_locked(process_batch, process_single)

    # -- introspection --------------------------------------------------------------------

    @property
    def atomic(self) -> bool:
        """Whether this queue runs in mode A."""
        return self._atomic

    def key_of(self, obj: Any) -> str:
        """The key this queue uses for ``obj``, a :class:`Delta` or a :class:`Deltas` (spec B-6)."""
        return key_of(self._key_func, obj)

    @property
    def transformer(self) -> TransformFunc | None:
        """The transform function (spec B-24)."""
        return self._transformer

    def __len__(self) -> int:
        """The number of queued deltas."""
        return len(self._items)

    # -- internals (lock held) ------------------------------------------------------------

    def _append_locked(self, delta: Delta) -> bool:
        """Append; true when the queue went from empty to non-empty (and waiters were notified)."""
        items = self._items
        items.append(delta)
        if len(items) == 1:
            self._notify_locked()
            return True
        return False

    def _add_to_items_locked(self, action: DeltaType, obj: Any) -> bool:
        """Check that ``obj`` has a key, transform it unless a tombstone, append (``addToItems``)."""
        key_of(self._key_func, obj)
        transformer = self._transformer
        if transformer is not None and not isinstance(obj, DeletedFinalStateUnknown):
            obj = transformer(obj)
        return self._append_locked(Delta(action, obj))

    def _replace_all_locked(self, objects: Iterable[Any], resource_version: str) -> None:
        transformer = self._transformer
        listed = tuple(objects) if transformer is None else tuple(map(transformer, objects))
        self._append_locked(
            Delta(DeltaType.REPLACED_ALL, ReplacedAllInfo(resource_version, listed))
        )

    def _reconcile_locked(self, objects: Iterable[Any]) -> None:
        """Mode R replace (``reconcileReplacement``, B-31)."""
        key_func = self._key_func
        listed = list(objects)
        new_keys = {key_of(key_func, obj) for obj in listed}
        # key -> last queued delta; dict order is the keys' first appearance in the queue.
        last_for_key: dict[str, Delta] = {}
        for delta in self._items:
            last_for_key[key_of(key_func, delta.object)] = delta

        for key, last in last_for_key.items():
            if key in new_keys or last.type is _DELETED:
                continue
            self._append_locked(Delta(_DELETED, DeletedFinalStateUnknown(key, last.object)))

        known = self._known_objects
        assert known is not None  # mode R (constructor)
        for key in known.list_keys():
            if key in new_keys or key in last_for_key:
                continue
            known_obj = tombstone_object(known, key, _log)
            self._append_locked(Delta(_DELETED, DeletedFinalStateUnknown(key, known_obj)))

        transformer = self._transformer
        replaced = DeltaType.REPLACED
        for obj in listed:
            self._append_locked(Delta(replaced, obj if transformer is None else transformer(obj)))

    def _resync_known_locked(self) -> None:
        """Mode R resync (B-35)."""
        key_func = self._key_func
        queued = {key_of(key_func, delta.object) for delta in self._items}
        known = self._known_objects
        assert known is not None  # mode R (constructor)
        sync = DeltaType.SYNC
        for key in known.list_keys():
            if key in queued:
                continue
            try:
                known_obj = known.get_by_key(key)
            except Exception as error:
                _log.warning("lookup of %r failed (%s); not queueing it for resync", key, error)
                continue
            if known_obj is None:
                _log.info("%r vanished from known objects; not queueing it for resync", key)
                continue
            key_of(key_func, known_obj)
            self._append_locked(Delta(sync, known_obj))

    def _run_locked(self, process: Callable[[_A, bool], object], arg: _A, initial: bool) -> None:
        """Call ``process``; mode A releases the lock meanwhile if the queue is short (B-33)."""
        if self._atomic and len(self._items) < _UNLOCK_BELOW:
            self._lock.release()
            try:
                process(arg, initial)
            finally:
                self._lock.acquire()
        else:
            process(arg, initial)

    def _pop_locked(self, process: ProcessFunc) -> Deltas:
        is_in_initial_list = not self._synced
        deltas = Deltas((self._items.popleft(),))
        try:
            self._run_locked(process, deltas, is_in_initial_list)
        finally:
            if self._initial_population_count:
                # Deferred until after processing (B-34).
                self._processed_locked(1)
        return deltas

    def _pop_batch_locked(
        self, process_batch: ProcessBatchFunc, process_single: ProcessFunc
    ) -> int:
        is_in_initial_list = not self._synced
        items = self._items
        limit = DEFAULT_BATCH_SIZE
        initial_count = self._initial_population_count
        if 0 < initial_count < limit:
            limit = initial_count  # never mix initial and later deltas
        key_func = self._key_func
        batch: list[Delta] = []
        seen: set[str] = set()
        for delta in islice(items, limit):
            if delta.type not in _BATCHABLE:
                if not batch:
                    batch.append(delta)
                break
            try:
                key = key_of(key_func, delta.object)
            except KeyFuncError:
                batch.append(delta)  # handed out (and closing the batch), as client-go does
                break
            if key in seen:
                break
            seen.add(key)
            batch.append(delta)
        count = len(batch)
        for _ in range(count):
            items.popleft()
        try:
            if count == 1:
                self._run_locked(process_single, Deltas(batch), is_in_initial_list)
            else:
                self._run_locked(process_batch, batch, is_in_initial_list)
        finally:
            if self._initial_population_count:
                self._processed_locked(count)
        return count
