"""The founding document's example runs, for both runtimes, against the fake API server."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kinformer.testing import FakeApiServer

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def pod(ns: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }


@pytest.mark.parametrize("flavor", ["threads", "asyncio"])
def test_founding_example_lists_pod_names(flavor: str, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeApiServer() as server:
        for i in range(3):
            server.state.create(pod("default", f"web-{i}"))
        server.state.create(pod("kube-system", "dns-0"))
        if flavor == "threads":
            names = load("pod_informer").main(server.kubeconfig_path)
        else:
            names = asyncio.run(load("pod_informer_asyncio").main(server.kubeconfig_path))
    assert names == ["dns-0", "web-0", "web-1", "web-2"]
    out = capsys.readouterr().out
    assert "added: default/web-0 (initial list)" in out
    assert out.strip().splitlines()[-4:] == names
