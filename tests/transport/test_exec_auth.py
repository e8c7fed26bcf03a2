"""Exec credential plugins, token files and the 401 refresh, through ``KubeAuth`` and httpx's MockTransport."""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from kinformer._errors import ConfigError
from kinformer.transport._auth import KubeAuth
from kinformer.transport._config import ClientConfig, ExecConfig
from kinformer.transport._exec import (
    ExecPluginError,
    ExecRunner,
    exec_info,
    parse_exec_credential,
)

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"


def _plugin(tmp_path: Path, *, api_version: str = V1, extra: str = "") -> Path:
    """A plugin script: its token is the content of ``token.txt``; each run appends to ``runs.log``."""
    script = tmp_path / "plugin.py"
    script.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            f"""
            import json, os, sys
            here = os.path.dirname(os.path.abspath(__file__))
            info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
            with open(os.path.join(here, "runs.log"), "a") as log:
                log.write(json.dumps({{"info": info, "args": sys.argv[1:],
                                       "env": os.environ.get("PLUGIN_ENV")}}) + "\\n")
            status = {{"token": open(os.path.join(here, "token.txt")).read().strip()}}
            expiry = os.environ.get("PLUGIN_EXPIRY")
            if expiry:
                status["expirationTimestamp"] = expiry
            {extra}
            print(json.dumps({{"apiVersion": "{api_version}", "kind": "ExecCredential",
                               "status": status}}))
            """
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "token.txt").write_text("token-1")
    return script


def _runs(tmp_path: Path) -> list[dict[str, Any]]:
    log = tmp_path / "runs.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _exec_config(tmp_path: Path, **kwargs: Any) -> ClientConfig:
    exec_config = ExecConfig(
        command=str(_plugin(tmp_path)),
        api_version=V1,
        args=("get-token",),
        env=(("PLUGIN_ENV", "from-kubeconfig"),),
        interactive_mode="Never",
        **kwargs,
    )
    return ClientConfig(server="https://k:6443", ca_data=b"CA", exec=exec_config)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# ---- pure: the request and the parsing ----


def test_exec_info_without_and_with_cluster_info() -> None:
    exec_config = ExecConfig(command="p", api_version=V1BETA1)
    cluster = ClientConfig(
        server="https://k", ca_data=b"PEM", tls_server_name="kubernetes", proxy_url="http://p"
    )
    assert exec_info(exec_config, cluster) == {
        "apiVersion": V1BETA1,
        "kind": "ExecCredential",
        "spec": {"interactive": False},
    }
    with_info = ExecConfig(
        command="p", api_version=V1, provide_cluster_info=True, cluster_extension={"a": 1}
    )
    insecure = ClientConfig(server="https://k", insecure_skip_tls_verify=True)
    assert exec_info(with_info, cluster)["spec"]["cluster"] == {
        "server": "https://k",
        "tls-server-name": "kubernetes",
        "certificate-authority-data": "UEVN",
        "proxy-url": "http://p",
        "config": {"a": 1},
    }
    assert exec_info(with_info, insecure)["spec"]["cluster"] == {
        "server": "https://k",
        "insecure-skip-tls-verify": True,
        "config": {"a": 1},
    }


def _output(status: object, api_version: str = V1, kind: str = "ExecCredential") -> bytes:
    return orjson.dumps({"apiVersion": api_version, "kind": kind, "status": status})


def test_parse_exec_credential_token_cert_and_expiry() -> None:
    exec_config = ExecConfig(command="p", api_version=V1)
    cred = parse_exec_credential(
        _output({"token": "tok", "expirationTimestamp": "2030-01-01T00:00:00Z"}), exec_config
    )
    assert cred.token == "tok"
    assert cred.expires_at == 1893456000.0
    assert "tok" not in repr(cred)
    cred = parse_exec_credential(
        _output({"clientCertificateData": "CERT", "clientKeyData": "KEY"}), exec_config
    )
    assert (cred.token, cred.client_cert, cred.client_key, cred.expires_at) == (
        None,
        b"CERT",
        b"KEY",
        None,
    )


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (b"not json", "output is not JSON"),
        (_output({"token": "t"}, kind="Other"), "is not an ExecCredential"),
        (_output({"token": "t"}, api_version=V1BETA1), "plugin returned version"),
        (orjson.dumps({"apiVersion": V1, "kind": "ExecCredential"}), "no status"),
        (_output({}), "didn't return a token or cert/key pair"),
        (_output({"clientCertificateData": "C"}), "must both be set"),
        (_output({"token": 5}), "must be strings"),
        (_output({"token": "t", "expirationTimestamp": "tomorrow"}), "bad expirationTimestamp"),
    ],
)
def test_parse_exec_credential_rejects_bad_output(output: bytes, message: str) -> None:
    with pytest.raises(ExecPluginError, match=message) as info:
        parse_exec_credential(output, ExecConfig(command="p", api_version=V1))
    assert isinstance(info.value, ConfigError)


# ---- running the plugin ----


@pytest.mark.slow
def test_exec_runner_passes_args_env_and_exec_info_and_caches(tmp_path: Path) -> None:
    config = _exec_config(tmp_path, provide_cluster_info=True)
    runner = ExecRunner(config)
    first = runner.credential()
    assert first.token == "token-1"
    assert runner.credential() is first  # no expiry: cached
    [run] = _runs(tmp_path)
    assert run["args"] == ["get-token"]
    assert run["env"] == "from-kubeconfig"
    assert run["info"]["spec"]["cluster"]["certificate-authority-data"] == "Q0E="
    assert "from-kubeconfig" not in repr(config)
    assert "token-1" not in repr(runner)


@pytest.mark.slow
def test_exec_runner_reruns_after_expiry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGIN_EXPIRY", "2030-01-01T00:00:00Z")
    clock = Clock(1893455000.0)
    runner = ExecRunner(_exec_config(tmp_path), now=clock)
    first = runner.credential()
    clock.now = 1893455999.0
    assert runner.credential() is first
    (tmp_path / "token.txt").write_text("token-2")
    clock.now = 1893456000.0
    assert runner.credential().token == "token-2"
    assert runner.runs == 2


@pytest.mark.slow
def test_exec_runner_stale_credential_is_replaced_once(tmp_path: Path) -> None:
    runner = ExecRunner(_exec_config(tmp_path))
    first = runner.credential()
    (tmp_path / "token.txt").write_text("token-2")
    second = runner.credential(stale=first)
    assert second.token == "token-2"
    assert runner.credential(stale=first) is second  # someone already refreshed it
    assert runner.runs == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"command": "/nonexistent/plugin", "install_hint": "brew install plugin"},
            "executable /nonexistent/plugin not found\n\nbrew install plugin",
        ),
        ({"command": "/"}, "cannot run /"),
        ({"interactive_mode": "Always"}, "interactiveMode Always needs a terminal"),
    ],
)
def test_exec_runner_failures(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    config = _exec_config(tmp_path)
    assert config.exec is not None
    fields = {
        "command": config.exec.command,
        "api_version": V1,
        "interactive_mode": "Never",
        **change,
    }
    broken = ClientConfig(server="https://k", exec=ExecConfig(**fields))
    with pytest.raises(ExecPluginError, match=message):
        ExecRunner(broken).credential()


def test_exec_runner_non_zero_exit(tmp_path: Path) -> None:
    script = tmp_path / "fail.sh"
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(0o700)
    config = ClientConfig(server="https://k", exec=ExecConfig(command=str(script), api_version=V1))
    with pytest.raises(ExecPluginError, match="failed with exit code 3"):
        ExecRunner(config).credential()
    with pytest.raises(ValueError, match="needs a configuration with an exec plugin"):
        ExecRunner(ClientConfig(server="https://k"))


# ---- KubeAuth through httpx (threads and asyncio) ----


class Server:
    """A MockTransport handler: 200 for ``valid`` bearer tokens, 401 otherwise."""

    def __init__(self, *valid: str) -> None:
        self.valid = set(valid)
        self.seen: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        header = request.headers.get("authorization")
        self.seen.append(header)
        if header in self.valid:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(401, json={"kind": "Status", "reason": "Unauthorized", "code": 401})


def _get(auth: KubeAuth, server: Server, **headers: str) -> int:
    with httpx.Client(transport=httpx.MockTransport(server), auth=auth) as client:
        return client.get("https://k/api", headers=headers).status_code


async def _aget(auth: KubeAuth, server: Server) -> int:
    async with httpx.AsyncClient(transport=httpx.MockTransport(server), auth=auth) as client:
        return (await client.get("https://k/api")).status_code


def test_auth_static_token_and_basic() -> None:
    server = Server("Bearer tok", "Basic YWRtaW46cHc=")
    assert _get(KubeAuth(ClientConfig(server="https://k", token="tok")), server) == 200
    basic = ClientConfig(server="https://k", username="admin", password="pw")
    assert _get(KubeAuth(basic), server) == 200
    assert _get(KubeAuth(ClientConfig(server="https://k")), server) == 401
    assert server.seen == ["Bearer tok", "Basic YWRtaW46cHc=", None]


def test_auth_static_token_is_not_retried_on_401() -> None:
    server = Server()
    auth = KubeAuth(ClientConfig(server="https://k", token="bad"))
    assert _get(auth, server) == 401
    assert server.seen == ["Bearer bad"]
    assert "bad" not in repr(auth)


def test_auth_preset_authorization_header_wins() -> None:
    server = Server("Bearer mine")
    auth = KubeAuth(ClientConfig(server="https://k", token="other"))
    assert _get(auth, server, Authorization="Bearer mine") == 200


def test_auth_token_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("one\n")
    server = Server("Bearer one", "Bearer two-rotated")
    auth = KubeAuth(ClientConfig(server="https://k", token_file=str(token_file)))
    assert _get(auth, server) == 200
    token_file.write_text("two-rotated\n")
    assert _get(auth, server) == 200
    assert server.seen == ["Bearer one", "Bearer two-rotated"]


def test_auth_token_file_rotated_in_place_is_retried_after_401(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("old")
    auth = KubeAuth(ClientConfig(server="https://k", token_file=str(token_file)))
    server = Server("Bearer old")
    assert _get(auth, server) == 200
    # Same size, same mtime: the stat check cannot see it; the 401 makes it re-read.
    info = token_file.stat()
    token_file.write_text("new")
    os.utime(token_file, ns=(info.st_atime_ns, info.st_mtime_ns))
    server.valid = {"Bearer new"}
    assert _get(auth, server) == 200
    assert server.seen == ["Bearer old", "Bearer old", "Bearer new"]


def test_auth_token_file_vanishing_keeps_the_last_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("kept-secret")
    auth = KubeAuth(ClientConfig(server="https://k", token_file=str(token_file)))
    server = Server("Bearer kept-secret")
    assert _get(auth, server) == 200
    token_file.unlink()
    with caplog.at_level(logging.WARNING, logger="kinformer.transport"):
        assert _get(auth, server) == 200
        assert _get(auth, server) == 200
    assert caplog.text.count("using the previous token") == 1
    assert "kept-secret" not in caplog.text


def test_auth_token_file_missing_from_the_start(tmp_path: Path) -> None:
    auth = KubeAuth(ClientConfig(server="https://k", token_file=str(tmp_path / "none")))
    with pytest.raises(ConfigError, match="cannot read the token file"):
        _get(auth, Server())


@pytest.mark.slow
def test_auth_exec_plugin_reruns_on_401_and_retries(tmp_path: Path) -> None:
    config = _exec_config(tmp_path)
    auth = KubeAuth(config)
    server = Server("Bearer token-1")
    assert _get(auth, server) == 200
    assert _get(auth, server) == 200
    assert auth.exec_runs == 1
    (tmp_path / "token.txt").write_text("token-2")
    server.valid = {"Bearer token-2"}
    assert _get(auth, server) == 200
    assert auth.exec_runs == 2
    assert server.seen == ["Bearer token-1", "Bearer token-1", "Bearer token-1", "Bearer token-2"]


@pytest.mark.slow
def test_auth_exec_plugin_same_token_after_401_is_not_resent(tmp_path: Path) -> None:
    auth = KubeAuth(_exec_config(tmp_path))
    server = Server()
    assert _get(auth, server) == 401
    assert server.seen == ["Bearer token-1", "Bearer token-1"]  # original, then one retry
    assert auth.exec_runs == 2


@pytest.mark.slow
async def test_auth_exec_plugin_asyncio_runs_off_the_loop_and_retries(tmp_path: Path) -> None:
    auth = KubeAuth(_exec_config(tmp_path))
    server = Server("Bearer token-1")
    assert await _aget(auth, server) == 200
    (tmp_path / "token.txt").write_text("token-2")
    server.valid = {"Bearer token-2"}
    assert await _aget(auth, server) == 200
    assert auth.exec_runs == 2


async def test_auth_token_file_asyncio(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("a")
    auth = KubeAuth(ClientConfig(server="https://k", token_file=str(token_file)))
    server = Server("Bearer a")
    assert await _aget(auth, server) == 200
    token_file.write_text("bb")
    server.valid = {"Bearer bb"}
    assert await _aget(auth, server) == 200


@pytest.mark.slow
def test_auth_exec_client_certificate_is_handed_over(tmp_path: Path) -> None:
    _plugin(tmp_path, extra='status = {"clientCertificateData": "CERT", "clientKeyData": "KEY"}')
    config = ClientConfig(
        server="https://k",
        exec=ExecConfig(
            command=str(tmp_path / "plugin.py"), api_version=V1, interactive_mode="Never"
        ),
    )
    loaded: list[tuple[bytes, bytes]] = []
    auth = KubeAuth(config, on_client_cert=lambda c, k: loaded.append((c, k)))
    server = Server()
    server_ok: Callable[[httpx.Request], httpx.Response] = lambda r: httpx.Response(200)  # noqa: E731
    with httpx.Client(transport=httpx.MockTransport(server_ok), auth=auth) as client:
        assert client.get("https://k/api").status_code == 200
        assert client.get("https://k/api").status_code == 200
    assert loaded == [(b"CERT", b"KEY")]
    assert server.seen == []


def test_auth_token_file_wins_over_token_which_is_the_fallback(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    server = Server("Bearer from-file", "Bearer static")
    auth = KubeAuth(ClientConfig(server="https://k", token="static", token_file=str(token_file)))
    assert _get(auth, server) == 200  # the file does not exist yet: the static token
    token_file.write_text("from-file")
    assert _get(auth, server) == 200
    assert server.seen == ["Bearer static", "Bearer from-file"]
