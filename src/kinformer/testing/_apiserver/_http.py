"""The fake API server's HTTP layer: aiohttp's low-level server on its own thread and loop.

It turns HTTP/1.1 requests into :class:`ApiRequest` values, authenticates them, hands them to
the engine's ``handle`` (on a small thread pool, so a 100k-object list being encoded never
stalls the watch streams served by the loop) and writes back what comes out:

* an :class:`ApiResponse` with ``Content-Length``; ``Cache-Control: no-cache, private`` is
  added unless the engine set one, as kube-apiserver does on every answer;
* a :class:`WatchResponse` as a ``200`` chunked ``application/json`` stream: every batch of
  lines that :meth:`Watch.drain` returns is written as one chunk as soon as the engine wakes
  the stream; ``watch.bookmark()`` is asked every ``bookmark_interval`` seconds and once
  shortly before ``timeoutSeconds`` end (as the watch cache does, golden 05b); the stream ends
  cleanly at ``timeoutSeconds`` or when the watch is closed and drained, and
  ``watch.close()`` is always called, client gone included.

Fault knobs that only the transport can produce live here: aborting watch connections,
stalling streams, cutting a response in the middle of a JSON line, latency, and a restart
that closes every connection while the engine restarts (the listening port is kept).

Thread model: every method without a leading underscore is thread-safe and may be called
from any thread except the server's own loop thread; they return once the effect is in place.

Invariants: ``_watches`` holds exactly the streams that are open; a request never reaches
the engine while ``_open`` is clear (a restart is in progress); the ``Authorization`` header
is never passed on, stored or logged.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, Final, TypeVar, final

from aiohttp import web
from aiohttp.web_exceptions import HTTPRequestEntityTooLarge

from ._admin import (
    ADMIN_PREFIX,
    AdminCommand,
    Restart,
    admin_forbidden,
    json_response,
    parse_admin_request,
)
from ._auth import UNAUTHORIZED, TokenAuthenticator
from ._protocol import ApiRequest, ApiResponse, Handler, UserInfo, Watch, WatchResponse

__all__ = ["HttpServer", "HttpStats"]

T = TypeVar("T")

MAX_REQUEST_BODY: Final = 3 * 1024 * 1024
"""kube-apiserver's ``MaxRequestBodyBytes`` (3 MiB)."""

FINAL_BOOKMARK_LEAD: Final = 2.0
"""How long before ``timeoutSeconds`` the last bookmark is asked for: the watch cache sends one
when less than 2 s remain (``cacheWatcher.nextBookmarkTime``; golden 05b: ~9.0 s of 10 s)."""

LARGE_BODY: Final = 1024 * 1024
"""Answers larger than this are written in slices of this size."""

WRITE_BATCH: Final = 256 * 1024
"""Largest write of pending watch lines (bytes)."""

_CACHE_CONTROL: Final = ("Cache-Control", "no-cache, private")


@dataclass(frozen=True, slots=True)
class HttpStats:
    """What the HTTP layer has done since it started.

    Attributes:
        requests: HTTP requests received (admin requests included).
        unauthorized: requests answered 401.
        bytes_sent: body bytes written (list bodies, watch lines, errors).
        watches_opened: watch streams started.
        watches_open: watch streams open now.
        connections_open: TCP connections open now.
    """

    requests: int
    unauthorized: int
    bytes_sent: int
    watches_opened: int
    watches_open: int
    connections_open: int


@final
class _Stream:
    """One open watch stream, as the fault knobs see it."""

    __slots__ = ("resume", "stalled_until", "transport")

    def __init__(self, transport: asyncio.BaseTransport | None) -> None:
        self.transport = transport
        self.stalled_until = 0.0  # loop time; math.inf while stalled until resumed
        self.resume = asyncio.Event()


def _abort_with_reset(transport: asyncio.BaseTransport | None) -> None:
    """Close ``transport`` with a TCP RST (``SO_LINGER`` 0), so the peer sees a reset."""
    if transport is None or transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()  # type: ignore[attr-defined]


@final
class HttpServer:
    """Serves one engine over HTTP(S) from a background thread.

    Args:
        handler: the engine's ``handle``.
        authenticator: bearer tokens.
        admin_user: the user allowed on the admin endpoints.
        run_admin: executes an admin command (except restarts) and returns the answer.
        restart_engine: restarts the engine (``keep_data``); called with no request in flight.
        host: address to bind.
        port: port to bind (0: any free port).
        ssl_context: serve HTTPS with this context.
        bookmark_interval: seconds between periodic ``watch.bookmark()`` calls.
    """

    def __init__(
        self,
        handler: Handler,
        authenticator: TokenAuthenticator,
        *,
        admin_user: UserInfo,
        run_admin: Callable[[AdminCommand], ApiResponse],
        restart_engine: Callable[[bool], None],
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        bookmark_interval: float = 60.0,
    ) -> None:
        if bookmark_interval <= 0:
            raise ValueError("bookmark_interval must be > 0")
        self._handler = handler
        self._auth = authenticator
        self._admin_user = admin_user
        self._run_admin = run_admin
        self._restart_engine = restart_engine
        self._host = host
        self._port = port
        self._ssl = ssl_context
        self._bookmark_interval = bookmark_interval
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=8, thread_name_prefix="kinformer-apiserver-handler"
        )
        self._web: web.Server | None = None
        self._open: asyncio.Event | None = None
        self._watches: dict[_Stream, None] = {}
        self._cuts = {"watch": 0, "list": 0}
        self._latency = 0.0
        self._requests = 0
        self._unauthorized = 0
        self._bytes_sent = 0
        self._watches_opened = 0
        self.bound_port = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Bind and start serving; returns once the port is bound (raises if it cannot be)."""
        if self._thread is not None:
            raise RuntimeError("the server was already started")
        self._thread = threading.Thread(
            target=self._thread_main, name="kinformer-fake-apiserver", daemon=True
        )
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise self._startup_error

    def stop(self) -> None:
        """Close the listener and every connection, end the thread. Idempotent."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and self._thread is not None:

            def finish() -> None:
                if not stop.done():
                    stop.set_result(None)

            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(finish)
            self._thread.join()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to start()
            if not self._ready.is_set():
                self._startup_error = error
                self._ready.set()
            else:
                raise

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._stop = loop.create_future()
        self._open = asyncio.Event()
        self._open.set()
        self._web = web.Server(
            self._serve,
            request_factory=self._make_request,
            handler_cancellation=True,
            access_log=None,
        )
        listener = await loop.create_server(
            self._web, self._host, self._port, ssl=self._ssl, reuse_address=True
        )
        self.bound_port = listener.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await self._stop
        finally:
            listener.close()
            for handler in self._web.connections:
                _abort_with_reset(handler.transport)
            await self._web.shutdown(0.5)
            await listener.wait_closed()

    def _make_request(
        self, message: Any, payload: Any, protocol: Any, writer: Any, task: Any
    ) -> web.BaseRequest:
        assert self._loop is not None
        return web.BaseRequest(
            message, payload, protocol, writer, task, self._loop, client_max_size=MAX_REQUEST_BODY
        )

    def _call(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run a coroutine on the server loop from another thread and wait for its result."""
        loop = self._loop
        if loop is None or self._thread is None or not self._thread.is_alive():
            raise RuntimeError("the server is not running")
        if threading.current_thread() is self._thread:
            raise RuntimeError("call fault knobs from a test thread, not from the server loop")
        return asyncio.run_coroutine_threadsafe(make(), loop).result()

    # ------------------------------------------------------------------ knobs

    def stats(self) -> HttpStats:
        """A snapshot of the counters."""
        web_server = self._web
        return HttpStats(
            requests=self._requests,
            unauthorized=self._unauthorized,
            bytes_sent=self._bytes_sent,
            watches_opened=self._watches_opened,
            watches_open=len(self._watches),
            connections_open=0 if web_server is None else len(web_server.connections),
        )

    def set_latency(self, seconds: float) -> None:
        """Delay each request (admin requests excepted) by ``seconds`` before handling it."""
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        self._latency = seconds

    def cut_next_response(self, verb: str = "watch", count: int = 1) -> None:
        """Cut the next ``count`` ``watch`` streams or ``list`` answers mid-line, then close."""
        if verb not in self._cuts:
            raise ValueError(f"verb must be 'watch' or 'list', not {verb!r}")
        if count < 1:
            raise ValueError("count must be >= 1")

        async def arm() -> None:
            self._cuts[verb] += count

        self._call(arm)

    def reset_watches(self) -> int:
        """Abort the connections of all open watches (TCP RST); returns how many."""

        async def reset() -> int:
            streams = list(self._watches)
            for stream in streams:
                _abort_with_reset(stream.transport)
            return len(streams)

        return self._call(reset)

    def stall_watches(self, seconds: float | None = None) -> int:
        """Stop writing to the open watches (events, bookmarks, their end) for ``seconds``.

        ``None`` stalls them until :meth:`resume_watches`. Watches opened later are not
        stalled. Returns how many watches were stalled.
        """
        if seconds is not None and seconds < 0:
            raise ValueError("seconds must be >= 0")

        async def stall() -> int:
            loop = asyncio.get_running_loop()
            until = float("inf") if seconds is None else loop.time() + seconds
            for stream in self._watches:
                stream.stalled_until = until
                stream.resume.clear()
            return len(self._watches)

        return self._call(stall)

    def resume_watches(self) -> None:
        """End any stall at once."""

        async def resume() -> None:
            for stream in self._watches:
                stream.stalled_until = 0.0
                stream.resume.set()

        self._call(resume)

    def restart(self, keep_data: bool) -> None:
        """Close every connection and restart the engine while no request is served."""
        self._call(lambda: self._restart(keep_data, spare=None))

    async def _restart(self, keep_data: bool, spare: asyncio.BaseTransport | None) -> None:
        assert self._open is not None
        assert self._web is not None
        assert self._loop is not None
        self._open.clear()
        try:
            for handler in self._web.connections:
                if handler.transport is not spare:
                    _abort_with_reset(handler.transport)
            await self._loop.run_in_executor(self._executor, self._restart_engine, keep_data)
        finally:
            self._open.set()

    # ------------------------------------------------------------------ requests

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        self._requests += 1
        try:
            body = await request.read()
        except HTTPRequestEntityTooLarge:
            return self._respond(
                json_response(
                    413,
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "metadata": {},
                        "status": "Failure",
                        "message": f"Request entity too large: limit is {MAX_REQUEST_BODY}",
                        "reason": "RequestEntityTooLarge",
                        "code": 413,
                    },
                )
            )
        user = self._auth.authenticate(request.headers.get("Authorization"))
        if user is None:
            self._unauthorized += 1
            return self._respond(UNAUTHORIZED)
        headers = {
            name.lower(): value
            for name, value in request.headers.items()
            if name.lower() != "authorization"
        }
        api_request = ApiRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query.items()),
            raw_query=request.query_string,
            headers=headers,
            body=body,
            user=user,
        )
        if request.path.startswith(ADMIN_PREFIX):
            return await self._admin(request, api_request)
        if self._latency > 0:
            await asyncio.sleep(self._latency)
        assert self._open is not None
        await self._open.wait()
        outcome = await self._run(self._handler, api_request)
        if isinstance(outcome, WatchResponse):
            return await self._stream_watch(request, outcome)
        if self._cuts["list"] and _is_list(request.method, outcome):
            self._cuts["list"] -= 1
            return await self._cut_response(request, outcome)
        return await self._send(request, outcome)

    async def _run(self, function: Callable[[T], Any], argument: T) -> Any:
        assert self._loop is not None
        try:
            return await self._loop.run_in_executor(self._executor, function, argument)
        except Exception as error:  # an engine bug: answer like an apiserver panic handler
            return json_response(
                500,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Failure",
                    "message": f"Internal error occurred: {type(error).__name__}: {error}",
                    "reason": "InternalError",
                    "code": 500,
                },
            )

    async def _admin(self, request: web.BaseRequest, api_request: ApiRequest) -> web.StreamResponse:
        if api_request.user != self._admin_user:
            return self._respond(admin_forbidden(api_request.user.name, api_request.path))
        command = parse_admin_request(api_request)
        if isinstance(command, ApiResponse):
            return self._respond(command)
        if isinstance(command, Restart):
            await self._restart(command.keep_data, spare=request.transport)
            return self._respond(json_response(200, {"ok": True}))
        answer: ApiResponse = await self._run(self._run_admin, command)
        return self._respond(answer)

    def _headers(self, answer: ApiResponse) -> list[tuple[str, str]]:
        headers = [("Content-Type", answer.content_type), *answer.headers]
        if not any(name.lower() == "cache-control" for name, _ in answer.headers):
            headers.append(_CACHE_CONTROL)
        return headers

    def _respond(self, answer: ApiResponse) -> web.Response:
        self._bytes_sent += len(answer.body)
        response = web.Response(status=answer.status, body=answer.body or None)
        for name, value in self._headers(answer):
            response.headers.add(name, value)
        return response

    async def _send(self, request: web.BaseRequest, answer: ApiResponse) -> web.StreamResponse:
        """Small answers in one write; large ones (a 100k-pod list) in slices, so the
        transport never holds (and copies) hundreds of megabytes at once."""
        if len(answer.body) <= LARGE_BODY:
            return self._respond(answer)
        response = web.StreamResponse(status=answer.status)
        for name, value in self._headers(answer):
            response.headers.add(name, value)
        response.content_length = len(answer.body)
        await response.prepare(request)
        view = memoryview(answer.body)
        for start in range(0, len(view), LARGE_BODY):
            piece = view[start : start + LARGE_BODY]
            await response.write(piece)
            self._bytes_sent += len(piece)
        await response.write_eof()
        return response

    async def _cut_response(
        self, request: web.BaseRequest, answer: ApiResponse
    ) -> web.StreamResponse:
        """Send the headers and half of the body (inside a JSON line), then close."""
        response = web.StreamResponse(status=answer.status)
        response.headers["Content-Type"] = answer.content_type
        response.content_length = len(answer.body)
        await response.prepare(request)
        half = answer.body[: max(1, len(answer.body) // 2)]
        await response.write(half)
        self._bytes_sent += len(half)
        _flush_and_close(request.transport)
        return response

    async def _stream_watch(
        self, request: web.BaseRequest, answer: WatchResponse
    ) -> web.StreamResponse:
        assert self._loop is not None
        loop = self._loop
        watch = answer.watch
        wake = asyncio.Event()

        def waker() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody to wake
                loop.call_soon_threadsafe(wake.set)

        watch.set_waker(waker)
        stream = _Stream(request.transport)
        self._watches[stream] = None
        self._watches_opened += 1
        cut = self._cuts["watch"] > 0
        if cut:
            self._cuts["watch"] -= 1
        response = web.StreamResponse(status=200)
        response.headers["Content-Type"] = "application/json"
        response.headers.add(*_CACHE_CONTROL)
        for name, value in answer.headers:
            response.headers.add(name, value)
        response.enable_chunked_encoding()
        try:
            await response.prepare(request)
            await self._pump(request, response, watch, wake, stream, answer.timeout_seconds, cut)
        except ConnectionError:
            # The client went away or the connection was aborted on purpose: nothing to end.
            pass
        finally:
            self._watches.pop(stream, None)
            watch.close()
        return response

    async def _pump(
        self,
        request: web.BaseRequest,
        response: web.StreamResponse,
        watch: Watch,
        wake: asyncio.Event,
        stream: _Stream,
        timeout: float | None,
        cut: bool,
    ) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = None if timeout is None else start + timeout
        final_bookmark = None if deadline is None else deadline - FINAL_BOOKMARK_LEAD
        next_bookmark = start + self._bookmark_interval
        while True:
            now = loop.time()
            if stream.stalled_until > now:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(stream.stalled_until - now, 3600.0)):
                        await stream.resume.wait()
                continue
            wake.clear()
            lines = watch.drain()
            if lines:
                if cut:
                    await self._write_cut(request, response, lines)
                    return
                for batch in _batches(lines):
                    await response.write(batch)
                    self._bytes_sent += len(batch)
                continue
            if watch.closed:
                break
            if deadline is not None and now >= deadline:
                break
            if now >= next_bookmark:
                next_bookmark = max(next_bookmark + self._bookmark_interval, now)
                watch.bookmark()
                continue
            if final_bookmark is not None and now >= final_bookmark:
                final_bookmark = None
                watch.bookmark()
                continue
            wait_until = min(t for t in (deadline, next_bookmark, final_bookmark) if t is not None)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_until - now):
                    await wake.wait()
        await response.write_eof()

    async def _write_cut(
        self, request: web.BaseRequest, response: web.StreamResponse, lines: list[bytes]
    ) -> None:
        """Write all but the last pending line, then half of the last one, then close."""
        last = lines[-1]
        data = b"".join(lines[:-1]) + last[: max(1, (len(last) - 1) // 2)]
        await response.write(data)
        self._bytes_sent += len(data)
        _flush_and_close(request.transport)


def _flush_and_close(transport: asyncio.BaseTransport | None) -> None:
    """Close with a FIN once the bytes already written have left (asyncio flushes the
    buffer on ``close()``), so the peer reads the partial data and then sees the end."""
    if transport is not None:
        transport.close()


def _batches(lines: list[bytes], limit: int = WRITE_BATCH) -> Iterator[bytes]:
    """Join consecutive lines into writes of at most ``limit`` bytes (a longer line alone).

    One write per pending batch keeps small events cheap (one chunk for many lines), and
    bounded batches let a client start reading a 100k-event backlog while the rest is
    still being framed, instead of waiting for one giant join.
    """
    batch: list[bytes] = []
    size = 0
    for line in lines:
        if batch and size + len(line) > limit:
            yield b"".join(batch)
            batch, size = [], 0
        batch.append(line)
        size += len(line)
    if batch:
        yield b"".join(batch)


def _is_list(method: str, answer: ApiResponse) -> bool:
    """Whether ``answer`` is a successful list (a ``...List`` kind)."""
    if method != "GET" or answer.status != 200:
        return False
    head = answer.body[:512]
    marker = head.find(b'"kind":')
    if marker < 0:
        return False
    rest = head[marker + len(b'"kind":') :].lstrip()
    end = rest.find(b'"', 1)
    return rest.startswith(b'"') and end > 0 and rest[1:end].endswith(b"List")
