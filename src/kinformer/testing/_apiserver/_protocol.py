"""The seam between the fake API server's HTTP layer and its semantic engine.

The engine (``ApiServerState``) knows Kubernetes: resources, storage, resourceVersions,
history, list and watch semantics, validation, authorization, ``Status`` errors. It never
touches a socket, a thread or an event loop, and it is thread-safe (one lock).

The HTTP layer (``FakeApiServer``) knows HTTP: it accepts connections (TLS or not),
authenticates the bearer token into a :class:`UserInfo`, turns each request into an
:class:`ApiRequest`, calls ``ApiServerState.handle(request)`` and writes what comes back:

* an :class:`ApiResponse` is written as-is (``Content-Length`` body);
* a :class:`WatchResponse` becomes a ``200`` chunked ``application/json`` stream; the HTTP
  layer writes every line that :meth:`Watch.drain` returns, asks :meth:`Watch.bookmark`
  periodically, ends the stream cleanly when ``timeoutSeconds`` elapse or when the watch is
  :attr:`Watch.closed` and drained, and calls :meth:`Watch.close` when the stream ends for
  any reason (client gone included).

Invariants: every line a watch yields is one complete JSON object followed by ``b"\\n"``;
lines are yielded in revision order; ``drain`` never blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["ApiRequest", "ApiResponse", "UserInfo", "Watch", "WatchResponse"]


@dataclass(frozen=True, slots=True)
class UserInfo:
    """Who sent the request, as authenticated by the HTTP layer.

    ``namespaces`` / ``verbs`` of ``None`` mean "no restriction"; a set restricts the user
    to those namespaces / verbs (``get``, ``list``, ``watch``, ``create``, ``update``,
    ``patch``, ``delete``, ``deletecollection``), and the engine answers 403 Forbidden with
    kube-apiserver's RBAC texts otherwise. ``anonymous`` users (no credentials) may read
    only ``/version``, ``/healthz``, ``/livez``, ``/readyz``.
    """

    name: str
    groups: tuple[str, ...] = ("system:masters", "system:authenticated")
    namespaces: frozenset[str] | None = None
    verbs: frozenset[str] | None = None
    anonymous: bool = False


ADMIN = UserInfo("kinformer-admin")


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One HTTP request, decoded.

    ``path`` is percent-decoded and has no query string; ``query`` maps each parameter to
    its last value; ``raw_query`` is the query string as sent; header names are lower case.
    """

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    raw_query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    user: UserInfo = ADMIN


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """A complete answer: status, body bytes, content type and extra headers (e.g. Retry-After)."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


class Watch(Protocol):
    """An open watch stream on the engine side. All methods are thread-safe and non-blocking."""

    @property
    def closed(self) -> bool:
        """True once the engine ended the watch (dropped, CRD deleted, ERROR sent, restart)."""
        ...

    def drain(self) -> list[bytes]:
        """Remove and return the pending event lines (possibly none)."""
        ...

    def set_waker(self, waker: Callable[[], None]) -> None:
        """``waker()`` is called (from any thread) after lines are appended or the watch closes.

        It must be cheap and must not block, e.g. ``loop.call_soon_threadsafe(event.set)``.
        """
        ...

    def bookmark(self) -> None:
        """Queue a BOOKMARK at the current revision, if the client asked for bookmarks."""
        ...

    def close(self) -> None:
        """The HTTP stream ended; unsubscribe. Idempotent."""
        ...


@dataclass(frozen=True, slots=True)
class WatchResponse:
    """A watch that the engine accepted: stream it. ``timeout_seconds`` is None for no timeout."""

    watch: Watch
    timeout_seconds: float | None = None
    headers: tuple[tuple[str, str], ...] = ()


Handler = Callable[[ApiRequest], ApiResponse | WatchResponse]
