"""Convergence checks and chaos schedules for the end-to-end tests (and ``scripts/chaos``).

* :class:`ServerHistory` records the server's states per key (snapshots of the engine after
  every write); :func:`check_handler` and :func:`check_cache` compare a handler's sequences and
  an informer's cache with them (the convergence properties of issues 5 and 8).
* :func:`make_schedule` draws a seeded chaos schedule (writes, faults, clock ticks) and
  :func:`run_schedule` plays it against two informers and checks the outcome; a failure
  carries the seed and the schedule as a replayable list of steps.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kinformer._errors import KinformerError
from kinformer.cache._informer_options import InformerOptions
from kinformer.testing import FakeApiServer

from ._runtimes import (
    HandlerErrorLog,
    InformerHandle,
    Recorder,
    RecordingClock,
    State,
    eventually,
    key_of,
    make_runtime,
    state_of,
)

# ============================================================================== server history


@dataclass(frozen=True, slots=True)
class ServerState:
    uid: str
    resource_version: str
    labels: tuple[tuple[str, str], ...]

    @property
    def id(self) -> State:
        return (self.uid, self.resource_version)


class ServerHistory:
    """Every state the server had for every ConfigMap key, in order.

    Filled by :meth:`snapshot` after every write the test makes: each write changes each key at
    most once (the schedule never writes two states of a key in one step), so the snapshots see
    every state, including those the engine makes by itself (a namespace's ``kube-root-ca.crt``,
    ``deletionTimestamp`` set by a namespace delete).
    """

    def __init__(self) -> None:
        self.states: dict[str, list[ServerState]] = {}

    def snapshot(self, server: FakeApiServer) -> None:
        for obj in server.state.list("v1", "ConfigMap"):
            meta = obj["metadata"]
            state = ServerState(
                str(meta["uid"]),
                str(meta["resourceVersion"]),
                tuple(sorted((meta.get("labels") or {}).items())),
            )
            states = self.states.setdefault(key_of(obj), [])
            if not states or states[-1].id != state.id:
                states.append(state)


def selector_matches(selector: str | None, labels: Mapping[str, str]) -> bool:
    """The two selector shapes the tests use: ``k=v`` and none."""
    if not selector:
        return True
    name, _, value = selector.partition("=")
    return labels.get(name) == value


def server_view(server: FakeApiServer, selector: str | None) -> dict[str, Any]:
    """A fresh list from the server (the engine: injected HTTP faults must not eat it)."""
    return {
        key_of(o): o
        for o in server.state.list("v1", "ConfigMap")
        if selector_matches(selector, o["metadata"].get("labels") or {})
    }


def _is_subsequence(seen: list[State], states: list[State]) -> bool:
    position = iter(states)
    return all(any(s == t for t in position) for s in seen)


def check_handler(
    recorder: Recorder,
    history: ServerHistory,
    final: Mapping[str, State],
    *,
    selector: str | None,
    queue: str,
) -> list[str]:
    """The per-key properties of issue 5: what the handler saw is a subsequence of the server's
    states (those matching the selector), add/update/delete alternate as the cache decides
    (D-20), and the sequence ends at the final state, or with a delete for a key now gone.
    """
    problems: list[str] = []
    events = recorder.snapshot()
    for key in sorted(set(events) | set(final)):
        seq = events.get(key, [])
        server_states = [
            s.id for s in history.states.get(key, []) if selector_matches(selector, dict(s.labels))
        ]
        present = False
        seen: list[State] = []
        for kind, state in seq:
            if kind == "add" and present:
                problems.append(f"{recorder.name} {key}: add while present: {seq}")
            elif kind == "update" and not present:
                problems.append(f"{recorder.name} {key}: update while absent: {seq}")
            elif kind == "delete" and not present and queue == "delta_fifo":
                problems.append(f"{recorder.name} {key}: delete while absent (B-10): {seq}")
            present = kind != "delete"
            if kind != "delete" and state is not None and (not seen or seen[-1] != state):
                seen.append(state)
        if not _is_subsequence(seen, server_states):
            problems.append(
                f"{recorder.name} {key}: saw {seen}, not a subsequence of the server's "
                f"{server_states}"
            )
        if key in final:
            if not seq or seq[-1][0] == "delete" or seq[-1][1] != final[key]:
                problems.append(
                    f"{recorder.name} {key}: ends at {seq[-1:] or 'nothing'}, not {final[key]}"
                )
        elif seq and seq[-1][0] != "delete":
            problems.append(f"{recorder.name} {key}: gone from the server, last event {seq[-1]}")
    return problems


def check_cache(handle: InformerHandle, server: FakeApiServer) -> list[str]:
    """The cache equals a fresh list: same keys, same states, same data."""
    want = server_view(server, handle.label_selector)
    have = handle.cache()
    problems = [f"cache lacks {k}" for k in sorted(set(want) - set(have))]
    problems += [f"cache has stale {k}" for k in sorted(set(have) - set(want))]
    for key in sorted(set(want) & set(have)):
        w, h = want[key], have[key]
        if state_of(w) != state_of(h) or w.get("data") != h.get("data"):
            problems.append(f"cache {key}: {state_of(h)} {h.get('data')} != {state_of(w)}")
    return problems


# ============================================================================== schedules

NAMESPACES = ("chaos-a", "chaos-b")
NAMES = ("c0", "c1", "c2", "c3", "c4", "c5")
SELECTOR = "tier=front"
FINALIZER = "chaos.kinformer.dev/hold"

Step = tuple[Any, ...]
"""One schedule step: ``(op, *args)``; plain tuples so that a replay prints as a literal."""

WRITE_OPS = ("create", "update", "relabel", "delete", "finalize", "create_ns", "delete_ns")
FAULT_OPS = (
    "drop",
    "reset",
    "watch_410",
    "watch_expired_stream",
    "list_410",
    "expired_continue",
    "storm_429",
    "err_5xx",
    "stall",
    "resume",
    "cut",
    "compact",
    "restart",
)


CONVERGENCE_FAULTS = ("drop", "reset", "watch_expired_stream", "list_410", "compact")
"""Issue 5's convergence test: dropped watches and forced relists only."""


def make_schedule(
    seed: int, *, steps: int = 40, faults: tuple[str, ...] = FAULT_OPS, wipe: bool = True
) -> list[Step]:
    """A seeded schedule: mostly writes, one fault in four or five steps, clock ticks,
    catch-ups; a pure function of its arguments.

    With ``wipe`` (the default) half of the restarts lose the data: resourceVersions go
    backwards, and the namespaces are created again right after.
    """
    rng = random.Random(seed)
    schedule: list[Step] = [("create_ns", ns) for ns in NAMESPACES]
    for _ in range(steps):
        roll = rng.random()
        ns, name = rng.choice(NAMESPACES), rng.choice(NAMES)
        if roll < 0.6:
            op = rng.choices(WRITE_OPS, weights=(9, 8, 6, 5, 2, 1, 1))[0]
            if op == "create":
                schedule.append((op, ns, name, rng.choice(("front", "back")), rng.random() < 0.25))
            elif op == "update":
                schedule.append((op, ns, name, rng.randrange(1000)))
            elif op == "relabel":
                schedule.append((op, ns, name, rng.choice(("front", "back", "none"))))
            elif op in ("create_ns", "delete_ns"):
                schedule.append((op, ns))
            else:
                schedule.append((op, ns, name))
        elif roll < 0.82:
            op = rng.choice(faults)
            if op == "storm_429":
                schedule.append((op, rng.choice(("list", "watch")), rng.randint(1, 6)))
            elif op == "err_5xx":
                schedule.append(
                    (op, rng.choice(("list", "watch")), rng.choice((500, 503)), rng.randint(1, 3))
                )
            elif op == "list_410":
                schedule.append((op, rng.randint(1, 2)))
            elif op == "cut":
                schedule.append((op, rng.choice(("list", "watch"))))
            elif op == "restart":
                keep_data = rng.random() < 0.5 or not wipe
                schedule.append((op, keep_data))
                if not keep_data:
                    schedule.extend(("create_ns", ns) for ns in NAMESPACES)
            else:
                schedule.append((op,))
        elif roll < 0.95:
            schedule.append(("tick", rng.choice((0.5, 2.0, 7.0, 30.0, 65.0))))
        else:
            schedule.append(("catch_up",))
    return schedule


def _configmap(ns: str, name: str, tier: str, finalizer: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": {"tier": tier}}
    if finalizer:
        meta["finalizers"] = [FINALIZER]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"v": "0"}}


def apply_step(server: FakeApiServer, step: Step) -> bool:
    """Play one write or fault on the server; False if the write did not apply (NotFound ...)."""
    op, *args = step
    state = server.state
    try:
        if op == "create":
            ns, name, tier, finalizer = args
            state.create(_configmap(ns, name, tier, finalizer))
        elif op == "update":
            ns, name, value = args
            state.patch("v1", "ConfigMap", name, {"data": {"v": str(value)}}, namespace=ns)
        elif op == "relabel":
            ns, name, tier = args
            labels = {"tier": None if tier == "none" else tier}
            state.patch("v1", "ConfigMap", name, {"metadata": {"labels": labels}}, namespace=ns)
        elif op == "delete":
            ns, name = args
            state.delete("v1", "ConfigMap", name, ns)
        elif op == "finalize":
            ns, name = args
            state.patch("v1", "ConfigMap", name, {"metadata": {"finalizers": None}}, namespace=ns)
        elif op == "create_ns":
            state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": args[0]}})
        elif op == "delete_ns":
            state.delete("v1", "Namespace", args[0])
        elif op == "drop":
            server.drop_watches()
        elif op == "reset":
            server.reset_watches()
        elif op == "watch_410":
            server.fail_next("watch", code=410, reason="Expired")
        elif op == "watch_expired_stream":
            # The next watch resumes from before the compaction: ERROR 410 in the stream.
            server.compact()
            server.drop_watches()
        elif op == "list_410":
            server.fail_next("list", args[0], code=410, reason="Expired")
        elif op == "expired_continue":
            server.fail_next(
                "list",
                code=410,
                reason="Expired",
                message="The provided continue parameter is too old to display a consistent "
                "list result. You can start a new list without the continue parameter.",
            )
        elif op == "storm_429":
            server.fail_next(args[0], args[1], code=429, retry_after=1)
        elif op == "err_5xx":
            server.fail_next(args[0], args[2], code=args[1])
        elif op == "stall":
            server.stall_watches(None)
        elif op == "resume":
            server.resume_watches()
        elif op == "cut":
            server.cut_next_response(args[0])
        elif op == "compact":
            server.compact()
        elif op == "restart":
            server.restart(keep_data=args[0])
            if not args[0]:
                # A stream the restart did not reset would be re-opened at its stale RV: see
                # _quiesce and the report (fake server: restart() can leave a stream open).
                server.reset_watches()
        else:
            raise ValueError(f"unknown step {step!r}")
    except KinformerError:
        return False
    return True


# ============================================================================== one run


@dataclass
class RunResult:
    seed: int
    runtime: str
    queue: str
    schedule: list[Step]
    faults: int = 0
    writes: int = 0
    skipped: int = 0
    objects_checked: int = 0
    problems: list[str] = field(default_factory=list)
    counters: dict[str, Any] = field(default_factory=dict)

    def replay(self) -> str:
        lines = ",\n    ".join(repr(step) for step in self.schedule)
        return (
            f"seed={self.seed} runtime={self.runtime} queue={self.queue}\n"
            f"replay: run_schedule(FakeApiServer, {self.runtime!r}, {self.queue!r}, "
            f"seed={self.seed}, schedule=[\n    {lines},\n])"
        )


@dataclass
class _Informed:
    handle: InformerHandle
    recorders: list[Recorder]


STALL_TIMEOUT = 20.0


def _converged(informed: list[_Informed], server: FakeApiServer) -> bool:
    for item in informed:
        want = {k: state_of(o) for k, o in server_view(server, item.handle.label_selector).items()}
        if item.handle.cache_states() != want:
            return False
        for recorder in item.recorders:
            events = recorder.snapshot()
            for key in set(events) | set(want):
                seq = events.get(key, [])
                if key in want:
                    if not seq or seq[-1][0] == "delete" or seq[-1][1] != want[key]:
                        return False
                elif seq and seq[-1][0] != "delete":
                    return False
    return True


def _catch_up(
    informed: list[_Informed],
    server: FakeApiServer,
    clock: RecordingClock,
    *,
    timeout: float,
    step: float = 3.0,
) -> bool:
    """Advance the fake clock in steps until every cache and handler converged (or timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _converged(informed, server):
            return True
        clock.advance(step)
        time.sleep(0.003)
    return _converged(informed, server)


def _quiesce(
    informed: list[_Informed],
    server: FakeApiServer,
    clock: RecordingClock,
    history: ServerHistory,
) -> bool:
    """Bring every informer to an open, caught-up watch before a restart that loses data.

    A reflector that re-opens a watch (after a clean close, a stall, or a 429 backoff, A-30,
    A-31) at its old resourceVersion on a server that lost its data is still above the new
    revision: kube-apiserver (and the fake) accept a watch at a future RV and send nothing up
    to it, so that reflector stays blind. client-go has the same hazard (after an etcd
    restore, clients must be restarted); ``test_reflector_faults`` pins it with a strict
    xfail. The random schedules therefore lose data only while every informer is streaming:
    the reset then fails each stream, which forces a relist, which must converge.

    Whether a reflector is streaming is read from its driver (``_stream``): the server's
    count of open streams includes streams a client abandoned (stalled, then given up), which
    stay open on the server until it writes to them.
    """
    server.resume_watches()
    deadline = time.monotonic() + 3.0
    streaming = 0
    while time.monotonic() < deadline:
        if _converged(informed, server) and all(item.handle.streaming() for item in informed):
            streaming += 1
            if streaming >= 3:
                return True
            time.sleep(0.005)
            continue
        streaming = 0
        clock.advance(1.0)
        time.sleep(0.003)
    return False


def _observe_wipe(informed: list[_Informed]) -> None:
    """Let every reflector see its stream fail before the clock moves again.

    Otherwise a stall check due on the next tick can win the race against the reader that is
    about to report the reset: the stream then counts as stalled and is re-opened at its old
    RV (no relist), which on a wiped server is the known gap of :func:`_quiesce`.
    """
    with contextlib.suppress(AssertionError):
        eventually(
            lambda: not any(item.handle.streaming() for item in informed),
            timeout=2.0,
            what="every reflector to see the wipe",
        )


def run_schedule(
    server_factory: Callable[[], FakeApiServer],
    runtime_name: str,
    queue: str,
    *,
    seed: int,
    schedule: list[Step] | None = None,
    settle_timeout: float = 20.0,
) -> RunResult:
    """Play ``schedule`` (default: :func:`make_schedule(seed)`) and check the outcome.

    Two informers watch ConfigMaps (all of them, and ``tier=front`` only), each with a
    recording handler and a handler that raises on purpose now and then. Returns the
    result; ``problems`` lists every divergence found (empty = converged).
    """
    steps = make_schedule(seed) if schedule is None else schedule
    result = RunResult(seed, runtime_name, queue, steps)
    clock = RecordingClock()
    history = ServerHistory()
    with server_factory() as server, HandlerErrorLog() as error_log:
        runtime = make_runtime(runtime_name, server)
        informed: list[_Informed] = []
        try:
            page_size = random.Random(seed).choice((0, 4))
            for name, selector in (("all", None), ("front", SELECTOR)):
                options = InformerOptions(
                    queue=queue,  # type: ignore[arg-type]
                    stall_timeout=STALL_TIMEOUT,
                    gc_freeze=False,
                    page_size=page_size,
                )
                handle = runtime.informer(
                    clock=clock,
                    rng=random.Random(f"{seed}-{name}"),
                    options=options,
                    label_selector=selector,
                    name=f"configmaps-{name}",
                )
                recorders = [
                    Recorder(f"{name}-plain"),
                    Recorder(f"{name}-raising", raise_one_in=7),
                ]
                for recorder in recorders:
                    handle.add_handler(recorder)
                informed.append(_Informed(handle, recorders))
            history.snapshot(server)
            for item in informed:
                item.handle.start()
            for step in steps:
                op = step[0]
                if op == "tick":
                    clock.advance(step[1])
                    time.sleep(0.002)
                elif op == "catch_up":
                    _catch_up(informed, server, clock, timeout=1.0)
                elif (
                    op == "restart"
                    and not step[1]
                    and not _quiesce(informed, server, clock, history)
                ):
                    result.skipped += 1  # see _quiesce: never restart under a sleeping re-watch
                else:
                    applied = apply_step(server, step)
                    if op == "restart" and not step[1]:
                        _observe_wipe(informed)
                    if op in FAULT_OPS:
                        result.faults += 1
                    elif applied:
                        result.writes += 1
                history.snapshot(server)
            # Settle: no more faults; let every informer and handler catch up.
            server.resume_watches()
            _catch_up(informed, server, clock, timeout=settle_timeout)
            final_problems: list[str] = []
            for item in informed:
                final_problems += [
                    f"{item.handle.informer.name}: {p}" for p in check_cache(item.handle, server)
                ]
                final = item.handle.cache_states()
                for recorder in item.recorders:
                    final_problems += check_handler(
                        recorder,
                        history,
                        final,
                        selector=item.handle.label_selector,
                        queue=queue,
                    )
                result.objects_checked += len(set(history.states) | set(final))
                counters = item.handle.informer.counters
                if counters is not None:
                    result.counters[item.handle.informer.name] = counters
            raised = sum(r.raised_count() for item in informed for r in item.recorders)
            with contextlib.suppress(AssertionError):
                eventually(lambda: error_log.count >= raised, timeout=2.0, what="handler logs")
            if error_log.count != raised:
                final_problems.append(
                    f"handler exceptions: {raised} raised, {error_log.count} logged"
                )
            result.problems = final_problems
        finally:
            runtime.close()
    return result
