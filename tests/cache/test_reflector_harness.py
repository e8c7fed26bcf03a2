"""A scripted driver for the pure ReflectorMachine: scenario rows read like reflector_test.go.

A script is the list of outcomes the API server gives, in the order the machine asks for
them: ``listed(...)`` / ``failed(...)`` answer a LIST page, ``watch(...)`` / ``failed(...)``
answer a watch request. :func:`play` runs the machine against a fake clock (no sleeps, no
threads), feeds it the outcomes, ticks the watch timers when scripted time passes, and records
every request as a short string (``LIST rv=0 limit=500``, ``WATCH rv=10``, ``sleep``,
``handler:Expired``) plus the raw actions. Play ends at ``Stop`` or when the script is used up
and the machine asks for another request (that last request is logged too, unanswered).
Streams close cleanly after 60 s unless told otherwise (``closed(after=…)``), within the
default stall timeout.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from kinformer._errors import ApiError, KeyFuncError, RefusedConnectionError
from kinformer.cache._reflector import (
    _CLOSED,
    HandleWatchError,
    ListPage,
    OpenWatch,
    ReflectorAction,
    ReflectorMachine,
    ReflectorOptions,
    Sleep,
    Stop,
    _Await,
)

START = 1000.0


def pod(name: str, rv: str = "1", *, namespace: str = "default", **extra: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "resourceVersion": rv}
    metadata.update(extra)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata}


def status(code: int, reason: str = "", message: str = "m", **details: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "code": code}
    if reason:
        body["reason"] = reason
    if message:
        body["message"] = message
    if details:
        body["details"] = details
    return body


def api_error(code: int, reason: str = "", message: str = "m", **details: Any) -> ApiError:
    return ApiError.from_status(status(code, reason, message, **details))


# ------------------------------------------------------------------------------ the store


class FakeStore:
    """Records every call as a tuple.

    ``fail_replace`` / ``fail_resync`` hold the indices (0-based) of the calls that raise
    ``KeyFuncError``; objects without a name make add/update/delete raise it too.
    """

    def __init__(
        self,
        *,
        fail_replace: Collection[int] = (),
        fail_resync: Collection[int] = (),
        transformer: Callable[[Any], Any] | None = None,
    ) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.replaced: list[tuple[list[Any], str]] = []
        self.fail_replace = fail_replace
        self.fail_resync = fail_resync
        self.transformer = transformer
        self.replace_calls = 0
        self.resync_calls = 0

    @staticmethod
    def _key(obj: Any) -> str:
        metadata = obj.get("metadata") if isinstance(obj, dict) else None
        if not isinstance(metadata, dict) or "name" not in metadata:
            raise KeyFuncError(obj, "object has no name")
        return str(metadata["name"])

    def add(self, obj: Any) -> None:
        self.calls.append(("add", self._key(obj)))

    def update(self, obj: Any) -> None:
        self.calls.append(("update", self._key(obj)))

    def delete(self, obj: Any) -> None:
        self.calls.append(("delete", self._key(obj)))

    def replace(self, objects: list[Any], resource_version: str) -> None:
        self.replace_calls += 1
        if self.replace_calls - 1 in self.fail_replace:
            raise KeyFuncError(objects, "replace refused")
        self.replaced.append((list(objects), resource_version))
        self.calls.append(("replace", tuple(self._key(o) for o in objects), resource_version))

    def resync(self) -> None:
        self.resync_calls += 1
        if self.resync_calls - 1 in self.fail_resync:
            raise KeyFuncError(None, "resync refused")
        self.calls.append(("resync",))


class BookmarkStore(FakeStore):
    """A store with the optional ``bookmark`` and ``update_resource_version`` hooks."""

    def bookmark(self, resource_version: str) -> None:
        self.calls.append(("bookmark", resource_version))

    def update_resource_version(self, resource_version: str) -> None:
        self.calls.append(("rv", resource_version))


# ------------------------------------------------------------------------------ outcomes


@dataclass(frozen=True)
class Listed:
    page: dict[str, Any]


@dataclass(frozen=True)
class Failed:
    error: BaseException


@dataclass(frozen=True)
class Event:
    type: str
    obj: Any


@dataclass(frozen=True)
class Advance:
    seconds: float


@dataclass(frozen=True)
class Closed:
    after: float


@dataclass(frozen=True)
class StreamFailed:
    error: BaseException
    after: float


@dataclass(frozen=True)
class Hang:
    """The stream stays open and silent until the machine gives up on it (or ``limit``)."""

    limit: float = 10_000.0


@dataclass(frozen=True)
class Watched:
    steps: tuple[Event | Advance, ...]
    end: Closed | StreamFailed | Hang


def listed(rv: str, *names: str, cont: str = "", items: Sequence[Any] | None = None) -> Listed:
    objs = list(items) if items is not None else [pod(n, rv) for n in names]
    return Listed(
        {
            "kind": "PodList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": rv, "continue": cont},
            "items": objs,
        }
    )


def failed(code: int, reason: str = "", message: str = "m", **details: Any) -> Failed:
    return Failed(api_error(code, reason, message, **details))


def refused() -> Failed:
    return Failed(RefusedConnectionError("connection refused"))


def ev(event_type: str, name: str, rv: str) -> Event:
    return Event(event_type, pod(name, rv))


def bookmark(rv: str, *, end: bool = False) -> Event:
    metadata: dict[str, Any] = {"resourceVersion": rv}
    if end:
        metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
    return Event("BOOKMARK", {"kind": "Pod", "apiVersion": "v1", "metadata": metadata})


def error_event(code: int, reason: str = "", message: str = "m") -> Event:
    return Event("ERROR", status(code, reason, message))


def advance(seconds: float) -> Advance:
    return Advance(seconds)


def closed(after: float = 60.0) -> Closed:
    return Closed(after)


def stream_failed(error: BaseException, after: float = 5.0) -> StreamFailed:
    return StreamFailed(error, after)


def watch(*steps: Event | Advance, end: Closed | StreamFailed | Hang | None = None) -> Watched:
    return Watched(tuple(steps), end if end is not None else closed())


Outcome = Listed | Failed | Watched


# ------------------------------------------------------------------------------ play


def _quoted(rv: str) -> str:
    return rv or '""'


def render(action: ReflectorAction) -> str:
    match action:
        case ListPage(rv, _rvm, limit, cont):
            where = f"continue={cont}" if cont else f"rv={_quoted(rv)}"
            return f"LIST {where} limit={limit}"
        case OpenWatch(rv, _timeout, _bookmarks, initial, _rvm):
            return f"{'WATCHLIST' if initial else 'WATCH'} rv={_quoted(rv)}"
        case Sleep():
            return "sleep"
        case HandleWatchError(error):
            kind = error.reason if isinstance(error, ApiError) else type(error).__name__
            return f"handler:{kind}"
        case _:
            return "stop"


@dataclass
class Run:
    machine: ReflectorMachine
    store: FakeStore
    log: list[str] = field(default_factory=list)
    actions: list[ReflectorAction] = field(default_factory=list)
    now: float = START
    #: (now, machine.last_sync_resource_version) after each event
    rvs: list[str] = field(default_factory=list)
    opened_at: list[float] = field(default_factory=list)

    @property
    def requests(self) -> list[str]:
        return [entry for entry in self.log if entry != "sleep"]

    @property
    def sleeps(self) -> list[float]:
        return [a.seconds for a in self.actions if isinstance(a, Sleep)]

    @property
    def lists(self) -> list[ListPage]:
        return [a for a in self.actions if isinstance(a, ListPage)]

    @property
    def watches(self) -> list[OpenWatch]:
        return [a for a in self.actions if isinstance(a, OpenWatch)]


def make_machine(
    *,
    store: FakeStore | None = None,
    options: ReflectorOptions | None = None,
    seed: int = 0,
    now: float = START,
) -> tuple[ReflectorMachine, FakeStore]:
    store = store if store is not None else FakeStore()
    machine = ReflectorMachine(store, now=now, options=options, rng=random.Random(seed))
    return machine, store


def play(
    script: Sequence[Outcome],
    *,
    options: ReflectorOptions | None = None,
    store: Any = None,
    seed: int = 0,
    max_actions: int = 500,
    stop_after: int | None = None,
    run: Run | None = None,
) -> Run:
    """Run the machine over ``script``; see the module docstring."""
    if run is None:
        machine, store = make_machine(store=store, options=options, seed=seed)
        run = Run(machine, store)
    machine = run.machine
    pending = list(script)
    for _ in range(max_actions):
        if stop_after is not None and len(run.requests) >= stop_after:
            machine.stop()
        action = machine.next_action(run.now)
        assert_invariants(machine)
        run.actions.append(action)
        match action:
            case Stop():
                run.log.append("stop")
                return run
            case Sleep(seconds):
                assert seconds > 0
                run.log.append("sleep")
                run.now += seconds
                continue
            case HandleWatchError():
                run.log.append(render(action))
                continue
            case _:
                pass
        run.log.append(render(action))
        if not pending:
            return run
        outcome = pending.pop(0)
        if isinstance(action, ListPage):
            _answer_list(run, outcome)
        else:
            _answer_watch(run, outcome)
        assert_invariants(machine)
    raise AssertionError(f"more than {max_actions} actions: {run.log[-20:]}")


def assert_invariants(machine: ReflectorMachine) -> None:
    """The invariants the ReflectorMachine docstring states, read from its private fields."""
    m: Any = machine
    if m._mode != _CLOSED:
        assert m._awaiting is _Await.STREAM
    assert not (m._in_initial and m._in_watch_phase)
    if not m._in_watch_phase:
        assert m._resync_due == math.inf
    if m._report is not None:
        assert m._backoff_pending
    if not m._in_initial:
        assert not m._temp


def _answer_list(run: Run, outcome: Outcome) -> None:
    if isinstance(outcome, Listed):
        run.machine.on_list(outcome.page, run.now)
    elif isinstance(outcome, Failed):
        run.machine.on_error(outcome.error, run.now)
    else:
        raise AssertionError(f"a LIST was answered with {outcome}")


def _advance(run: Run, target: float) -> bool:
    """Let time pass while the stream is open, ticking the timers; False once abandoned."""
    machine = run.machine
    while machine.watch_tick_due <= target:
        run.now = max(run.now, machine.watch_tick_due)
        if not machine.on_watch_tick(run.now):
            return False
    run.now = max(run.now, target)
    return True


def _answer_watch(run: Run, outcome: Outcome) -> None:
    machine = run.machine
    if isinstance(outcome, Failed):
        machine.on_error(outcome.error, run.now)
        return
    assert isinstance(outcome, Watched), f"a watch was answered with {outcome}"
    opened = run.now
    run.opened_at.append(opened)
    machine.on_watch_opened(run.now)
    reading = True
    for step in outcome.steps:
        if isinstance(step, Advance):
            reading = _advance(run, run.now + step.seconds)
        else:
            needs_tick = machine.on_event(step.type, step.obj)
            assert_invariants(machine)
            run.rvs.append(machine.last_sync_resource_version)
            if needs_tick:
                reading = machine.on_watch_tick(run.now)
        if not reading:
            machine.on_watch_closed(run.now)
            return
    end = outcome.end
    if isinstance(end, Hang):
        if _advance(run, run.now + end.limit):
            raise AssertionError("the machine never gave up on a silent stream")
        machine.on_error(ConnectionResetError("closed by the driver"), run.now)
    elif _advance(run, opened + end.after):
        if isinstance(end, Closed):
            machine.on_watch_closed(run.now)
        else:
            machine.on_error(end.error, run.now)
    else:
        machine.on_watch_closed(run.now)
