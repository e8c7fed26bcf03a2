"""Fixtures for the end-to-end fault, convergence and chaos tests.

``runtime`` is parametrized over ``threads`` and ``asyncio`` and owns a fresh
:class:`~kinformer.testing.FakeApiServer` (fault knobs such as ``restart`` or ``fail_next``
act on the whole server, so tests never share one). :class:`ReflectorScenario` runs one
reflector over the real HTTP transport with a recording fake clock and lets a test read the
requests it made (``server.state.requests``) and the backoff sleeps it asked for.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from kinformer.cache._reflector import ReflectorOptions
from kinformer.testing import FakeApiServer

from ._chaos import server_view
from ._runtimes import (
    MapStore,
    RecordingClock,
    ReflectorHandle,
    Runtime,
    eventually,
    make_runtime,
    state_of,
)

NS = "faults"


@pytest.fixture
def server() -> Iterator[FakeApiServer]:
    with FakeApiServer() as fake:
        yield fake


@pytest.fixture(params=["threads", "asyncio"])
def runtime(request: pytest.FixtureRequest, server: FakeApiServer) -> Iterator[Runtime]:
    flavour = make_runtime(str(request.param), server)
    try:
        yield flavour
    finally:
        flavour.close()


def configmap(name: str, namespace: str = NS, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "data": {"v": name},
    }


def ensure_namespace(server: FakeApiServer, name: str = NS) -> None:
    server.state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


Request = tuple[str, dict[str, str]]


class ReflectorScenario:
    """One reflector (either runtime) listing and watching the ConfigMaps of :data:`NS`."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        stall_timeout: float | None = None,
        page_size: int = 0,
        after_page: Callable[[Mapping[str, Any]], None] | None = None,
        seed: int = 7,
    ) -> None:
        self.server = runtime.server
        self.clock = RecordingClock()
        self.store = MapStore()
        self.errors: list[BaseException] = []
        self.handle: ReflectorHandle = runtime.reflector(
            self.store,
            clock=self.clock,
            rng=random.Random(seed),
            options=ReflectorOptions(
                name="faults", stall_timeout=stall_timeout, page_size=page_size
            ),
            namespace=NS,
            after_page=after_page,
            on_error=self.errors.append,
        )

    def start(self) -> None:
        self.handle.start()

    def requests(self) -> list[Request]:
        """The reflector's requests so far: ``(verb, query)``, discovery excluded."""
        return [
            (r.verb, dict(r.query))
            for r in self.server.state.requests
            if r.resource == "configmaps" and r.namespace == NS
        ]

    def wait_requests(self, count: int, *, what: str = "requests") -> list[Request]:
        eventually(lambda: len(self.requests()) >= count, what=f"{count} {what}")
        return self.requests()

    def wait_watching(self, count: int) -> list[Request]:
        """Wait for request number ``count`` to be a watch that the server holds open."""
        requests = self.wait_requests(count, what="requests (a watch)")
        assert requests[count - 1][0] == "watch", requests
        eventually(lambda: self.server.http_stats().watches_open >= 1, what="an open watch")
        return requests

    def synced_with_server(self) -> bool:
        want = {k: state_of(o) for k, o in server_view(self.server, None).items()}
        return self.store.states() == {k: v for k, v in want.items() if k.startswith(f"{NS}/")}

    def wait_synced(self) -> None:
        eventually(self.synced_with_server, what="the store to equal the server")

    def skip_sleep(self, number: int) -> float:
        """Wait for backoff sleep number ``number`` (0-based), advance past it; its length."""
        seconds = self.clock.next_sleep(number)
        self.clock.advance(seconds)
        return seconds

    def tick(self, seconds: float, *, or_requests: int | None = None) -> None:
        """Advance the clock; wait until a timer parks on it again (or ``or_requests`` were made).

        With stall detection on, the ticker re-parks after every check, so advancing one check
        period at a time runs exactly one check per call.
        """
        parked = self.clock.wait_count()
        self.clock.advance(seconds)

        def moved() -> bool:
            if or_requests is not None and len(self.requests()) >= or_requests:
                return True
            return self.clock.wait_count() > parked

        eventually(moved, what="the ticker")
