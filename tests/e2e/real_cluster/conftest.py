"""Opt-in: run the fault-free reflector and informer scenarios against a real cluster.

Set ``KINFORMER_TEST_KUBECONFIG`` to a kubeconfig whose current context may create and
delete namespaces and ConfigMaps; the tests skip otherwise. Each test works in a namespace of
its own (``kinformer-e2e-<random>``), deleted afterwards. Nothing here uses a fault knob or
the fake clock: real time, real watch-cache latency, so every wait is bounded and polls a
fresh list from the server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kinformer.transport import Client

from .._runtimes import Runtime, make_runtime

ENV = "KINFORMER_TEST_KUBECONFIG"


@dataclass(frozen=True)
class Cluster:
    kubeconfig_path: Path


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    path = os.environ.get(ENV)
    if not path:
        pytest.skip(f"{ENV} is not set: no real cluster to test against")
    return Cluster(Path(path))


@pytest.fixture(scope="module")
def admin(cluster: Cluster) -> Iterator[Client]:
    with Client.from_kubeconfig(cluster.kubeconfig_path) as client:
        yield client


@pytest.fixture
def namespace(admin: Client) -> Iterator[str]:
    name = f"kinformer-e2e-{uuid.uuid4().hex[:10]}"
    admin.create(
        "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    )
    try:
        yield name
    finally:
        admin.delete("namespaces", name)


@pytest.fixture(params=["threads", "asyncio"])
def runtime(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[Runtime]:
    flavour = make_runtime(str(request.param), cluster)
    try:
        yield flavour
    finally:
        flavour.close()
