"""Workers: N loops taking items off a rate-limited queue into a reconcile function.

The loop every client-go controller writes by hand (``kubernetes/sample-controller``
``runWorker`` / ``processNextWorkItem``), once per flavour:

* the item comes from ``queue.get()``; :class:`ShutDown` ends the worker;
* ``reconcile(item)`` returns → ``queue.forget(item)`` (its retry count restarts);
* ``reconcile(item)`` raises an :class:`Exception` → it is logged on the ``kinformer.workqueue``
  logger and ``queue.add_rate_limited(item)`` schedules a retry;
* ``queue.done(item)`` is called in every case, so the item can be queued again.

Exceptions that are not :class:`Exception` (``KeyboardInterrupt``, task cancellation) are not
retried: ``done`` is still called and the exception propagates, ending that worker.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from ._asyncio import AsyncRateLimitingQueue
from ._queue import ShutDown
from ._threads import RateLimitingQueue

__all__ = [
    "process_next_work_item",
    "process_next_work_item_async",
    "run_workers",
    "run_workers_async",
]

T = TypeVar("T", bound=Hashable)

logger = logging.getLogger("kinformer.workqueue")


def process_next_work_item(queue: RateLimitingQueue[T], reconcile: Callable[[T], object]) -> bool:
    """Take one item off ``queue`` and reconcile it; return ``False`` once the queue is shut down.

    Blocks in ``queue.get()`` until an item is queued.
    """
    try:
        item = queue.get()
    except ShutDown:
        return False
    try:
        reconcile(item)
    except Exception:
        logger.exception("error reconciling %r (queue %r), requeuing", item, queue.name)
        queue.add_rate_limited(item)
    else:
        queue.forget(item)
    finally:
        queue.done(item)
    return True


def run_workers(
    queue: RateLimitingQueue[T], reconcile: Callable[[T], object], *, workers: int = 1
) -> None:
    """Run ``workers`` threads of :func:`process_next_work_item` until the queue is shut down.

    Blocks until every worker has returned: call ``queue.shutdown()`` (or
    ``queue.shutdown_with_drain()``) from another thread to stop them. The queued items are
    still processed after ``shutdown()``; a worker stops when ``get`` raises :class:`ShutDown`.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers!r}")

    def work() -> None:
        while process_next_work_item(queue, reconcile):
            pass

    threads = [
        threading.Thread(target=work, name=f"workqueue-worker-{queue.name}-{i}", daemon=True)
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


async def process_next_work_item_async(
    queue: AsyncRateLimitingQueue[T], reconcile: Callable[[T], Awaitable[object] | object]
) -> bool:
    """The asyncio :func:`process_next_work_item`; ``reconcile`` may be a coroutine function."""
    try:
        item = await queue.get()
    except ShutDown:
        return False
    try:
        result = reconcile(item)
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("error reconciling %r (queue %r), requeuing", item, queue.name)
        queue.add_rate_limited(item)
    else:
        queue.forget(item)
    finally:
        queue.done(item)
    return True


async def run_workers_async(
    queue: AsyncRateLimitingQueue[T],
    reconcile: Callable[[T], Awaitable[object] | object],
    *,
    workers: int = 1,
) -> None:
    """Run ``workers`` tasks of :func:`process_next_work_item_async` until the queue is shut down.

    Returns when every worker has returned; cancelling it cancels the workers (an item being
    reconciled is still marked ``done``).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers!r}")

    async def work() -> None:
        while await process_next_work_item_async(queue, reconcile):
            pass

    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(work())
