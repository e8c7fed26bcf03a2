"""The compact cache mode end to end, both runtimes, against the fake API server (issue 7).

``InformerOptions(compact=True)`` keeps the informer's cache as JSON bytes: everything a user
can observe (notifications, listers, indexes) must be as in the default mode, except that every
read is a new object, so a handler that mutates its object cannot change the cache.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from kinformer.cache._codec import JSONCodec
from kinformer.cache._informer_asyncio import AsyncSharedIndexInformer
from kinformer.cache._informer_options import InformerOptions
from kinformer.cache._informer_threads import SharedIndexInformer
from kinformer.informers._listwatch import (
    AsyncHTTPListerWatcher,
    HTTPListerWatcher,
    ListWatchScope,
)
from kinformer.testing import FakeApiServer

from .conftest import AsyncioEnv, Recorder, ThreadsEnv, eventually

Env = ThreadsEnv | AsyncioEnv
COMPACT = InformerOptions(compact=True)


def new_namespace(server: FakeApiServer) -> str:
    name = f"c-{uuid.uuid4().hex[:8]}"
    server.state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def configmap(ns: str, name: str, app: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
        "data": {"v": "1", "text": "ünïcödé ✓", "nested": '{"a": [1, 2.5]}'},
    }


def by_app(obj: dict[str, Any]) -> list[str]:
    app = obj["metadata"].get("labels", {}).get("app")
    return [] if app is None else [app]


class Vandal:
    """A handler that mutates every object it is given (which client-go forbids, D-57)."""

    def __init__(self) -> None:
        self.seen = 0

    def _spoil(self, obj: Any) -> None:
        if isinstance(obj, dict):
            obj["metadata"].setdefault("labels", {})["app"] = "hacked"
            obj.setdefault("data", {})["v"] = "hacked"
            self.seen += 1

    def on_add(self, obj: Any, is_in_initial_list: bool) -> None:
        self._spoil(obj)

    def on_update(self, old: Any, new: Any) -> None:
        self._spoil(old)
        self._spoil(new)

    def on_delete(self, obj: Any) -> None:
        self._spoil(obj)


def server_names(server: FakeApiServer, ns: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in server.state.list("v1", "ConfigMap", ns))


def cache(informer: Any, ns: str) -> dict[str, dict[str, Any]]:
    """The informer's objects by name, through its lister."""
    return {o["metadata"]["name"]: o for o in informer.lister.namespaced(ns).list()}


def caught_up(informer: Any, server: FakeApiServer, ns: str) -> bool:
    """The cache holds the server's objects at their current resource versions."""
    rvs = {
        o["metadata"]["name"]: o["metadata"]["resourceVersion"]
        for o in server.state.list("v1", "ConfigMap", ns)
    }
    return {n: o["metadata"]["resourceVersion"] for n, o in cache(informer, ns).items()} == rvs


def assert_same_cache(compact: Any, plain: Any, server: FakeApiServer, ns: str) -> None:
    """Both informers caught up with the server; the compact one answers equal dicts."""
    eventually(lambda: caught_up(compact, server, ns), what="the compact informer")
    eventually(lambda: caught_up(plain, server, ns), what="the default informer")
    expected = cache(plain, ns)
    assert cache(compact, ns) == expected
    assert sorted(expected) == server_names(server, ns)
    for name, obj in expected.items():
        assert compact.lister.namespaced(ns).get(name) == obj
        assert compact.indexer.get_by_key(f"{ns}/{name}") == obj
        assert compact.indexer.by_index("namespace", ns) == plain.indexer.by_index("namespace", ns)


def test_compact_informer_lists_watches_and_isolates_handlers(env: Env) -> None:
    server = env.server
    ns = new_namespace(server)
    server.state.create(configmap(ns, "a", "web"))
    server.state.create(configmap(ns, "b", "db"))
    factory = env.factory(namespace=ns, informer_options=COMPACT)
    informer = env.informer(factory, "configmaps")
    plain_factory = env.factory(namespace=ns)
    plain = env.informer(plain_factory, "configmaps")
    for each in (informer, plain):
        env.call(lambda each=each: each.add_indexers({"app": by_app}))
    recorder, vandal = Recorder(), Vandal()
    env.call(lambda: informer.add_event_handler(vandal))
    registration = env.call(lambda: informer.add_event_handler(recorder))
    env.start(factory)
    env.start(plain_factory)
    assert env.sync(factory) == {"configmaps": True}
    assert env.sync(plain_factory) == {"configmaps": True}
    eventually(lambda: registration.has_synced, what="registration synced")
    assert isinstance(informer.indexer.codec, JSONCodec)
    assert plain.indexer.codec is None
    # (the fake server, like a real one, also publishes kube-root-ca.crt in each namespace)
    assert sorted(recorder.calls) == [
        ("add", "a", True),
        ("add", "b", True),
        ("add", "kube-root-ca.crt", True),
    ]
    assert_same_cache(informer, plain, server, ns)

    # Watched: an add, an update that moves "a" to another index value, a delete.
    server.state.create(configmap(ns, "c", "web"))
    server.state.patch("v1", "ConfigMap", "a", {"metadata": {"labels": {"app": "db"}}}, ns)
    server.state.delete("v1", "ConfigMap", "b", ns)
    eventually(lambda: ("delete", "b", "final") in recorder.calls, what="the delete")
    assert ("add", "c", False) in recorder.calls
    updates = [detail for kind, name, detail in recorder.calls if kind == "update"]
    assert len(updates) == 1
    old_rv, new_rv = updates[0]
    assert int(old_rv) < int(new_rv)
    assert_same_cache(informer, plain, server, ns)
    assert sorted(informer.indexer.list_keys()) == [
        f"{ns}/{name}" for name in ("a", "c", "kube-root-ca.crt")
    ]
    assert [o["metadata"]["name"] for o in informer.indexer.by_index("app", "db")] == ["a"]
    assert [o["metadata"]["name"] for o in informer.lister.by_index("app", "web")] == ["c"]
    assert informer.indexer.index_keys("app", "db") == plain.indexer.index_keys("app", "db")

    # The vandal changed every object it was given (4 adds, old and new of 1 update, 1
    # delete), the cache none of them; nor does a reader that changes what a lister returned.
    eventually(lambda: vandal.seen == 7, what="the vandal's 7 notifications")
    assert sorted(str(o["data"].get("v")) for o in informer.lister.list()) == ["1", "1", "None"]
    mine = informer.lister.namespaced(ns).get("c")
    mine["metadata"]["labels"]["app"] = "mutated-by-a-reader"
    assert_same_cache(informer, plain, server, ns)


def test_compact_in_order_queue_converges_too(env: Env) -> None:
    server = env.server
    ns = new_namespace(server)
    server.state.create(configmap(ns, "a", "web"))
    factory = env.factory(
        namespace=ns, informer_options=InformerOptions(compact=True, queue="in_order")
    )
    informer = env.informer(factory, "configmaps")
    recorder = Recorder()
    env.call(lambda: informer.add_event_handler(recorder))
    env.start(factory)
    env.sync(factory)
    server.state.create(configmap(ns, "b", "web"))
    server.state.delete("v1", "ConfigMap", "a", ns)
    eventually(lambda: ("delete", "a", "final") in recorder.calls, what="the delete")
    eventually(lambda: ("add", "b", False) in recorder.calls, what="the add")
    eventually(lambda: caught_up(informer, server, ns), what="the compact informer")
    assert informer.indexer.codec is not None
    assert sorted(cache(informer, ns)) == ["b", "kube-root-ca.crt"]


def threads_informer(env: ThreadsEnv, ns: str) -> tuple[Any, Callable[[], None]]:
    lw = HTTPListerWatcher(
        env.client, ListWatchScope(resource=env.client.resolve("configmaps"), namespace=ns)
    )
    informer = SharedIndexInformer(lw, options=COMPACT, resource="configmap")
    informer.start()
    assert informer.wait_for_sync(10)
    return informer, informer.stop


def asyncio_informer(env: AsyncioEnv, ns: str) -> tuple[Any, Callable[[], None]]:
    async def make() -> AsyncSharedIndexInformer:
        resource = await env.client.resolve("configmaps")
        lw = AsyncHTTPListerWatcher(env.client, ListWatchScope(resource=resource, namespace=ns))
        informer = AsyncSharedIndexInformer(lw, options=COMPACT, resource="configmap")
        await informer.start()
        assert await informer.wait_for_sync(10)
        return informer

    informer = env.run(make())
    return informer, lambda: env.run(informer.stop())


def test_compact_shared_index_informer_without_factory(env: Env) -> None:
    server = env.server
    ns = new_namespace(server)
    server.state.create(configmap(ns, "a", "web"))
    if isinstance(env, ThreadsEnv):
        informer, stop = threads_informer(env, ns)
    else:
        informer, stop = asyncio_informer(env, ns)
    try:
        assert informer.indexer.codec is not None
        assert caught_up(informer, server, ns)
        server.state.patch("v1", "ConfigMap", "a", {"data": {"v": "2"}}, ns)
        eventually(lambda: caught_up(informer, server, ns), what="the update")
        got = informer.lister.namespaced(ns).get("a")
        assert got["data"] == {**configmap(ns, "a", "web")["data"], "v": "2"}
        assert got["metadata"]["labels"] == {"app": "web"}
    finally:
        stop()


@pytest.mark.parametrize("compact", [False, True])
def test_informer_options_compact_defaults_off(compact: bool) -> None:
    options = InformerOptions(compact=compact)
    assert options.compact is compact
    assert InformerOptions().compact is False
