"""The Reflector for threads: the I/O around :class:`~kinformer.cache._reflector.ReflectorMachine`.

client-go ``Reflector.Run``. One thread runs :meth:`Reflector.run` (list, watch, sleep, as the
machine says); while a stream is open a ticker thread calls ``on_watch_tick`` when the machine
asks (resync, stall detection) and closes a stream the machine gives up on. ``self._cond``
guards the machine and the open stream; every timed wait goes through the injected clock.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import threading
from collections.abc import Callable
from typing import final

from .._clock import Clock, RealClock
from ._gc import PeriodicFreeze, paused
from ._listwatch import ListerWatcher, WatchStream
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

__all__ = ["Reflector", "WatchErrorHandler"]

_log = logging.getLogger("kinformer.reflector")

WatchErrorHandler = Callable[[BaseException], object]


@final
class Reflector:
    """Lists and watches one resource into a store until :meth:`stop` (spec section A).

    ``run()`` blocks; run it in a thread of your own or use :meth:`start`. The watch error
    handler (default: log) receives list failures and non-retriable watch-open failures only
    (A-34); it must not block for long.
    """

    def __init__(
        self,
        lister_watcher: ListerWatcher,
        store: ReflectorStore,
        *,
        options: ReflectorOptions | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        gc_freeze: bool = False,
        watch_error_handler: WatchErrorHandler | None = None,
    ) -> None:
        self._clock: Clock = clock if clock is not None else RealClock()
        self._lw = lister_watcher
        self._machine = ReflectorMachine(store, now=self._clock.now(), options=options, rng=rng)
        self._name = (options or ReflectorOptions()).name
        self._handler = watch_error_handler
        self._gc_freeze = gc_freeze
        self._cond = threading.Condition()
        self._stream: WatchStream | None = None
        self._thread: threading.Thread | None = None
        self._done = False

    def __repr__(self) -> str:
        return f"<Reflector {self._name} rv={self.last_sync_resource_version!r}>"

    @property
    def last_sync_resource_version(self) -> str:
        """The RV of the last list or watch event processed (A-5)."""
        return self._machine.last_sync_resource_version

    @property
    def counters(self) -> ReflectorCounters:
        """What the reflector did so far."""
        with self._cond:
            return self._machine.counters()

    def set_watch_error_handler(self, handler: WatchErrorHandler | None) -> None:
        """Replace the watch error handler (``None``: the default, which logs)."""
        self._handler = handler

    def start(self) -> None:
        """Run in a daemon thread of its own."""
        self._thread = threading.Thread(
            target=self.run, name=f"reflector-{self._name}", daemon=True
        )
        self._thread.start()

    def stop(self, *, timeout: float | None = None) -> None:
        """Stop listing and watching; close an open stream; join :meth:`start`'s thread."""
        with self._cond:
            self._machine.stop()
            stream = self._stream
            self._cond.notify_all()
        if stream is not None:
            stream.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run(self) -> None:
        """List and watch until :meth:`stop`; returns then."""
        ticker = threading.Thread(
            target=self._tick_loop, name=f"reflector-ticker-{self._name}", daemon=True
        )
        ticker.start()
        try:
            while True:
                with self._cond:
                    action = self._machine.next_action(self._clock.now())
                if isinstance(action, OpenWatch):
                    self._watch(action)
                elif isinstance(action, ListPage):
                    self._list(action)
                elif isinstance(action, Sleep):
                    self._sleep(action.seconds)
                elif isinstance(action, HandleWatchError):
                    self._report(action.error)
                else:
                    assert isinstance(action, Stop)
                    return
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()
            ticker.join()

    # --------------------------------------------------------------------------- steps

    def _list(self, page: ListPage) -> None:
        with paused() if self._gc_freeze else contextlib.nullcontext():  # InformerOptions.gc_freeze
            try:
                result = self._lw.list(page)
            except Exception as error:  # every failure is the machine's to classify
                with self._cond:
                    self._machine.on_error(error, self._clock.now())
            else:
                with self._cond:
                    self._machine.on_list(result, self._clock.now())

    def _watch(self, request: OpenWatch) -> None:
        machine, cond, clock = self._machine, self._cond, self._clock
        freezer = PeriodicFreeze() if self._gc_freeze else None
        try:
            with self._lw.watch(request) as stream:
                with cond:
                    self._stream = stream
                    machine.on_watch_opened(clock.now())
                    cond.notify_all()  # the ticker learns the new deadline
                    if machine.stopped:
                        return
                for event in stream:
                    if freezer is not None:
                        freezer.tick()
                    with cond:
                        if machine.on_event(event.type, event.object) and not machine.on_watch_tick(
                            clock.now()
                        ):
                            break
        except Exception as error:
            with cond:
                self._stream = None
                machine.on_error(error, clock.now())
            return
        with cond:
            self._stream = None
            machine.on_watch_closed(clock.now())

    def _sleep(self, seconds: float) -> None:
        with self._cond:
            deadline = self._clock.now() + seconds
            while not self._machine.stopped:
                remaining = deadline - self._clock.now()
                if remaining <= 0:
                    return
                self._clock.wait(self._cond, remaining)

    def _report(self, error: BaseException) -> None:
        handler = self._handler
        try:
            if handler is None:
                default_watch_error_handler(error, name=self._name)
            else:
                handler(error)
        except Exception:
            _log.exception("%s: the watch error handler raised", self._name)

    def _tick_loop(self) -> None:
        """Call ``on_watch_tick`` when due while a stream is open; close it when told to."""
        machine, cond, clock = self._machine, self._cond, self._clock
        with cond:
            while not self._done:
                due = machine.watch_tick_due if self._stream is not None else math.inf
                now = clock.now()
                if due > now:
                    clock.wait(cond, None if math.isinf(due) else due - now)
                    continue
                if not machine.on_watch_tick(now):
                    stream, self._stream = self._stream, None
                    if stream is not None:
                        cond.release()  # never close a stream while holding the machine's lock
                        try:
                            stream.close()
                        finally:
                            cond.acquire()
