"""``FakeApiServer`` as users see it: lifecycle, kubeconfig, pass-throughs, and the
``kinformer fake-apiserver`` command."""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml

import kinformer.testing
from kinformer._errors import ConflictError, NotFoundError
from kinformer.cli._fake_apiserver import load_seed, run
from kinformer.cli._main import build_parser, main
from kinformer.testing import FakeApiServer

CM = {"apiVersion": "v1", "kind": "ConfigMap"}


def test_server_public_name() -> None:
    assert kinformer.testing.FakeApiServer is FakeApiServer
    assert FakeApiServer.__module__ == "kinformer.testing"
    assert sorted(kinformer.testing.__all__) == ["FakeApiServer", "FakeClock"]
    assert kinformer.testing.FakeClock.__module__ == "kinformer.testing"


def test_server_kubeconfig_is_complete_and_removed_on_exit() -> None:
    with FakeApiServer(token="fixed-token") as server:
        path = server.kubeconfig_path
        config = yaml.safe_load(path.read_text())
        assert path.stat().st_mode & 0o077 == 0
        assert server.token == "fixed-token"
        context = config["contexts"][0]
        assert config["current-context"] == context["name"]
        cluster = next(c for c in config["clusters"] if c["name"] == context["context"]["cluster"])
        user = next(u for u in config["users"] if u["name"] == context["context"]["user"])
        assert cluster["cluster"] == {"server": server.url}
        assert user["user"] == {"token": "fixed-token"}
        assert server.ca_pem is None
        assert server.ca_path is None
        assert repr(server) == f"<FakeApiServer {server.url}>"
    assert not path.exists()
    assert not path.parent.exists()
    assert repr(server) == "<FakeApiServer not running>"
    server.close()  # idempotent


def test_server_lifecycle_errors() -> None:
    server = FakeApiServer()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.kubeconfig_path
    with server, pytest.raises(RuntimeError, match="already"):
        server.start()


@pytest.mark.slow
async def test_server_async_context_manager_serves_while_the_loop_is_busy() -> None:
    async with FakeApiServer() as server:
        # The server has its own thread and loop: a blocking call here still gets answered.
        headers = {"Authorization": f"Bearer {server.token}"}
        answer = httpx.get(f"{server.url}/version", headers=headers)  # noqa: ASYNC210
        assert answer.status_code == 200
        async with httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}
        ) as client:
            answers = await asyncio.gather(*(client.get("/healthz") for _ in range(5)))
        assert [a.text for a in answers] == ["ok"] * 5


def test_server_python_api_pass_throughs() -> None:
    seed = [dict(CM, metadata={"name": f"seed-{i}", "namespace": "default"}) for i in range(3)]
    with FakeApiServer(seed=seed, history_limit=50) as server:
        listed = [o["metadata"]["name"] for o in server.list("v1", "ConfigMap", "default")]
        assert [name for name in listed if name.startswith("seed-")] == [
            "seed-0", "seed-1", "seed-2"
        ]  # fmt: skip
        created = server.create(dict(CM, metadata={"name": "x", "namespace": "default"}))
        assert server.get("v1", "ConfigMap", "x", "default") == created
        updated = server.update(dict(created, data={"a": "1"}))
        assert int(updated["metadata"]["resourceVersion"]) == server.revision
        with pytest.raises(ConflictError):
            server.update(dict(created, data={"a": "stale"}))
        patched = server.patch("v1", "ConfigMap", "x", {"data": {"b": "2"}}, "default")
        assert patched["data"] == {"a": "1", "b": "2"}
        assert server.seed([dict(CM, metadata={"name": "more", "namespace": "default"})]) == 1
        assert server.delete("v1", "ConfigMap", "x", "default") is None
        with pytest.raises(NotFoundError):
            server.get("v1", "ConfigMap", "x", "default")
        pod = server.create({"apiVersion": "v1", "kind": "Pod",
                             "metadata": {"name": "p", "namespace": "default"},
                             "spec": {"containers": [{"name": "c", "image": "i"}]}})  # fmt: skip
        pod["status"] = {"phase": "Running"}
        assert server.update_status(pod)["status"]["phase"] == "Running"
        assert server.state is server.state
        server.compact()


def test_server_add_token_limits() -> None:
    with FakeApiServer() as server:
        server.add_token("ro", user="viewer", verbs=["get", "list"], namespaces=["default"])
        with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer ro"}) as client:
            assert client.get("/api/v1/namespaces/default/configmaps").status_code == 200
            assert client.get("/api/v1/namespaces/kube-system/configmaps").status_code == 403


# --------------------------------------------------------------------------- CLI


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["fake-apiserver", *argv])


def _serve_in_thread(
    args: argparse.Namespace,
) -> tuple[threading.Event, threading.Thread, list[int]]:
    stop = threading.Event()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(run(args, stop=stop)))
    thread.start()
    return stop, thread, codes


def _wait_for_url(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    deadline = time.monotonic() + 10
    seen = ""
    while time.monotonic() < deadline:
        seen += capsys.readouterr().out
        if "Press Ctrl-C" in seen:
            url = seen.split("API at ", 1)[1].split()[0]
            kubeconfig = seen.split("kubeconfig: ", 1)[1].split()[0]
            return url, kubeconfig
        time.sleep(0.02)
    raise AssertionError(f"the command printed {seen!r}")


def test_cli_serves_seed_and_prints_url_and_kubeconfig(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: default}\n---\n"
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: two, namespace: default}}\n---\n"
    )
    stop, thread, codes = _serve_in_thread(
        _args("--seed", str(seed), "--token", "cli-token", "--print-kubeconfig")
    )
    try:
        url, kubeconfig = _wait_for_url(capsys)
        assert Path(kubeconfig).exists()
        answer = httpx.get(
            f"{url}/api/v1/namespaces/default/configmaps",
            headers={"Authorization": "Bearer cli-token"},
        )
        names = [i["metadata"]["name"] for i in answer.json()["items"]]
        assert {"one", "two"} <= set(names)
    finally:
        stop.set()
        thread.join(10)
    assert codes == [0]
    assert not Path(kubeconfig).exists()


def test_cli_bad_seed_and_busy_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(_args("--seed", str(tmp_path / "missing.yaml"))) == 2
    assert "cannot load the seed" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ValueError, match="mapping"):
        load_seed(bad)
    with FakeApiServer() as server:
        assert run(_args("--port", str(server.port))) == 1
    assert "kinformer fake-apiserver:" in capsys.readouterr().err


def test_cli_is_registered() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["fake-apiserver", "--help"])
    assert exited.value.code == 0
