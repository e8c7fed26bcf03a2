"""The fake API server's admin endpoints: fault knobs and counters over HTTP.

Everything a test can do with ``FakeApiServer`` methods, a process that only has the URL and
the admin token can do over HTTP (the ``kinformer fake-apiserver`` command, a test written in
another language, a demo). All endpoints live under ``/_kinformer/``, take and return JSON,
and need the server's admin token (403 otherwise; 401 for an unknown token, like every path):

=========================================  ================================================
``POST /_kinformer/faults/drop-watches``    end every open watch cleanly (engine)
``POST /_kinformer/faults/reset-watches``   abort the TCP connections of open watches
``POST /_kinformer/faults/stall-watches``   ``{"seconds": 5}`` or ``{"seconds": null}`` (until resumed)
``POST /_kinformer/faults/resume-watches``  end a stall
``POST /_kinformer/faults/cut-next-response``  ``{"verb": "watch" | "list", "count": 1}``
``POST /_kinformer/faults/fail-next``       ``{"verb", "count", "code", "reason", "message",
                                            "retry_after", "resource"}`` (engine)
``POST /_kinformer/faults/latency``         ``{"seconds": 0.2}`` added before each request
``POST /_kinformer/faults/compact``         ``{"revision": null}`` (engine)
``POST /_kinformer/faults/restart``         ``{"keep_data": true}``
``POST /_kinformer/tokens``                 ``{"token", "user", "namespaces", "verbs"}``
``GET  /_kinformer/requests``               counters: engine requests by verb, HTTP figures
=========================================  ================================================

This module is the pure half: :func:`parse_admin_request` turns a request into one of the
command values below, or into the error :class:`ApiResponse` to send. Executing commands is
the server's job.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import orjson

from ._protocol import ApiRequest, ApiResponse

__all__ = [
    "ADMIN_PREFIX",
    "AddToken",
    "AdminCommand",
    "Compact",
    "CutNextResponse",
    "DropWatches",
    "FailNext",
    "GetCounters",
    "ResetWatches",
    "Restart",
    "ResumeWatches",
    "SetLatency",
    "StallWatches",
    "admin_forbidden",
    "json_response",
    "parse_admin_request",
]

ADMIN_PREFIX: Final = "/_kinformer/"

CUT_VERBS: Final = frozenset({"watch", "list"})
FAIL_VERBS: Final = frozenset(
    {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
)


@dataclass(frozen=True, slots=True)
class DropWatches:
    """End every open watch cleanly (the engine closes them; streams end without error)."""


@dataclass(frozen=True, slots=True)
class ResetWatches:
    """Abort the TCP connections of every open watch (the client sees a reset)."""


@dataclass(frozen=True, slots=True)
class StallWatches:
    """Stop writing to open watches for ``seconds`` (``None``: until resumed)."""

    seconds: float | None


@dataclass(frozen=True, slots=True)
class ResumeWatches:
    """End a stall started by :class:`StallWatches`."""


@dataclass(frozen=True, slots=True)
class CutNextResponse:
    """Cut the next ``count`` responses of ``verb`` in the middle of a JSON line."""

    verb: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class FailNext:
    """The engine's ``fail_next``: the next ``count`` requests of ``verb`` get an error Status."""

    verb: str
    code: int
    count: int = 1
    reason: str = ""
    message: str = ""
    retry_after: int | None = None
    resource: str | None = None


@dataclass(frozen=True, slots=True)
class SetLatency:
    """Delay every request by ``seconds`` before it is handled."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Compact:
    """Compact the engine's history up to ``revision`` (``None``: the current revision)."""

    revision: int | None = None


@dataclass(frozen=True, slots=True)
class Restart:
    """Close every connection and restart the engine, keeping or losing its data."""

    keep_data: bool = True


@dataclass(frozen=True, slots=True)
class AddToken:
    """Accept one more bearer token, possibly limited to some namespaces and verbs."""

    token: str
    user: str
    namespaces: frozenset[str] | None = None
    verbs: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class GetCounters:
    """Return the request counters."""


AdminCommand = (
    DropWatches
    | ResetWatches
    | StallWatches
    | ResumeWatches
    | CutNextResponse
    | FailNext
    | SetLatency
    | Compact
    | Restart
    | AddToken
    | GetCounters
)


def json_response(status: int, payload: object) -> ApiResponse:
    """A JSON :class:`ApiResponse`."""
    return ApiResponse(status, orjson.dumps(payload))


def _status(code: int, reason: str, message: str) -> ApiResponse:
    return json_response(
        code,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": {},
            "code": code,
        },
    )


def admin_forbidden(user: str, path: str) -> ApiResponse:
    """403 for a caller that is not the admin, in kube-apiserver's non-resource-path words."""
    return _status(403, "Forbidden", f'forbidden: User "{user}" cannot post path "{path}"')


class _BadRequest(Exception):
    pass


def _number(body: Mapping[str, object], key: str, *, default: float | None) -> float | None:
    value = body.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _BadRequest(f"{key!r} must be a number")
    if not math.isfinite(value) or value < 0:
        raise _BadRequest(f"{key!r} must be a finite number >= 0")
    return float(value)


def _int(body: Mapping[str, object], key: str, *, default: int | None) -> int | None:
    value = body.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadRequest(f"{key!r} must be an integer")
    return value


def _str(body: Mapping[str, object], key: str, *, default: str | None) -> str | None:
    value = body.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _BadRequest(f"{key!r} must be a string")
    return value


def _strings(body: Mapping[str, object], key: str) -> frozenset[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _BadRequest(f"{key!r} must be a list of strings")
    return frozenset(value)


def _required_str(body: Mapping[str, object], key: str) -> str:
    value = _str(body, key, default=None)
    if not value:
        raise _BadRequest(f"{key!r} is required")
    return value


def _verb(body: Mapping[str, object], allowed: frozenset[str]) -> str:
    verb = _required_str(body, "verb")
    if verb not in allowed:
        raise _BadRequest(f"'verb' must be one of {sorted(allowed)!r}")
    return verb


def _count(body: Mapping[str, object]) -> int:
    count = _int(body, "count", default=1)
    if count is None or count < 1:
        raise _BadRequest("'count' must be an integer >= 1")
    return count


def _fail_next(body: Mapping[str, object]) -> FailNext:
    code = _int(body, "code", default=None)
    if code is None or not 400 <= code <= 599:
        raise _BadRequest("'code' must be an HTTP error status (400-599)")
    retry_after = _int(body, "retry_after", default=None)
    if retry_after is not None and retry_after < 0:
        raise _BadRequest("'retry_after' must be >= 0")
    return FailNext(
        verb=_verb(body, FAIL_VERBS),
        code=code,
        count=_count(body),
        reason=_str(body, "reason", default="") or "",
        message=_str(body, "message", default="") or "",
        retry_after=retry_after,
        resource=_str(body, "resource", default=None),
    )


def _add_token(body: Mapping[str, object]) -> AddToken:
    verbs = _strings(body, "verbs")
    if verbs is not None and not verbs <= FAIL_VERBS:
        raise _BadRequest(f"'verbs' must be some of {sorted(FAIL_VERBS)!r}")
    return AddToken(
        token=_required_str(body, "token"),
        user=_required_str(body, "user"),
        namespaces=_strings(body, "namespaces"),
        verbs=verbs,
    )


def _restart(body: Mapping[str, object]) -> Restart:
    keep = body.get("keep_data", True)
    if not isinstance(keep, bool):
        raise _BadRequest("'keep_data' must be true or false")
    return Restart(keep_data=keep)


def _command(name: str, body: Mapping[str, object]) -> AdminCommand:
    match name:
        case "faults/drop-watches":
            return DropWatches()
        case "faults/reset-watches":
            return ResetWatches()
        case "faults/stall-watches":
            return StallWatches(_number(body, "seconds", default=None))
        case "faults/resume-watches":
            return ResumeWatches()
        case "faults/cut-next-response":
            return CutNextResponse(_verb(body, CUT_VERBS), _count(body))
        case "faults/fail-next":
            return _fail_next(body)
        case "faults/latency":
            return SetLatency(_number(body, "seconds", default=0.0) or 0.0)
        case "faults/compact":
            return Compact(_int(body, "revision", default=None))
        case "faults/restart":
            return _restart(body)
        case "tokens":
            return _add_token(body)
    raise LookupError(name)


def parse_admin_request(request: ApiRequest) -> AdminCommand | ApiResponse:
    """Turn a request under :data:`ADMIN_PREFIX` into a command, or into the error to send.

    The caller has already checked that ``request.user`` is the admin.

    Returns:
        A command value; or a 404 ``Status`` for an unknown endpoint, 405 for a wrong method,
        400 for a body that is not a JSON object or has a wrong field.
    """
    name = request.path.removeprefix(ADMIN_PREFIX).rstrip("/")
    if name == "requests":
        if request.method != "GET":
            return _status(405, "MethodNotAllowed", "use GET on /_kinformer/requests")
        return GetCounters()
    known = name == "tokens" or name.startswith("faults/")
    if not known:
        return _status(404, "NotFound", f"unknown admin endpoint {request.path!r}")
    if request.method != "POST":
        return _status(405, "MethodNotAllowed", f"use POST on {request.path}")
    try:
        body: object = orjson.loads(request.body) if request.body.strip() else {}
    except orjson.JSONDecodeError as error:
        return _status(400, "BadRequest", f"the body is not JSON: {error}")
    if not isinstance(body, dict):
        return _status(400, "BadRequest", "the body must be a JSON object")
    try:
        return _command(name, body)
    except LookupError:
        return _status(404, "NotFound", f"unknown admin endpoint {request.path!r}")
    except _BadRequest as error:
        return _status(400, "BadRequest", str(error))
