"""Admin endpoint parsing (pure) and bearer-token authentication (pure)."""

from __future__ import annotations

import orjson
import pytest

from kinformer.testing._apiserver._admin import (
    AddToken,
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
    admin_forbidden,
    parse_admin_request,
)
from kinformer.testing._apiserver._auth import (
    ANONYMOUS,
    UNAUTHORIZED,
    TokenAuthenticator,
    generate_token,
)
from kinformer.testing._apiserver._protocol import ApiRequest, ApiResponse, UserInfo


def admin(path: str, body: object = None, method: str = "POST") -> object:
    raw = b"" if body is None else orjson.dumps(body)
    return parse_admin_request(ApiRequest(method, "/_kinformer/" + path, body=raw))


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        pytest.param("faults/drop-watches", None, DropWatches(), id="drop"),
        pytest.param("faults/reset-watches", {}, ResetWatches(), id="reset"),
        pytest.param("faults/stall-watches", {"seconds": 2}, StallWatches(2.0), id="stall-2"),
        pytest.param("faults/stall-watches", {"seconds": None}, StallWatches(None), id="stall"),
        pytest.param("faults/stall-watches", None, StallWatches(None), id="stall-no-body"),
        pytest.param("faults/resume-watches/", None, ResumeWatches(), id="resume-slash"),
        pytest.param(
            "faults/cut-next-response", {"verb": "list"}, CutNextResponse("list"), id="cut"
        ),
        pytest.param(
            "faults/cut-next-response",
            {"verb": "watch", "count": 3},
            CutNextResponse("watch", 3),
            id="cut-3",
        ),
        pytest.param(
            "faults/fail-next",
            {"verb": "list", "code": 429, "retry_after": 2, "resource": "pods", "count": 2},
            FailNext("list", 429, count=2, retry_after=2, resource="pods"),
            id="fail-next",
        ),
        pytest.param(
            "faults/fail-next",
            {"verb": "watch", "code": 500, "reason": "InternalError", "message": "boom"},
            FailNext("watch", 500, reason="InternalError", message="boom"),
            id="fail-next-text",
        ),
        pytest.param("faults/latency", {"seconds": 0.25}, SetLatency(0.25), id="latency"),
        pytest.param("faults/latency", {}, SetLatency(0.0), id="latency-off"),
        pytest.param("faults/compact", {}, Compact(None), id="compact-now"),
        pytest.param("faults/compact", {"revision": 7}, Compact(7), id="compact-7"),
        pytest.param("faults/restart", {}, Restart(True), id="restart"),
        pytest.param("faults/restart", {"keep_data": False}, Restart(False), id="restart-wipe"),
        pytest.param(
            "tokens",
            {"token": "t", "user": "u", "namespaces": ["a"], "verbs": ["get", "list"]},
            AddToken("t", "u", frozenset({"a"}), frozenset({"get", "list"})),
            id="token",
        ),
        pytest.param("tokens", {"token": "t", "user": "u"}, AddToken("t", "u"), id="token-all"),
    ],
)
def test_admin_parse_commands(path: str, body: object, expected: object) -> None:
    assert admin(path, body) == expected


def test_admin_parse_counters_is_a_get() -> None:
    assert admin("requests", method="GET") == GetCounters()
    answer = admin("requests")
    assert isinstance(answer, ApiResponse)
    assert answer.status == 405


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        pytest.param("nothing", {}, 404, "unknown admin endpoint", id="unknown-top"),
        pytest.param("faults/nothing", {}, 404, "unknown admin endpoint", id="unknown-fault"),
        pytest.param("faults/stall-watches", {"seconds": "x"}, 400, "number", id="nan-text"),
        pytest.param("faults/stall-watches", {"seconds": True}, 400, "number", id="bool"),
        pytest.param("faults/stall-watches", {"seconds": -1}, 400, ">= 0", id="negative"),
        pytest.param("faults/cut-next-response", {}, 400, "'verb' is required", id="no-verb"),
        pytest.param("faults/cut-next-response", {"verb": 1}, 400, "string", id="verb-type"),
        pytest.param("faults/cut-next-response", {"verb": "get"}, 400, "one of", id="bad-verb"),
        pytest.param(
            "faults/cut-next-response", {"verb": "list", "count": 0}, 400, "count", id="count-0"
        ),
        pytest.param(
            "faults/cut-next-response", {"verb": "list", "count": 1.5}, 400, "integer", id="float"
        ),
        pytest.param("faults/fail-next", {"verb": "list"}, 400, "'code'", id="no-code"),
        pytest.param(
            "faults/fail-next", {"verb": "list", "code": 200}, 400, "'code'", id="code-200"
        ),
        pytest.param(
            "faults/fail-next",
            {"verb": "list", "code": 429, "retry_after": -1},
            400,
            "retry_after",
            id="retry-negative",
        ),
        pytest.param("faults/restart", {"keep_data": "yes"}, 400, "keep_data", id="keep-type"),
        pytest.param("tokens", {"token": "t"}, 400, "'user' is required", id="no-user"),
        pytest.param(
            "tokens", {"token": "t", "user": "u", "verbs": ["fly"]}, 400, "verbs", id="bad-verbs"
        ),
        pytest.param(
            "tokens", {"token": "t", "user": "u", "namespaces": "a"}, 400, "list", id="ns-str"
        ),
        pytest.param("faults/latency", [1], 400, "JSON object", id="array"),
    ],
)
def test_admin_parse_errors_are_status(path: str, body: object, status: int, message: str) -> None:
    answer = admin(path, body)
    assert isinstance(answer, ApiResponse)
    assert answer.status == status
    parsed = orjson.loads(answer.body)
    assert parsed["kind"] == "Status"
    assert parsed["code"] == status
    assert message in parsed["message"]


def test_admin_parse_rejects_invalid_json_and_wrong_methods() -> None:
    bad = parse_admin_request(ApiRequest("POST", "/_kinformer/faults/latency", body=b"{"))
    assert isinstance(bad, ApiResponse)
    assert bad.status == 400
    get = admin("faults/latency", method="GET")
    assert isinstance(get, ApiResponse)
    assert get.status == 405


def test_admin_forbidden_text() -> None:
    answer = admin_forbidden("system:anonymous", "/_kinformer/tokens")
    assert orjson.loads(answer.body)["message"] == (
        'forbidden: User "system:anonymous" cannot post path "/_kinformer/tokens"'
    )


def test_auth_bearer_token_maps_to_user() -> None:
    user = UserInfo("alice", namespaces=frozenset({"a"}))
    auth = TokenAuthenticator({"tok": user})
    assert auth.authenticate("Bearer tok") == user
    assert auth.authenticate("bearer  tok ") == user


@pytest.mark.parametrize(
    "header",
    ["Bearer nope", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "tok"],
)
def test_auth_bad_credentials_are_unauthorized(header: str) -> None:
    assert TokenAuthenticator({"tok": UserInfo("alice")}).authenticate(header) is None


def test_auth_no_credentials_is_anonymous() -> None:
    auth = TokenAuthenticator()
    assert auth.authenticate(None) is ANONYMOUS
    assert auth.authenticate("") is ANONYMOUS
    assert ANONYMOUS.anonymous
    assert ANONYMOUS.name == "system:anonymous"


def test_auth_unauthorized_body_is_golden_11_seq_11() -> None:
    assert UNAUTHORIZED.status == 401
    assert orjson.loads(UNAUTHORIZED.body) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }


def test_auth_add_remove_and_repr_never_shows_tokens() -> None:
    auth = TokenAuthenticator()
    secret = generate_token()
    auth.add(secret, UserInfo("bob", verbs=frozenset({"get"})))
    assert auth.authenticate(f"Bearer {secret}") == UserInfo("bob", verbs=frozenset({"get"}))
    assert secret not in repr(auth)
    assert "bob" in repr(auth)
    auth.remove(secret)
    auth.remove(secret)
    assert auth.authenticate(f"Bearer {secret}") is None


@pytest.mark.parametrize(
    ("token", "user", "message"),
    [
        ("", UserInfo("u"), "non-empty"),
        ("a b", UserInfo("u"), "whitespace"),
        ("t", UserInfo("u", verbs=frozenset({"fly"})), "unknown verbs"),
    ],
)
def test_auth_add_rejects_bad_entries(token: str, user: UserInfo, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TokenAuthenticator().add(token, user)
