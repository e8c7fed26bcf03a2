"""``wait_for_cache_sync``: wait until informers or registrations report synced (spec D-80)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Protocol

__all__ = ["HasSynced", "async_wait_for_cache_sync", "wait_for_cache_sync"]

_POLL = 0.01
"""Seconds between checks. client-go polls every 100 ms; a tenth of that costs nothing here."""


class HasSynced(Protocol):
    """Anything with a ``has_synced`` property: informers and handler registrations."""

    @property
    def has_synced(self) -> bool: ...


def wait_for_cache_sync(
    *items: HasSynced, timeout: float | None = None, stop: threading.Event | None = None
) -> bool:
    """Block until every item has synced (True), or ``timeout`` or ``stop`` comes first (False).

    All items are checked at once, then every 10 ms; true only when all are synced at the same
    check (D-80).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    waiter = stop if stop is not None else threading.Event()
    while not all(item.has_synced for item in items):
        remaining = None if deadline is None else deadline - time.monotonic()
        if waiter.is_set() or (remaining is not None and remaining <= 0):
            return False
        waiter.wait(_POLL if remaining is None else min(_POLL, remaining))
    return True


async def async_wait_for_cache_sync(*items: HasSynced, timeout: float | None = None) -> bool:
    """The asyncio twin of :func:`wait_for_cache_sync` (cancel the task to stop waiting)."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    while not all(item.has_synced for item in items):
        if deadline is not None and loop.time() >= deadline:
            return False
        await asyncio.sleep(_POLL)
    return True
