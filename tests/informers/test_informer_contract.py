"""The informer's and the factory's lifecycle contract, both runtimes (spec D.1, D.3, D.7, E).

client-go's low-level ``Controller`` (D-1 … D-4) is not a separate public type in kinformer:
the informer drivers are it (reflector + process loop over the queue), so its statements are
checked here through the informer.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from kinformer import InformerOptions, wait_for_cache_sync
from kinformer.cache import DeletedFinalStateUnknown
from kinformer.testing import FakeApiServer
from kinformer.transport import ListOptions

from .conftest import AsyncioEnv, Recorder, ThreadsEnv, eventually

Env = ThreadsEnv | AsyncioEnv


def namespace(server: FakeApiServer) -> str:
    name = f"c-{uuid.uuid4().hex[:8]}"
    server.state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def configmap(ns: str, name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
    }


def test_state_before_and_after_start_D_3_D_32_D_35_D_37(env: Env) -> None:
    ns = namespace(env.server)
    env.server.state.create(configmap(ns, "a"))
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    assert informer.last_sync_resource_version == ""  # D-37: "" before run
    assert informer.has_synced is False  # D-32
    assert informer.indexer is informer.lister.indexer  # D-35: one cache behind store and lister
    env.start(factory)
    env.sync(factory)
    assert informer.has_synced is True
    assert informer.last_sync_resource_version != ""
    assert informer.counters is not None
    assert informer.counters.lists == 1  # D-1: a reflector listed into the queue...
    assert (
        informer.indexer.get_by_key(f"{ns}/a") is not None
    )  # ...and the process loop (D-2) filled the cache


def test_start_twice_is_harmless_and_stop_is_final_D_31_D_33(env: Env) -> None:
    ns = namespace(env.server)
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    env.start(factory)
    env.start(factory)  # E-5: already started informers are not started again
    env.sync(factory)
    assert informer.counters.lists == 1
    env.stop_informer(informer)
    env.stop_informer(informer)  # idempotent
    assert informer.is_stopped


def test_add_indexers_after_start_indexes_existing_objects_D_36_C_18(env: Env) -> None:
    ns = namespace(env.server)
    env.server.state.create(configmap(ns, "web-0", app="web"))
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    env.start(factory)
    env.sync(factory)

    def by_app(obj: Any) -> list[str]:
        labels = obj["metadata"].get("labels") or {}
        return [labels["app"]] if "app" in labels else []

    informer.add_indexers({"app": by_app})
    assert [o["metadata"]["name"] for o in informer.indexer.by_index("app", "web")] == ["web-0"]
    env.server.state.create(configmap(ns, "web-1", app="web"))
    eventually(lambda: len(informer.indexer.by_index("app", "web")) == 2)
    # A second factory request with more indexers adds them too (E-2 keeps the informer).
    same = env.informer(factory, "configmaps", indexers={"app2": by_app})
    assert same is informer
    assert "app2" in informer.indexer.indexers


def test_factory_options_apply_to_every_request_E_1_A_23(env: Env) -> None:
    ns = namespace(env.server)
    env.server.state.create(configmap(ns, "keep", tier="a"))
    env.server.state.create(configmap(ns, "drop", tier="b"))
    seen: list[ListOptions] = []

    def tweak(options: ListOptions) -> ListOptions:
        seen.append(options)
        return options

    factory = env.factory(
        namespace=ns, label_selector="tier=a", tweak_list_options=tweak, resync_period=0.0
    )
    informer = env.informer(factory, "configmaps")
    env.start(factory)
    env.sync(factory)
    assert [o["metadata"]["name"] for o in informer.lister.list()] == ["keep"]
    assert seen  # the tweak saw the list and the watch options, selectors already filled in
    assert all(options.label_selector == "tier=a" for options in seen)

    def verbs() -> set[str]:
        return {
            r.verb
            for r in env.server.state.requests
            if r.resource == "configmaps" and r.namespace == ns
        }

    eventually(lambda: verbs() >= {"list", "watch"}, what="a list and a watch in the namespace")


def test_custom_resync_per_resource_E_1() -> None:
    from kinformer.informers._factory import FactoryOptions
    from kinformer.transport import ResourceInfo

    options = FactoryOptions(
        resync_period=30.0, custom_resync={"deployments.apps": 5.0, "pods": 7.0}
    )
    assert options.resync_for(ResourceInfo("apps", "v1", "deployments", "Deployment")) == 5.0
    assert options.resync_for(ResourceInfo("", "v1", "pods", "Pod")) == 7.0
    assert options.resync_for(ResourceInfo("", "v1", "configmaps", "ConfigMap")) == 30.0
    with pytest.raises(ValueError, match=">= 0"):
        FactoryOptions(resync_period=-1)


def test_cluster_scoped_resource_ignores_the_factory_namespace_E_3(env: Env) -> None:
    factory = env.factory(namespace="default")
    informer = env.informer(factory, "namespaces")
    env.start(factory)
    env.sync(factory)
    assert informer.lister.get("default")["metadata"]["name"] == "default"
    assert informer.lister.get("kube-system")["metadata"]["name"] == "kube-system"
    requests = [
        r for r in env.server.state.requests if r.resource == "namespaces" and r.verb == "list"
    ]
    assert requests
    assert all(r.namespace in (None, "") for r in requests)  # no namespace in the path


def test_unknown_resource_names_close_matches_E_4(env: Env) -> None:
    from kinformer import ResourceNotFoundError

    factory = env.factory()
    with pytest.raises(ResourceNotFoundError, match="configmaps"):
        env.informer(factory, "configmapz")


def test_start_after_creating_more_and_shutdown_is_final_E_5_E_7(env: Env) -> None:
    ns = namespace(env.server)
    factory = env.factory(namespace=ns)
    first = env.informer(factory, "configmaps")
    env.start(factory)
    env.sync(factory)
    second = env.informer(factory, "secrets")
    assert second.has_synced is False  # created, not started (E-5)
    env.start(factory)
    assert env.sync(factory) == {"configmaps": True, "secrets": True}
    if isinstance(env, ThreadsEnv):
        factory.shutdown()
        factory.shutdown()  # safe twice
    else:
        env.run(factory.shutdown())
        env.run(factory.shutdown())
    assert first.is_stopped
    assert second.is_stopped
    third = env.informer(factory, "services")
    env.start(factory)  # a shut-down factory starts nothing (E-7)
    assert third.has_synced is False
    assert third.counters is None


def test_relist_updates_with_unchanged_rv_are_sync_updates_D_51(env: Env) -> None:
    ns = namespace(env.server)
    env.server.state.create(configmap(ns, "same"))
    factory = env.factory(namespace=ns, informer_options=InformerOptions(queue="delta_fifo"))
    informer = env.informer(factory, "configmaps")
    recorder = Recorder()
    env.call(lambda: informer.add_event_handler(recorder))
    env.start(factory)
    env.sync(factory)
    eventually(lambda: "same" in recorder.names("add"))
    # Fault knobs act on what is open when called: wait for the watch first.
    eventually(lambda: informer.counters.watches_opened >= 1, what="the watch")
    env.server.compact()
    env.server.reset_watches()  # a relist follows: "same" comes back with the same RV
    eventually(lambda: "same" in recorder.names("update"), timeout=15, what="relist update")
    rv = env.server.state.get("v1", "ConfigMap", "same", ns)["metadata"]["resourceVersion"]
    # The informer was created with resync 0: no resync check ever runs, so every listener
    # stays flagged syncing and receives the same-RV relist update (D-52 (b), J-7).
    assert ("update", "same", (rv, rv)) in recorder.calls


def test_wait_for_cache_sync_checks_all_at_once_D_80(env: Env) -> None:
    ns = namespace(env.server)
    factory = env.factory(namespace=ns)
    a = env.informer(factory, "configmaps")
    b = env.informer(factory, "secrets")
    assert wait_for_cache_sync(a, b, timeout=0.05) is False  # not started
    stop = threading.Event()
    stop.set()
    assert wait_for_cache_sync(a, timeout=None, stop=stop) is False
    env.start(factory)
    assert wait_for_cache_sync(a, b, timeout=10) is True


def test_tombstones_reach_on_delete_with_the_cached_object_J_6(env: Env) -> None:
    """Mode D (DeltaFIFO): a relist that no longer lists an object delivers a tombstone."""
    ns = namespace(env.server)
    env.server.state.create(configmap(ns, "gone"))
    factory = env.factory(namespace=ns, informer_options=InformerOptions(queue="delta_fifo"))
    informer = env.informer(factory, "configmaps")
    deletes: list[Any] = []
    env.call(lambda: informer.add_event_handler(on_delete=deletes.append))
    env.start(factory)
    env.sync(factory)
    eventually(lambda: informer.counters.watches_opened >= 1, what="the watch")
    env.server.stall_watches(None)
    env.server.state.delete("v1", "ConfigMap", "gone", ns)
    env.server.compact()
    env.server.reset_watches()
    eventually(lambda: deletes, timeout=15, what="the delete")
    env.server.resume_watches()
    tombstone = deletes[0]
    assert isinstance(tombstone, DeletedFinalStateUnknown)
    assert tombstone.key == f"{ns}/gone"
    assert tombstone.obj["metadata"]["name"] == "gone"
