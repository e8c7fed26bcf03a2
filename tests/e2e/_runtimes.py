"""Runtimes and recorders for the end-to-end tests (and ``scripts/chaos``).

* :class:`ThreadsRuntime` / :class:`AsyncioRuntime` build a reflector or an informer over the
  real HTTP transport against a :class:`~kinformer.testing.FakeApiServer` (or a real cluster's
  kubeconfig), with a :class:`RecordingClock` (a :class:`~kinformer.testing._clock.FakeClock`
  that remembers every timed wait) and a seeded ``random.Random``; the asyncio flavour runs
  its loop in a thread so that test bodies read the same for both.
* :class:`MapStore` is a plain reflector store; :class:`Recorder` records, per object key,
  what a handler saw; :class:`HandlerErrorLog` counts the handler exceptions the informer logs.
* :func:`measure_outage` counts an informer's requests during an outage (issue 8, item 2).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from kinformer._clock import Clock
from kinformer._errors import KinformerError
from kinformer._objects import DeletedFinalStateUnknown
from kinformer.cache._informer_asyncio import AsyncSharedIndexInformer
from kinformer.cache._informer_options import InformerOptions
from kinformer.cache._informer_threads import SharedIndexInformer
from kinformer.cache._reflector import ListPage, OpenWatch, ReflectorOptions
from kinformer.cache._reflector_asyncio import AsyncReflector
from kinformer.cache._reflector_threads import Reflector
from kinformer.informers._listwatch import (
    AsyncHTTPListerWatcher,
    HTTPListerWatcher,
    ListWatchScope,
)
from kinformer.testing._clock import FakeClock
from kinformer.transport import AsyncClient, Client

T = TypeVar("T")
State = tuple[str, str]
"""An object state's identity: ``(uid, resourceVersion)``; unique even when RVs go backwards."""

RUNTIMES = ("threads", "asyncio")
QUEUES = ("delta_fifo", "in_order")


def eventually(
    condition: Callable[[], object], *, timeout: float = 5.0, what: str = "condition"
) -> None:
    """Poll ``condition`` (real time) until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.002)


def key_of(obj: Any) -> str:
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    meta = obj["metadata"]
    namespace = meta.get("namespace")
    return f"{namespace}/{meta['name']}" if namespace else str(meta["name"])


def state_of(obj: Any) -> State:
    meta = obj["metadata"]
    return (str(meta.get("uid", "")), str(meta.get("resourceVersion", "")))


# ============================================================================== the clock


class RecordingClock:
    """A :class:`FakeClock` that also records the timeout of every timed wait.

    The drivers wait on the clock only for backoff sleeps, resync and stall ticks; with stall
    detection off and no resync, every recorded wait is a backoff sleep (A-6, A-8), so a test
    can advance exactly to the end of each one.
    """

    def __init__(self, *, start: float = 1000.0) -> None:
        self.fake = FakeClock(start=start)
        self._lock = threading.Lock()
        self.waits: list[float] = []

    def now(self) -> float:
        return self.fake.now()

    def advance(self, seconds: float) -> None:
        self.fake.advance(seconds)

    @property
    def waiters(self) -> int:
        return self.fake.waiters

    def _note(self, timeout: float | None) -> None:
        if timeout is not None and timeout > 0:
            with self._lock:
                self.waits.append(timeout)

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        self._note(timeout)
        self.fake.wait(condition, timeout)

    async def wait_event(self, event: asyncio.Event, timeout: float | None) -> bool:
        if not event.is_set():
            self._note(timeout)
        return await self.fake.wait_event(event, timeout)

    def wait_count(self) -> int:
        with self._lock:
            return len(self.waits)

    def next_sleep(self, after: int, *, timeout: float = 5.0) -> float:
        """Block (real time) until wait number ``after`` (0-based) is registered; its timeout.

        Also waits until the waiter is really parked on the fake clock, so that an
        ``advance`` cannot slip in before it.
        """
        eventually(lambda: self.wait_count() > after, timeout=timeout, what=f"sleep #{after}")
        self.fake.block_until_waiters(1, timeout=timeout)
        with self._lock:
            return self.waits[after]


# ============================================================================== stores, handlers


class MapStore:
    """A ``ReflectorStore`` that keeps the latest object per key (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: dict[str, Any] = {}
        self.calls: Counter[str] = Counter()

    def add(self, obj: Any) -> None:
        with self._lock:
            self.calls["add"] += 1
            self.items[key_of(obj)] = obj

    def update(self, obj: Any) -> None:
        with self._lock:
            self.calls["update"] += 1
            self.items[key_of(obj)] = obj

    def delete(self, obj: Any) -> None:
        with self._lock:
            self.calls["delete"] += 1
            self.items.pop(key_of(obj), None)

    def replace(self, objects: list[Any], resource_version: str) -> None:
        with self._lock:
            self.calls["replace"] += 1
            self.items = {key_of(o): o for o in objects}

    def resync(self) -> None:
        with self._lock:
            self.calls["resync"] += 1

    def states(self) -> dict[str, State]:
        with self._lock:
            return {k: state_of(o) for k, o in self.items.items()}


Event = tuple[str, State | None]
"""What a handler saw for one key: ``("add" | "update", state)`` or ``("delete", state | None)``."""


class Recorder:
    """A handler that records, per key, every notification (thread-safe).

    With ``raise_one_in`` > 0 it raises ``RuntimeError`` after recording, for the
    notifications whose state hashes to 0 modulo that number (a handler bug on purpose): the
    informer must log each one and keep delivering (D-55 as kinformer does it).
    """

    def __init__(self, name: str, *, raise_one_in: int = 0) -> None:
        self.name = name
        self._raise_one_in = raise_one_in
        self._lock = threading.Lock()
        self.events: dict[str, list[Event]] = {}
        self.raised = 0

    def __repr__(self) -> str:
        return f"<Recorder {self.name}>"

    def _record(self, key: str, event: Event) -> None:
        with self._lock:
            self.events.setdefault(key, []).append(event)
            boom = (
                self._raise_one_in > 0
                and event[1] is not None
                and sum(map(ord, f"{key}{event[1][1]}")) % self._raise_one_in == 0
            )
            if boom:
                self.raised += 1
        if boom:
            raise RuntimeError(f"chaos handler {self.name} fails on purpose on {key}")

    def on_add(self, obj: Any, is_in_initial_list: bool) -> None:
        self._record(key_of(obj), ("add", state_of(obj)))

    def on_update(self, old: Any, new: Any) -> None:
        self._record(key_of(new), ("update", state_of(new)))

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self._record(obj.key, ("delete", None if obj.obj is None else state_of(obj.obj)))
        else:
            self._record(key_of(obj), ("delete", state_of(obj)))

    def snapshot(self) -> dict[str, list[Event]]:
        with self._lock:
            return {k: list(v) for k, v in self.events.items()}

    def raised_count(self) -> int:
        with self._lock:
            return self.raised


class HandlerErrorLog(logging.Handler):
    """Counts the informer's "handler ... raised" log records (attach with ``with``)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self._lock2 = threading.Lock()
        self.count = 0
        self._logger = logging.getLogger("kinformer.informer")

    def emit(self, record: logging.LogRecord) -> None:
        if "raised" in record.getMessage() and "fails on purpose" in str(record.exc_info):
            with self._lock2:
                self.count += 1

    def __enter__(self) -> HandlerErrorLog:
        self._saved_level = self._logger.level
        if self._logger.getEffectiveLevel() > logging.ERROR:
            self._logger.setLevel(logging.ERROR)  # the records must exist to be counted
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._saved_level)


# ============================================================================== runtimes


class _PagingHook:
    """Calls ``after_page(page)`` after every list page (to expire a continue token, A-18)."""

    def __init__(self, after_page: Callable[[Mapping[str, Any]], None] | None) -> None:
        self.after_page = after_page

    def fire(self, page: Mapping[str, Any]) -> None:
        if self.after_page is not None:
            self.after_page(page)


class _HookedLW:
    def __init__(self, inner: HTTPListerWatcher, hook: _PagingHook) -> None:
        self._inner = inner
        self._hook = hook

    def list(self, page: ListPage) -> Mapping[str, Any]:
        result = self._inner.list(page)
        self._hook.fire(result)
        return result

    @contextmanager
    def watch(self, request: OpenWatch) -> Iterator[Any]:
        with self._inner.watch(request) as stream:
            yield stream


class _AsyncHookedLW:
    def __init__(self, inner: AsyncHTTPListerWatcher, hook: _PagingHook) -> None:
        self._inner = inner
        self._hook = hook

    async def list(self, page: ListPage) -> Mapping[str, Any]:
        result = await self._inner.list(page)
        await asyncio.to_thread(self._hook.fire, result)
        return result

    @asynccontextmanager
    async def watch(self, request: OpenWatch) -> AsyncIterator[Any]:
        async with self._inner.watch(request) as stream:
            yield stream


@dataclass
class ReflectorHandle:
    """A running reflector of either flavour, driven from the test thread."""

    reflector: Reflector | AsyncReflector
    start: Callable[[], None]
    stop: Callable[[], None]

    @property
    def last_sync_resource_version(self) -> str:
        return self.reflector.last_sync_resource_version


@dataclass
class InformerHandle:
    """An informer of either flavour, driven from the test thread."""

    informer: SharedIndexInformer | AsyncSharedIndexInformer
    add_handler: Callable[[Recorder], None]
    start: Callable[[], None]
    stop: Callable[[], None]
    label_selector: str | None = None

    def cache(self) -> dict[str, Any]:
        return {key_of(o): o for o in self.informer.indexer.list()}

    def streaming(self) -> bool:
        """Whether the reflector holds an open watch stream (its driver's private state)."""
        reflector = self.informer.reflector
        return reflector is not None and getattr(reflector, "_stream", None) is not None

    def cache_states(self) -> dict[str, State]:
        return {k: state_of(o) for k, o in self.cache().items()}


def _scope(resource: Any, namespace: str | None, label_selector: str | None) -> ListWatchScope:
    return ListWatchScope(resource=resource, namespace=namespace, label_selector=label_selector)


class Target(Protocol):
    """Where a runtime connects: a FakeApiServer, or a real cluster's kubeconfig."""

    @property
    def kubeconfig_path(self) -> Any: ...


class ThreadsRuntime:
    name = "threads"

    def __init__(self, server: Any) -> None:
        self.server = server
        self.client = Client.from_kubeconfig(server.kubeconfig_path)
        self._resource = self.client.resolve("configmaps")
        self._stops: list[Callable[[], None]] = []

    def reflector(
        self,
        store: MapStore,
        *,
        clock: RecordingClock | Clock,
        rng: random.Random,
        options: ReflectorOptions,
        namespace: str | None = None,
        after_page: Callable[[Mapping[str, Any]], None] | None = None,
        on_error: Callable[[BaseException], object] | None = None,
    ) -> ReflectorHandle:
        lw = _HookedLW(
            HTTPListerWatcher(self.client, _scope(self._resource, namespace, None)),
            _PagingHook(after_page),
        )
        reflector = Reflector(
            lw, store, options=options, clock=clock, rng=rng, watch_error_handler=on_error
        )
        stop = reflector.stop
        self._stops.append(stop)
        return ReflectorHandle(reflector, reflector.start, stop)

    def informer(
        self,
        *,
        clock: RecordingClock | Clock,
        rng: random.Random,
        options: InformerOptions,
        namespace: str | None = None,
        label_selector: str | None = None,
        name: str = "configmaps",
    ) -> InformerHandle:
        informer = SharedIndexInformer(
            HTTPListerWatcher(self.client, _scope(self._resource, namespace, label_selector)),
            options=options,
            name=name,
            resource="configmap",
            clock=clock,
            rng=rng,
        )
        self._stops.append(informer.stop)

        def add_handler(recorder: Recorder) -> None:
            informer.add_event_handler(recorder)

        return InformerHandle(informer, add_handler, informer.start, informer.stop, label_selector)

    def probe(self) -> bool:
        """One request through the shared client (drains a pooled connection the server reset)."""
        try:
            self.client.list(self._resource, namespace="kube-system")
        except KinformerError:
            return False
        return True

    def close(self) -> None:
        for stop in reversed(self._stops):
            stop()
        self.client.close()


class AsyncioRuntime:
    name = "asyncio"

    def __init__(self, server: Any) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = self.run(self._client())
        self._resource = self.run(self.client.resolve("configmaps"))
        self._stops: list[Callable[[], Coroutine[Any, Any, None]]] = []

    async def _client(self) -> AsyncClient:
        return AsyncClient.from_kubeconfig(self.server.kubeconfig_path)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def reflector(
        self,
        store: MapStore,
        *,
        clock: RecordingClock | Clock,
        rng: random.Random,
        options: ReflectorOptions,
        namespace: str | None = None,
        after_page: Callable[[Mapping[str, Any]], None] | None = None,
        on_error: Callable[[BaseException], object] | None = None,
    ) -> ReflectorHandle:
        lw = _AsyncHookedLW(
            AsyncHTTPListerWatcher(self.client, _scope(self._resource, namespace, None)),
            _PagingHook(after_page),
        )

        async def make() -> AsyncReflector:
            return AsyncReflector(
                lw, store, options=options, clock=clock, rng=rng, watch_error_handler=on_error
            )

        reflector = self.run(make())
        task: list[concurrent.futures.Future[None]] = []

        def start() -> None:
            task.append(asyncio.run_coroutine_threadsafe(reflector.run(), self.loop))

        async def stop_async() -> None:
            reflector.stop()
            if task:
                await asyncio.wrap_future(task[0])

        def stop() -> None:
            self.run(stop_async())

        self._stops.append(stop_async)
        return ReflectorHandle(reflector, start, stop)

    def informer(
        self,
        *,
        clock: RecordingClock | Clock,
        rng: random.Random,
        options: InformerOptions,
        namespace: str | None = None,
        label_selector: str | None = None,
        name: str = "configmaps",
    ) -> InformerHandle:
        async def make() -> AsyncSharedIndexInformer:
            return AsyncSharedIndexInformer(
                AsyncHTTPListerWatcher(
                    self.client, _scope(self._resource, namespace, label_selector)
                ),
                options=options,
                name=name,
                resource="configmap",
                clock=clock,
                rng=rng,
            )

        informer = self.run(make())
        self._stops.append(informer.stop)

        def add_handler(recorder: Recorder) -> None:
            async def add() -> None:
                informer.add_event_handler(recorder)

            self.run(add())

        return InformerHandle(
            informer,
            add_handler,
            lambda: self.run(informer.start()),
            lambda: self.run(informer.stop()),
            label_selector,
        )

    def probe(self) -> bool:
        """One request through the shared client (drains a pooled connection the server reset)."""

        async def probe() -> bool:
            try:
                await self.client.list(self._resource, namespace="kube-system")
            except KinformerError:
                return False
            return True

        return self.run(probe())

    def close(self) -> None:
        for stop in reversed(self._stops):
            self.run(stop())
        self.run(self.client.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


Runtime = ThreadsRuntime | AsyncioRuntime


def make_runtime(name: str, server: Any) -> Runtime:
    """A runtime for ``server``: a FakeApiServer, or any :class:`Target` (fault knobs and
    ``server.state`` are then unavailable)."""
    if name == "threads":
        return ThreadsRuntime(server)
    if name == "asyncio":
        return AsyncioRuntime(server)
    raise ValueError(f"unknown runtime {name!r}")


def measure_outage(runtime: Runtime, code: int, *, seconds: float = 60.0) -> list[float]:
    """Start an informer during an outage (every list and watch answers ``code``, with
    ``Retry-After: 5`` for 429) and play ``seconds`` of fake time, skipping each backoff sleep
    exactly; return the sleeps taken. The requests are in ``runtime.server.state.requests``.
    """
    server = runtime.server
    if "faults" not in {ns["metadata"]["name"] for ns in server.state.list("v1", "Namespace")}:
        server.state.create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "faults"}}
        )
    retry_after = 5 if code == 429 else None
    server.fail_next("list", 10_000, code=code, retry_after=retry_after)
    server.fail_next("watch", 10_000, code=code, retry_after=retry_after)
    clock = RecordingClock()
    handle = runtime.informer(
        clock=clock,
        rng=random.Random(2026),
        options=InformerOptions(stall_timeout=None, gc_freeze=False),
        namespace="faults",
    )
    handle.start()
    elapsed, sleeps = 0.0, list[float]()
    while True:
        sleep = clock.next_sleep(len(sleeps))
        if elapsed + sleep > seconds:
            break
        sleeps.append(sleep)
        clock.advance(sleep)
        elapsed += sleep
    handle.stop()
    return sleeps
