"""The fake API server's HTTP layer against a scripted handler (no engine involved).

Covers the seam of ``_protocol.py``: request decoding, authentication, plain answers, watch
streaming (chunks, bookmarks, timeouts, close), and every transport fault knob as a client
sees it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest

from kinformer.testing._apiserver._admin import AdminCommand, json_response
from kinformer.testing._apiserver._auth import ANONYMOUS, TokenAuthenticator
from kinformer.testing._apiserver._http import HttpServer
from kinformer.testing._apiserver._protocol import (
    ApiRequest,
    ApiResponse,
    UserInfo,
    WatchResponse,
)

ADMIN = UserInfo("kinformer-admin")
TOKEN = "admin-token"


class ScriptedWatch:
    """A thread-safe fake of the engine's ``Watch``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: list[bytes] = []
        self._waker: Callable[[], None] | None = None
        self._closed = False
        self.close_calls = 0
        self.bookmarks: list[float] = []
        self.closed_event = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed

    def drain(self) -> list[bytes]:
        with self._lock:
            lines, self._lines = self._lines, []
        return lines

    def set_waker(self, waker: Callable[[], None]) -> None:
        self._waker = waker

    def push(self, *objects: dict[str, Any]) -> None:
        with self._lock:
            self._lines.extend(orjson.dumps(obj) + b"\n" for obj in objects)
        if self._waker is not None:
            self._waker()

    def end(self) -> None:
        self._closed = True
        if self._waker is not None:
            self._waker()

    def bookmark(self) -> None:
        self.bookmarks.append(time.monotonic())
        self.push({"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "7"}}})

    def close(self) -> None:
        self.close_calls += 1
        self.closed_event.set()


class ScriptedEngine:
    """Answers by path; records requests; hands out ``ScriptedWatch`` objects."""

    def __init__(self) -> None:
        self.requests: list[ApiRequest] = []
        self.watches: list[ScriptedWatch] = []
        self.watch_opened = threading.Event()
        self.restarts: list[bool] = []
        self.admin_commands: list[AdminCommand] = []
        self.prefill: list[dict[str, Any]] | None = None

    def handle(self, request: ApiRequest) -> ApiResponse | WatchResponse:
        self.requests.append(request)
        if request.query.get("watch") == "1":
            watch = ScriptedWatch()
            self.watches.append(watch)
            if self.prefill is not None:  # events already pending, watch already ended
                watch.push(*self.prefill)
                watch.end()
            self.watch_opened.set()
            timeout = request.query.get("timeoutSeconds")
            return WatchResponse(watch, None if timeout is None else float(timeout))
        if request.path == "/boom":
            raise RuntimeError("engine bug")
        if request.path == "/list":
            items = [{"metadata": {"name": f"cm-{i}"}, "data": {"k": "v" * 50}} for i in range(50)]
            return json_response(200, {"kind": "ConfigMapList", "apiVersion": "v1", "items": items})
        if request.path == "/big":  # more than one write slice
            return ApiResponse(200, b"[" + b"7," * (1_600_000) + b"7]")
        if request.path == "/cached":
            return ApiResponse(200, b"{}", headers=(("Cache-Control", "public"),))
        if request.path == "/retry":
            return ApiResponse(429, b"{}", headers=(("Retry-After", "1"),))
        return json_response(200, {"kind": "Echo", "path": request.path})

    def run_admin(self, command: AdminCommand) -> ApiResponse:
        self.admin_commands.append(command)
        return json_response(200, {"ok": True})

    def wait_watch(self, count: int = 1) -> ScriptedWatch:
        deadline = time.monotonic() + 5
        while len(self.watches) < count:
            assert time.monotonic() < deadline, "no watch opened"
            time.sleep(0.002)
        return self.watches[count - 1]


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()


def make_server(engine: ScriptedEngine, **options: Any) -> HttpServer:
    auth = TokenAuthenticator({TOKEN: ADMIN, "viewer": UserInfo("viewer")})
    return HttpServer(
        engine.handle,
        auth,
        admin_user=ADMIN,
        run_admin=engine.run_admin,
        restart_engine=engine.restarts.append,
        **options,
    )


@pytest.fixture
def server(engine: ScriptedEngine) -> Iterator[HttpServer]:
    http = make_server(engine, bookmark_interval=3600.0)
    http.start()
    yield http
    http.stop()


@pytest.fixture
def client(server: HttpServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"http://127.0.0.1:{server.bound_port}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    ) as http_client:
        yield http_client


def read_lines(response: httpx.Response) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in response.iter_lines() if line]


def test_http_plain_answer_has_content_length_and_cache_control(
    client: httpx.Client, engine: ScriptedEngine
) -> None:
    answer = client.get("/api/v1/namespaces/a%20b/configmaps?limit=1&limit=5&x=%3D")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-cache, private"
    assert int(answer.headers["content-length"]) == len(answer.content)
    request = engine.requests[-1]
    assert request.path == "/api/v1/namespaces/a b/configmaps"
    assert request.query == {"limit": "5", "x": "="}
    assert request.raw_query == "limit=1&limit=5&x=%3D"
    assert request.user == ADMIN


def test_http_authorization_header_never_reaches_the_engine(
    client: httpx.Client, engine: ScriptedEngine
) -> None:
    client.post("/x", content=b'{"a":1}', headers={"Content-Type": "application/json"})
    request = engine.requests[-1]
    assert "authorization" not in request.headers
    assert request.headers["content-type"] == "application/json"
    assert request.body == b'{"a":1}'
    assert TOKEN not in repr(request)


def test_http_unknown_token_is_401_even_on_version(
    server: HttpServer, engine: ScriptedEngine
) -> None:
    """Golden 11 seq 11-12: the exact Unauthorized Status, whatever the path."""
    url = f"http://127.0.0.1:{server.bound_port}/version"
    answer = httpx.get(url, headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
    assert answer.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    assert engine.requests == []
    assert server.stats().unauthorized == 1


def test_http_no_credentials_is_anonymous(server: HttpServer, engine: ScriptedEngine) -> None:
    httpx.get(f"http://127.0.0.1:{server.bound_port}/version")
    assert engine.requests[-1].user == ANONYMOUS


def test_http_engine_headers_are_sent(client: httpx.Client) -> None:
    answer = client.get("/retry")
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "1"


def test_http_large_answer_is_sent_whole(client: httpx.Client, server: HttpServer) -> None:
    before = server.stats().bytes_sent
    answer = client.get("/big")
    assert answer.status_code == 200
    assert int(answer.headers["content-length"]) == len(answer.content) == 3_200_003
    assert answer.headers["cache-control"] == "no-cache, private"
    assert len(orjson.loads(answer.content)) == 1_600_001
    assert server.stats().bytes_sent - before == 3_200_003


def test_http_engine_cache_control_is_kept(client: httpx.Client) -> None:
    assert client.get("/cached").headers.get_list("cache-control") == ["public"]


def test_http_watch_large_backlog_arrives_in_order(
    client: httpx.Client, engine: ScriptedEngine
) -> None:
    """More pending bytes than one write batch: split, in order, nothing lost."""
    engine.prefill = [{"type": "ADDED", "object": {"n": n, "pad": "x" * 1000}} for n in range(600)]
    with client.stream("GET", "/w?watch=1") as response:
        events = read_lines(response)
    assert [event["object"]["n"] for event in events] == list(range(600))


def test_http_engine_exception_is_a_500_status(client: httpx.Client) -> None:
    answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.json()["reason"] == "InternalError"
    assert "engine bug" in answer.json()["message"]


def test_http_body_over_3mib_is_413(client: httpx.Client, engine: ScriptedEngine) -> None:
    answer = client.post("/x", content=b"x" * (3 * 1024 * 1024 + 1))
    assert answer.status_code == 413
    assert answer.json()["message"] == "Request entity too large: limit is 3145728"
    assert engine.requests == []


def test_http_keep_alive_reuses_one_connection(client: httpx.Client, server: HttpServer) -> None:
    for _ in range(5):
        client.get("/x")
    assert server.stats().connections_open == 1


def test_http_watch_streams_chunked_lines_as_pushed(
    client: httpx.Client, engine: ScriptedEngine
) -> None:
    with client.stream("GET", "/w?watch=1") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["transfer-encoding"] == "chunked"
        watch = engine.wait_watch()
        lines = response.iter_lines()
        for n in range(3):
            watch.push({"type": "ADDED", "object": {"n": n}})
            assert orjson.loads(next(lines)) == {"type": "ADDED", "object": {"n": n}}
        watch.end()
        assert list(lines) == []
    assert watch.closed_event.wait(5)
    assert watch.close_calls == 1


def test_http_watch_pending_lines_before_open_are_sent(
    client: httpx.Client, engine: ScriptedEngine
) -> None:
    engine.prefill = [{"type": "ADDED", "object": {"n": 1}}, {"type": "ADDED", "object": {"n": 2}}]
    with client.stream("GET", "/w?watch=1") as response:
        assert [event["object"]["n"] for event in read_lines(response)] == [1, 2]


@pytest.mark.slow
def test_http_watch_ends_cleanly_at_timeout_and_asks_a_final_bookmark(
    engine: ScriptedEngine,
) -> None:
    """B: the stream ends at timeoutSeconds without a final event; a bookmark is asked <2 s before."""
    server = make_server(engine, bookmark_interval=3600.0)
    server.start()
    try:
        url = f"http://127.0.0.1:{server.bound_port}/w?watch=1&timeoutSeconds=2.5"
        started = time.monotonic()
        with httpx.stream("GET", url, headers={"Authorization": f"Bearer {TOKEN}"}) as response:
            events = read_lines(response)
        elapsed = time.monotonic() - started
        assert 2.4 <= elapsed < 3.5
        watch = engine.watches[0]
        assert [event["type"] for event in events] == ["BOOKMARK"]
        assert len(watch.bookmarks) == 1
        assert 0.4 <= watch.bookmarks[0] - started <= 1.0
        assert watch.closed_event.wait(5)
    finally:
        server.stop()


@pytest.mark.slow
def test_http_watch_periodic_bookmarks(engine: ScriptedEngine) -> None:
    server = make_server(engine, bookmark_interval=0.1)
    server.start()
    try:
        url = f"http://127.0.0.1:{server.bound_port}/w?watch=1"
        with httpx.stream("GET", url, headers={"Authorization": f"Bearer {TOKEN}"}) as response:
            lines = response.iter_lines()
            for _ in range(3):
                assert orjson.loads(next(lines))["type"] == "BOOKMARK"
        watch = engine.watches[0]
        gaps = [b - a for a, b in zip(watch.bookmarks, watch.bookmarks[1:], strict=False)]
        assert all(0.05 < gap < 0.5 for gap in gaps)
    finally:
        server.stop()


def test_http_watch_client_gone_closes_the_watch(
    client: httpx.Client, engine: ScriptedEngine, server: HttpServer
) -> None:
    with client.stream("GET", "/w?watch=1") as response:
        assert response.status_code == 200
        watch = engine.wait_watch()
    # httpx closes the connection of an unfinished stream: the server must notice.
    assert watch.closed_event.wait(5)
    deadline = time.monotonic() + 5
    while server.stats().watches_open:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_http_reset_watches_aborts_the_connection(
    client: httpx.Client, engine: ScriptedEngine, server: HttpServer
) -> None:
    with client.stream("GET", "/w?watch=1") as response:
        watch = engine.wait_watch()
        watch.push({"type": "ADDED", "object": {}})
        lines = response.iter_lines()
        next(lines)
        assert server.reset_watches() == 1
        with pytest.raises(httpx.TransportError):
            next(lines)
    assert watch.closed_event.wait(5)


@pytest.mark.slow
def test_http_stall_watches_holds_events_until_resumed(
    client: httpx.Client, engine: ScriptedEngine, server: HttpServer
) -> None:
    with client.stream("GET", "/w?watch=1") as response:
        watch = engine.wait_watch()
        assert server.stall_watches(None) == 1
        watch.push({"type": "ADDED", "object": {"n": 1}})
        time.sleep(0.1)
        stream = response.stream
        received: list[bytes] = []
        reader = threading.Thread(target=lambda: received.append(next(iter(stream))))
        reader.start()
        reader.join(0.15)
        assert received == []  # nothing came through while stalled
        server.resume_watches()
        reader.join(5)
        assert orjson.loads(received[0].splitlines()[0]) == {"type": "ADDED", "object": {"n": 1}}


@pytest.mark.slow
def test_http_stall_watches_for_seconds_also_delays_the_end(
    client: httpx.Client, engine: ScriptedEngine, server: HttpServer
) -> None:
    with client.stream("GET", "/w?watch=1&timeoutSeconds=0.1") as response:
        engine.wait_watch()
        started = time.monotonic()
        server.stall_watches(0.4)
        response.read()
        assert time.monotonic() - started >= 0.35


def test_http_cut_next_watch_sends_half_a_line_then_closes(
    client: httpx.Client, engine: ScriptedEngine, server: HttpServer
) -> None:
    server.cut_next_response("watch")
    with client.stream("GET", "/w?watch=1") as response:
        watch = engine.wait_watch()
        watch.push({"type": "ADDED", "object": {"n": 1}}, {"type": "ADDED", "object": {"n": 2}})
        chunks: list[bytes] = []
        with pytest.raises(httpx.RemoteProtocolError):
            chunks.extend(response.iter_bytes())
        received = b"".join(chunks)
    first, partial = received.split(b"\n")
    assert orjson.loads(first)["object"] == {"n": 1}
    assert partial
    assert not partial.endswith(b"}")
    assert watch.closed_event.wait(5)
    # Only the next one: a second watch is intact.
    with client.stream("GET", "/w?watch=1") as response:
        second = engine.wait_watch(2)
        second.push({"type": "ADDED", "object": {"n": 3}})
        second.end()
        assert read_lines(response) == [{"type": "ADDED", "object": {"n": 3}}]


def test_http_cut_next_list_truncates_the_body(client: httpx.Client, server: HttpServer) -> None:
    server.cut_next_response("list")
    assert client.get("/x").status_code == 200  # not a list: not cut
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/list")
    assert client.get("/list").json()["kind"] == "ConfigMapList"


def test_http_cut_next_response_rejects_unknown_verbs(server: HttpServer) -> None:
    with pytest.raises(ValueError, match="verb"):
        server.cut_next_response("get")
    with pytest.raises(ValueError, match="count"):
        server.cut_next_response("list", 0)


def test_http_latency_delays_requests(client: httpx.Client, server: HttpServer) -> None:
    server.set_latency(0.1)
    started = time.monotonic()
    client.get("/x")
    assert time.monotonic() - started >= 0.1
    server.set_latency(0)
    with pytest.raises(ValueError, match="latency"):
        server.set_latency(-1)


def test_http_restart_closes_connections_and_keeps_the_port(
    client: httpx.Client, engine: ScriptedEngine, server: HttpServer
) -> None:
    port = server.bound_port
    with client.stream("GET", "/w?watch=1") as response:
        watch = engine.wait_watch()
        server.restart(False)
        with pytest.raises(httpx.TransportError):
            response.read()
    assert engine.restarts == [False]
    assert watch.closed_event.wait(5)
    assert server.bound_port == port
    assert client.get("/x").status_code == 200


def test_http_admin_needs_the_admin_user(server: HttpServer, engine: ScriptedEngine) -> None:
    url = f"http://127.0.0.1:{server.bound_port}/_kinformer/faults/latency"
    with httpx.Client() as anonymous_client:
        anonymous = anonymous_client.post(url, json={"seconds": 1})
        assert anonymous.status_code == 403
        assert anonymous.json()["message"] == (
            'forbidden: User "system:anonymous" cannot post path "/_kinformer/faults/latency"'
        )
        viewer = anonymous_client.post(
            url, json={"seconds": 1}, headers={"Authorization": "Bearer viewer"}
        )
        assert viewer.status_code == 403
        bad = anonymous_client.post(url, headers={"Authorization": "Bearer bad"})
        assert bad.status_code == 401
    assert engine.admin_commands == []


def test_http_admin_commands_reach_the_runner(client: httpx.Client, engine: ScriptedEngine) -> None:
    answer = client.post("/_kinformer/faults/compact", json={"revision": 5})
    assert answer.json() == {"ok": True}
    assert client.post("/_kinformer/faults/bogus").status_code == 404
    assert [type(command).__name__ for command in engine.admin_commands] == ["Compact"]


def test_http_admin_restart_spares_its_own_connection(
    client: httpx.Client, engine: ScriptedEngine
) -> None:
    answer = client.post("/_kinformer/faults/restart", json={"keep_data": True})
    assert answer.json() == {"ok": True}
    assert engine.restarts == [True]


def test_http_start_twice_and_port_in_use(engine: ScriptedEngine, server: HttpServer) -> None:
    with pytest.raises(RuntimeError, match="already"):
        server.start()
    clash = make_server(engine, port=server.bound_port)
    with pytest.raises(OSError):
        clash.start()
    clash.stop()


def test_http_knobs_need_a_running_server(engine: ScriptedEngine) -> None:
    idle = make_server(engine)
    with pytest.raises(RuntimeError, match="not running"):
        idle.reset_watches()
    with pytest.raises(ValueError, match="bookmark_interval"):
        make_server(engine, bookmark_interval=0)
