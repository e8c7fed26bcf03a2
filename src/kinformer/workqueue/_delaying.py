"""The delaying queue's waiting set (client-go ``util/workqueue/delaying_queue.go``, G-10..G-12).

:class:`DelayHeap` is the pure bookkeeping of client-go's ``waitingLoop``: a min-heap of
``(ready_at, item)`` with at most one live entry per item. A new request for an item that is
already waiting only moves its deadline *earlier*, never later (G-11). :meth:`DelayHeap.pop_due`
returns the items whose deadline has passed, in deadline order (ties in arrival order); the
caller then ``add``\\ s them to the queue, so the queue's dedup applies when they fire.

Invariants: ``_live`` maps each waiting item to the ``(ready_at, seq)`` of its one live heap
entry; every key of ``_live`` has that entry in ``_heap``; heap entries that are not live
(superseded by an earlier deadline) are skipped and dropped when they reach the top.
``len(self)`` counts live entries only.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable
from typing import Generic, TypeVar, final

__all__ = ["DelayHeap"]

T = TypeVar("T", bound=Hashable)


@final
class DelayHeap(Generic[T]):
    """Items waiting for a deadline; the earliest deadline per item wins.

    >>> heap: DelayHeap[str] = DelayHeap()
    >>> heap.push("a", 10.0), heap.push("b", 5.0), heap.push("a", 20.0)
    (True, True, False)
    >>> heap.next_ready_at()
    5.0
    >>> heap.pop_due(10.0)
    ['b', 'a']
    >>> len(heap)
    0
    """

    __slots__ = ("_heap", "_live", "_seq")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, T]] = []
        self._live: dict[T, tuple[float, int]] = {}
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, item: object) -> bool:
        return item in self._live

    def push(self, item: T, ready_at: float) -> bool:
        """Wait for ``item`` until ``ready_at``; return whether its deadline was set or moved.

        If ``item`` already waits with a deadline at or before ``ready_at``, nothing changes.
        """
        current = self._live.get(item)
        if current is not None and current[0] <= ready_at:
            return False
        seq = next(self._seq)
        self._live[item] = (ready_at, seq)
        heapq.heappush(self._heap, (ready_at, seq, item))
        return True

    def next_ready_at(self) -> float | None:
        """The earliest live deadline, or ``None`` when nothing waits."""
        self._drop_stale_top()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[T]:
        """Remove and return the items whose deadline is ``<= now``, earliest first."""
        due: list[T] = []
        while True:
            self._drop_stale_top()
            if not self._heap or self._heap[0][0] > now:
                return due
            _, _, item = heapq.heappop(self._heap)
            del self._live[item]
            due.append(item)

    def clear(self) -> None:
        """Discard every waiting item (G-12: a shut-down delaying queue drops them)."""
        self._heap.clear()
        self._live.clear()

    def _drop_stale_top(self) -> None:
        heap = self._heap
        while heap:
            ready_at, seq, item = heap[0]
            if self._live.get(item) == (ready_at, seq):
                return
            heapq.heappop(heap)
