"""Run the same informer scenarios on both runtimes against the fake API server.

``env`` is parametrized over ``threads`` and ``asyncio``. The asyncio flavour runs an event
loop in a background thread and submits coroutines to it, so that every test body reads the
same, synchronously. Handlers are plain functions appending to lists.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from kinformer import Client, SharedInformerFactory
from kinformer.aio import Client as AsyncClient, SharedInformerFactory as AsyncSharedInformerFactory
from kinformer.testing import FakeApiServer

T = TypeVar("T")


def eventually(
    condition: Callable[[], object], *, timeout: float = 10.0, what: str = "condition"
) -> None:
    """Poll ``condition`` until true; fail after ``timeout`` real seconds (never passes silently)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.005)


class ThreadsEnv:
    name = "threads"

    def __init__(self, server: FakeApiServer) -> None:
        self.server = server
        self.client = Client.from_kubeconfig(server.kubeconfig_path)
        self.factories: list[Any] = []

    def factory(self, **options: Any) -> Any:
        factory = SharedInformerFactory(self.client, **options)
        self.factories.append(factory)
        return factory

    def informer(self, factory: Any, resource: str, **options: Any) -> Any:
        return factory.informer(resource, **options)

    def start(self, factory: Any) -> None:
        factory.start()

    def sync(self, factory: Any, timeout: float = 10.0) -> dict[str, bool]:
        result: dict[str, bool] = factory.wait_for_cache_sync(timeout)
        return result

    def stop_informer(self, informer: Any) -> None:
        informer.stop()

    def call(self, fn: Callable[[], T]) -> T:
        return fn()

    def close(self) -> None:
        for factory in self.factories:
            factory.shutdown()
        self.client.close()


class AsyncioEnv:
    name = "asyncio"

    def __init__(self, server: FakeApiServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = self.run(self._client())
        self.factories: list[Any] = []

    async def _client(self) -> AsyncClient:
        return AsyncClient.from_kubeconfig(self.server.kubeconfig_path)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, fn: Callable[[], T]) -> T:
        async def call() -> T:
            return fn()

        return self.run(call())

    def factory(self, **options: Any) -> Any:
        async def make() -> Any:
            return AsyncSharedInformerFactory(self.client, **options)

        factory = self.run(make())
        self.factories.append(factory)
        return factory

    def informer(self, factory: Any, resource: str, **options: Any) -> Any:
        return self.run(factory.informer(resource, **options))

    def start(self, factory: Any) -> None:
        self.run(factory.start())

    def sync(self, factory: Any, timeout: float = 10.0) -> dict[str, bool]:
        result: dict[str, bool] = self.run(factory.wait_for_cache_sync(timeout))
        return result

    def stop_informer(self, informer: Any) -> None:
        self.run(informer.stop())

    def close(self) -> None:
        for factory in self.factories:
            self.run(factory.shutdown())
        self.run(self.client.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeApiServer]:
    with FakeApiServer() as fake:
        yield fake


@pytest.fixture(params=["threads", "asyncio"])
def env(request: pytest.FixtureRequest, server: FakeApiServer) -> Iterator[ThreadsEnv | AsyncioEnv]:
    flavor = ThreadsEnv(server) if request.param == "threads" else AsyncioEnv(server)
    try:
        yield flavor
    finally:
        flavor.close()


class Recorder:
    """A thread-safe handler that records ``(kind, name, detail)`` tuples."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self._lock = threading.Lock()

    def on_add(self, obj: Any, is_in_initial_list: bool) -> None:
        with self._lock:
            self.calls.append(("add", obj["metadata"]["name"], is_in_initial_list))

    def on_update(self, old: Any, new: Any) -> None:
        with self._lock:
            self.calls.append(
                (
                    "update",
                    new["metadata"]["name"],
                    (old["metadata"]["resourceVersion"], new["metadata"]["resourceVersion"]),
                )
            )

    def on_delete(self, obj: Any) -> None:
        key = getattr(obj, "key", None)
        name = key.rsplit("/", 1)[-1] if key else obj["metadata"]["name"]
        with self._lock:
            self.calls.append(("delete", name, "tombstone" if key else "final"))

    def names(self, kind: str) -> list[str]:
        with self._lock:
            return sorted(name for k, name, _ in self.calls if k == kind)
