"""The wire format of the Kubernetes API, shared by both HTTP clients (pure: no I/O).

Holds what client-go spreads over ``rest/request.go`` (URLs, query parameters, turning
error responses into ``StatusError``), ``rest/watch/decoder.go`` and
``apimachinery/pkg/util/framer`` (one JSON watch event per line):

* :class:`ListOptions` and :func:`list_params` (``metav1.ListOptions`` as query parameters);
* :func:`resource_path` (``/api/v1/namespaces/ns/pods``, ``/apis/apps/v1/deployments``);
* :class:`WatchDecoder`, the hot path: bytes in arbitrary chunks → :class:`WatchEvent`;
* :func:`error_from_response`: an HTTP error answer → a typed :class:`ApiError` (spec A-44
  … A-47 then classify it).

Invariants of :class:`WatchDecoder`: ``_parts`` holds the bytes of the current, incomplete
line (never a newline); after an ``ERROR`` event or a malformed line it raises and must not
be fed again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, final
from urllib.parse import quote

import orjson

from kinformer._errors import ApiError, KinformerError, TransportError

from ._resolver import ResourceInfo

__all__ = [
    "METADATA_ACCEPT",
    "METADATA_LIST_ACCEPT",
    "ListOptions",
    "MalformedWatchEventError",
    "PatchType",
    "TruncatedWatchStreamError",
    "WatchDecoder",
    "WatchEvent",
    "WatchStreamError",
    "error_from_event",
    "error_from_response",
    "list_params",
    "parse_retry_after",
    "resource_path",
]

#: ``Accept`` for a list of ``PartialObjectMetadata`` (what the metadata informers ask for).
METADATA_LIST_ACCEPT: Final = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
#: ``Accept`` for one ``PartialObjectMetadata`` (get, and the objects of a metadata watch).
METADATA_ACCEPT: Final = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"

_EXCERPT_BYTES: Final = 200


class WatchStreamError(TransportError):
    """A watch stream that could not be decoded (the reflector treats it as a stream error, A-32)."""


class TruncatedWatchStreamError(WatchStreamError):
    """The stream ended in the middle of a line: a half-written event was lost."""

    def __init__(self, pending: int) -> None:
        super().__init__(
            f"watch stream ended inside an event: {pending} bytes after the last newline"
        )
        self.pending = pending


class MalformedWatchEventError(WatchStreamError):
    """A line that is not a JSON watch event; ``excerpt`` holds its first 200 bytes."""

    def __init__(self, reason: str, line: bytes) -> None:
        excerpt = line[:_EXCERPT_BYTES]
        more = (
            f" (first {_EXCERPT_BYTES} of {len(line)} bytes)" if len(line) > _EXCERPT_BYTES else ""
        )
        super().__init__(f"malformed watch event: {reason}: {excerpt!r}{more}")
        self.excerpt = excerpt


class WatchEvent(NamedTuple):
    """One watch event: ``type`` (``ADDED``, ``MODIFIED``, ``DELETED``, ``BOOKMARK``) and ``object``.

    A ``NamedTuple`` rather than a dataclass: it is built once per event on the hot path and
    costs a third of a frozen dataclass; it is immutable and supports ``match`` all the same.
    ``ERROR`` events never appear: the decoder raises them as :class:`ApiError`.
    """

    type: str
    object: dict[str, Any]


class PatchType(enum.StrEnum):
    """The patch flavours and their ``Content-Type``."""

    MERGE = "application/merge-patch+json"
    JSON = "application/json-patch+json"
    STRATEGIC = "application/strategic-merge-patch+json"
    APPLY = "application/apply-patch+yaml"


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ListOptions:
    """``metav1.ListOptions`` for list and watch requests.

    ``None`` (or ``0`` for ``limit``) means "not sent". ``as_metadata`` asks for
    ``PartialObjectMetadata`` instead of full objects.
    """

    label_selector: str | None = None
    field_selector: str | None = None
    resource_version: str | None = None
    resource_version_match: str | None = None
    limit: int = 0
    continue_token: str | None = None
    timeout_seconds: int | None = None
    allow_watch_bookmarks: bool = False
    send_initial_events: bool | None = None
    as_metadata: bool = False


def list_params(options: ListOptions, *, watch: bool = False) -> dict[str, str]:
    """The query parameters for ``options``; ``watch`` adds ``watch=1``.

    >>> list_params(ListOptions(resource_version="0", limit=500))
    {'resourceVersion': '0', 'limit': '500'}
    >>> list_params(ListOptions(resource_version="7", allow_watch_bookmarks=True), watch=True)
    {'watch': '1', 'resourceVersion': '7', 'allowWatchBookmarks': 'true'}
    """
    params: dict[str, str] = {}
    if watch:
        params["watch"] = "1"
    if options.label_selector:
        params["labelSelector"] = options.label_selector
    if options.field_selector:
        params["fieldSelector"] = options.field_selector
    if options.resource_version is not None:
        params["resourceVersion"] = options.resource_version
    if options.resource_version_match:
        params["resourceVersionMatch"] = options.resource_version_match
    if options.limit > 0:
        params["limit"] = str(options.limit)
    if options.continue_token:
        params["continue"] = options.continue_token
    if options.timeout_seconds is not None:
        params["timeoutSeconds"] = str(options.timeout_seconds)
    if options.allow_watch_bookmarks:
        params["allowWatchBookmarks"] = "true"
    if options.send_initial_events is not None:
        params["sendInitialEvents"] = "true" if options.send_initial_events else "false"
    return params


def resource_path(
    info: ResourceInfo,
    *,
    namespace: str | None = None,
    name: str | None = None,
    subresource: str | None = None,
) -> str:
    """The URL path of a collection or object; ``namespace`` is ignored for cluster-scoped resources.

    >>> pods = ResourceInfo("", "v1", "pods", "Pod")
    >>> resource_path(pods, namespace="default", name="web-1", subresource="status")
    '/api/v1/namespaces/default/pods/web-1/status'
    >>> resource_path(ResourceInfo("apps", "v1", "deployments", "Deployment"))
    '/apis/apps/v1/deployments'
    """
    parts = [f"/apis/{info.group}/{info.version}" if info.group else f"/api/{info.version}"]
    if info.namespaced and namespace:
        parts.append(f"/namespaces/{quote(namespace, safe='')}")
    parts.append(f"/{info.resource}")
    if name is not None:
        if not name:
            raise ValueError(f"an empty name for a {info.group_resource} object")
        parts.append(f"/{quote(name, safe='')}")
        if subresource:
            parts.append(f"/{subresource}")
    elif subresource:
        raise ValueError("a subresource needs an object name")
    return "".join(parts)


@final
class WatchDecoder:
    """Splits a watch body into lines across chunk boundaries and decodes each line.

    Feed it the chunks in order with :meth:`feed` (a generator of events) and call
    :meth:`close` at the end of the stream. An ``ERROR`` event is raised as the
    :class:`ApiError` its ``Status`` describes (A-26); a line that is not a watch event
    raises :class:`MalformedWatchEventError`; :meth:`close` raises
    :class:`TruncatedWatchStreamError` if the stream stopped inside a line.

    ``events`` and ``bytes`` count what was decoded (for the reflector's counters).
    """

    __slots__ = ("_parts", "bytes", "events")

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.events = 0
        self.bytes = 0

    def feed(self, chunk: bytes) -> Iterator[WatchEvent]:
        """The events completed by ``chunk``, in order."""
        self.bytes += len(chunk)
        end = chunk.find(b"\n")
        if end < 0:
            if chunk:
                self._parts.append(chunk)
            return
        if self._parts:
            self._parts.append(chunk[:end])
            line = b"".join(self._parts)
            self._parts = []
            yield self._decode(line)
            start = end + 1
        else:
            start = 0
        lines = chunk[start:].split(b"\n") if start else chunk.split(b"\n")
        tail = lines.pop()
        if tail:
            self._parts.append(tail)
        decode = self._decode
        for line in lines:
            if line:
                yield decode(line)

    def close(self) -> None:
        """End of stream: raise :class:`TruncatedWatchStreamError` if a line is incomplete."""
        parts, self._parts = self._parts, []
        if any(part.strip() for part in parts):
            raise TruncatedWatchStreamError(sum(len(part) for part in parts))

    def _decode(self, line: bytes) -> WatchEvent:
        try:
            event = orjson.loads(line)
            type_ = event["type"]
            obj = event["object"]
        except orjson.JSONDecodeError as error:
            raise MalformedWatchEventError(f"not JSON ({error})", line) from None
        except (KeyError, TypeError):
            raise MalformedWatchEventError(
                'not a watch event (no "type" and "object")', line
            ) from None
        if type(obj) is not dict or type(type_) is not str:
            raise MalformedWatchEventError('"object" is not a JSON object', line)
        if type_ == "ERROR":
            raise error_from_event(obj)
        self.events += 1
        return WatchEvent(type_, obj)


def error_from_event(obj: Mapping[str, Any]) -> KinformerError:
    """The error an ``ERROR`` event carries (``FromObject``): an :class:`ApiError` for a ``Status``."""
    if obj.get("kind") == "Status":
        return ApiError.from_status(obj)
    return WatchStreamError(f"unexpected object in an ERROR watch event: kind {obj.get('kind')!r}")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (client-go reads whole seconds only).

    >>> parse_retry_after("1"), parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT")
    (1.0, None)
    """
    if value is None:
        return None
    try:
        seconds = int(value.strip())
    except ValueError:
        return None
    if seconds <= 0 or seconds > 86_400 * 365:
        return None  # not a delay any client would honour (and float() of a huge int overflows)
    return float(seconds)


# rest/request.go newUnstructuredResponseError → errors.NewGenericServerResponse: the reason
# and the message used when the body is not a Status.
_GENERIC: Final[dict[int, tuple[str, str]]] = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    403: ("Forbidden", "the server does not allow access to the requested resource"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    406: (
        "NotAcceptable",
        "the server was unable to respond with a content type that the client supports",
    ),
    409: ("Conflict", "the server reported a conflict"),
    415: ("UnsupportedMediaType", "the server was unable to handle the media type"),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    429: (
        "TooManyRequests",
        "the server has received too many requests and has asked us to try again later",
    ),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: (
        "Timeout",
        "the server was unable to return a response in the time allotted, but may still be processing the request",
    ),
}


def error_from_response(
    status_code: int,
    body: bytes,
    *,
    content_type: str | None = None,
    retry_after: str | None = None,
) -> ApiError:
    """The typed error for an HTTP answer with ``status_code >= 400``.

    A JSON ``Status`` body gives its own reason and message. Any other body (the text/plain
    ``404 page not found`` of an unknown group, the text/plain 429 of API Priority and
    Fairness) gives the reason of the HTTP code and the body text as message.
    ``Retry-After`` becomes ``retry_after``.
    """
    seconds = parse_retry_after(retry_after)
    if content_type is None or "json" in content_type:
        try:
            decoded = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            decoded = None
        if isinstance(decoded, dict) and decoded.get("kind") == "Status":
            return ApiError.from_status(decoded, http_status=status_code, retry_after=seconds)
    text = body[:1024].decode("utf-8", "replace").strip()
    reason, generic = _GENERIC.get(status_code, ("", ""))
    if not reason and status_code >= 500:
        reason = "InternalError"
        generic = "an error on the server has prevented the request from succeeding"
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": text or generic,
        "reason": reason,
        "code": status_code,
    }
    if text:
        status["details"] = {"causes": [{"reason": "UnexpectedServerResponse", "message": text}]}
    return ApiError.from_status(status, http_status=status_code, retry_after=seconds)
