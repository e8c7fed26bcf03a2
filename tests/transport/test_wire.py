"""Watch-line decoding, query parameters, URLs and HTTP error mapping (pure, spec A-26, A-44..A-47)."""

from __future__ import annotations

import itertools
from typing import Any

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from kinformer._errors import (
    ApiError,
    ConflictError,
    ExpiredError,
    ForbiddenError,
    GoneError,
    InternalError,
    NotFoundError,
    TooManyRequestsError,
    TransportError,
    UnauthorizedError,
    is_expired,
    is_too_many_requests,
)
from kinformer.transport._resolver import ResourceInfo
from kinformer.transport._wire import (
    ListOptions,
    MalformedWatchEventError,
    TruncatedWatchStreamError,
    WatchDecoder,
    WatchEvent,
    WatchStreamError,
    error_from_event,
    error_from_response,
    list_params,
    parse_retry_after,
    resource_path,
)

PODS = ResourceInfo("", "v1", "pods", "Pod")
NODES = ResourceInfo("", "v1", "nodes", "Node", namespaced=False)
DEPLOYMENTS = ResourceInfo("apps", "v1", "deployments", "Deployment")
FOOS = ResourceInfo("samplecontroller.k8s.io", "v1alpha1", "foos", "Foo")


def _event(kind: str, name: str, rv: int) -> dict[str, Any]:
    return {
        "type": kind,
        "object": {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {"name": name, "namespace": "default", "resourceVersion": str(rv)},
        },
    }


def _stream(events: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


def _decode_all(chunks: list[bytes]) -> list[WatchEvent]:
    decoder = WatchDecoder()
    out = [event for chunk in chunks for event in decoder.feed(chunk)]
    decoder.close()
    return out


EVENTS = [_event("ADDED", f"p{i}", 10 + i) for i in range(5)] + [
    _event("MODIFIED", "p1", 20),
    _event("DELETED", "p2", 21),
    {"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "22"}}},
]


def test_decoder_several_lines_in_one_chunk() -> None:
    events = _decode_all([_stream(EVENTS)])
    assert [(e.type, e.object) for e in events] == [(e["type"], e["object"]) for e in EVENTS]


def test_decoder_line_split_over_many_chunks_one_byte_each() -> None:
    data = _stream(EVENTS)
    events = _decode_all([data[i : i + 1] for i in range(len(data))])
    assert [e.object for e in events] == [e["object"] for e in EVENTS]


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2000), max_size=12))
def test_decoder_any_chunk_boundaries_give_the_same_events(cuts: list[int]) -> None:
    data = _stream(EVENTS)
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points)]
    assert _decode_all(chunks) == _decode_all([data])


def test_decoder_empty_chunks_and_blank_lines_are_ignored() -> None:
    line = orjson.dumps(EVENTS[0])
    assert _decode_all([b"", line[:5], b"", line[5:] + b"\n\n", b"\n"]) == [
        WatchEvent("ADDED", EVENTS[0]["object"])
    ]


def test_decoder_counts_events_and_bytes() -> None:
    decoder = WatchDecoder()
    data = _stream(EVENTS)
    list(decoder.feed(data))
    assert (decoder.events, decoder.bytes) == (len(EVENTS), len(data))


def test_decoder_stream_ending_inside_a_line_is_a_truncation_error() -> None:
    data = _stream(EVENTS[:2])
    decoder = WatchDecoder()
    assert len(list(decoder.feed(data[:-10]))) == 1
    with pytest.raises(TruncatedWatchStreamError, match="ended inside an event") as info:
        decoder.close()
    assert info.value.pending == len(orjson.dumps(EVENTS[1])) - 9
    assert isinstance(info.value, TransportError)


def test_decoder_close_after_whole_lines_is_clean() -> None:
    decoder = WatchDecoder()
    list(decoder.feed(_stream(EVENTS[:1]) + b"  "))
    decoder.close()  # trailing whitespace is not a lost event


def test_decoder_error_event_raises_the_typed_status_after_earlier_events_a26() -> None:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": "too old resource version: 5 (10)",
        "reason": "Expired",
        "code": 410,
    }
    data = _stream([EVENTS[0], {"type": "ERROR", "object": status}, EVENTS[1]])
    decoder = WatchDecoder()
    seen: list[WatchEvent] = []
    with pytest.raises(ExpiredError) as info:
        seen.extend(decoder.feed(data))
    assert [e.object["metadata"]["name"] for e in seen] == ["p0"]
    assert is_expired(info.value)
    assert info.value.message == "too old resource version: 5 (10)"


def test_decoder_error_event_with_a_gone_code_and_no_reason_a44() -> None:
    line = orjson.dumps({"type": "ERROR", "object": {"kind": "Status", "code": 410}}) + b"\n"
    with pytest.raises(GoneError) as info:
        list(WatchDecoder().feed(line))
    assert is_expired(info.value)


def test_decoder_error_event_with_a_non_status_object_is_not_an_api_error_a26() -> None:
    line = orjson.dumps({"type": "ERROR", "object": {"kind": "Pod"}}) + b"\n"
    with pytest.raises(WatchStreamError, match="unexpected object") as info:
        list(WatchDecoder().feed(line))
    assert not isinstance(info.value, ApiError)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param(b"<html>502 Bad Gateway</html>", "not JSON", id="html"),
        pytest.param(b'{"type": "ADDED", "object": {"a"', "not JSON", id="cut-json"),
        pytest.param(b'{"object": {}}', "not a watch event", id="no-type"),
        pytest.param(b"[1, 2]", "not a watch event", id="array"),
        pytest.param(b'{"type": "ADDED", "object": [1]}', "is not a JSON object", id="object-list"),
        pytest.param(b'{"type": 3, "object": {}}', "is not a JSON object", id="type-int"),
        pytest.param(b"   ", "not JSON", id="whitespace-line"),
    ],
)
def test_decoder_malformed_line_raises_with_an_excerpt(line: bytes, reason: str) -> None:
    with pytest.raises(MalformedWatchEventError, match=reason) as info:
        list(WatchDecoder().feed(line + b"\n"))
    assert info.value.excerpt == line[:200]


def test_decoder_malformed_excerpt_is_bounded() -> None:
    line = b"x" * 5000
    with pytest.raises(MalformedWatchEventError, match="first 200 of 5000 bytes") as info:
        list(WatchDecoder().feed(line + b"\n"))
    assert len(info.value.excerpt) == 200
    assert len(str(info.value)) < 400


def test_error_from_event_builds_status_errors() -> None:
    error = error_from_event(
        {"kind": "Status", "reason": "Forbidden", "code": 403, "message": "no"}
    )
    assert isinstance(error, ForbiddenError)


# ---- query parameters and URLs ----


def test_list_params_all_options() -> None:
    options = ListOptions(
        label_selector="app=web",
        field_selector="metadata.name=a",
        resource_version="10",
        resource_version_match="NotOlderThan",
        limit=500,
        continue_token="abc",
        timeout_seconds=300,
        allow_watch_bookmarks=True,
        send_initial_events=True,
        as_metadata=True,
    )
    assert list_params(options, watch=True) == {
        "watch": "1",
        "labelSelector": "app=web",
        "fieldSelector": "metadata.name=a",
        "resourceVersion": "10",
        "resourceVersionMatch": "NotOlderThan",
        "limit": "500",
        "continue": "abc",
        "timeoutSeconds": "300",
        "allowWatchBookmarks": "true",
        "sendInitialEvents": "true",
    }


def test_list_params_defaults_send_nothing_and_rv_empty_string_is_sent_a14() -> None:
    assert list_params(ListOptions()) == {}
    assert list_params(ListOptions(resource_version="")) == {"resourceVersion": ""}
    assert list_params(ListOptions(send_initial_events=False)) == {"sendInitialEvents": "false"}


@pytest.mark.parametrize(
    ("info", "kwargs", "path"),
    [
        (PODS, {}, "/api/v1/pods"),
        (PODS, {"namespace": "kube-system"}, "/api/v1/namespaces/kube-system/pods"),
        (PODS, {"namespace": "ns", "name": "a b"}, "/api/v1/namespaces/ns/pods/a%20b"),
        (NODES, {"namespace": "ignored", "name": "n1"}, "/api/v1/nodes/n1"),
        (
            DEPLOYMENTS,
            {"namespace": "d", "name": "web", "subresource": "scale"},
            "/apis/apps/v1/namespaces/d/deployments/web/scale",
        ),
        (FOOS, {}, "/apis/samplecontroller.k8s.io/v1alpha1/foos"),
    ],
)
def test_resource_path_core_grouped_custom_namespaced_and_cluster(
    info: ResourceInfo, kwargs: dict[str, Any], path: str
) -> None:
    assert resource_path(info, **kwargs) == path


def test_resource_path_rejects_empty_name_and_orphan_subresource() -> None:
    with pytest.raises(ValueError, match="empty name"):
        resource_path(PODS, name="")
    with pytest.raises(ValueError, match="needs an object name"):
        resource_path(PODS, subresource="status")


# ---- HTTP errors ----


def _status(code: int, reason: str, message: str, **extra: Any) -> bytes:
    return orjson.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("code", "body", "content_type", "retry_after", "error_type", "message"),
    [
        pytest.param(
            401,
            _status(401, "Unauthorized", "Unauthorized"),
            "application/json",
            None,
            UnauthorizedError,
            "Unauthorized",
            id="401",
        ),
        pytest.param(
            403,
            _status(403, "Forbidden", 'pods is forbidden: User "x"'),
            "application/json",
            None,
            ForbiddenError,
            'pods is forbidden: User "x"',
            id="403",
        ),
        pytest.param(
            404,
            _status(404, "NotFound", 'pods "a" not found'),
            "application/json",
            None,
            NotFoundError,
            'pods "a" not found',
            id="404-status",
        ),
        pytest.param(
            404,
            b"404 page not found\n",
            "text/plain; charset=utf-8",
            None,
            NotFoundError,
            "404 page not found",
            id="404-text",
        ),
        pytest.param(
            410,
            _status(410, "Expired", "too old resource version: 1 (5)"),
            "application/json",
            None,
            ExpiredError,
            "too old resource version: 1 (5)",
            id="410-expired",
        ),
        pytest.param(
            429,
            b"Too many requests, please try again later.\n",
            "text/plain; charset=utf-8",
            "1",
            TooManyRequestsError,
            "Too many requests, please try again later.",
            id="429-apf-text",
        ),
        pytest.param(
            429,
            _status(
                429,
                "TooManyRequests",
                "storage is (re)initializing",
                details={"retryAfterSeconds": 1},
            ),
            "application/json",
            "1",
            TooManyRequestsError,
            "storage is (re)initializing",
            id="429-status",
        ),
        pytest.param(
            500,
            _status(500, "", 'strconv.ParseUint: parsing "abc"'),
            "application/json",
            None,
            InternalError,
            'strconv.ParseUint: parsing "abc"',
            id="500-no-reason",
        ),
        pytest.param(
            502,
            b"",
            "text/html",
            None,
            InternalError,
            "an error on the server has prevented the request from succeeding",
            id="502-empty",
        ),
        pytest.param(418, b"teapot", None, None, ApiError, "teapot", id="418-unknown"),
        pytest.param(
            404,
            b"{not json",
            "application/json",
            None,
            NotFoundError,
            "{not json",
            id="404-broken-json",
        ),
        pytest.param(
            409,
            b'{"kind": "Pod"}',
            "application/json",
            None,
            ConflictError,
            '{"kind": "Pod"}',
            id="409-json-not-status",
        ),
    ],
)
def test_error_from_response_maps_codes_bodies_and_retry_after(
    code: int,
    body: bytes,
    content_type: str | None,
    retry_after: str | None,
    error_type: type[ApiError],
    message: str,
) -> None:
    error = error_from_response(code, body, content_type=content_type, retry_after=retry_after)
    assert type(error) is error_type
    assert error.code == code
    assert error.message == message
    if retry_after is not None:
        assert error.retry_after == float(retry_after)
        assert is_too_many_requests(error)


def test_error_from_response_text_body_keeps_the_text_as_a_cause() -> None:
    error = error_from_response(404, b"404 page not found", content_type="text/plain")
    assert error.reason == "NotFound"
    assert error.causes == [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]


def test_error_from_response_generic_message_without_body() -> None:
    error = error_from_response(503, b"", content_type="text/plain")
    assert error.message == "the server is currently unable to handle the request"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, None), ("3", 3.0), (" 2 ", 2.0), ("0", None), ("-1", None), ("soon", None)],
)
def test_parse_retry_after_whole_seconds_only(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds
