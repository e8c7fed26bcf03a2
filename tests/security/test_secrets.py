"""Tokens and client keys never leak (issue 8, item 5).

One scan: with every logger at DEBUG, the test runs a threads informer and an asyncio client
over TLS with a bearer token and a client certificate, provokes the errors a user sees (401
with a wrong token, broken kubeconfigs and exec plugin output that contain the secrets, a
watch reset), collects the ``repr`` and ``str`` of every object that holds a secret, runs
``kinformer demo --plain --duration 3 --pods 100``, and then searches all of that text for
each token and for the client key and the server key (PEM body and base64 forms).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml

from kinformer import SharedInformerFactory
from kinformer._errors import KinformerError
from kinformer.cli._main import main
from kinformer.testing import FakeApiServer
from kinformer.testing._apiserver import _server as fake_server_module
from kinformer.transport._config import ClientConfig, ExecConfig
from kinformer.transport._exec import parse_exec_credential
from kinformer.transport._http import AsyncClient, Client
from kinformer.transport._kubeconfig import load_kubeconfig
from kinformer.transport._resolver import ResourceInfo

TOKEN = "kfz-token-Zq8vW3nR5tY1uI9oP2aS"
WRONG_TOKEN = "kfz-wrong-Hj4kL6mN8bV0cX2zQ7wE"
DEMO_TOKEN = "kfz-demo-Rt5yU7iO9pA1sD3fG6hJ"
EXEC_SECRET = "kfz-exec-Mn2bV4cX6zL8kJ0hG1fD"
CONFIGMAPS = ResourceInfo("", "v1", "configmaps", "ConfigMap")


class Capture(logging.Handler):
    """Every record, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        with self._guard:
            self.lines.append(text)


@pytest.fixture
def capture() -> Iterator[Capture]:
    """Every logger (root, kinformer, httpx, httpcore, asyncio, ...) at DEBUG into one list."""
    handler = Capture()
    loggers = [logging.getLogger(), logging.getLogger("kinformer")]
    names = list(logging.root.manager.loggerDict)
    saved = {name: logging.getLogger(name).level for name in names}
    saved_root = logging.getLogger().level
    for logger in loggers:
        logger.addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        logging.getLogger().setLevel(saved_root)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _pem_body(pem: bytes) -> str:
    """A 48-character slice of the base64 body of a PEM block (present in any copy of it)."""
    lines = [line for line in pem.decode().splitlines() if line and not line.startswith("-----")]
    return "".join(lines)[16:64]


def _kubeconfig(server: FakeApiServer, cert: bytes, key: bytes, **user: Any) -> dict[str, Any]:
    assert server.ca_pem is not None
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "c",
        "clusters": [
            {
                "name": "k",
                "cluster": {
                    "server": server.url,
                    "certificate-authority-data": base64.b64encode(server.ca_pem).decode(),
                },
            }
        ],
        "users": [
            {
                "name": "u",
                "user": {
                    "token": TOKEN,
                    "client-certificate-data": base64.b64encode(cert).decode(),
                    "client-key-data": base64.b64encode(key).decode(),
                    **user,
                },
            }
        ],
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
    }


def _errors_with_secrets(
    tmp_path: Path, server: FakeApiServer, cert: bytes, key: bytes
) -> list[BaseException]:
    """Errors raised on inputs that contain the secrets."""
    broken: list[dict[str, Any]] = []
    doc = _kubeconfig(server, cert, key, username="admin", password=TOKEN)  # two methods
    broken.append(doc)
    doc = _kubeconfig(server, cert, key)
    doc["users"][0]["user"]["client-key-data"] = key.decode()  # PEM, not base64
    broken.append(doc)
    doc = _kubeconfig(server, cert, key)
    doc["users"][0]["user"]["token"] = [TOKEN]  # wrong type
    broken.append(doc)
    doc = _kubeconfig(server, cert, key)
    doc["users"][0]["user"]["tokenFile"] = str(tmp_path / TOKEN)  # a secret-looking path
    doc["users"][0]["user"]["token"] = None
    errors: list[BaseException] = []
    for index, document in enumerate(broken):
        path = tmp_path / f"broken-{index}"
        path.write_text(yaml.safe_dump(document))
        with pytest.raises(KinformerError) as info:
            load_kubeconfig(path)
        errors.append(info.value)
    exec_config = ExecConfig(
        command="plugin",
        api_version="client.authentication.k8s.io/v1",
        env=(("SECRET", EXEC_SECRET),),
    )
    for output in (
        f'{{"kind": "ExecCredential", "apiVersion": "v1", "status": {{"token": "{TOKEN}"}}}}',
        f'{{"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1", '
        f'"status": {{"clientKeyData": "{key.decode()!s}".replace("\\n", "")}}}}',
        f'{{"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1", '
        f'"status": {{"token": "{TOKEN}", "expirationTimestamp": "tomorrow"}}}}',
        f"error: {TOKEN} is not valid",
    ):
        with pytest.raises(KinformerError) as info:
            parse_exec_credential(output.encode(), exec_config)
        errors.append(info.value)
    return errors


@pytest.mark.slow
def test_secrets_never_in_logs_reprs_errors_or_demo_output(
    capture: Capture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    texts: list[str] = []
    ca = trustme.CA()
    client_cert = ca.issue_cert("kinformer-client")
    cert_pem = client_cert.cert_chain_pems[0].bytes()
    key_pem = client_cert.private_key_pem.bytes()

    with FakeApiServer(tls=True, token=TOKEN) as server:
        material = server._material  # the server's own key must not leak either
        assert material is not None
        server_key = material.key_pem
        path = tmp_path / "kubeconfig"
        path.write_text(yaml.safe_dump(_kubeconfig(server, cert_pem, key_pem)))
        config = load_kubeconfig(path)
        assert config.token == TOKEN
        assert config.client_key_data == key_pem
        server.state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "sec"}})
        with Client(config) as client:
            factory = SharedInformerFactory(client, namespace="sec")
            informer = factory.informer("configmaps")
            factory.start()
            assert factory.wait_for_cache_sync(30) == {"configmaps": True}
            server.state.create(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "a", "namespace": "sec"},
                }
            )
            watches = server.request_counts()[("watch", "configmaps")]
            server.fail_next("watch", 1, code=401, reason="Unauthorized")
            server.reset_watches()  # the informer re-watches, gets 401 and logs it
            deadline = time.monotonic() + 20
            while server.request_counts()[("watch", "configmaps")] < watches + 1:
                assert time.monotonic() < deadline, "the informer never met the injected 401"
                time.sleep(0.02)
            texts += [repr(x) for x in (server, material, config, client, factory, informer)]
            texts += [str(config), str(server)]
            wrong = ClientConfig(server=server.url, ca_data=server.ca_pem, token=WRONG_TOKEN)
            with Client(wrong) as bad_client, pytest.raises(KinformerError) as info:
                bad_client.list(CONFIGMAPS)
            texts += [str(info.value), repr(info.value), repr(bad_client), repr(wrong)]
            factory.shutdown()

        async def async_calls() -> None:
            async with AsyncClient(config) as aclient:
                texts.append(repr(aclient))
                await aclient.list(CONFIGMAPS)
            async with AsyncClient(wrong) as abad:
                with pytest.raises(KinformerError) as ainfo:
                    await abad.list(CONFIGMAPS)
                texts.extend([str(ainfo.value), repr(ainfo.value)])

        asyncio.run(async_calls())
        for error in _errors_with_secrets(tmp_path, server, cert_pem, key_pem):
            texts += [str(error), repr(error), repr(error.args)]

    monkeypatch.setattr(fake_server_module, "generate_token", lambda: DEMO_TOKEN)
    assert main(["demo", "--plain", "--duration", "3", "--pods", "100", "--seed", "3"]) == 0
    out = capsys.readouterr()
    assert "fake API server at http" in out.out, out.out[:500]
    texts += [out.out, out.err]
    texts += capture.lines
    assert len(capture.lines) > 20, "DEBUG logging was not captured"

    secrets = {
        "token": TOKEN,
        "wrong token": WRONG_TOKEN,
        "demo token": DEMO_TOKEN,
        "exec env secret": EXEC_SECRET,
        "client key (PEM)": _pem_body(key_pem),
        "client key (base64 of PEM)": base64.b64encode(key_pem).decode()[40:88],
        "server key (PEM)": _pem_body(server_key),
    }
    blob = "\n".join(texts)
    leaks = [name for name, secret in secrets.items() if secret in blob]
    leaks += [text[:300] for text in texts if any(v in text for v in secrets.values())]
    assert not leaks, f"secrets found in output: {leaks}"
    # The scan is not vacuous: the texts do mention the things around the secrets.
    assert "token=<redacted>" in blob or "redacted" in blob
    assert any("Unauthorized" in text or "401" in text for text in texts)
