"""The HTTP clients: :class:`Client` (threads) and :class:`AsyncClient` (asyncio), over httpx.

Both are thin drivers of the same pure pieces: :mod:`._requests` builds every request,
:mod:`._wire` decodes watch streams and turns error answers into typed :class:`ApiError`
(with the ``Status`` and ``Retry-After``), :class:`~._auth.KubeAuth` authenticates, and
:func:`translate_transport_error` turns httpx's connection failures into
:class:`RefusedConnectionError` (connection refused: retriable, spec A-46) or
:class:`TransportError` (TLS verification failures name the server; nothing is ever retried
without verification).

Resources are given as a :class:`ResourceInfo` or as a name kubectl accepts (``pods``,
``deploy``, ``deployments.apps``, a CRD's plural or short name), resolved through cached
discovery. ``namespace=None`` lists and watches all namespaces; it is ignored for
cluster-scoped resources. For ``create`` it defaults to the object's namespace, then the
client's (the context's) namespace.

A race to know about: a ``watch`` context manager returns only after the server accepted
the watch, but events start flowing only once you iterate.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, Final, Self, TypeVar, final
from urllib.parse import urlsplit

import httpx
import orjson

from kinformer._errors import ConfigError, RefusedConnectionError, TransportError
from kinformer._version import __version__

from ._auth import KubeAuth, load_client_cert, ssl_context
from ._config import ClientConfig
from ._discovery import AsyncDiscovery, Discovery
from ._incluster import in_cluster_config
from ._kubeconfig import load_kubeconfig
from ._requests import (
    Call,
    create_call,
    decode_object,
    delete_call,
    get_call,
    list_call,
    object_namespace,
    patch_call,
    replace_call,
    watch_call,
)
from ._resolver import ResourceInfo
from ._wire import ListOptions, PatchType, WatchDecoder, WatchEvent, error_from_response

__all__ = ["AsyncClient", "Client", "WatchEvents", "translate_transport_error"]

_NO_OPTIONS: Final = ListOptions()
_T = TypeVar("_T")
_CONNECT_TIMEOUT: Final = 30.0
# A watch answers nothing between events; the server closes it after timeoutSeconds, so the
# read timeout only needs to catch a dead connection (the reflector also detects stalls).
_WATCH_READ_GRACE: Final = 30.0


def translate_transport_error(error: httpx.TransportError, server: str) -> TransportError:
    """The kinformer error for an httpx connection-level failure talking to ``server``."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return RefusedConnectionError(f"connection refused by {server}")
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TransportError(
                f"TLS verification failed for {server}: {getattr(cause, 'verify_message', None) or cause}; "
                "check certificate-authority and tls-server-name"
            )
        if isinstance(cause, ssl.SSLError):
            return TransportError(
                f"TLS handshake with {server} failed: {getattr(cause, 'reason', None) or cause}"
            )
        if isinstance(cause, BaseExceptionGroup) and all(
            isinstance(inner, ConnectionRefusedError) for inner in cause.exceptions
        ):
            return RefusedConnectionError(f"connection refused by {server}")  # every address
        cause = cause.__cause__ or cause.__context__
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return TransportError(f"TLS verification failed for {server}: {text}")
    if "Connection refused" in text or "[Errno 111]" in text:
        return RefusedConnectionError(f"connection refused by {server}")
    if isinstance(error, httpx.TimeoutException):
        return TransportError(f"timed out talking to {server} ({type(error).__name__})")
    if isinstance(error, httpx.RemoteProtocolError):
        return TransportError(f"connection to {server} broken: {text or type(error).__name__}")
    return TransportError(f"cannot talk to {server}: {text or type(error).__name__}")


def _timeout(read: float | None) -> httpx.Timeout:
    return httpx.Timeout(connect=_CONNECT_TIMEOUT, read=read, write=read, pool=None)


def _watch_timeout(params: ListOptions) -> httpx.Timeout:
    if params.timeout_seconds is None:
        return _timeout(None)
    return _timeout(params.timeout_seconds + _WATCH_READ_GRACE)


def _build(factory: Callable[..., _T], settings: dict[str, Any], config: ClientConfig) -> _T:
    """``factory(**settings)``, with a :class:`ConfigError` for an unusable ``proxy-url``."""
    try:
        return factory(**settings)
    except (ImportError, ValueError) as error:  # socks5:// needs the optional socksio package
        proxy = urlsplit(config.proxy_url or "")
        shown = f"{proxy.scheme}://{proxy.hostname}" + (f":{proxy.port}" if proxy.port else "")
        raise ConfigError(f"{config.source}: proxy-url {shown}: {error}") from None


@final
class WatchEvents:
    """The events of an open watch (iterate once); :meth:`close` ends it from any thread.

    Closing shuts the connection's socket down, which wakes a thread blocked reading it (a
    plain ``close`` of the socket would not); that thread's iteration then ends with a
    :class:`TransportError` or stops. Used by reflectors to abandon a stalled stream and
    to stop promptly.
    """

    __slots__ = ("_events", "_response")

    def __init__(self, events: Iterator[WatchEvent], response: httpx.Response) -> None:
        self._events = events
        self._response = response

    def __iter__(self) -> Iterator[WatchEvent]:
        return self._events

    def __next__(self) -> WatchEvent:
        return next(self._events)

    def close(self) -> None:
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Base:
    """What both clients share: configuration, TLS, auth, httpx settings."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        timeout: float | None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
    ) -> None:
        self._config = config
        self._ssl = ssl_context(config) if config.server.startswith("https:") else None
        self._auth = KubeAuth(config, on_client_cert=self._on_client_cert)
        self._timeout = timeout
        self._settings: dict[str, Any] = {
            "base_url": config.server,
            "auth": self._auth,
            "timeout": _timeout(timeout),
            "headers": {"User-Agent": config.user_agent or f"kinformer/{__version__}"},
            "trust_env": False,
        }
        if transport is None:
            if self._ssl is not None:
                self._settings["verify"] = self._ssl
            if config.proxy_url:
                self._settings["proxy"] = config.proxy_url
        else:
            self._settings["transport"] = transport
        self._extensions: dict[str, Any] = (
            {"sni_hostname": config.tls_server_name} if config.tls_server_name else {}
        )

    def _on_client_cert(self, cert: bytes, key: bytes) -> None:
        if self._ssl is not None:
            load_client_cert(self._ssl, cert, key, where=f"{self._config.source}: exec plugin")

    @property
    def config(self) -> ClientConfig:
        """The configuration this client was built from."""
        return self._config

    @property
    def namespace(self) -> str:
        """The default namespace (the context's, or the pod's in-cluster)."""
        return self._config.namespace

    @property
    def exec_runs(self) -> int:
        """How many times the exec credential plugin ran."""
        return self._auth.exec_runs

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(server={self._config.server!r}, source={self._config.source!r})"
        )

    def _create_namespace(
        self, info: ResourceInfo, body: Mapping[str, Any], namespace: str | None
    ) -> str | None:
        if not info.namespaced:
            return None
        return namespace or object_namespace(body) or self._config.namespace


class Client(_Base):
    """A threads client for one API server (httpx.Client with a connection pool).

    Thread-safe. Use it as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        timeout: float | None = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(config, timeout=timeout, transport=transport)
        self._http = _build(httpx.Client, self._settings, config)
        self.discovery = Discovery(self._fetch_discovery)

    @classmethod
    def from_kubeconfig(
        cls, path: str | os.PathLike[str] | None = None, *, context: str | None = None
    ) -> Self:
        """A client for ``context`` (default: the current one) of a kubeconfig (see :func:`load_kubeconfig`)."""
        return cls(load_kubeconfig(path, context=context))

    @classmethod
    def in_cluster(cls, *, base_dir: str | os.PathLike[str] | None = None) -> Self:
        """A client for the pod's service account (see :func:`in_cluster_config`)."""
        return cls(in_cluster_config(base_dir=base_dir))

    @classmethod
    def from_config(cls, config: ClientConfig) -> Self:
        """A client for ``config``."""
        return cls(config)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def resolve(self, resource: ResourceInfo | str) -> ResourceInfo:
        """``resource`` itself, or the :class:`ResourceInfo` discovery gives for a name."""
        return resource if isinstance(resource, ResourceInfo) else self.discovery.resolve(resource)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; answers with status >= 400 raise :class:`ApiError`."""
        if json is not None:
            content = orjson.dumps(json)
            headers = {"Content-Type": "application/json", **(headers or {})}
        return self._send(Call(method, path, dict(params or {}), dict(headers or {}), content))

    def _send(self, call: Call, *, timeout: httpx.Timeout | None = None) -> httpx.Response:
        request = self._http.build_request(
            call.method,
            call.path,
            params=call.params,
            headers=call.headers,
            content=call.content,
            extensions=self._extensions,
            timeout=timeout if timeout is not None else self._settings["timeout"],
        )
        try:
            response = self._http.send(request)
        except httpx.TransportError as error:
            raise translate_transport_error(error, self._config.server) from None
        if response.status_code >= 400:
            raise error_from_response(
                response.status_code,
                response.content,
                content_type=response.headers.get("content-type"),
                retry_after=response.headers.get("retry-after"),
            )
        return response

    def _fetch_discovery(self, path: str, accept: str) -> tuple[str, dict[str, Any]]:
        response = self._send(Call("GET", path, {}, {"Accept": accept}))
        return response.headers.get("content-type", ""), decode_object(response.content)

    def list(
        self,
        resource: ResourceInfo | str,
        *,
        namespace: str | None = None,
        params: ListOptions = _NO_OPTIONS,
    ) -> dict[str, Any]:
        """One list page: ``{"metadata": {"resourceVersion", "continue"}, "items": [...]}``."""
        info = self.resolve(resource)
        return decode_object(
            self._send(list_call(info, namespace=namespace, params=params)).content
        )

    @contextlib.contextmanager
    def watch(
        self,
        resource: ResourceInfo | str,
        *,
        namespace: str | None = None,
        params: ListOptions = _NO_OPTIONS,
    ) -> Iterator[WatchEvents]:
        """Open a watch; yields an iterator of :class:`WatchEvent` that ends when the server closes it.

        Opening raises :class:`ApiError` for an HTTP error answer, :class:`TransportError`
        when the server cannot be reached. Iterating raises :class:`ApiError` for an
        ``ERROR`` event, :class:`WatchStreamError` for a malformed or truncated stream and
        :class:`TransportError` when the connection breaks. Leaving the block closes the
        stream.
        """
        info = self.resolve(resource)
        call = watch_call(info, namespace=namespace, params=params)
        request = self._http.build_request(
            call.method,
            call.path,
            params=call.params,
            headers=call.headers,
            extensions=self._extensions,
            timeout=_watch_timeout(params),
        )
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as error:
            raise translate_transport_error(error, self._config.server) from None
        try:
            if response.status_code >= 400:
                body = response.read()
                raise error_from_response(
                    response.status_code,
                    body,
                    content_type=response.headers.get("content-type"),
                    retry_after=response.headers.get("retry-after"),
                )
            yield WatchEvents(self._events(response), response)
        finally:
            response.close()

    def _events(self, response: httpx.Response) -> Iterator[WatchEvent]:
        decoder = WatchDecoder()
        try:
            for chunk in response.iter_bytes():
                yield from decoder.feed(chunk)
        except httpx.TransportError as error:
            raise translate_transport_error(error, self._config.server) from None
        except httpx.StreamClosed:
            return
        decoder.close()

    def get(
        self,
        resource: ResourceInfo | str,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        as_metadata: bool = False,
    ) -> dict[str, Any]:
        """One object; raises :class:`NotFoundError` when it does not exist."""
        info = self.resolve(resource)
        namespace = namespace or (self.namespace if info.namespaced else None)
        call = get_call(
            info, name, namespace=namespace, subresource=subresource, as_metadata=as_metadata
        )
        return decode_object(self._send(call).content)

    def create(
        self,
        resource: ResourceInfo | str,
        body: Mapping[str, Any],
        *,
        namespace: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Create ``body``; returns the object as stored (raises :class:`AlreadyExistsError`)."""
        info = self.resolve(resource)
        ns = self._create_namespace(info, body, namespace)
        call = create_call(info, body, namespace=ns, field_manager=field_manager, dry_run=dry_run)
        return decode_object(self._send(call).content)

    def replace(
        self,
        resource: ResourceInfo | str,
        body: Mapping[str, Any],
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Replace the object ``body`` names (raises :class:`ConflictError` on a stale resourceVersion)."""
        info = self.resolve(resource)
        ns = self._create_namespace(info, body, namespace)
        call = replace_call(
            info,
            body,
            namespace=ns,
            subresource=subresource,
            field_manager=field_manager,
            dry_run=dry_run,
        )
        return decode_object(self._send(call).content)

    def patch(
        self,
        resource: ResourceInfo | str,
        name: str,
        patch: Mapping[str, Any] | Sequence[Any] | bytes,
        *,
        namespace: str | None = None,
        patch_type: PatchType | str = PatchType.MERGE,
        subresource: str | None = None,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Patch one object (merge patch by default); returns the patched object."""
        info = self.resolve(resource)
        namespace = namespace or (self.namespace if info.namespaced else None)
        call = patch_call(
            info,
            name,
            patch,
            namespace=namespace,
            patch_type=patch_type,
            subresource=subresource,
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
        )
        return decode_object(self._send(call).content)

    def delete(
        self,
        resource: ResourceInfo | str,
        name: str,
        *,
        namespace: str | None = None,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Delete one object; returns what the server answers (the object or a ``Status``)."""
        info = self.resolve(resource)
        namespace = namespace or (self.namespace if info.namespaced else None)
        call = delete_call(
            info,
            name,
            namespace=namespace,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        return decode_object(self._send(call).content)


class AsyncClient(_Base):
    """An asyncio client for one API server (httpx.AsyncClient); the twin of :class:`Client`.

    Use it with ``async with`` or call :meth:`aclose`.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        timeout: float | None = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(config, timeout=timeout, transport=transport)
        self._http = _build(httpx.AsyncClient, self._settings, config)
        self.discovery = AsyncDiscovery(self._fetch_discovery)

    @classmethod
    def from_kubeconfig(
        cls, path: str | os.PathLike[str] | None = None, *, context: str | None = None
    ) -> Self:
        """A client for ``context`` (default: the current one) of a kubeconfig."""
        return cls(load_kubeconfig(path, context=context))

    @classmethod
    def in_cluster(cls, *, base_dir: str | os.PathLike[str] | None = None) -> Self:
        """A client for the pod's service account."""
        return cls(in_cluster_config(base_dir=base_dir))

    @classmethod
    def from_config(cls, config: ClientConfig) -> Self:
        """A client for ``config``."""
        return cls(config)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def resolve(self, resource: ResourceInfo | str) -> ResourceInfo:
        """``resource`` itself, or the :class:`ResourceInfo` discovery gives for a name."""
        if isinstance(resource, ResourceInfo):
            return resource
        return await self.discovery.resolve(resource)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; answers with status >= 400 raise :class:`ApiError`."""
        if json is not None:
            content = orjson.dumps(json)
            headers = {"Content-Type": "application/json", **(headers or {})}
        return await self._send(
            Call(method, path, dict(params or {}), dict(headers or {}), content)
        )

    async def _send(self, call: Call) -> httpx.Response:
        request = self._http.build_request(
            call.method,
            call.path,
            params=call.params,
            headers=call.headers,
            content=call.content,
            extensions=self._extensions,
        )
        try:
            response = await self._http.send(request)
        except httpx.TransportError as error:
            raise translate_transport_error(error, self._config.server) from None
        if response.status_code >= 400:
            raise error_from_response(
                response.status_code,
                response.content,
                content_type=response.headers.get("content-type"),
                retry_after=response.headers.get("retry-after"),
            )
        return response

    async def _fetch_discovery(self, path: str, accept: str) -> tuple[str, dict[str, Any]]:
        response = await self._send(Call("GET", path, {}, {"Accept": accept}))
        return response.headers.get("content-type", ""), decode_object(response.content)

    async def list(
        self,
        resource: ResourceInfo | str,
        *,
        namespace: str | None = None,
        params: ListOptions = _NO_OPTIONS,
    ) -> dict[str, Any]:
        """One list page: ``{"metadata": {"resourceVersion", "continue"}, "items": [...]}``."""
        info = await self.resolve(resource)
        response = await self._send(list_call(info, namespace=namespace, params=params))
        return decode_object(response.content)

    @contextlib.asynccontextmanager
    async def watch(
        self,
        resource: ResourceInfo | str,
        *,
        namespace: str | None = None,
        params: ListOptions = _NO_OPTIONS,
    ) -> AsyncIterator[AsyncIterator[WatchEvent]]:
        """Open a watch; yields an async iterator of :class:`WatchEvent` (see :meth:`Client.watch`)."""
        info = await self.resolve(resource)
        call = watch_call(info, namespace=namespace, params=params)
        request = self._http.build_request(
            call.method,
            call.path,
            params=call.params,
            headers=call.headers,
            extensions=self._extensions,
            timeout=_watch_timeout(params),
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as error:
            raise translate_transport_error(error, self._config.server) from None
        try:
            if response.status_code >= 400:
                body = await response.aread()
                raise error_from_response(
                    response.status_code,
                    body,
                    content_type=response.headers.get("content-type"),
                    retry_after=response.headers.get("retry-after"),
                )
            events = self._events(response)
            try:
                yield events
            finally:
                await events.aclose()
        finally:
            await response.aclose()

    async def _events(self, response: httpx.Response) -> AsyncGenerator[WatchEvent, None]:
        decoder = WatchDecoder()
        try:
            async for chunk in response.aiter_bytes():
                for event in decoder.feed(chunk):
                    yield event
        except httpx.TransportError as error:
            raise translate_transport_error(error, self._config.server) from None
        except httpx.StreamClosed:
            return
        decoder.close()

    async def get(
        self,
        resource: ResourceInfo | str,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        as_metadata: bool = False,
    ) -> dict[str, Any]:
        """One object; raises :class:`NotFoundError` when it does not exist."""
        info = await self.resolve(resource)
        namespace = namespace or (self.namespace if info.namespaced else None)
        call = get_call(
            info, name, namespace=namespace, subresource=subresource, as_metadata=as_metadata
        )
        return decode_object((await self._send(call)).content)

    async def create(
        self,
        resource: ResourceInfo | str,
        body: Mapping[str, Any],
        *,
        namespace: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Create ``body``; returns the object as stored."""
        info = await self.resolve(resource)
        ns = self._create_namespace(info, body, namespace)
        call = create_call(info, body, namespace=ns, field_manager=field_manager, dry_run=dry_run)
        return decode_object((await self._send(call)).content)

    async def replace(
        self,
        resource: ResourceInfo | str,
        body: Mapping[str, Any],
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Replace the object ``body`` names."""
        info = await self.resolve(resource)
        ns = self._create_namespace(info, body, namespace)
        call = replace_call(
            info,
            body,
            namespace=ns,
            subresource=subresource,
            field_manager=field_manager,
            dry_run=dry_run,
        )
        return decode_object((await self._send(call)).content)

    async def patch(
        self,
        resource: ResourceInfo | str,
        name: str,
        patch: Mapping[str, Any] | Sequence[Any] | bytes,
        *,
        namespace: str | None = None,
        patch_type: PatchType | str = PatchType.MERGE,
        subresource: str | None = None,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Patch one object (merge patch by default)."""
        info = await self.resolve(resource)
        namespace = namespace or (self.namespace if info.namespaced else None)
        call = patch_call(
            info,
            name,
            patch,
            namespace=namespace,
            patch_type=patch_type,
            subresource=subresource,
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
        )
        return decode_object((await self._send(call)).content)

    async def delete(
        self,
        resource: ResourceInfo | str,
        name: str,
        *,
        namespace: str | None = None,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Delete one object; returns what the server answers."""
        info = await self.resolve(resource)
        namespace = namespace or (self.namespace if info.namespaced else None)
        call = delete_call(
            info,
            name,
            namespace=namespace,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        return decode_object((await self._send(call)).content)
