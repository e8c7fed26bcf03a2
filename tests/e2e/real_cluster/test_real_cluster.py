"""Reflector and informer scenarios against a real kube-apiserver (opt-in, see conftest).

What must hold on a real server too: the store and the cache converge to a fresh list
(whatever the watch cache's lag, and with the ``kube-root-ca.crt`` ConfigMap that
kube-controller-manager adds to every namespace at a moment of its choosing); each handler's
sequence for the objects the test writes is a subsequence of the states the server returned
for them and ends at the final state or a delete (spec A-14, A-24, A-30, D-20, D-70, J-2, J-3).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from kinformer._clock import RealClock
from kinformer.cache._informer_options import InformerOptions
from kinformer.cache._reflector import ReflectorOptions
from kinformer.transport import Client, ListOptions

from .._chaos import ServerHistory, ServerState, check_handler, selector_matches
from .._runtimes import MapStore, Recorder, Runtime, eventually, key_of, state_of

pytestmark = pytest.mark.real_cluster

TIMEOUT = 30.0  # real time: watch-cache latency, controllers, a loaded CI cluster


def _configmap(namespace: str, name: str, tier: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {"tier": tier}},
        "data": {"v": "0"},
    }


def _fresh(admin: Client, namespace: str, selector: str | None = None) -> dict[str, Any]:
    answer = admin.list(
        "configmaps", namespace=namespace, params=ListOptions(label_selector=selector)
    )
    return {key_of(o): o for o in answer["items"]}


class Writer:
    """Writes through the admin client and records every state the server answered."""

    def __init__(self, admin: Client, namespace: str) -> None:
        self.admin = admin
        self.namespace = namespace
        self.history = ServerHistory()
        self.mine: set[str] = set()

    def _note(self, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        key = f"{self.namespace}/{meta['name']}"
        self.mine.add(key)
        self.history.states.setdefault(key, []).append(
            ServerState(
                str(meta["uid"]),
                str(meta["resourceVersion"]),
                tuple(sorted((meta.get("labels") or {}).items())),
            )
        )

    def create(self, name: str, tier: str = "back") -> None:
        self._note(self.admin.create("configmaps", _configmap(self.namespace, name, tier)))

    def patch(self, name: str, patch: dict[str, Any]) -> None:
        self._note(self.admin.patch("configmaps", name, patch, namespace=self.namespace))

    def delete(self, name: str) -> None:
        self.admin.delete("configmaps", name, namespace=self.namespace)


def _check_mine(
    recorder: Recorder,
    writer: Writer,
    final: dict[str, tuple[str, str]],
    selector: str | None,
    queue: str,
) -> list[str]:
    mine = {k: v for k, v in final.items() if k in writer.mine}
    events = recorder.snapshot()
    recorder.events = {k: v for k, v in events.items() if k in writer.mine}
    try:
        return check_handler(recorder, writer.history, mine, selector=selector, queue=queue)
    finally:
        recorder.events = events


def test_real_cluster_reflector_store_follows_the_server_A_14_A_24(
    runtime: Runtime, admin: Client, namespace: str
) -> None:
    writer = Writer(admin, namespace)
    for i in range(3):
        writer.create(f"cm-{i}")
    store = MapStore()
    handle = runtime.reflector(
        store,
        clock=RealClock(),
        rng=random.Random(1),
        options=ReflectorOptions(name="real-cluster"),
        namespace=namespace,
    )
    handle.start()

    def synced() -> bool:
        return store.states() == {k: state_of(o) for k, o in _fresh(admin, namespace).items()}

    eventually(synced, timeout=TIMEOUT, what="the store to equal a fresh list")
    writer.patch("cm-0", {"data": {"v": "1"}})
    writer.delete("cm-1")
    writer.create("cm-3")
    eventually(synced, timeout=TIMEOUT, what="the store to follow the writes")
    assert handle.last_sync_resource_version
    assert store.calls["replace"] >= 1
    handle.stop()


@pytest.mark.parametrize("queue", ["delta_fifo", "in_order"])
def test_real_cluster_informer_handlers_converge_D_20_J_2_J_3(
    runtime: Runtime, admin: Client, namespace: str, queue: str
) -> None:
    writer = Writer(admin, namespace)
    for i in range(3):
        writer.create(f"cm-{i}", tier="front" if i else "back")
    informers = []
    for selector in (None, "tier=front"):
        handle = runtime.informer(
            clock=RealClock(),
            rng=random.Random(2),
            options=InformerOptions(queue=queue, gc_freeze=False),  # type: ignore[arg-type]
            namespace=namespace,
            label_selector=selector,
        )
        recorder = Recorder(f"real-{selector or 'all'}")
        handle.add_handler(recorder)
        handle.start()
        informers.append((handle, recorder, selector))
    writer.patch("cm-1", {"data": {"v": "1"}})
    writer.patch("cm-0", {"metadata": {"labels": {"tier": "front"}}})  # into the selector
    writer.patch("cm-2", {"metadata": {"labels": {"tier": "back"}}})  # out of it (D-70)
    writer.delete("cm-1")
    writer.create("cm-3", tier="front")
    for handle, recorder, selector in informers:

        def converged(handle: Any = handle, selector: str | None = selector) -> bool:
            want = {
                k: state_of(o)
                for k, o in _fresh(admin, namespace, selector).items()
                if selector_matches(selector, o["metadata"].get("labels") or {})
            }
            return bool(handle.cache_states() == want)

        eventually(converged, timeout=TIMEOUT, what=f"cache ({selector}) == fresh list")
        final = handle.cache_states()

        def handler_done(
            recorder: Recorder = recorder,
            selector: str | None = selector,
            final: dict[str, tuple[str, str]] = final,
        ) -> bool:
            return not _check_mine(recorder, writer, final, selector, queue)

        eventually(handler_done, timeout=TIMEOUT, what=f"handler ({selector}) at final states")
        handle.stop()
