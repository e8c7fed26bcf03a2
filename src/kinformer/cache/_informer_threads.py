"""SharedIndexInformer for threads (client-go ``sharedIndexInformer``; spec D.3 … D.5).

Threads: one reflector (plus its ticker), one process loop popping the queue into
:meth:`InformerCore.handle_deltas`, and one delivery thread per registered handler. All are
daemon threads; :meth:`SharedIndexInformer.stop` joins them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, final

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
from ._listwatch import ListerWatcher
from ._reflector_threads import Reflector

__all__ = ["SharedIndexInformer"]

_log = logging.getLogger("kinformer.informer")


@final
class SharedIndexInformer(InformerBase):
    """Lists and watches one resource into an indexed cache and notifies handlers.

    Contract (client-go's, spec D): the cache converges to the server's state; every handler
    receives, in order, the notifications distributed after each cache update; a slow or
    failing handler delays nobody else; an exception raised by a handler is logged with the
    object's key and that notification is skipped (client-go crashes the process instead,
    D-55). Handlers must not mutate the objects they receive.

    Race warning: :meth:`start` returns before the cache is synced; use :meth:`wait_for_sync`
    (or the factory's ``wait_for_cache_sync``) before trusting the cache.

    Use it as a context manager (``with informer:`` starts it and stops it), or call
    :meth:`start` and :meth:`stop`. A stopped informer cannot be started again (D-33).
    """

    _reflector: Reflector | None

    def __init__(
        self,
        lister_watcher: ListerWatcher,
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
        self._start_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._stop_requested = threading.Event()
        # Registrations made before start: their delivery threads start with the informer.
        self._pending: list[tuple[HandlerRegistration, threading.Event]] = []

    def __enter__(self) -> SharedIndexInformer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def reflector(self) -> Reflector | None:
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
        """Register a handler: an object with ``on_add``/``on_update``/``on_delete``, or functions.

        ``on_add(obj, is_in_initial_list)``, ``on_update(old, new)``, ``on_delete(obj)``;
        ``filter`` applies client-go's filtering transitions (D-70); ``resync_period``
        follows D-41. A handler added after start first receives ``on_add(obj, True)`` for
        every cached object (D-43). Raises ``RuntimeError`` once the informer stopped.
        """
        resolved = as_handler(
            handler, on_add=on_add, on_update=on_update, on_delete=on_delete, filter=filter
        )
        wake = threading.Event()
        with self._start_lock:
            registration = self._core.register(
                resolved,
                resync_period=resync_period,
                now=self._clock.now(),
                waker=_event_waker(wake),
            )
            if self._core.started:
                self._start_thread(self._deliver, registration, wake)
            else:
                self._pending.append((registration, wake))
        return registration

    def start(self) -> None:
        """Start in background threads and return at once (not synced yet!). Idempotent."""
        with self._start_lock:
            if self._core.started or self._core.stopped:
                return
            queue = build_queue(self._options.queue, self._indexer, self._transform)
            self._queue = queue
            self._reflector = Reflector(
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
                self._start_thread(self._deliver, registration, wake)
            self._pending.clear()
            self._start_thread(self._process_loop)
            self._start_thread(self._reflector.run)

    def run(self) -> None:
        """Start, then block until :meth:`stop` is called from another thread."""
        self.start()
        self._stop_requested.wait()

    def stop(self, *, timeout: float | None = 10.0) -> None:
        """Stop everything this informer started and join its threads (D-31, D-56)."""
        with self._start_lock:
            self._stop_requested.set()
            if self._reflector is not None:
                self._reflector.stop(timeout=0)
            if self._queue is not None:
                self._queue.close()
            self._core.stop()
            threads, self._threads = self._threads, []
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def wait_for_sync(self, timeout: float | None = None) -> bool:
        """Block until synced (True), or stopped or ``timeout`` real seconds passed (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.has_synced:
            remaining = None if deadline is None else deadline - time.monotonic()
            if self._core.stopped or (remaining is not None and remaining <= 0):
                return False
            self._stop_requested.wait(0.01 if remaining is None else min(0.01, remaining))
        return True

    def _start_thread(self, target: Callable[..., object], *args: Any) -> None:
        name = f"{self._name}-{getattr(target, '__name__', 'thread').strip('_')}"
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _process_loop(self) -> None:
        """client-go ``processLoop`` (D-2): pop into handle_deltas until the queue closes."""
        queue, process = self._queue, self._core.handle_deltas
        assert queue is not None
        while True:
            try:
                queue.pop(process)
            except FIFOClosedError:
                return
            except Exception:
                _log.exception("%s: processing deltas failed; they are dropped (D-2)", self._name)

    def _deliver(self, registration: HandlerRegistration, wake: threading.Event) -> None:
        """One listener's delivery loop (D-53, D-54): in order, one at a time."""
        handler, take, delivered = registration.handler, registration.take, registration.delivered
        detect_mutations = self._options.detect_mutations
        while True:
            notification = take()
            if notification is None:
                if registration.stopped:
                    return
                wake.wait()
                wake.clear()
                continue
            kind, first, second = notification
            before = snapshot(second if kind == UPDATE else first) if detect_mutations else None
            try:
                if kind == ADD:
                    handler.on_add(first, second)
                elif kind == UPDATE:
                    handler.on_update(first, second)
                else:
                    handler.on_delete(first)
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


def _event_waker(event: threading.Event) -> Callable[[], None]:
    is_set, set_ = event.is_set, event.set

    def wake() -> None:
        if not is_set():
            set_()

    return wake
