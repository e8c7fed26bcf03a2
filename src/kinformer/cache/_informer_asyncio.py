"""AsyncSharedIndexInformer: the asyncio twin of :mod:`._informer_threads`.

Tasks: one reflector (plus its ticker), one process loop popping the queue into
:meth:`InformerCore.handle_deltas` (yielding to the loop every few pops), and one delivery
task per registered handler. Handlers may be plain functions or coroutine functions.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import threading
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Final, final

from .._clock import Clock
from .._errors import FIFOClosedError
from ._handlers import (
    AddFunc,
    DeleteFunc,
    FilterFunc,
    ResourceEventHandler,
    UpdateFunc,
    as_handler,
    check_unmodified,
    notification_key,
    snapshot,
)
from ._indexer import IndexFunc
from ._informer import ADD, DELETE, UPDATE, HandlerRegistration
from ._informer_options import InformerBase, InformerOptions, build_queue
from ._listwatch import AsyncListerWatcher
from ._reflector_asyncio import AsyncReflector

__all__ = ["AsyncSharedIndexInformer"]

_log = logging.getLogger("kinformer.informer")

_POPS_PER_YIELD: Final = 64
"""The process loop yields to the event loop after this many pops, so that a 100k-object
initial list does not starve the reflector and the handlers."""


@final
class AsyncSharedIndexInformer(InformerBase):
    """Lists and watches one resource into an indexed cache and notifies handlers (asyncio).

    Same contract as :class:`~kinformer.SharedIndexInformer`; use ``async with informer:``
    (or ``await start()`` / ``await stop()``) inside a running event loop.

    Race warning: :meth:`start` returns before the cache is synced; ``await
    wait_for_sync()`` first.
    """

    _reflector: AsyncReflector | None

    def __init__(
        self,
        lister_watcher: AsyncListerWatcher,
        *,
        resync_period: float = 0.0,
        indexers: Mapping[str, IndexFunc] | None = None,
        options: InformerOptions | None = None,
        name: str = "informer",
        resource: str = "object",
        group: str = "",
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(
            resync_period=resync_period,
            indexers=indexers,
            options=options,
            name=name,
            resource=resource,
            group=group,
            clock=clock,
        )
        self._lw = lister_watcher
        self._rng = rng
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._stopped_event = asyncio.Event()
        self._pending: list[tuple[HandlerRegistration, asyncio.Event]] = []

    async def __aenter__(self) -> AsyncSharedIndexInformer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def reflector(self) -> AsyncReflector | None:
        """The reflector, once started."""
        return self._reflector

    def add_event_handler(
        self,
        handler: ResourceEventHandler | None = None,
        *,
        on_add: AddFunc | None = None,
        on_update: UpdateFunc | None = None,
        on_delete: DeleteFunc | None = None,
        filter: FilterFunc | None = None,
        resync_period: float | None = None,
    ) -> HandlerRegistration:
        """Register a handler, as :meth:`kinformer.SharedIndexInformer.add_event_handler`.

        Handler methods may be coroutine functions; each is awaited before that handler's next
        notification. Call from the event loop's thread.
        """
        resolved = as_handler(
            handler, on_add=on_add, on_update=on_update, on_delete=on_delete, filter=filter
        )
        wake = asyncio.Event()
        registration = self._core.register(
            resolved, resync_period=resync_period, now=self._clock.now(), waker=self._waker(wake)
        )
        if self._core.started:
            self._spawn(self._deliver(registration, wake))
        else:
            self._pending.append((registration, wake))
        return registration

    async def start(self) -> None:
        """Start the tasks and return at once (not synced yet!). Idempotent."""
        if self._core.started or self._core.stopped:
            return
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        queue = build_queue(self._options.queue, self._indexer, self._transform)
        self._queue = queue
        self._reflector = AsyncReflector(
            self._lw,
            queue,
            options=self._reflector_options(),
            clock=self._clock,
            rng=self._rng,
            gc_freeze=self._options.gc_freeze,
            watch_error_handler=self._watch_error_handler,
        )
        self._core.started = True
        for registration, wake in self._pending:
            self._spawn(self._deliver(registration, wake))
        self._pending.clear()
        self._spawn(self._process_loop())
        self._spawn(self._reflector.run())

    async def stop(self) -> None:
        """Stop and await every task this informer started (D-31, D-56)."""
        self._stopped_event.set()
        if self._reflector is not None:
            self._reflector.stop()
        if self._queue is not None:
            self._queue.close()
        self._core.stop()
        tasks, self._tasks = self._tasks, set()
        current = asyncio.current_task()
        for task in tasks:
            if task is not current:
                task.cancel()
        others = [task for task in tasks if task is not current]
        if others:
            await asyncio.wait(others)

    async def run(self) -> None:
        """Start, then wait until :meth:`stop` (or cancellation, which stops)."""
        await self.start()
        try:
            await self._stopped_event.wait()
        finally:
            await self.stop()

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        """Wait until synced (True), or stopped or ``timeout`` real seconds passed (False)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not self.has_synced:
            if self._core.stopped or (deadline is not None and loop.time() >= deadline):
                return False
            await asyncio.sleep(0.01)
        return True

    def _waker(self, event: asyncio.Event) -> Callable[[], None]:
        def wake() -> None:
            loop = self._loop
            if loop is None or event.is_set():
                return
            if threading.get_ident() == self._loop_thread:
                event.set()
            else:
                loop.call_soon_threadsafe(event.set)

        return wake

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(
            coroutine, name=f"{self._name}-{getattr(coroutine, '__name__', 'task')}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process_loop(self) -> None:
        """client-go ``processLoop`` (D-2) without blocking the event loop."""
        queue, process = self._queue, self._core.handle_deltas
        assert queue is not None
        assert self._loop is not None
        ready = asyncio.Event()
        loop = self._loop
        queue.set_waker(lambda: loop.call_soon_threadsafe(ready.set))
        pops = 0
        while True:
            # Cleared before the pop that finds the queue empty: the waker fires after any
            # later enqueue, so no wake-up is lost.
            ready.clear()
            while True:
                try:
                    if not queue.pop_nowait(process):
                        break
                except FIFOClosedError:
                    return
                except Exception:
                    _log.exception(
                        "%s: processing deltas failed; they are dropped (D-2)", self._name
                    )
                pops += 1
                if pops % _POPS_PER_YIELD == 0:
                    await asyncio.sleep(0)
            await ready.wait()

    async def _deliver(self, registration: HandlerRegistration, wake: asyncio.Event) -> None:
        """One listener's delivery loop (D-53, D-54): in order, one at a time."""
        handler, take, delivered = registration.handler, registration.take, registration.delivered
        detect_mutations = self._options.detect_mutations
        while True:
            notification = take()
            if notification is None:
                if registration.stopped:
                    return
                await wake.wait()
                wake.clear()
                continue
            kind, first, second = notification
            before = snapshot(second if kind == UPDATE else first) if detect_mutations else None
            try:
                if kind == ADD:
                    result = handler.on_add(first, second)
                elif kind == UPDATE:
                    result = handler.on_update(first, second)
                else:
                    result = handler.on_delete(first)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                _log.exception(
                    "%s: handler %r raised on %s of %s; notification skipped",
                    self._name,
                    handler,
                    ("add", "update", "delete")[kind],
                    notification_key(second if kind == UPDATE else first),
                )
            if detect_mutations and kind != DELETE:
                problem = check_unmodified(second if kind == UPDATE else first, before)
                if problem is not None:
                    _log.error("%s: %s (handler %r)", self._name, problem, handler)
            delivered(notification)
