"""The sample-controller example, end to end against the FakeApiServer.

Create a Foo -> a Deployment it controls, with its replicas; scale the Foo -> the Deployment
follows; delete the Deployment -> it is recreated; a Deployment of the wanted name owned by
someone else -> a Warning ``ErrResourceExists`` Event and no adoption; the Foo's status
follows the Deployment's status.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest

from kinformer import Client, SharedInformerFactory
from kinformer.testing import FakeApiServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FOO = ("samplecontroller.k8s.io/v1alpha1", "Foo")
DEPLOYMENT = ("apps/v1", "Deployment")
NS = "default"

T = TypeVar("T")


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> dict[str, ModuleType]:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import sample_controller.controller as controller
    import sample_controller.fake as fake
    import sample_controller.main as main

    return {"controller": controller, "fake": fake, "main": main}


def eventually(probe: Callable[[], T | None], *, timeout: float = 10.0) -> T:
    """Poll ``probe`` until it returns something truthy (bounded, real time)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def foo(name: str, deployment: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": FOO[0],
        "kind": FOO[1],
        "metadata": {"name": name, "namespace": NS},
        "spec": {"deploymentName": deployment, "replicas": replicas},
    }


def get(server: FakeApiServer, kind: tuple[str, str], name: str) -> dict[str, Any] | None:
    try:
        return server.get(*kind, name, NS)
    except Exception:
        return None


def events(server: FakeApiServer, reason: str, about: str) -> list[dict[str, Any]]:
    return [
        event
        for event in server.list("v1", "Event", NS)
        if event["reason"] == reason and event["involvedObject"]["name"] == about
    ]


@pytest.mark.slow
def test_sample_controller_end_to_end(example: dict[str, ModuleType]) -> None:
    controller_module = example["controller"]
    with FakeApiServer() as server, Client.from_kubeconfig(server.kubeconfig_path) as client:
        example["fake"].install_crd(client)
        factory = SharedInformerFactory(client, resync_period=30.0)
        controller = controller_module.Controller(client, factory)
        stop = threading.Event()
        runner = threading.Thread(target=controller.run, args=(stop,), daemon=True)
        runner.start()
        try:
            # 1. A Foo -> a Deployment controlled by it, with its replicas.
            alpha = server.create(foo("alpha", "alpha-web", 2))
            deployment = eventually(lambda: get(server, DEPLOYMENT, "alpha-web"))
            assert deployment["spec"]["replicas"] == 2
            [owner] = deployment["metadata"]["ownerReferences"]
            assert owner == {
                "apiVersion": "samplecontroller.k8s.io/v1alpha1",
                "kind": "Foo",
                "name": "alpha",
                "uid": alpha["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
            assert deployment["spec"]["template"]["metadata"]["labels"] == {
                "app": "nginx",
                "controller": "alpha",
            }
            synced = eventually(lambda: events(server, "Synced", "alpha"))
            assert synced[0]["type"] == "Normal"
            assert synced[0]["message"] == "Foo synced successfully"
            assert synced[0]["source"] == {"component": "sample-controller"}

            # 2. Scale the Foo -> the Deployment is scaled.
            server.patch(*FOO, "alpha", {"spec": {"replicas": 4}}, NS)
            eventually(
                lambda: (
                    (get(server, DEPLOYMENT, "alpha-web") or {}).get("spec", {}).get("replicas")
                    == 4
                )
            )

            # 3. The Foo's status follows the Deployment's status (set here by hand).
            current = server.get(*DEPLOYMENT, "alpha-web", NS)
            server.update_status({**current, "status": {"availableReplicas": 3}})
            eventually(
                lambda: server.get(*FOO, "alpha", NS).get("status") == {"availableReplicas": 3}
            )
            current = server.get(*DEPLOYMENT, "alpha-web", NS)
            server.update_status({**current, "status": {"availableReplicas": 4}})
            eventually(
                lambda: server.get(*FOO, "alpha", NS).get("status") == {"availableReplicas": 4}
            )

            # 4. Delete the Deployment -> it is recreated (a new object), with the replicas.
            old_uid = server.get(*DEPLOYMENT, "alpha-web", NS)["metadata"]["uid"]
            server.delete(*DEPLOYMENT, "alpha-web", NS)
            recreated = eventually(
                lambda: (
                    (d := get(server, DEPLOYMENT, "alpha-web"))
                    and d["metadata"]["uid"] != old_uid
                    and d
                )
            )
            assert recreated["spec"]["replicas"] == 4
            assert recreated["metadata"]["ownerReferences"][0]["uid"] == alpha["metadata"]["uid"]
            # The new Deployment has no status yet: the Foo's status follows it back to 0.
            eventually(
                lambda: server.get(*FOO, "alpha", NS).get("status") == {"availableReplicas": 0}
            )

            # 5. A Deployment of the wanted name owned by someone else: a warning, no adoption.
            other_owner = {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "someone-else",
                "uid": "9a0b7c2e-0000-4000-8000-000000000001",
                "controller": True,
            }
            taken = server.create(
                {
                    **controller_module.new_deployment(
                        {
                            "metadata": {"name": "x", "namespace": NS, "uid": "x"},
                            "spec": {"deploymentName": "taken", "replicas": 1},
                        }
                    ),
                    "metadata": {
                        "name": "taken",
                        "namespace": NS,
                        "ownerReferences": [other_owner],
                    },
                }
            )
            server.create(foo("beta", "taken", 5))
            warnings = eventually(lambda: events(server, "ErrResourceExists", "beta"))
            assert warnings[0]["type"] == "Warning"
            assert (
                warnings[0]["message"]
                == 'Resource "taken" already exists and is not managed by Foo'
            )
            # The failure is retried (rate limited): the event repeats, the Deployment stays put.
            eventually(lambda: events(server, "ErrResourceExists", "beta")[0]["count"] >= 2)
            untouched = server.get(*DEPLOYMENT, "taken", NS)
            assert untouched["metadata"]["ownerReferences"] == [other_owner]
            assert untouched["spec"]["replicas"] == 1
            assert untouched["metadata"]["resourceVersion"] == taken["metadata"]["resourceVersion"]
            assert not events(server, "Synced", "beta")
            assert controller.queue.num_requeues("default/beta") >= 1
        finally:
            stop.set()
            runner.join(10)
        assert not runner.is_alive()


@pytest.mark.slow
@pytest.mark.parametrize("leader_elect", [False, True], ids=["plain", "leader-elect"])
def test_sample_controller_main_fake_mode(
    example: dict[str, ModuleType], leader_elect: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    argv = ["--fake", "--run-for", "1.5", "--workers", "1"]
    if leader_elect:
        argv.append("--leader-elect")
    assert example["main"].main(argv) == 0
    messages = [record.getMessage() for record in caplog.records]
    # The example Foo was synced, and the simulated deployment controller reported it ready.
    assert "event Normal Synced: Foo synced successfully" in messages
    assert "deployment default/example-foo: 1 available replicas" in messages
    if leader_elect:
        assert any(
            m.startswith("successfully acquired lease default/sample-controller") for m in messages
        )
