"""The exception tree of kinformer, and client-go's error classification helpers.

Mirrors apimachinery ``pkg/api/errors`` (``StatusError``, ``IsNotFound``, ``IsGone``,
``IsResourceExpired``, ...) and the reflector's helpers (spec A-44 .. A-47).

::

    KinformerError
    ├── ConfigError                 a kubeconfig / in-cluster configuration problem
    ├── ResourceNotFoundError       a resource name that discovery cannot resolve
    ├── KeyFuncError                an object without a usable key (client-go ``KeyError``)
    ├── FIFOClosedError             pop() on a closed, drained queue (``ErrFIFOClosed``)
    ├── TransportError              no HTTP answer: connection refused, reset, TLS failure, ...
    │   └── RefusedConnectionError  the server refused the connection (retriable, A-46)
    └── ApiError                    the server answered with a ``Status`` (HTTP status >= 400,
        │                           or an ``ERROR`` watch event)
        ├── BadRequestError         400 BadRequest
        ├── UnauthorizedError       401 Unauthorized
        ├── ForbiddenError          403 Forbidden
        ├── NotFoundError           404 NotFound
        ├── MethodNotAllowedError   405 MethodNotAllowed
        ├── NotAcceptableError      406 NotAcceptable
        ├── AlreadyExistsError      409 AlreadyExists
        ├── ConflictError           409 Conflict
        ├── GoneError               410 Gone
        │   └── ExpiredError        410 Expired ("too old resource version")
        ├── UnsupportedMediaTypeError 415 UnsupportedMediaType
        ├── InvalidError            422 Invalid
        ├── TooManyRequestsError    429 TooManyRequests (``retry_after`` in seconds)
        ├── InternalError           500 InternalError
        ├── ServiceUnavailableError 503 ServiceUnavailable
        └── ServerTimeoutError      504 Timeout / ServerTimeout

``SelectorParseError`` (a ``ValueError``) lives with the selectors in ``kinformer.labels``.

Invariant: no exception message or ``repr`` ever contains a credential. Only the server's
``Status`` text and names chosen by kinformer go into messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

__all__ = [
    "AlreadyExistsError",
    "ApiError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "ExpiredError",
    "FIFOClosedError",
    "ForbiddenError",
    "GoneError",
    "InternalError",
    "InvalidError",
    "KeyFuncError",
    "KinformerError",
    "MethodNotAllowedError",
    "NotAcceptableError",
    "NotFoundError",
    "RefusedConnectionError",
    "ResourceNotFoundError",
    "ServerTimeoutError",
    "ServiceUnavailableError",
    "TooManyRequestsError",
    "TransportError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "is_expired",
    "is_internal_error",
    "is_too_large_resource_version",
    "is_too_many_requests",
]


class KinformerError(Exception):
    """Base class of every error kinformer raises on purpose."""


class ConfigError(KinformerError):
    """A client configuration that cannot be used; the message names file, context and field."""


class ResourceNotFoundError(KinformerError):
    """A resource name (``pods``, ``deploy``, ``foos.example.com``) that discovery cannot resolve."""


class KeyFuncError(KinformerError):
    """A key function failed for an object (client-go ``KeyError{Obj, Err}``)."""

    def __init__(self, obj: object, reason: str) -> None:
        super().__init__(f"couldn't create key for object: {reason}")
        self.obj = obj
        self.reason = reason


class FIFOClosedError(KinformerError):
    """``pop()`` on a queue that is closed and empty (client-go ``ErrFIFOClosed``)."""

    def __init__(self, message: str = "DeltaFIFO: manipulating with closed queue") -> None:
        super().__init__(message)


class TransportError(KinformerError):
    """No HTTP answer was obtained: connection refused or reset, TLS failure, timeout, bad stream."""


class RefusedConnectionError(TransportError):
    """The server actively refused the connection (client-go treats it as retriable, A-46)."""


# Reasons apimachinery knows (metav1.StatusReason*); a code is interpreted on its own only when
# the reason is not one of these.
KNOWN_REASONS: Final[frozenset[str]] = frozenset(
    {
        "Unauthorized",
        "Forbidden",
        "NotFound",
        "AlreadyExists",
        "Conflict",
        "Gone",
        "Invalid",
        "ServerTimeout",
        "StoreReadError",
        "Timeout",
        "TooManyRequests",
        "BadRequest",
        "MethodNotAllowed",
        "NotAcceptable",
        "RequestEntityTooLarge",
        "UnsupportedMediaType",
        "InternalError",
        "Expired",
        "ServiceUnavailable",
    }
)


class ApiError(KinformerError):
    """The API server answered with a ``Status``: ``code``, ``reason``, ``message``, ``details``.

    Build one with :meth:`from_status`, which picks the most specific subclass from the
    status reason first and the HTTP code second, as apimachinery's ``ReasonForError`` and
    ``Is*`` helpers do.
    """

    code_default: ClassVar[int] = 0
    reason_default: ClassVar[str] = ""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        reason: str | None = None,
        status: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = self.code_default if code is None else code
        self.reason = self.reason_default if reason is None else reason
        self.status: Mapping[str, Any] = status if status is not None else {}
        self.retry_after = retry_after

    @property
    def details(self) -> Mapping[str, Any]:
        """``status.details`` (``name``, ``group``, ``kind``, ``causes``, ``retryAfterSeconds``)."""
        details = self.status.get("details")
        return details if isinstance(details, Mapping) else {}

    @property
    def causes(self) -> list[Mapping[str, Any]]:
        """``status.details.causes``, each with ``reason`` (the cause type), ``message``, ``field``."""
        causes = self.details.get("causes")
        return [c for c in causes if isinstance(c, Mapping)] if isinstance(causes, list) else []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, reason={self.reason!r}, message={self.message!r})"

    @classmethod
    def from_status(
        cls,
        status: Mapping[str, Any],
        *,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> ApiError:
        """The typed error for a ``Status`` object (from a body or an ``ERROR`` event).

        ``retry_after`` (the ``Retry-After`` header) wins over ``details.retryAfterSeconds``.
        """
        raw_code = status.get("code")
        code = raw_code if isinstance(raw_code, int) and raw_code else (http_status or 0)
        raw_reason = status.get("reason")
        reason = raw_reason if isinstance(raw_reason, str) else ""
        raw_message = status.get("message")
        message = raw_message if isinstance(raw_message, str) and raw_message else ""
        if not message:
            message = f"the server responded with the status code {code} but did not return more information"
        if retry_after is None:
            details = status.get("details")
            if isinstance(details, Mapping):
                seconds = details.get("retryAfterSeconds")
                if isinstance(seconds, int | float) and seconds > 0:
                    retry_after = float(seconds)
        error_class = _BY_REASON.get(reason) if reason else None
        if error_class is None and reason not in KNOWN_REASONS:
            error_class = _BY_CODE.get(code)
        if error_class is None:
            error_class = ApiError
        return error_class(
            message, code=code, reason=reason, status=status, retry_after=retry_after
        )


class BadRequestError(ApiError):
    code_default, reason_default = 400, "BadRequest"


class UnauthorizedError(ApiError):
    code_default, reason_default = 401, "Unauthorized"


class ForbiddenError(ApiError):
    code_default, reason_default = 403, "Forbidden"


class NotFoundError(ApiError):
    code_default, reason_default = 404, "NotFound"


class MethodNotAllowedError(ApiError):
    code_default, reason_default = 405, "MethodNotAllowed"


class NotAcceptableError(ApiError):
    code_default, reason_default = 406, "NotAcceptable"


class AlreadyExistsError(ApiError):
    code_default, reason_default = 409, "AlreadyExists"


class ConflictError(ApiError):
    code_default, reason_default = 409, "Conflict"


class GoneError(ApiError):
    code_default, reason_default = 410, "Gone"


class ExpiredError(GoneError):
    code_default, reason_default = 410, "Expired"


class UnsupportedMediaTypeError(ApiError):
    code_default, reason_default = 415, "UnsupportedMediaType"


class InvalidError(ApiError):
    code_default, reason_default = 422, "Invalid"


class TooManyRequestsError(ApiError):
    code_default, reason_default = 429, "TooManyRequests"


class InternalError(ApiError):
    code_default, reason_default = 500, "InternalError"


class ServiceUnavailableError(ApiError):
    code_default, reason_default = 503, "ServiceUnavailable"


class ServerTimeoutError(ApiError):
    code_default, reason_default = 504, "Timeout"


_BY_REASON: Final[dict[str, type[ApiError]]] = {
    "BadRequest": BadRequestError,
    "Unauthorized": UnauthorizedError,
    "Forbidden": ForbiddenError,
    "NotFound": NotFoundError,
    "MethodNotAllowed": MethodNotAllowedError,
    "NotAcceptable": NotAcceptableError,
    "AlreadyExists": AlreadyExistsError,
    "Conflict": ConflictError,
    "Gone": GoneError,
    "Expired": ExpiredError,
    "UnsupportedMediaType": UnsupportedMediaTypeError,
    "Invalid": InvalidError,
    "TooManyRequests": TooManyRequestsError,
    "InternalError": InternalError,
    "ServiceUnavailable": ServiceUnavailableError,
    "Timeout": ServerTimeoutError,
    "ServerTimeout": ServerTimeoutError,
}

_BY_CODE: Final[dict[int, type[ApiError]]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    406: NotAcceptableError,
    409: ConflictError,
    410: GoneError,
    415: UnsupportedMediaTypeError,
    422: InvalidError,
    429: TooManyRequestsError,
    500: InternalError,
    503: ServiceUnavailableError,
    504: ServerTimeoutError,
}


def _reason_is_unknown(error: ApiError) -> bool:
    return error.reason not in KNOWN_REASONS


def is_expired(error: BaseException) -> bool:
    """Spec A-44: reason ``Expired``, reason ``Gone``, or an unknown reason with code 410."""
    if not isinstance(error, ApiError):
        return False
    if error.reason in ("Expired", "Gone"):
        return True
    return _reason_is_unknown(error) and error.code == 410


def is_too_large_resource_version(error: BaseException) -> bool:
    """Spec A-45: a ``ResourceVersionTooLarge`` cause, or a timeout that says "Too large resource version"."""
    if not isinstance(error, ApiError):
        return False
    if any(cause.get("reason") == "ResourceVersionTooLarge" for cause in error.causes):
        return True
    is_timeout = error.reason == "Timeout" or (_reason_is_unknown(error) and error.code == 504)
    if not is_timeout:
        return False
    text = "Too large resource version"
    return text in error.message or any(
        text in str(cause.get("message", "")) for cause in error.causes
    )


def is_too_many_requests(error: BaseException) -> bool:
    """Spec A-46: reason ``TooManyRequests`` or code 429, whatever the reason."""
    return isinstance(error, ApiError) and (error.reason == "TooManyRequests" or error.code == 429)


def is_internal_error(error: BaseException) -> bool:
    """Spec A-47: reason ``InternalError``, or an unknown reason with code 500."""
    if not isinstance(error, ApiError):
        return False
    return error.reason == "InternalError" or (_reason_is_unknown(error) and error.code == 500)
