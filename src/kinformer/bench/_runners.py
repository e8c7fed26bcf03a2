"""The benchmark's runners: the raw floor, kinformer (threads, asyncio) and the peers.

Each runner lists every pod of the fake API server into a cache keyed by namespace/name,
then keeps that cache up to date from a watch, calling :meth:`Milestones.hit` once per
event *after* the event is in its cache. :meth:`Runner.sync` returns once the cache holds
the initial list; the watch then runs on the runner's own background thread (or event
loop), so the process's main thread is free to answer the harness.

The runners are written the way a user of each library would write them, with that
library's defaults:

* ``floor``: httpx + orjson, the same bytes fetched and decoded in a plain loop (paginated
  list with ``limit=500`` into a dict, then a watch loop splitting lines into the dict);
* ``kinformer_threads`` / ``kinformer_asyncio``: a ``SharedInformerFactory`` pod informer
  with one handler (``on_update`` / ``on_delete``), default options (``gc_freeze=True``);
* ``kinformer_compact``: the threads informer with ``InformerOptions(compact=True)``;
* ``official_informer``: ``kubernetes.informer.SharedInformer`` over
  ``list_pod_for_all_namespaces`` (its own unpaginated list, models, one handler);
* ``official_watch``: the official client's paginated list and ``kubernetes.watch.Watch``
  loop into a dict (models, as the client returns them);
* ``lightkube``: ``Client.list(Pod, chunk_size=500)`` then ``Client.watch(Pod)`` into a dict.

A runner whose library is not installed raises :class:`RunnerUnavailable` from
:meth:`Runner.setup` with a note for the table.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol, final

from ._probe import Milestones

__all__ = [
    "PEERS",
    "RUNNERS",
    "Runner",
    "RunnerUnavailable",
    "Target",
    "make_runner",
]

PAGE_SIZE: Final = 500
"""The floor's and the paginating peers' ``limit``: client-go's pager default (A-16)."""


class RunnerUnavailable(Exception):
    """The runner's library is not installed (the note says what to install)."""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Where the fake API server is and what a runner should find there."""

    url: str
    token: str
    kubeconfig: str
    objects: int
    timeout: float


class Runner(Protocol):
    """One way of keeping a cache of every pod (see the module docstring)."""

    def setup(self, target: Target) -> None:
        """Import the library and build its client (no request yet; the memory baseline)."""

    def sync(self, milestones: Milestones) -> int:
        """List into the cache, start the watch in the background; return the objects cached."""
        ...


def _key(meta: dict[str, Any]) -> str:
    return f"{meta.get('namespace') or ''}/{meta['name']}"


def _wait(event: threading.Event, timeout: float, what: str) -> None:
    if not event.wait(timeout):
        raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")


def _background(target: Callable[[], object], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


@final
class FloorRunner:
    """The raw floor: httpx + orjson, paginated list and a plain watch loop into a dict."""

    def __init__(self) -> None:
        self.cache: dict[str, Any] = {}

    def setup(self, target: Target) -> None:
        import httpx

        self._client = httpx.Client(
            base_url=target.url,
            headers={"Authorization": f"Bearer {target.token}"},
            timeout=httpx.Timeout(target.timeout, read=None),
        )

    def sync(self, milestones: Milestones) -> int:
        import orjson

        loads, cache, client = orjson.loads, self.cache, self._client
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        while True:
            body = loads(client.get("/api/v1/pods", params=params).content)
            for item in body["items"]:
                meta = item["metadata"]
                cache[f"{meta['namespace']}/{meta['name']}"] = item
            token = body["metadata"].get("continue")
            if not token:
                break
            params = {"limit": PAGE_SIZE, "continue": token}
        version = body["metadata"]["resourceVersion"]
        _background(lambda: self._watch(version, milestones), "floor-watch")
        return len(cache)

    def _watch(self, version: str, milestones: Milestones) -> None:
        import orjson

        loads, cache, hit = orjson.loads, self.cache, milestones.hit
        params = {"watch": "1", "resourceVersion": version, "allowWatchBookmarks": "true"}
        with self._client.stream("GET", "/api/v1/pods", params=params) as response:
            tail = b""
            for chunk in response.iter_raw():
                lines = (tail + chunk).split(b"\n")
                tail = lines.pop()
                for line in lines:
                    event = loads(line)
                    kind = event["type"]
                    obj = event["object"]
                    meta = obj["metadata"]
                    if kind == "MODIFIED" or kind == "ADDED":
                        cache[f"{meta['namespace']}/{meta['name']}"] = obj
                    elif kind == "DELETED":
                        cache.pop(f"{meta['namespace']}/{meta['name']}", None)
                    else:
                        continue
                    hit()


@final
class KinformerThreadsRunner:
    """kinformer's threads informer, through the factory, with default options.

    With ``compact=True``: the opt-in compact cache (``InformerOptions(compact=True)``).
    """

    def __init__(self, *, compact: bool = False) -> None:
        self._compact = compact

    def setup(self, target: Target) -> None:
        from kinformer import Client, InformerOptions, SharedInformerFactory

        options = InformerOptions()
        if self._compact:
            if "compact" not in getattr(InformerOptions, "__dataclass_fields__", {}):
                raise RunnerUnavailable("this kinformer has no compact mode")
            options = InformerOptions(compact=True)
        self._timeout = target.timeout
        self._client = Client.from_kubeconfig(target.kubeconfig)
        self._factory = SharedInformerFactory(self._client, informer_options=options)

    def sync(self, milestones: Milestones) -> int:
        informer = self._factory.informer("pods")
        informer.add_event_handler(
            on_update=lambda old, new: milestones.hit(), on_delete=lambda obj: milestones.hit()
        )
        self._factory.start()
        synced = self._factory.wait_for_cache_sync(timeout=self._timeout)
        if not all(synced.values()):
            raise TimeoutError(f"kinformer threads informer did not sync: {synced}")
        return len(informer.indexer)


@final
class KinformerAsyncioRunner:
    """kinformer's asyncio informer (``kinformer.aio``), on an event loop in its own thread."""

    def setup(self, target: Target) -> None:
        from kinformer import aio

        self._aio = aio
        self._target = target
        self._synced = threading.Event()
        self._size = 0
        self._failure: BaseException | None = None

    def sync(self, milestones: Milestones) -> int:
        def run() -> None:
            try:
                asyncio.run(self._main(milestones))
            except BaseException as error:  # reported by sync()
                self._failure = error
                self._synced.set()

        _background(run, "kinformer-asyncio")
        _wait(self._synced, self._target.timeout, "the asyncio informer's sync")
        if self._failure is not None:
            raise self._failure
        return self._size

    async def _main(self, milestones: Milestones) -> None:
        aio = self._aio
        async with aio.Client.from_kubeconfig(self._target.kubeconfig) as client:
            factory = aio.SharedInformerFactory(client)
            informer = await factory.informer("pods")
            informer.add_event_handler(
                on_update=lambda old, new: milestones.hit(),
                on_delete=lambda obj: milestones.hit(),
            )
            async with factory:
                synced = await factory.wait_for_cache_sync(timeout=self._target.timeout)
                if not all(synced.values()):
                    raise TimeoutError(f"kinformer asyncio informer did not sync: {synced}")
                self._size = len(informer.indexer)
                self._synced.set()
                await asyncio.Event().wait()  # until the process exits


def _optional(module: str, note: str) -> Any:
    """An optional peer's module, typed ``Any`` (peers are measured as they are, untyped)."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise RunnerUnavailable(note) from error


def _official_api(target: Target) -> Any:
    note = "the official client is not installed: pip install kubernetes"
    client = _optional("kubernetes.client", note)
    config = _optional("kubernetes.config", note)
    return client.CoreV1Api(config.new_client_from_config(config_file=target.kubeconfig))


@final
class OfficialInformerRunner:
    """``kubernetes.informer.SharedInformer`` (the official client's informer, 2026)."""

    def setup(self, target: Target) -> None:
        self._v1 = _official_api(target)
        informer = _optional(
            "kubernetes.informer",
            "this version of the official client has no kubernetes.informer.SharedInformer",
        )
        self._informer_class = informer.SharedInformer
        self._target = target

    def sync(self, milestones: Milestones) -> int:
        informer = self._informer_class(list_func=self._v1.list_pod_for_all_namespaces)
        synced = threading.Event()
        added = 0
        expected = self._target.objects

        def on_added(obj: Any) -> None:
            nonlocal added
            added += 1
            if added == expected:
                synced.set()

        # It has no has-synced: its initial list fires ADDED once per listed object.
        informer.add_event_handler("ADDED", on_added)
        informer.add_event_handler("MODIFIED", lambda obj: milestones.hit())
        informer.add_event_handler("DELETED", lambda obj: milestones.hit())
        informer.start()
        _wait(synced, self._target.timeout, "the official informer's initial list")
        return len(informer.cache.list())


@final
class OfficialWatchRunner:
    """The official client's paginated list, then a ``kubernetes.watch.Watch`` loop."""

    def __init__(self) -> None:
        self.cache: dict[str, Any] = {}

    def setup(self, target: Target) -> None:
        self._v1 = _official_api(target)
        self._watch_class = _optional("kubernetes.watch", "no kubernetes.watch").Watch

    def sync(self, milestones: Milestones) -> int:
        cache, token = self.cache, None
        while True:
            page = self._v1.list_pod_for_all_namespaces(limit=PAGE_SIZE, _continue=token)
            for pod in page.items:
                cache[f"{pod.metadata.namespace}/{pod.metadata.name}"] = pod
            token = page.metadata._continue
            if not token:
                break
        version = page.metadata.resource_version
        _background(lambda: self._watch(version, milestones), "official-watch")
        return len(cache)

    def _watch(self, version: str, milestones: Milestones) -> None:
        cache, hit = self.cache, milestones.hit
        for event in self._watch_class().stream(
            self._v1.list_pod_for_all_namespaces, resource_version=version
        ):
            pod = event["object"]
            key = f"{pod.metadata.namespace}/{pod.metadata.name}"
            if event["type"] == "DELETED":
                cache.pop(key, None)
            elif event["type"] in ("ADDED", "MODIFIED"):
                cache[key] = pod
            else:
                continue
            hit()


@final
class LightkubeRunner:
    """lightkube: ``Client.list(Pod, chunk_size=500)`` then ``Client.watch(Pod)`` into a dict."""

    def __init__(self) -> None:
        self.cache: dict[str, Any] = {}

    def setup(self, target: Target) -> None:
        note = "lightkube is not installed: pip install lightkube"
        lightkube = _optional("lightkube", note)
        self._lightkube = lightkube
        self._pod = _optional("lightkube.resources.core_v1", note).Pod
        self._client = lightkube.Client(
            lightkube.KubeConfig.from_file(target.kubeconfig), trust_env=False
        )

    def sync(self, milestones: Milestones) -> int:
        everywhere = self._lightkube.ALL_NS
        listing = self._client.list(self._pod, namespace=everywhere, chunk_size=PAGE_SIZE)
        cache = self.cache
        for pod in listing:
            cache[f"{pod.metadata.namespace}/{pod.metadata.name}"] = pod
        version = listing.resourceVersion
        _background(lambda: self._watch(version, milestones), "lightkube-watch")
        return len(cache)

    def _watch(self, version: str, milestones: Milestones) -> None:
        cache, hit = self.cache, milestones.hit
        events = self._client.watch(
            self._pod, namespace=self._lightkube.ALL_NS, resource_version=version
        )
        for kind, pod in events:
            key = f"{pod.metadata.namespace}/{pod.metadata.name}"
            if kind == "DELETED":
                cache.pop(key, None)
            else:
                cache[key] = pod
            hit()


@final
class WireRunner:
    """Not a client: reads the bytes the floor reads without decoding them (server headroom).

    Its list reads the same pages as the floor (``limit=500``), finding the continue token
    and counting the pods with byte searches; its watch counts lines. Its figures are what
    the fake API server can deliver: every real runner must stay well below them, else the
    server would be the bottleneck.
    """

    def setup(self, target: Target) -> None:
        import httpx

        self._client = httpx.Client(
            base_url=target.url,
            headers={"Authorization": f"Bearer {target.token}"},
            timeout=httpx.Timeout(target.timeout, read=None),
        )

    def sync(self, milestones: Milestones) -> int:
        import re

        # The list's own metadata comes first: its resourceVersion and continue token.
        continue_token = re.compile(rb'"continue":"([^"]+)"')
        list_version = re.compile(rb'"resourceVersion":"(\d+)"')
        count, params = 0, {"limit": str(PAGE_SIZE)}
        while True:
            page = self._client.get("/api/v1/pods", params=params).content
            head = page[: page.find(b'"items"')]
            # Every pod has exactly one resourceVersion (in its metadata); so has the list.
            count += page.count(b'"resourceVersion":') - 1
            found = continue_token.search(head)
            if found is None:
                break
            params = {"limit": str(PAGE_SIZE), "continue": found.group(1).decode()}
        version = list_version.search(head)
        if version is None:  # pragma: no cover - the server always sends one
            raise RuntimeError("no resourceVersion in the list")
        _background(lambda: self._watch(version.group(1).decode(), milestones), "wire-watch")
        return count

    def _watch(self, version: str, milestones: Milestones) -> None:
        hit = milestones.hit
        params = {"watch": "1", "resourceVersion": version}
        with self._client.stream("GET", "/api/v1/pods", params=params) as response:
            for chunk in response.iter_raw():
                for _ in range(chunk.count(b"\n")):
                    hit()


RUNNERS: Final[dict[str, tuple[str, Callable[[], Runner]]]] = {
    "floor": ("raw floor (httpx + orjson, dict)", FloorRunner),
    "kinformer_threads": ("kinformer, threads", KinformerThreadsRunner),
    "kinformer_asyncio": ("kinformer, asyncio", KinformerAsyncioRunner),
    "kinformer_compact": (
        "kinformer, threads, compact cache",
        lambda: KinformerThreadsRunner(compact=True),
    ),
    "official_informer": ("official client SharedInformer", OfficialInformerRunner),
    "official_watch": ("official client list + Watch loop", OfficialWatchRunner),
    "lightkube": ("lightkube list + watch", LightkubeRunner),
    "wire": ("(server headroom: the same bytes read, not decoded)", WireRunner),
}
"""Runner name -> (label for the table, factory), in the order they run and print."""

PEERS: Final = frozenset({"official_informer", "official_watch", "lightkube"})
"""Runners whose library is optional (the ``bench`` extra)."""


def make_runner(name: str) -> Runner:
    """A new runner by name (raises ``KeyError`` for an unknown one)."""
    return RUNNERS[name][1]()
