"""Every fault knob of the fake API server, observed from a raw HTTP client, as methods and
as admin endpoints. Fake server only (skipped on a real cluster)."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest

from ._fake_apiserver_golden import Target, api_fixture

_ = api_fixture


def _watch_path(api: Target) -> tuple[str, str]:
    ns = api.namespace("kf-fault")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    return ns, path


def test_fault_drop_watches_ends_streams_cleanly(api: Target) -> None:
    server = api.fake()
    ns, path = _watch_path(api)
    with api.watch(path, watch="1", resourceVersion=api.list_rv(path)) as w:
        api.configmap(ns, "before")
        w.wait_count(1)
        server.drop_watches()
        events = w.wait_end(5)
    assert w.error is None  # a clean end of stream, no transport error
    assert [e["type"] for e in events] == ["ADDED"]


def test_fault_reset_watches_is_a_connection_reset(api: Target) -> None:
    server = api.fake()
    _, path = _watch_path(api)
    with api.watch(path, watch="1", resourceVersion=api.list_rv(path)) as w:
        deadline = time.monotonic() + 5
        while server.reset_watches() == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        w.wait_end(5)
    assert isinstance(w.error, httpx.TransportError)
    assert api.client.get(path).status_code == 200  # other connections are unaffected


@pytest.mark.slow
def test_fault_stall_watches_holds_events_and_bookmarks(api: Target) -> None:
    server = api.fake()
    ns, path = _watch_path(api)
    with api.watch(path, watch="1", resourceVersion=api.list_rv(path)) as w:
        deadline = time.monotonic() + 5
        while server.stall_watches(None) == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        api.configmap(ns, "held-back")
        time.sleep(0.2)
        assert w.events == []
        assert not w.ended.is_set()
        server.resume_watches()
        events = w.wait_count(1)
    assert events[0]["object"]["metadata"]["name"] == "held-back"


def test_fault_cut_next_watch_in_the_middle_of_a_line(api: Target) -> None:
    server = api.fake()
    ns, path = _watch_path(api)
    api.configmap(ns, "a")
    server.cut_next_response("watch")
    received: list[bytes] = []
    with (
        api.client.stream("GET", path, params={"watch": "1", "resourceVersion": "0"}) as response,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        received.extend(response.iter_bytes())
    data = b"".join(received)
    assert data
    assert not data.endswith(b"\n")
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(data.split(b"\n")[-1])
    with api.watch(path, watch="1", resourceVersion="0") as w:  # only the next one was cut
        assert w.wait_count(1)


def test_fault_cut_next_list_truncates_the_body(api: Target) -> None:
    server = api.fake()
    ns, path = _watch_path(api)
    api.configmap(ns, "a", {"k": "v" * 200})
    server.cut_next_response("list")
    with pytest.raises(httpx.RemoteProtocolError):
        api.client.get(path)
    assert api.client.get(path).status_code == 200


def test_fault_fail_next_list_with_429_and_retry_after(api: Target) -> None:
    server = api.fake()
    _, path = _watch_path(api)
    server.fail_next("list", 2, code=429, retry_after=3, resource="configmaps")
    for _ in range(2):
        answer = api.client.get(path)
        assert answer.status_code == 429
        assert answer.headers["retry-after"] == "3"
        assert answer.json()["reason"] == "TooManyRequests"
        assert answer.json()["details"]["retryAfterSeconds"] == 3
    assert api.client.get(path).status_code == 200


def test_fault_fail_next_watch_with_500(api: Target) -> None:
    server = api.fake()
    _, path = _watch_path(api)
    server.fail_next("watch", code=500, message="etcd is on fire")
    answer = api.client.get(path, params={"watch": "1"})
    assert answer.status_code == 500
    assert answer.json()["message"] == "etcd is on fire"


def test_fault_latency_delays_each_request(api: Target) -> None:
    server = api.fake()
    server.set_latency(0.15)
    started = time.monotonic()
    api.client.get("/version")
    assert time.monotonic() - started >= 0.15
    server.set_latency(0)


@pytest.mark.parametrize("keep_data", [True, False])
def test_fault_restart_closes_everything_and_keeps_the_port(api: Target, keep_data: bool) -> None:
    server = api.fake()
    ns, path = _watch_path(api)
    api.configmap(ns, "survivor")
    port = server.port
    rv_before = server.revision
    with api.watch(path, watch="1", resourceVersion=api.list_rv(path)) as w:
        server.restart(keep_data=keep_data)
        w.wait_end(5)
    assert server.port == port
    answer = api.client.get(f"{path}/survivor")  # httpx reconnects on a fresh connection
    if keep_data:
        assert answer.status_code == 200
        assert server.revision >= rv_before
    else:
        assert answer.status_code == 404
        assert server.revision < rv_before  # resourceVersions went backwards


def test_fault_request_counters(api: Target) -> None:
    server = api.fake()
    _, path = _watch_path(api)
    before = server.request_counts()[("list", "configmaps")]
    api.client.get(path)
    api.client.get(path, params={"limit": "5"})
    assert server.request_counts()[("list", "configmaps")] == before + 2
    last = server.requests[-1]
    assert (last.verb, last.resource, last.query.get("limit")) == ("list", "configmaps", "5")
    stats = server.http_stats()
    assert stats.requests >= 3
    assert stats.bytes_sent > 0


@pytest.mark.slow
def test_fault_admin_endpoints_over_http(api: Target) -> None:
    server = api.fake()
    ns, path = _watch_path(api)
    post = api.client.post
    assert post("/_kinformer/faults/fail-next",
                json={"verb": "list", "code": 503, "resource": "configmaps"}).json() == {"ok": True}  # fmt: skip
    assert api.client.get(path).status_code == 503
    assert post("/_kinformer/faults/latency", json={"seconds": 0}).status_code == 200
    assert post("/_kinformer/faults/cut-next-response", json={"verb": "list"}).status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        api.client.get(path)
    with api.watch(path, watch="1", resourceVersion=api.list_rv(path)) as w:
        stall = post("/_kinformer/faults/stall-watches", json={"seconds": None}).json()
        assert stall == {"ok": True, "watches": 1}
        api.configmap(ns, "late")
        time.sleep(0.1)
        assert w.events == []
        assert post("/_kinformer/faults/resume-watches").status_code == 200
        w.wait_count(1)
        assert post("/_kinformer/faults/drop-watches").status_code == 200
        w.wait_end(5)
    assert post("/_kinformer/faults/compact", json={}).status_code == 200
    old = api.client.get(path, params={"resourceVersion": "2", "resourceVersionMatch": "Exact"})
    assert old.status_code == 410
    assert post("/_kinformer/tokens", json={"token": "t2", "user": "u2"}).status_code == 200
    with api.new_client(headers={"Authorization": "Bearer t2"}) as other:
        assert other.get(path).status_code == 200
    counters = api.client.get("/_kinformer/requests").json()
    assert counters["ok"] is True
    assert any(
        entry["verb"] == "list" and entry["resource"] == "configmaps" and entry["count"] >= 2
        for entry in counters["requests"]
    )
    assert counters["http"]["requests"] > 0
    assert counters["revision"] == server.revision
    assert post("/_kinformer/faults/reset-watches").json() == {"ok": True, "watches": 0}
    restart = post("/_kinformer/faults/restart", json={"keep_data": True})
    assert restart.json() == {"ok": True}
    assert api.client.get(path).status_code == 200
