"""The Reflector for asyncio: the twin of :mod:`._reflector_threads` over the same machine.

One task runs :meth:`AsyncReflector.run`; while a stream is open a ticker task calls
``on_watch_tick`` when the machine asks and closes a stream the machine gives up on. Everything
runs on one event loop, so no lock is needed; every timed wait goes through the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Awaitable, Callable
from typing import final

from .._clock import Clock, RealClock
from ._gc import PeriodicFreeze, paused
from ._listwatch import AsyncListerWatcher, AsyncWatchStream
from ._reflector import (
    HandleWatchError,
    ListPage,
    OpenWatch,
    ReflectorCounters,
    ReflectorMachine,
    ReflectorOptions,
    ReflectorStore,
    Sleep,
    Stop,
    default_watch_error_handler,
)

__all__ = ["AsyncReflector", "AsyncWatchErrorHandler"]

_log = logging.getLogger("kinformer.reflector")

AsyncWatchErrorHandler = Callable[[BaseException], object | Awaitable[object]]


@final
class AsyncReflector:
    """Lists and watches one resource into a store until :meth:`stop` (spec section A).

    ``await run()`` returns once stopped (or raises ``CancelledError`` when its task is
    cancelled). The watch error handler may be a plain function or a coroutine function.
    """

    def __init__(
        self,
        lister_watcher: AsyncListerWatcher,
        store: ReflectorStore,
        *,
        options: ReflectorOptions | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        gc_freeze: bool = False,
        watch_error_handler: AsyncWatchErrorHandler | None = None,
    ) -> None:
        self._clock: Clock = clock if clock is not None else RealClock()
        self._lw = lister_watcher
        self._machine = ReflectorMachine(store, now=self._clock.now(), options=options, rng=rng)
        self._name = (options or ReflectorOptions()).name
        self._handler = watch_error_handler
        self._gc_freeze = gc_freeze
        self._stream: AsyncWatchStream | None = None
        self._wake = asyncio.Event()  # interrupts the run loop's sleeps
        self._tick = asyncio.Event()  # re-evaluates the ticker's deadline

    def __repr__(self) -> str:
        return f"<AsyncReflector {self._name} rv={self.last_sync_resource_version!r}>"

    @property
    def last_sync_resource_version(self) -> str:
        """The RV of the last list or watch event processed (A-5)."""
        return self._machine.last_sync_resource_version

    @property
    def counters(self) -> ReflectorCounters:
        """What the reflector did so far."""
        return self._machine.counters()

    def set_watch_error_handler(self, handler: AsyncWatchErrorHandler | None) -> None:
        """Replace the watch error handler (``None``: the default, which logs)."""
        self._handler = handler

    def stop(self) -> None:
        """Stop listing and watching and close an open stream (call from the loop's thread)."""
        self._machine.stop()
        self._wake.set()
        self._tick.set()
        stream = self._stream
        if stream is not None:
            stream.close()

    async def run(self) -> None:
        """List and watch until :meth:`stop`."""
        ticker = asyncio.create_task(self._tick_loop(), name=f"reflector-ticker-{self._name}")
        try:
            while True:
                action = self._machine.next_action(self._clock.now())
                if isinstance(action, OpenWatch):
                    await self._watch(action)
                elif isinstance(action, ListPage):
                    await self._list(action)
                elif isinstance(action, Sleep):
                    self._wake.clear()
                    await self._clock.wait_event(self._wake, action.seconds)
                elif isinstance(action, HandleWatchError):
                    await self._report(action.error)
                else:
                    assert isinstance(action, Stop)
                    return
        finally:
            ticker.cancel()
            await asyncio.wait([ticker])  # unlike awaiting it, never swallows our own cancellation

    async def _list(self, page: ListPage) -> None:
        with paused() if self._gc_freeze else contextlib.nullcontext():  # InformerOptions.gc_freeze
            try:
                result = await self._lw.list(page)
            except Exception as error:
                self._machine.on_error(error, self._clock.now())
            else:
                self._machine.on_list(result, self._clock.now())

    async def _watch(self, request: OpenWatch) -> None:
        machine, clock = self._machine, self._clock
        freezer = PeriodicFreeze() if self._gc_freeze else None
        try:
            async with self._lw.watch(request) as stream:
                self._stream = stream
                machine.on_watch_opened(clock.now())
                self._tick.set()  # the ticker learns the new deadline
                if machine.stopped:
                    return
                async for event in stream:
                    if freezer is not None:
                        freezer.tick()
                    if machine.on_event(event.type, event.object) and not machine.on_watch_tick(
                        clock.now()
                    ):
                        break
        except Exception as error:
            self._stream = None
            machine.on_error(error, clock.now())
            return
        self._stream = None
        machine.on_watch_closed(clock.now())

    async def _report(self, error: BaseException) -> None:
        handler = self._handler
        try:
            if handler is None:
                default_watch_error_handler(error, name=self._name)
            else:
                result = handler(error)
                if asyncio.iscoroutine(result):
                    await result
        except Exception:
            _log.exception("%s: the watch error handler raised", self._name)

    async def _tick_loop(self) -> None:
        machine, clock = self._machine, self._clock
        while True:
            due = machine.watch_tick_due if self._stream is not None else math.inf
            now = clock.now()
            if due > now:
                self._tick.clear()
                await clock.wait_event(self._tick, None if math.isinf(due) else due - now)
                continue
            if not machine.on_watch_tick(now):
                stream, self._stream = self._stream, None
                if stream is not None:
                    stream.close()
