"""Keeping Python's cyclic garbage collector off the informer cache (``InformerOptions.gc_freeze``).

A cache of 100k pods holds ~3M container objects (dicts and lists) that the cyclic collector
tracks. Without help, each full collection walks all of them: during an initial list the
collector runs a dozen full collections (half the sync time, measured), and during a burst of
watch events the collections triggered by the replaced objects dominate the CPU per event. API
objects have no reference cycles, so reference counting frees them; the collector only wastes
time on them. Two tools, both process-wide:

* :func:`paused` turns the collector off while a list is fetched, decoded and stored, then
  runs ONE young collection over what the list allocated (this frees the reference cycles a
  list leaves behind, such as an HTTP response holding the whole body) and freezes the rest
  (:func:`gc.freeze`: the permanent generation, never walked again);
* :class:`PeriodicFreeze` freezes again every ``every`` watch events, after a young-generation
  collection so that short-lived cyclic garbage is collected first.

The cost, stated plainly: cyclic garbage that already sits in the old generation when a freeze
happens is never collected. Turn ``gc_freeze`` off if a process relies on collecting long-lived
reference cycles. Pauses nest and are counted across threads: the collector is re-enabled when
the last pause ends, and only if it was enabled when the first began.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Final, final

__all__ = ["FREEZE_EVERY", "PeriodicFreeze", "paused"]

FREEZE_EVERY: Final = 1000
"""Watch events between freezes: cheap (``gc.freeze`` is O(1), the young collection is small)
and frequent enough that full collections never see more than a thousand new objects' worth."""

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Collector off inside the block; on the way out, collect the young generation, freeze, restore.

    With the collector off, everything allocated in the block stays in the young generation,
    so one ``gc.collect(0)`` walks exactly the list's objects once (instead of the dozen full
    collections the collector would have run over the whole heap) and frees the list's
    cyclic garbage before the freeze could make it permanent.
    """
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            gc.collect(0)
            gc.freeze()
            if _depth == 0 and _was_enabled:
                gc.enable()


@final
class PeriodicFreeze:
    """Counts watch events; every ``every`` events collects the young generations and freezes."""

    __slots__ = ("_count", "_every")

    def __init__(self, every: int = FREEZE_EVERY) -> None:
        self._every = every
        self._count = 0

    def tick(self) -> None:
        """Call once per event (a counter increment on the hot path)."""
        self._count += 1
        if self._count >= self._every:
            self._count = 0
            gc.collect(1)
            gc.freeze()
