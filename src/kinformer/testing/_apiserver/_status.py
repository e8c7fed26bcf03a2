"""``Status`` bodies with kube-apiserver's exact texts, and the engine's internal error.

Mirrors apimachinery ``pkg/api/errors`` (``NewNotFound``, ``NewAlreadyExists``, ``NewConflict``,
``NewInvalid``, ``NewResourceExpired``, ``NewTooManyRequests``, ``NewTimeoutError``, ...) as the
golden transcripts in ``/work/shared/golden/kube-apiserver-1.36`` record them.

Shapes (README "Facts that hold across the files"): key order ``kind, apiVersion, metadata,
status, message, reason, details, code``; ``details.kind`` is the *resource* (``configmaps``,
plus ``group``) for NotFound / AlreadyExists / Conflict / Forbidden, the *Kind* for Invalid;
400 answers have no ``details``; 404/405 answers for unknown paths have ``details: {}``; a 500
built from a Go error has no ``reason``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, final

import orjson

from ..._errors import ApiError
from ._protocol import ApiResponse

__all__ = [
    "CONTINUE_EXPIRED_MESSAGE",
    "JSON",
    "StatusError",
    "bad_request",
    "conflict",
    "expired",
    "forbidden",
    "invalid",
    "method_not_allowed",
    "not_acceptable",
    "not_found",
    "plain_404",
    "resource_not_found",
    "status_body",
    "too_large_resource_version",
    "unsupported_media_type",
]

JSON: Final = "application/json"
PLAIN: Final = "text/plain; charset=utf-8"

CONTINUE_EXPIRED_MESSAGE: Final = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this response "
    "to retrieve the remainder of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted between the time the "
    "first chunk was returned and now may show up in the list."
)

_NOT_ACCEPTABLE_MEDIA: Final = (
    "only the following media types are accepted: application/json, application/yaml, "
    "application/vnd.kubernetes.protobuf"
)


def status_body(
    code: int,
    reason: str | None,
    message: str,
    details: Mapping[str, Any] | None = None,
    *,
    metadata: Mapping[str, Any] | None = None,
    status: str = "Failure",
) -> dict[str, Any]:
    """A ``Status`` object in kube-apiserver's key order; ``details=None`` omits the key."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": dict(metadata or {}),
        "status": status,
    }
    if message:
        body["message"] = message
    if reason:
        body["reason"] = reason
    if details is not None:
        body["details"] = dict(details)
    if code:
        body["code"] = code
    return body


@final
class StatusError(Exception):
    """An answer that is not a success: raised inside the engine, turned into a response.

    ``body`` is either a ``Status`` dict (JSON) or ``None`` with ``text`` for the plain-text
    answers (``404 page not found``).
    """

    def __init__(
        self,
        http_status: int,
        body: dict[str, Any] | None,
        *,
        text: bytes = b"",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        message = body.get("message", "") if body is not None else text.decode()
        super().__init__(message)
        self.http_status = http_status
        self.body = body
        self.text = text
        self.headers = headers

    def response(self) -> ApiResponse:
        """The HTTP answer."""
        if self.body is None:
            return ApiResponse(self.http_status, self.text, PLAIN, self.headers)
        return ApiResponse(self.http_status, orjson.dumps(self.body), JSON, self.headers)

    def api_error(self) -> ApiError:
        """The typed kinformer error a client would raise for this answer."""
        retry_after: float | None = None
        for name, value in self.headers:
            if name.lower() == "retry-after":
                retry_after = float(value)
        if self.body is None:
            return ApiError.from_status(
                {"message": self.text.decode().strip(), "code": self.http_status},
                http_status=self.http_status,
            )
        return ApiError.from_status(
            self.body, http_status=self.http_status, retry_after=retry_after
        )


def _resource_details(name: str | None, resource: str, group: str) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name is not None:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = resource
    return details


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, group: str, name: str) -> StatusError:
    """404 ``configmaps "x" not found`` (golden 02)."""
    message = f'{_qualified(resource, group)} "{name}" not found'
    return StatusError(
        404, status_body(404, "NotFound", message, _resource_details(name, resource, group))
    )


def resource_not_found() -> StatusError:
    """404 for an unknown resource / subresource / version in a served group (golden 11)."""
    return StatusError(
        404, status_body(404, "NotFound", "the server could not find the requested resource", {})
    )


def plain_404() -> StatusError:
    """404 ``text/plain`` for unknown groups and top-level paths (golden 08, 11)."""
    return StatusError(404, None, text=b"404 page not found\n")


def already_exists(resource: str, group: str, name: str) -> StatusError:
    """409 AlreadyExists (golden 02)."""
    message = f'{_qualified(resource, group)} "{name}" already exists'
    return StatusError(
        409, status_body(409, "AlreadyExists", message, _resource_details(name, resource, group))
    )


def conflict(resource: str, group: str, name: str) -> StatusError:
    """409 Conflict on a stale resourceVersion (golden 02, 09)."""
    message = (
        f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": the object '
        "has been modified; please apply your changes to the latest version and try again"
    )
    return StatusError(
        409, status_body(409, "Conflict", message, _resource_details(name, resource, group))
    )


def precondition_conflict(kind: str, group: str, name: str, message: str) -> StatusError:
    """409 Conflict for a failed delete precondition: details carry the Kind (golden 02)."""
    text = f'Operation cannot be fulfilled on {kind} "{name}": {message}'
    details: dict[str, Any] = {"name": name}
    if group:
        details["group"] = group
    details["kind"] = kind
    return StatusError(409, status_body(409, "Conflict", text, details))


def bad_request(message: str) -> StatusError:
    """400 BadRequest without details."""
    return StatusError(400, status_body(400, "BadRequest", message))


def internal_error(message: str) -> StatusError:
    """500 from a Go error: no ``reason`` (golden 05a, 11)."""
    return StatusError(500, status_body(500, None, message))


def method_not_allowed() -> StatusError:
    """405 (golden 11)."""
    return StatusError(
        405,
        status_body(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            {},
        ),
    )


def not_acceptable(
    message: str = _NOT_ACCEPTABLE_MEDIA, *, empty_details: bool = False
) -> StatusError:
    """406 NotAcceptable (golden 01, 10, 11)."""
    return StatusError(
        406, status_body(406, "NotAcceptable", message, {} if empty_details else None)
    )


def unsupported_media_type(message: str, *, empty_details: bool = False) -> StatusError:
    """415 UnsupportedMediaType (golden 02, 08, 11)."""
    return StatusError(
        415,
        status_body(415, "UnsupportedMediaType", message, {} if empty_details else None),
    )


def invalid(
    kind: str,
    group: str,
    name: str | None,
    causes: Sequence[tuple[str, str, str]],
    *,
    qualified_kind: str | None = None,
) -> StatusError:
    """422 Invalid; ``causes`` are ``(reason, message, field)`` (golden 02, 04, 11).

    The message is ``<Kind[.group]> "<name>" is invalid: <field>: <message>``, with the causes
    in brackets when there are several.
    """
    # The message lists each distinct error once (utilerrors.Aggregate deduplicates); the
    # causes keep every entry (golden 07 seq 10, golden 11 seq 66 list theirs twice).
    parts = list(dict.fromkeys(f"{field}: {msg}" if field else msg for _, msg, field in causes))
    summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    shown_kind = qualified_kind or (f"{kind}.{group}" if group else kind)
    message = f'{shown_kind} "{name or ""}" is invalid: {summary}'
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = [
        {"reason": reason, "message": msg, "field": field} for reason, msg, field in causes
    ]
    return StatusError(422, status_body(422, "Invalid", message, details))


def list_options_invalid(causes: Sequence[tuple[str, str, str]]) -> StatusError:
    """422 on ``ListOptions.meta.k8s.io`` (golden 04, 05a, 05c)."""
    return invalid("ListOptions", "meta.k8s.io", None, causes)


def expired(message: str, *, continue_token: str | None = None) -> StatusError:
    """410 Expired; an expired continue token carries a fresh one in ``metadata`` (golden 06a)."""
    metadata = {"continue": continue_token} if continue_token is not None else None
    return StatusError(410, status_body(410, "Expired", message, metadata=metadata))


def expired_status(message: str) -> dict[str, Any]:
    """The Status of a watch ``ERROR`` event for a too-old resourceVersion (golden 06a)."""
    return status_body(410, "Expired", message)


def too_large_resource_version(requested: int, current: int) -> StatusError:
    """504 ``Timeout: Too large resource version`` with Retry-After 1 (golden 04)."""
    body = status_body(
        504,
        "Timeout",
        f"Timeout: Too large resource version: {requested}, current: {current}",
        {
            "causes": [
                {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
            ],
            "retryAfterSeconds": 1,
        },
    )
    return StatusError(504, body, headers=(("Retry-After", "1"),))


def forbidden(message: str, details: Mapping[str, Any]) -> StatusError:
    """403 Forbidden."""
    return StatusError(403, status_body(403, "Forbidden", message, details))


def too_many_requests(message: str, retry_after: int | None) -> StatusError:
    """429 TooManyRequests; with ``retry_after`` a Retry-After header and retryAfterSeconds."""
    details = {"retryAfterSeconds": retry_after} if retry_after is not None else None
    headers = (("Retry-After", str(retry_after)),) if retry_after is not None else ()
    return StatusError(429, status_body(429, "TooManyRequests", message, details), headers=headers)
