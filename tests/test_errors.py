"""The exception tree and client-go's classification helpers (spec A-44 .. A-47)."""

from __future__ import annotations

import pytest

from kinformer import _errors as e


def status(code: int, reason: str = "", message: str = "m", **details: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
    }
    if reason:
        body["reason"] = reason
    if message:
        body["message"] = message
    if details:
        body["details"] = details
    return body


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(status(404, "NotFound"), e.NotFoundError, id="reason-wins"),
        pytest.param(status(410, "Expired"), e.ExpiredError, id="expired"),
        pytest.param(status(410), e.GoneError, id="bare-410-is-gone"),
        pytest.param(status(429, "TooManyRequests"), e.TooManyRequestsError, id="429"),
        pytest.param(status(500, "InternalError"), e.InternalError, id="internal"),
        pytest.param(status(418), e.ApiError, id="unknown-code"),
        pytest.param(status(409, "Conflict"), e.ConflictError, id="conflict"),
        pytest.param(status(409, "AlreadyExists"), e.AlreadyExistsError, id="already-exists"),
        pytest.param(status(500, "Forbidden"), e.ForbiddenError, id="known-reason-beats-code"),
        pytest.param(
            status(503, "SomethingNew"), e.ServiceUnavailableError, id="unknown-reason-uses-code"
        ),
    ],
)
def test_from_status_picks_subclass(body: dict[str, object], expected: type[e.ApiError]) -> None:
    error = e.ApiError.from_status(body)
    assert type(error) is expected
    assert error.code == body["code"]


def test_from_status_defaults_message_and_uses_http_status() -> None:
    error = e.ApiError.from_status({"kind": "Status"}, http_status=502)
    assert error.code == 502
    assert "502" in error.message
    assert error.reason == ""
    assert error.details == {}
    assert error.causes == []
    assert repr(error).startswith("ApiError(code=502")


def test_retry_after_header_wins_over_details() -> None:
    body = status(429, "TooManyRequests", retryAfterSeconds=3)
    assert e.ApiError.from_status(body).retry_after == 3.0
    assert e.ApiError.from_status(body, retry_after=7).retry_after == 7
    assert (
        e.ApiError.from_status(status(429, "TooManyRequests", retryAfterSeconds=0)).retry_after
        is None
    )


@pytest.mark.parametrize(
    ("body", "expired"),
    [
        pytest.param(status(410, "Expired"), True, id="reason-expired"),
        pytest.param(status(410, "Gone"), True, id="reason-gone"),
        pytest.param(status(410), True, id="bare-410"),
        pytest.param(status(410, "Conflict"), False, id="known-other-reason-with-410"),
        pytest.param(status(500, "InternalError"), False, id="other"),
    ],
)
def test_is_expired_A_44(body: dict[str, object], expired: bool) -> None:
    assert e.is_expired(e.ApiError.from_status(body)) is expired
    assert e.is_expired(ValueError()) is False


@pytest.mark.parametrize(
    ("body", "too_large"),
    [
        pytest.param(
            status(
                504,
                "Timeout",
                "Timeout: Too large resource version: 9, current: 5",
                causes=[
                    {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                ],
            ),
            True,
            id="cause-type",
        ),
        pytest.param(
            status(504, "Timeout", "Too large resource version: 9"), True, id="legacy-message"
        ),
        pytest.param(
            status(504, "", "x", causes=[{"message": "Too large resource version"}]),
            True,
            id="legacy-cause-code-only",
        ),
        pytest.param(status(504, "Timeout", "slow"), False, id="plain-timeout"),
        pytest.param(
            status(500, "InternalError", "Too large resource version"), False, id="not-a-timeout"
        ),
    ],
)
def test_is_too_large_resource_version_A_45(body: dict[str, object], too_large: bool) -> None:
    assert e.is_too_large_resource_version(e.ApiError.from_status(body)) is too_large
    assert e.is_too_large_resource_version(OSError()) is False


def test_is_too_many_requests_A_46() -> None:
    assert e.is_too_many_requests(e.ApiError.from_status(status(429, "TooManyRequests")))
    assert e.is_too_many_requests(e.ApiError.from_status(status(429, "Forbidden")))
    assert not e.is_too_many_requests(e.ApiError.from_status(status(503)))
    assert not e.is_too_many_requests(RuntimeError())


def test_is_internal_error_A_47() -> None:
    assert e.is_internal_error(e.ApiError.from_status(status(500, "InternalError")))
    assert e.is_internal_error(e.ApiError.from_status(status(500)))
    assert e.is_internal_error(e.ApiError.from_status(status(500, "Whatever")))
    assert not e.is_internal_error(e.ApiError.from_status(status(500, "NotFound")))
    assert not e.is_internal_error(KeyError())


def test_small_errors_carry_their_data() -> None:
    error = e.KeyFuncError({"x": 1}, "object has no meta")
    assert error.obj == {"x": 1}
    assert "object has no meta" in str(error)
    assert str(e.FIFOClosedError()) == "DeltaFIFO: manipulating with closed queue"
