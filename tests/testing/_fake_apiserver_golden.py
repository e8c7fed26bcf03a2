"""Support for the fake API server's scenario suite: golden exchanges and the ``api`` target.

* :func:`golden` loads one recorded exchange of a real kube-apiserver 1.36
  (``shared/golden/kube-apiserver-1.36``) so a test can say "same status and same message as
  golden 04 seq 37" with :func:`assert_like_golden`.
* The ``api`` fixture yields a :class:`Target`: a base URL and an ``httpx.Client`` for either a
  fresh :class:`FakeApiServer` (default) or the real cluster named by the kubeconfig in
  ``KINFORMER_TEST_KUBECONFIG`` (read with the official ``kubernetes.config``). Scenario tests
  use only raw HTTP, never kinformer's client code. Tests that need a fault knob call
  :meth:`Target.fake`, which skips them on a real cluster. Every namespace a test creates is
  unique and deleted afterwards.
* :class:`WatchRecorder` reads a watch stream on a background thread while the test writes.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from kinformer.testing._apiserver._server import FakeApiServer

GOLDEN_DIR = Path(
    os.environ.get(
        "KINFORMER_GOLDEN_DIR",
        Path(__file__).resolve().parents[3] / "shared" / "golden" / "kube-apiserver-1.36",
    )
)
KUBECONFIG_ENV = "KINFORMER_TEST_KUBECONFIG"
ROOT_CA = "kube-root-ca.crt"
"""The ConfigMap a real cluster's controller manager adds to every namespace."""


# --------------------------------------------------------------------------- golden exchanges


@dataclass(frozen=True)
class Exchange:
    """One recorded HTTP exchange of a golden scenario."""

    scenario: str
    seq: int
    note: str
    method: str
    path: str
    status: int
    headers: Mapping[str, str]
    body: Any
    text: str | None

    @property
    def message(self) -> str:
        """The ``Status`` message (or the text body)."""
        if isinstance(self.body, dict):
            return str(self.body.get("message", ""))
        return self.text or ""

    @property
    def events(self) -> list[dict[str, Any]]:
        """The decoded watch events (watch exchanges only)."""
        assert isinstance(self.body, list), f"golden {self.scenario} seq {self.seq} is no watch"
        return self.body

    @property
    def event_types(self) -> list[str]:
        return [event["type"] for event in self.events]

    @property
    def namespace(self) -> str | None:
        """The namespace in the recorded path, if any."""
        parts = self.path.split("?")[0].split("/")
        if "namespaces" in parts:
            index = parts.index("namespaces")
            if index + 1 < len(parts):
                return parts[index + 1]
        return None


@functools.cache
def _scenario(prefix: str) -> dict[str, Any]:
    if not GOLDEN_DIR.is_dir():
        pytest.skip(f"golden transcripts not found in {GOLDEN_DIR} (set KINFORMER_GOLDEN_DIR)")
    matches = sorted(GOLDEN_DIR.glob(f"{prefix}-*.json"))
    assert len(matches) == 1, f"no single golden scenario {prefix!r}: {matches}"
    data: dict[str, Any] = json.loads(matches[0].read_text())
    return data


def golden(scenario: str, seq: int) -> Exchange:
    """Exchange ``seq`` of golden scenario ``scenario`` (a file prefix such as ``"04"``)."""
    data = _scenario(scenario)
    for raw in data["exchanges"]:
        if raw["seq"] == seq:
            return Exchange(
                scenario=scenario,
                seq=seq,
                note=raw.get("note", ""),
                method=raw["method"],
                path=raw["path"],
                status=raw["status"],
                headers={k.lower(): v for k, v in raw.get("response_headers", {}).items()},
                body=raw.get("response_body"),
                text=raw.get("response_body_text"),
            )
    raise AssertionError(f"golden {scenario} has no seq {seq}")


def _substitute(value: Any, substitutions: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in substitutions.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _substitute(v, substitutions) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, substitutions) for v in value]
    return value


STATUS_KEYS = ("kind", "apiVersion", "status", "message", "reason", "code")


def assert_like_golden(
    response: httpx.Response,
    exchange: Exchange,
    *,
    substitutions: Mapping[str, str] | None = None,
    details: bool = True,
) -> None:
    """Same status code, and for errors the same ``Status`` (kind, reason, message, code,
    details) or the same text body, with run-specific names substituted."""
    subs = dict(substitutions or {})
    where = f"golden {exchange.scenario} seq {exchange.seq} ({exchange.note})"
    assert response.status_code == exchange.status, (
        f"{where}: status {response.status_code} != {exchange.status}: {response.text[:500]}"
    )
    if exchange.text is not None:
        assert response.text == _substitute(exchange.text, subs), where
        expected_type = exchange.headers.get("content-type")
        assert response.headers.get("content-type") == expected_type, where
        return
    if isinstance(exchange.body, dict) and exchange.body.get("kind") == "Status":
        assert response.headers.get("content-type") == "application/json", where
        got = response.json()
        want = _substitute(exchange.body, subs)
        for key in STATUS_KEYS:
            assert got.get(key) == want.get(key), f"{where}: {key}: {got.get(key)!r}"
        if details:
            got_details = got.get("details")
            want_details = want.get("details")
            if want_details is None:
                assert got_details is None, f"{where}: unexpected details {got_details!r}"
            else:
                assert isinstance(got_details, dict), f"{where}: no details"
                assert sorted(got_details) == sorted(want_details), where
                for key in ("name", "kind", "group", "retryAfterSeconds", "causes"):
                    if key in want_details:
                        assert got_details[key] == want_details[key], f"{where}: details.{key}"


# --------------------------------------------------------------------------- targets


@dataclass
class Target:
    """Where the scenario suite sends its raw HTTP requests."""

    client: httpx.Client
    base_url: str
    server: FakeApiServer | None
    token: str | None
    verify: ssl.SSLContext | bool
    cert: tuple[str, str] | None = None
    _namespaces: list[str] = field(default_factory=list)

    @property
    def real(self) -> bool:
        return self.server is None

    def fake(self) -> FakeApiServer:
        """The fake server, for fault knobs; skips the test on a real cluster."""
        if self.server is None:
            pytest.skip("needs a fault knob of the fake API server")
        return self.server

    def new_client(self, **options: Any) -> httpx.Client:
        """Another client for the same target (for example with other credentials)."""
        return httpx.Client(
            base_url=self.base_url, verify=self.verify, cert=self.cert, timeout=30, **options
        )

    def namespace(self, prefix: str = "kf") -> str:
        """Create a unique namespace, deleted when the test ends."""
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        answer = self.client.post(
            "/api/v1/namespaces",
            json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        )
        assert answer.status_code == 201, answer.text
        self._namespaces.append(name)
        return name

    def cleanup(self) -> None:
        for name in self._namespaces:
            self.client.delete(f"/api/v1/namespaces/{name}")

    def create(self, path: str, obj: dict[str, Any], **params: str) -> dict[str, Any]:
        answer = self.client.post(path, json=obj, params=params)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def configmap(
        self, namespace: str, name: str, data: Mapping[str, str] | None = None, **meta: Any
    ) -> dict[str, Any]:
        obj = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, **meta},
            "data": dict(data or {}),
        }
        return self.create(f"/api/v1/namespaces/{namespace}/configmaps", obj)

    def merge_patch(self, path: str, patch: dict[str, Any]) -> httpx.Response:
        return self.client.patch(
            path,
            content=orjson.dumps(patch),
            headers={"Content-Type": "application/merge-patch+json"},
        )

    def list_rv(self, path: str) -> str:
        answer = self.client.get(path)
        assert answer.status_code == 200, answer.text
        rv: str = answer.json()["metadata"]["resourceVersion"]
        return rv

    def watch(
        self, path: str, *, headers: Mapping[str, str] | None = None, **params: str
    ) -> WatchRecorder:
        return WatchRecorder(self, path, params, headers)


def names(listing: Mapping[str, Any]) -> list[str]:
    """Item names of a list body, without the real cluster's ``kube-root-ca.crt``."""
    return [
        item["metadata"]["name"] for item in listing["items"] if item["metadata"]["name"] != ROOT_CA
    ]


def without_root_ca(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        event
        for event in events
        if event["type"] == "BOOKMARK" or event["object"]["metadata"].get("name") != ROOT_CA
    ]


class WatchRecorder:
    """Reads one watch stream on a thread; the test writes meanwhile, then inspects events."""

    def __init__(
        self,
        target: Target,
        path: str,
        params: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.events: list[dict[str, Any]] = []
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self.body: bytes = b""
        self.ended = threading.Event()
        self.error: BaseException | None = None
        self._opened = threading.Event()
        self._changed = threading.Condition()
        self._client = target.new_client(headers={**target.client.headers, **(headers or {})})
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, args=(path, dict(params)), daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "the watch did not open"

    def _run(self, path: str, params: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", path, params=params) as response:
                self._response = response
                self.status = response.status_code
                self.headers = response.headers
                self._opened.set()
                if response.status_code != 200:
                    self.body = response.read()
                    return
                for line in response.iter_lines():
                    if line:
                        with self._changed:
                            self.events.append(orjson.loads(line))
                            self._changed.notify_all()
        except BaseException as error:
            self.error = error
        finally:
            self._opened.set()
            self.ended.set()
            with self._changed:
                self._changed.notify_all()

    @property
    def types(self) -> list[str]:
        return [event["type"] for event in self.events]

    def wait_for(
        self, condition: Callable[[list[dict[str, Any]]], bool], timeout: float = 10
    ) -> list[dict[str, Any]]:
        """Wait until ``condition(events)`` holds; fail if the stream ends or time runs out."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self.events):
                if self.ended.is_set():
                    raise AssertionError(
                        f"watch ended first; events {self.types}, error {self.error!r}"
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"watch condition not met; events {self.types}")
                self._changed.wait(min(remaining, 0.1))
            return list(self.events)

    def wait_count(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        return self.wait_for(lambda events: len(events) >= count, timeout)

    def wait_end(self, timeout: float = 15) -> list[dict[str, Any]]:
        assert self.ended.wait(timeout), f"the watch did not end; events {self.types}"
        return list(self.events)

    def close(self) -> None:
        """Hang up (a shutdown of the socket wakes the reader thread at once)."""
        response = self._response
        if response is not None and not self.ended.is_set():
            stream = response.extensions.get("network_stream")
            sock = None if stream is None else stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._client.close()

    def __enter__(self) -> WatchRecorder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _real_target(kubeconfig: str) -> Target:
    kubernetes = pytest.importorskip("kubernetes")
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    headers: dict[str, str] = {}
    authorization = configuration.api_key.get("authorization") or configuration.api_key.get(
        "BearerToken"
    )
    if authorization:
        prefix = configuration.api_key_prefix.get("authorization", "")
        headers["Authorization"] = f"{prefix} {authorization}".strip()
    verify: ssl.SSLContext | bool = configuration.verify_ssl
    if configuration.ssl_ca_cert:
        verify = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    cert = None
    if configuration.cert_file and configuration.key_file:
        cert = (configuration.cert_file, configuration.key_file)
    base_url = configuration.host.rstrip("/")
    client = httpx.Client(base_url=base_url, headers=headers, verify=verify, cert=cert, timeout=30)
    return Target(client, base_url, None, None, verify, cert)


@functools.cache
def _plain_http_context() -> ssl.SSLContext:
    """One client SSL context for every plain-HTTP test client: building one per client
    (certifi's bundle) costs more than starting a fake server."""
    return ssl.create_default_context()


@pytest.fixture(name="api")
def api_fixture() -> Iterator[Target]:
    """A fresh fake API server, or the real cluster of ``KINFORMER_TEST_KUBECONFIG``."""
    kubeconfig = os.environ.get(KUBECONFIG_ENV)
    if kubeconfig:
        target = _real_target(kubeconfig)
        try:
            yield target
        finally:
            target.cleanup()
            target.client.close()
        return
    with FakeApiServer() as server:
        client = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {server.token}"},
            timeout=30,
            verify=_plain_http_context(),
        )
        target = Target(client, server.url, server, server.token, _plain_http_context())
        try:
            yield target
        finally:
            client.close()


def _raw_exchange(scenario: str, seq: int) -> dict[str, Any]:
    for raw in _scenario(scenario)["exchanges"]:
        if raw["seq"] == seq:
            found: dict[str, Any] = raw
            return found
    raise AssertionError(f"golden {scenario} has no seq {seq}")


def replay(
    target: Target,
    scenario: str,
    seq: int,
    namespace: str | None = None,
    *,
    body: Any = None,
    check: bool = True,
    details: bool = True,
    client: httpx.Client | None = None,
    substitutions: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Send the request of golden ``scenario`` ``seq`` again (its namespace replaced by
    ``namespace``, its body by ``body`` when given) and assert the answer is like golden."""
    raw = _raw_exchange(scenario, seq)
    exchange = golden(scenario, seq)
    subs: dict[str, str] = dict(substitutions or {})
    if namespace is not None and exchange.namespace is not None:
        subs[exchange.namespace] = namespace
    request_headers = {k.lower(): v for k, v in raw.get("request_headers", {}).items()}
    headers = {
        name: request_headers[name]
        for name in ("accept", "content-type", "if-none-match")
        if name in request_headers
    }
    if body is not None:
        content = orjson.dumps(body)
    elif "request_body" in raw and raw["request_body"] is not None:
        content = orjson.dumps(_substitute(raw["request_body"], subs))
    elif raw.get("request_body_text") is not None:
        content = _substitute(raw["request_body_text"], subs).encode()
    else:
        content = b""
    path = _substitute(raw["path"], subs)
    sender = client or target.client
    answer = sender.request(raw["method"], path, content=content or None, headers=headers)
    if check:
        assert_like_golden(answer, exchange, substitutions=subs, details=details)
    return answer


RUN_SPECIFIC = ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp")


def comparable(obj: Mapping[str, Any], substitutions: Mapping[str, str] | None = None) -> Any:
    """``obj`` without run-specific values: metadata values in :data:`RUN_SPECIFIC` become
    ``"<set>"``, ``managedFields`` is dropped, generated names keep only their prefix."""
    result = dict(_substitute(dict(obj), dict(substitutions or {})))
    meta = dict(result.get("metadata") or {})
    meta.pop("managedFields", None)
    for key in RUN_SPECIFIC:
        if key in meta:
            meta[key] = "<set>"
    if "generateName" in meta and "name" in meta and meta["name"] != "explicit":
        meta["name"] = meta["generateName"] + "<generated>"
    result["metadata"] = meta
    return result


def assert_object_like(
    response: httpx.Response,
    exchange: Exchange,
    *,
    substitutions: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Same status and the same object, run-specific values aside."""
    assert_like_golden(response, exchange, substitutions=substitutions)
    got: dict[str, Any] = response.json()
    assert comparable(got) == comparable(exchange.body, substitutions), (
        f"golden {exchange.scenario} seq {exchange.seq} ({exchange.note})"
    )
    return got
