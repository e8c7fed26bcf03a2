"""SharedIndexInformer and SharedInformerFactory end to end, both runtimes, against the fake
API server (spec D, E, J). Each test works in a namespace of its own.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from kinformer import NotFoundError, strip_managed_fields
from kinformer.testing import FakeApiServer

from .conftest import AsyncioEnv, Recorder, ThreadsEnv, eventually

Env = ThreadsEnv | AsyncioEnv


def new_namespace(server: FakeApiServer) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    server.state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def configmap(ns: str, name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "data": {"v": "1"},
    }


def test_initial_list_then_watch_events_J_2_J_3(env: Env) -> None:
    server = env.server
    ns = new_namespace(server)
    for name in ("p1", "p2"):
        server.state.create(configmap(ns, name))
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    recorder = Recorder()
    registration = env.call(lambda: informer.add_event_handler(recorder))
    env.start(factory)
    assert env.sync(factory) == {"configmaps": True}
    eventually(lambda: registration.has_synced, what="registration synced")
    initial = {o["metadata"]["name"] for o in server.state.list("v1", "ConfigMap", ns)}
    assert {"p1", "p2"} <= initial
    assert sorted(recorder.calls) == sorted(("add", name, True) for name in initial)
    server.state.create(configmap(ns, "p3"))
    server.state.patch("v1", "ConfigMap", "p1", {"data": {"v": "2"}}, namespace=ns)
    server.state.delete("v1", "ConfigMap", "p2", ns)
    eventually(lambda: ("delete", "p2", "final") in recorder.calls, what="delete")
    assert ("add", "p3", False) in recorder.calls
    assert [c[0] for c in recorder.calls if c[1] == "p1"] == ["add", "update"]
    assert sorted(o["metadata"]["name"] for o in informer.lister.namespaced(ns).list()) == sorted(
        o["metadata"]["name"] for o in server.state.list("v1", "ConfigMap", ns)
    )
    assert int(informer.last_sync_resource_version) >= int(
        server.state.get("v1", "ConfigMap", "p3", ns)["metadata"]["resourceVersion"]
    )


def test_lister_get_and_label_selector_F_1_F_3(env: Env) -> None:
    ns = new_namespace(env.server)
    env.server.state.create(configmap(ns, "web-0", app="web"))
    env.server.state.create(configmap(ns, "db-0", app="db"))
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    env.start(factory)
    env.sync(factory)
    lister = informer.lister
    assert [o["metadata"]["name"] for o in lister.namespaced(ns).list("app=web")] == ["web-0"]
    assert lister.namespaced(ns).get("db-0")["metadata"]["labels"] == {"app": "db"}
    with pytest.raises(NotFoundError, match=r'^configmap "web-1" not found$'):
        lister.namespaced(ns).get("web-1")


def test_late_handler_gets_synthetic_adds_J_5_D_43(env: Env) -> None:
    ns = new_namespace(env.server)
    env.server.state.create(configmap(ns, "a"))
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    first = Recorder()
    env.call(lambda: informer.add_event_handler(first))
    env.start(factory)
    env.sync(factory)
    eventually(lambda: "a" in first.names("add"))
    late = Recorder()
    registration = env.call(lambda: informer.add_event_handler(late))
    eventually(lambda: registration.has_synced, what="late registration synced")
    assert ("add", "a", True) in late.calls
    before = list(first.calls)
    env.server.state.create(configmap(ns, "b"))
    eventually(lambda: ("add", "b", False) in late.calls)
    eventually(lambda: ("add", "b", False) in first.calls)
    assert first.calls[: len(before)] == before  # nothing extra for the first handler


def test_failing_and_slow_handlers_never_block_others_D_53_D_55(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    ns = new_namespace(env.server)
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    release = threading.Event()
    good = Recorder()

    def boom(obj: Any, initial: bool) -> None:
        raise RuntimeError("handler bug")

    def slow(obj: Any, initial: bool) -> None:
        release.wait(10)

    env.call(lambda: informer.add_event_handler(on_add=boom))
    slow_reg = (
        env.call(lambda: informer.add_event_handler(on_add=slow)) if env.name == "threads" else None
    )
    env.call(lambda: informer.add_event_handler(good))
    env.start(factory)
    env.sync(factory)
    for i in range(3):
        env.server.state.create(configmap(ns, f"x{i}"))
    eventually(
        lambda: {"x0", "x1", "x2"} <= set(good.names("add")), what="good handler got every add"
    )
    if slow_reg is not None:
        assert slow_reg.backlog >= 1  # the slow handler is behind, and nobody waited for it
    release.set()
    assert "handler bug" in caplog.text or "raised" in caplog.text


@pytest.mark.slow
def test_relist_after_expired_watch_delivers_missed_changes_J_4(env: Env) -> None:
    server = env.server
    ns = new_namespace(server)
    for name in ("p1", "p2", "p4"):
        server.state.create(configmap(ns, name))
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    recorder = Recorder()
    env.call(lambda: informer.add_event_handler(recorder))
    env.start(factory)
    env.sync(factory)
    eventually(lambda: {"p1", "p2", "p4"} <= set(recorder.names("add")))
    # Fault knobs act on what is open when called: wait for the watch first.
    eventually(lambda: informer.counters.watches_opened >= 1, what="the watch")
    # While the watch is stalled, change things, then break the watch with a 410.
    server.stall_watches(None)
    server.state.patch("v1", "ConfigMap", "p2", {"data": {"v": "2"}}, namespace=ns)
    server.state.create(configmap(ns, "p3"))
    server.state.delete("v1", "ConfigMap", "p4", ns)
    server.compact()
    server.reset_watches()
    eventually(
        lambda: (
            ("delete", "p4", "tombstone") in recorder.calls
            or ("delete", "p4", "final") in recorder.calls
        ),
        what="p4 deleted",
    )
    eventually(lambda: "p3" in recorder.names("add"), what="p3 added")
    eventually(lambda: "p2" in recorder.names("update"), what="p2 updated")
    keys = sorted(informer.indexer.list_keys())
    assert keys == sorted(
        f"{ns}/{o['metadata']['name']}" for o in server.state.list("v1", "ConfigMap", ns)
    )


def test_remove_handler_stops_delivery_D_46(env: Env) -> None:
    ns = new_namespace(env.server)
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    kept, removed = Recorder(), Recorder()
    env.call(lambda: informer.add_event_handler(kept))
    registration = env.call(lambda: informer.add_event_handler(removed))
    env.start(factory)
    env.sync(factory)
    env.call(lambda: informer.remove_event_handler(registration))
    env.call(lambda: informer.remove_event_handler(registration))  # idempotent
    env.server.state.create(configmap(ns, "after"))
    eventually(lambda: "after" in kept.names("add"))
    assert "after" not in removed.names("add")


def test_stop_is_final_D_33_D_40(env: Env) -> None:
    ns = new_namespace(env.server)
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps")
    env.start(factory)
    env.sync(factory)
    env.stop_informer(informer)
    assert informer.is_stopped
    with pytest.raises(RuntimeError, match="stopped already"):
        env.call(lambda: informer.add_event_handler(Recorder()))
    with pytest.raises(RuntimeError, match="stopped already"):
        informer.add_indexers({"x": lambda o: []})


def test_factory_shares_one_informer_per_resource_E_2_E_6(env: Env) -> None:
    ns = new_namespace(env.server)
    factory = env.factory(namespace=ns)
    a = env.informer(factory, "configmaps")
    b = env.informer(factory, "cm")
    c = env.informer(factory, "configmap", metadata_only=True)
    assert a is b
    assert c is not a
    assert env.sync(factory, timeout=0.1) == {}  # nothing started: nothing to wait for (E-6)
    env.start(factory)
    assert env.sync(factory) == {"configmaps": True, "configmaps (metadata)": True}


def test_metadata_only_informer_caches_partial_objects_E_9(env: Env) -> None:
    ns = new_namespace(env.server)
    env.server.state.create(configmap(ns, "m", app="x"))
    factory = env.factory(namespace=ns)
    informer = env.informer(factory, "configmaps", metadata_only=True)
    env.start(factory)
    env.sync(factory)
    obj = informer.lister.namespaced(ns).get("m")
    assert obj["kind"] == "PartialObjectMetadata"
    assert "data" not in obj
    assert obj["metadata"]["labels"] == {"app": "x"}


def test_transform_strips_managed_fields_before_the_cache_D_34(env: Env) -> None:
    ns = new_namespace(env.server)
    obj = configmap(ns, "mf")
    obj["metadata"]["managedFields"] = [{"manager": "test", "operation": "Update"}]
    env.server.state.create(obj)
    factory = env.factory(namespace=ns, transform=strip_managed_fields)
    informer = env.informer(factory, "configmaps")
    env.start(factory)
    env.sync(factory)
    assert "managedFields" not in informer.lister.namespaced(ns).get("mf")["metadata"]
    with pytest.raises(RuntimeError, match="already started"):
        informer.set_transform(None)


def test_in_order_queue_mode_converges_too(env: Env) -> None:
    from kinformer import InformerOptions

    ns = new_namespace(env.server)
    env.server.state.create(configmap(ns, "a"))
    factory = env.factory(namespace=ns, informer_options=InformerOptions(queue="in_order"))
    informer = env.informer(factory, "configmaps")
    recorder = Recorder()
    env.call(lambda: informer.add_event_handler(recorder))
    env.start(factory)
    env.sync(factory)
    env.server.state.delete("v1", "ConfigMap", "a", ns)
    eventually(lambda: ("delete", "a", "final") in recorder.calls)
    assert informer.lister.namespaced(ns).list() == [
        o for o in informer.lister.namespaced(ns).list() if o["metadata"]["name"] != "a"
    ]


def test_mutation_detector_restores_and_reports_D_57(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    from kinformer import InformerOptions

    ns = new_namespace(env.server)
    env.server.state.create(configmap(ns, "victim", app="web"))
    factory = env.factory(namespace=ns, informer_options=InformerOptions(detect_mutations=True))
    informer = env.informer(factory, "configmaps")
    seen: list[str] = []

    def vandal(obj: Any, initial: bool) -> None:
        obj["metadata"]["labels"]["app"] = "hacked"
        seen.append(obj["metadata"]["name"])

    registration = env.call(lambda: informer.add_event_handler(on_add=vandal))
    env.start(factory)
    env.sync(factory)
    eventually(lambda: registration.has_synced)
    assert "victim" in seen
    assert informer.lister.namespaced(ns).get("victim")["metadata"]["labels"] == {"app": "web"}
    assert f"cache object {ns}/victim was modified by a handler" in caplog.text


def test_empty_list_syncs_then_live_add_is_not_initial_J_1(env: Env) -> None:
    from kinformer.testing import FakeClock

    ns = new_namespace(env.server)
    factory = env.factory(namespace=ns, label_selector="app=j1", clock=FakeClock())
    informer = env.informer(factory, "configmaps")
    recorder = Recorder()
    registration = env.call(lambda: informer.add_event_handler(recorder))
    env.start(factory)
    assert env.sync(factory) == {"configmaps": True}
    eventually(lambda: registration.has_synced)
    assert recorder.calls == []
    env.server.state.create(configmap(ns, "p", app="j1"))
    eventually(lambda: recorder.calls == [("add", "p", False)], what="live add")


def test_periodic_resync_goes_only_to_due_handlers_J_7_D_52(env: Env) -> None:
    from kinformer.testing import FakeClock

    clock = FakeClock()
    ns = new_namespace(env.server)
    env.server.state.create(configmap(ns, "r", app="j7"))
    factory = env.factory(namespace=ns, label_selector="app=j7", resync_period=30.0, clock=clock)
    informer = env.informer(factory, "configmaps")
    due, never = Recorder(), Recorder()
    env.call(lambda: informer.add_event_handler(due, resync_period=30.0))
    env.call(lambda: informer.add_event_handler(never, resync_period=0.0))
    env.start(factory)
    env.sync(factory)
    eventually(lambda: due.names("add") == ["r"] and never.names("add") == ["r"])
    for round_ in (1, 2):
        clock.block_until_waiters(1)  # the reflector's ticker waits for the resync deadline
        clock.advance(30.0)
        eventually(lambda r=round_: due.names("update") == ["r"] * r, what=f"resync round {round_}")
    rv = env.server.state.get("v1", "ConfigMap", "r", ns)["metadata"]["resourceVersion"]
    assert [c[2] for c in due.calls if c[0] == "update"] == [(rv, rv), (rv, rv)]  # OnUpdate(o, o)
    assert never.names("update") == []
