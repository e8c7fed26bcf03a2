"""The official ``kubernetes`` Python client works against the fake: create, list, watch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from kinformer.testing import FakeApiServer

kubernetes = pytest.importorskip("kubernetes")


@pytest.fixture(params=[False, True], ids=["http", "https"])
def core_v1(request: pytest.FixtureRequest) -> Iterator[Any]:
    with FakeApiServer(tls=request.param) as server:
        configuration = kubernetes.client.Configuration()
        kubernetes.config.load_kube_config(
            config_file=str(server.kubeconfig_path), client_configuration=configuration
        )
        with kubernetes.client.ApiClient(configuration) as api_client:
            yield kubernetes.client.CoreV1Api(api_client)


@pytest.mark.slow
def test_official_client_create_list_watch(core_v1: Any) -> None:
    client = kubernetes.client
    core_v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="official")))
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm-1"), data={"k": "v"})
    created = core_v1.create_namespaced_config_map("official", body)
    assert created.metadata.resource_version
    listed = core_v1.list_namespaced_config_map("official")
    names = [item.metadata.name for item in listed.items]
    assert "cm-1" in names

    events: list[tuple[str, str]] = []
    watch = kubernetes.watch.Watch()
    opened = threading.Event()

    def consume() -> None:
        opened.set()
        for event in watch.stream(
            core_v1.list_namespaced_config_map,
            "official",
            resource_version=listed.metadata.resource_version,
            timeout_seconds=5,
        ):
            events.append((event["type"], event["object"].metadata.name))
            if len(events) == 2:
                watch.stop()

    reader = threading.Thread(target=consume)
    reader.start()
    assert opened.wait(5)
    core_v1.create_namespaced_config_map(
        "official", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm-2"))
    )
    core_v1.delete_namespaced_config_map("cm-1", "official")
    reader.join(10)
    assert events == [("ADDED", "cm-2"), ("DELETED", "cm-1")]
    with pytest.raises(client.ApiException) as missing:
        core_v1.read_namespaced_config_map("cm-1", "official")
    assert missing.value.status == 404
