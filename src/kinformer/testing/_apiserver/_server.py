"""``FakeApiServer``: a real HTTP(S) server on loopback with kube-apiserver's semantics.

This module wires the three parts together: the engine (``ApiServerState``: resources,
storage, resourceVersions, list and watch semantics, errors), the HTTP layer
(:class:`~._http.HttpServer`: one background thread with its own event loop) and the admin
endpoints. It owns the private temporary directory that holds the CA and the kubeconfig.
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import dataclasses
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, final

import yaml

from ._admin import (
    AddToken,
    AdminCommand,
    Compact,
    CutNextResponse,
    DropWatches,
    FailNext,
    GetCounters,
    ResetWatches,
    Restart,
    ResumeWatches,
    SetLatency,
    StallWatches,
    json_response,
)
from ._auth import TokenAuthenticator, generate_token
from ._engine import ApiServerState, RequestRecord
from ._http import HttpServer, HttpStats
from ._protocol import ApiResponse, UserInfo
from ._tls import TLSMaterial, generate_tls

__all__ = ["FakeApiServer"]

CONTEXT_NAME: Final = "kinformer-fake"
ADMIN_USER_NAME: Final = "kinformer-admin"

Object = dict[str, Any]


@final
class FakeApiServer:
    """A loopback Kubernetes API server for tests, demos and benchmarks.

    It speaks the real protocol (HTTP/1.1, JSON, chunked watch streams, bearer tokens,
    optional TLS with a generated CA) with kube-apiserver's semantics as recorded in the
    golden transcripts: any client works against it, not only kinformer's. The server always
    runs on its own thread with its own event loop, so a test whose loop is blocked cannot
    stall it, and the same object works with ``with`` and ``async with``.

    Example:
        >>> import httpx
        >>> from kinformer.testing import FakeApiServer
        >>> with FakeApiServer() as server:
        ...     _ = server.create({"apiVersion": "v1", "kind": "ConfigMap",
        ...                        "metadata": {"name": "demo", "namespace": "default"},
        ...                        "data": {"greeting": "hello"}})
        ...     answer = httpx.get(f"{server.url}/api/v1/namespaces/default/configmaps/demo",
        ...                        headers={"Authorization": f"Bearer {server.token}"})
        ...     answer.status_code, answer.json()["data"]
        (200, {'greeting': 'hello'})

    Args:
        tls: serve HTTPS with a certificate signed by a fresh CA (needs ``trustme``);
            ``ca_path`` / ``ca_pem`` give the CA to trust.
        host: address to bind; loopback unless told otherwise.
        port: port to bind; 0 picks a free one. ``restart()`` keeps it.
        token: the admin bearer token (default: a random one); the admin may do anything,
            including the ``/_kinformer/`` admin endpoints.
        history_limit: how many events the engine keeps for watches (the engine's default
            when ``None``); older resourceVersions get 410 Expired.
        bookmark_interval: seconds between periodic bookmarks on watches that asked for
            them (60, like the real watch cache; tests use small values). One more is sent
            shortly before ``timeoutSeconds`` end.
        seed: objects stored before the server starts (no HTTP, no watch events).

    Contract: requests are served concurrently; the engine is the only shared state and is
    thread-safe. Fault knobs and pass-throughs may be called from any thread while the
    server runs. Race warning: a knob affects what is open *when it is called*; a watch that
    the client has not opened yet is not stalled or reset.
    """

    def __init__(
        self,
        *,
        tls: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        history_limit: int | None = None,
        bookmark_interval: float = 60.0,
        seed: Iterable[Mapping[str, Any]] | None = None,
    ) -> None:
        self._token = token if token is not None else generate_token()
        self._admin = UserInfo(ADMIN_USER_NAME)
        self._auth = TokenAuthenticator({self._token: self._admin})
        options: dict[str, Any] = {"wall_clock": time.time}
        if history_limit is not None:
            options["history_limit"] = history_limit
        self._state = ApiServerState(**options)
        if seed is not None:
            self._state.seed(seed)
        self._host = host
        self._tls = tls
        self._material: TLSMaterial | None = generate_tls(host) if tls else None
        self._dir: Path | None = None
        self._http = HttpServer(
            self._state.handle,
            self._auth,
            admin_user=self._admin,
            run_admin=self._run_admin,
            restart_engine=self._state.restart,
            host=host,
            port=port,
            ssl_context=None if self._material is None else self._material.server_context(),
            bookmark_interval=bookmark_interval,
        )
        self._started = False
        self._closed = False

    def __repr__(self) -> str:
        where = self.url if self._started and not self._closed else "not running"
        return f"<FakeApiServer {where}>"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start serving (``with`` does it for you); returns once the port is bound."""
        if self._started:
            raise RuntimeError("FakeApiServer.start() was already called")
        self._started = True
        self._dir = Path(tempfile.mkdtemp(prefix="kinformer-fake-apiserver-"))
        try:
            if self._material is not None:
                (self._dir / "ca.crt").write_bytes(self._material.ca_pem)
            self._http.start()
            self._write_kubeconfig()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop serving, close every connection, remove the temporary files. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._http.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.close)

    # ------------------------------------------------------------------ where and who

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123`` (no trailing slash)."""
        if not self._started:
            raise RuntimeError("the server is not started")
        host = self._host
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if self._tls else "http"
        return f"{scheme}://{host}:{self._http.bound_port}"

    @property
    def port(self) -> int:
        """The bound port."""
        return self._http.bound_port

    @property
    def token(self) -> str:
        """The admin bearer token."""
        return self._token

    @property
    def ca_pem(self) -> bytes | None:
        """The CA certificate (PEM) to trust, or ``None`` without TLS."""
        return None if self._material is None else self._material.ca_pem

    @property
    def ca_path(self) -> Path | None:
        """A file holding :attr:`ca_pem` (removed on exit), or ``None`` without TLS."""
        if self._material is None or self._dir is None:
            return None
        return self._dir / "ca.crt"

    @property
    def kubeconfig_path(self) -> Path:
        """A kubeconfig for this server (cluster, admin user, context, current-context).

        The file lives in a private temporary directory removed on exit.
        """
        if self._dir is None:
            raise RuntimeError("the server is not started")
        return self._dir / "kubeconfig"

    @property
    def state(self) -> ApiServerState:
        """The engine, for everything the pass-throughs below do not cover."""
        return self._state

    def add_token(
        self,
        token: str,
        *,
        user: str,
        namespaces: Iterable[str] | None = None,
        verbs: Iterable[str] | None = None,
    ) -> None:
        """Accept ``token`` as ``user``, limited to ``namespaces`` / ``verbs`` when given.

        A limited user gets 403 Forbidden (kube-apiserver's RBAC texts) outside its
        namespaces or verbs; an unknown token gets 401 on every path.
        """
        self._auth.add(
            token,
            UserInfo(
                user,
                groups=("system:authenticated",),
                namespaces=None if namespaces is None else frozenset(namespaces),
                verbs=None if verbs is None else frozenset(verbs),
            ),
        )

    # ------------------------------------------------------------------ engine pass-throughs

    def create(self, obj: Mapping[str, Any]) -> Object:
        """Create ``obj`` as the admin would over HTTP; returns the stored object."""
        return self._state.create(obj)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Object:
        """The stored object (raises ``NotFoundError``)."""
        return self._state.get(api_version, kind, name, namespace)

    def update(self, obj: Mapping[str, Any]) -> Object:
        """Replace an object (409 Conflict rules apply when it has a resourceVersion)."""
        return self._state.update(obj)

    def update_status(self, obj: Mapping[str, Any]) -> Object:
        """Replace an object's ``status`` through the status subresource."""
        return self._state.update_status(dict(obj))

    def patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        patch: Any,
        namespace: str | None = None,
        patch_type: str = "merge",
    ) -> Object:
        """Patch an object: ``merge`` (RFC 7386), ``json`` (RFC 6902) or ``strategic``."""
        return self._state.patch(api_version, kind, name, patch, namespace, patch_type)

    def delete(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> Object | None:
        """Delete an object; returns it if finalizers keep it, ``None`` once it is gone."""
        return self._state.delete(api_version, kind, name, namespace)

    def list(self, api_version: str, kind: str, namespace: str | None = None) -> list[Object]:
        """The stored objects of a kind (in one namespace, or all), in key order."""
        return self._state.list(api_version, kind, namespace)

    def seed(self, objects: Iterable[Mapping[str, Any]]) -> int:
        """Store many objects at once without HTTP (fast bulk load); returns the count."""
        return self._state.seed(objects)

    @property
    def revision(self) -> int:
        """The current global revision (the newest resourceVersion)."""
        return self._state.revision

    @property
    def requests(self) -> builtins.list[RequestRecord]:
        """Every request the engine handled, in order (verb, resource, parameters)."""
        return self._state.requests

    def request_counts(self) -> Counter[tuple[str, str]]:
        """How many requests of each ``(verb, resource)`` the engine handled."""
        return self._state.request_counts()

    def http_stats(self) -> HttpStats:
        """What the HTTP layer counted: requests, 401s, bytes, watch streams, connections."""
        return self._http.stats()

    # ------------------------------------------------------------------ fault knobs

    def drop_watches(self) -> None:
        """End every open watch cleanly: the client sees the stream end without an error."""
        self._state.drop_watches()

    def reset_watches(self) -> int:
        """Abort the TCP connections of every open watch (the client sees a reset)."""
        return self._http.reset_watches()

    def stall_watches(self, seconds: float | None = None) -> int:
        """Stop writing to open watches (events, bookmarks, their end) for ``seconds``.

        ``None`` stalls them until :meth:`resume_watches`. Returns how many were stalled.
        """
        return self._http.stall_watches(seconds)

    def resume_watches(self) -> None:
        """End a stall at once."""
        self._http.resume_watches()

    def cut_next_response(self, verb: str = "watch", *, count: int = 1) -> None:
        """Cut the next ``watch`` stream or ``list`` answer in the middle of a JSON line.

        The bytes before the cut are sent, then the connection is closed: the client sees
        an incomplete body (``Content-Length`` not reached, or a chunk left unfinished). A
        list is cut halfway through its body; a watch at its first batch of events: every
        event but the last arrives whole, the last one half (a watch opened after this call,
        whatever its events). Other verbs and non-200 answers are never cut.
        """
        self._http.cut_next_response(verb, count)

    def fail_next(
        self,
        verb: str,
        count: int = 1,
        *,
        code: int,
        reason: str = "",
        message: str = "",
        retry_after: int | None = None,
        resource: str | None = None,
    ) -> None:
        """The next ``count`` ``verb`` requests get a ``Status`` error ``code`` (engine)."""
        self._state.fail_next(
            verb,
            count,
            code=code,
            reason=reason,
            message=message,
            retry_after=retry_after,
            resource=resource,
        )

    def set_latency(self, seconds: float) -> None:
        """Delay every request by ``seconds`` before it is handled (0 turns it off)."""
        self._http.set_latency(seconds)

    def compact(self, revision: int | None = None) -> None:
        """Forget history up to ``revision`` (default: now): older RVs get 410 Expired."""
        self._state.compact(revision)

    def restart(self, *, keep_data: bool = True) -> None:
        """Close every connection and restart the engine; the port is kept.

        With ``keep_data=False`` the store starts empty and resourceVersions go backwards,
        as after an etcd wipe.
        """
        self._http.restart(keep_data)

    # ------------------------------------------------------------------ internals

    def _run_admin(self, command: AdminCommand) -> ApiResponse:
        """Execute an admin endpoint's command (called on a handler thread)."""
        actions: dict[type, Callable[[Any], object]] = {
            DropWatches: lambda _: self.drop_watches(),
            ResetWatches: lambda _: {"watches": self.reset_watches()},
            StallWatches: lambda c: {"watches": self.stall_watches(c.seconds)},
            ResumeWatches: lambda _: self.resume_watches(),
            CutNextResponse: lambda c: self.cut_next_response(c.verb, count=c.count),
            FailNext: lambda c: self.fail_next(
                c.verb,
                c.count,
                code=c.code,
                reason=c.reason,
                message=c.message,
                retry_after=c.retry_after,
                resource=c.resource,
            ),
            SetLatency: lambda c: self.set_latency(c.seconds),
            Compact: lambda c: self.compact(c.revision),
            Restart: lambda c: self.restart(keep_data=c.keep_data),
            AddToken: lambda c: self.add_token(
                c.token, user=c.user, namespaces=c.namespaces, verbs=c.verbs
            ),
            GetCounters: lambda _: {
                "requests": [
                    {"verb": verb, "resource": resource, "count": count}
                    for (verb, resource), count in sorted(self.request_counts().items())
                ],
                "http": _stats_dict(self.http_stats()),
                "revision": self.revision,
            },
        }
        extra = actions[type(command)](command)
        payload: dict[str, Any] = {"ok": True}
        if isinstance(extra, dict):
            payload.update(extra)
        return json_response(200, payload)

    def _write_kubeconfig(self) -> None:
        assert self._dir is not None
        cluster: dict[str, Any] = {"server": self.url}
        if self._material is not None:
            cluster["certificate-authority-data"] = base64.b64encode(self._material.ca_pem).decode()
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": CONTEXT_NAME, "cluster": cluster}],
            "users": [{"name": ADMIN_USER_NAME, "user": {"token": self._token}}],
            "contexts": [
                {
                    "name": CONTEXT_NAME,
                    "context": {"cluster": CONTEXT_NAME, "user": ADMIN_USER_NAME},
                }
            ],
            "current-context": CONTEXT_NAME,
            "preferences": {},
        }
        path = self.kubeconfig_path
        path.touch(mode=0o600)
        path.write_text(yaml.safe_dump(config, sort_keys=False))


def _stats_dict(stats: HttpStats) -> dict[str, int]:
    return dataclasses.asdict(stats)
