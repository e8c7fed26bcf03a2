"""ReflectorMachine timers: resync (A-64 … A-66), stall detection, and RV monotonicity properties."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from kinformer.cache._reflector import (
    DEFAULT_STALL_TIMEOUT,
    OpenWatch,
    ReflectorMachine,
    ReflectorOptions,
    Sleep,
)
from tests.cache.test_reflector_harness import (
    START,
    FakeStore,
    Hang,
    advance,
    bookmark,
    closed,
    error_event,
    ev,
    failed,
    listed,
    make_machine,
    play,
    pod,
    watch,
)


def resyncs(run: Any) -> int:
    return sum(1 for call in run.store.calls if call == ("resync",))


# ------------------------------------------------------------------------------ resync


def test_resync_ticks_during_the_watch_phase_A_64() -> None:
    options = ReflectorOptions(resync_period=30.0)
    run = play([listed("10"), watch(advance(100), end=closed(100))], options=options)
    assert resyncs(run) == 3  # at 30, 60, 90
    assert run.machine.counters().resyncs == 3


def test_no_resync_without_a_period_A_64() -> None:
    run = play([listed("10"), watch(advance(100), end=closed(100))])
    assert resyncs(run) == 0
    assert run.machine.resync_due == math.inf


def test_should_resync_is_consulted_on_every_tick_A_64() -> None:
    answers = iter([False, True, False])
    asked: list[bool] = []

    def should_resync() -> bool:
        asked.append(answer := next(answers))
        return answer

    options = ReflectorOptions(resync_period=30.0, should_resync=should_resync)
    run = play([listed("10"), watch(advance(95), end=closed(95))], options=options)
    assert asked == [False, True, False]
    assert resyncs(run) == 1


def test_resync_timer_is_rearmed_from_the_tick_A_64() -> None:
    machine, store = make_machine(options=ReflectorOptions(resync_period=30.0))
    machine.next_action(START)
    machine.on_list(listed("10").page, START)
    assert machine.resync_due == START + 30
    assert isinstance(machine.next_action(START), OpenWatch)
    machine.on_watch_opened(START)
    assert machine.watch_tick_due == START + 30  # before the first stall check (120 / 4)
    assert machine.on_watch_tick(START + 37.5) is True  # a late tick
    assert store.calls[-1] == ("resync",)
    assert machine.resync_due == START + 67.5


def test_resync_runs_during_a_backoff_inside_the_watch_phase_A_64() -> None:
    options = ReflectorOptions(resync_period=1.0)
    run = play(
        [listed("10"), failed(429, "TooManyRequests"), failed(429, "TooManyRequests"), watch()],
        options=options,
    )
    # sleeps were cut at each resync tick; the retries still came after the full backoff, and
    # the timer kept ticking every second of the watch phase (backoffs and the stream alike)
    assert resyncs(run) == math.floor(run.now - START)
    assert sum(run.sleeps) > 0.8 + 1.6
    assert run.requests == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "WATCH rv=10",
        "WATCH rv=10",
        "WATCH rv=10",
    ]
    assert all(s <= 1.0 for s in run.sleeps)


def test_no_resync_during_the_list_or_between_iterations_A_64() -> None:
    options = ReflectorOptions(resync_period=0.5)
    run = play([listed("10"), watch(error_event(410, "Expired")), listed("11")], options=options)
    # the stream ended at once; the backoff between iterations runs no resync timer
    assert resyncs(run) == 0
    assert any(s > 0.5 for s in run.sleeps)


def test_relist_restarts_the_resync_countdown_A_65() -> None:
    options = ReflectorOptions(resync_period=30.0)
    run = play(
        [
            listed("10"),
            watch(advance(25), error_event(410, "Expired")),
            listed("11"),
            watch(advance(25), end=closed(25)),
        ],
        options=options,
    )
    # 25 s + backoff + 25 s would pass 30 s with one continuous timer; a fresh one never fires
    assert resyncs(run) == 0


def test_resync_error_ends_the_stream_and_relists_A_66() -> None:
    options = ReflectorOptions(resync_period=10.0)
    store = FakeStore(fail_resync={0})
    run = play(
        [listed("10"), watch(advance(15), ev("ADDED", "late", "11")), listed("12")],
        options=options,
        store=store,
    )
    assert run.log == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "sleep",
        "LIST rv=10 limit=0",
        "WATCH rv=12",
    ]
    assert ("add", "late") not in store.calls  # the stream was closed at the failed resync
    assert run.machine.counters().relists == {"resync-error": 1}


def test_resync_error_while_no_stream_is_open_relists_without_a_request_A_66() -> None:
    options = ReflectorOptions(resync_period=0.5)
    store = FakeStore(fail_resync={0})
    run = play(
        [listed("10"), failed(429, "TooManyRequests"), listed("11")], options=options, store=store
    )
    assert run.requests == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "LIST rv=10 limit=0",
        "WATCH rv=11",
    ]
    assert run.machine.counters().relists == {"resync-error": 1}


def test_watch_list_resync_starts_at_the_end_bookmark_A_64_A_65() -> None:
    options = ReflectorOptions(use_watch_list=True, resync_period=30.0)
    run = play(
        [watch(advance(50), bookmark("5", end=True), advance(40), end=closed(100))], options=options
    )
    assert resyncs(run) == 1  # at bookmark + 30; nothing during the 50 s of initial events


# ------------------------------------------------------------------------------ stall (beyond client-go)


def test_silent_stream_is_abandoned_and_rewatched_from_the_last_rv() -> None:
    run = play([listed("10"), watch(ev("ADDED", "a", "11"), end=Hang())])
    assert run.log == ["LIST rv=0 limit=500", "WATCH rv=10", "WATCH rv=11"]
    counters = run.machine.counters()
    assert counters.stalls == 1
    assert counters.relists == {}
    assert counters.sleeps == 0


def test_two_empty_stalls_in_a_row_relist() -> None:
    # A server that lost its data accepts a watch at an RV it has not reached and stays
    # silent: after two streams without a single event or bookmark the reflector relists.
    run = play(
        [listed("10"), watch(end=Hang()), watch(end=Hang()), listed("3"), watch()],
        options=ReflectorOptions(stall_timeout=10.0),
    )
    # the iteration ends, so a backoff sleep, then a relist at the last RV
    assert run.log[:5] == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "WATCH rv=10",
        "sleep",
        "LIST rv=10 limit=0",
    ]
    counters = run.machine.counters()
    assert counters.stalls >= 2  # the script's last watch may stall too (it has no events)
    assert counters.relists == {"stalled twice without any event": 1}


def test_a_stall_after_events_does_not_count_toward_a_relist() -> None:
    run = play(
        [
            listed("10"),
            watch(end=Hang()),
            watch(ev("ADDED", "a", "11"), end=Hang()),
            watch(end=Hang()),
            watch(ev("MODIFIED", "a", "12"), end=Hang()),
        ],
        options=ReflectorOptions(stall_timeout=10.0),
    )
    assert run.machine.counters().relists == {}
    assert run.log[:5] == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "WATCH rv=10",
        "WATCH rv=11",
        "WATCH rv=11",
    ]


def test_stall_detection_latency_is_within_a_quarter_timeout() -> None:
    run = play([listed("10"), watch(advance(7), ev("ADDED", "a", "11"), end=Hang())])
    last_event = run.opened_at[0] + 7
    stalled_after = run.now - last_event
    assert DEFAULT_STALL_TIMEOUT <= stalled_after < DEFAULT_STALL_TIMEOUT * 1.25


@pytest.mark.parametrize(
    "keepalive", [bookmark("12"), ev("MODIFIED", "a", "12")], ids=["bookmarks", "events"]
)
def test_bookmarks_and_events_keep_a_stream_alive(keepalive: Any) -> None:
    steps = [step for _ in range(6) for step in (advance(100), keepalive)]
    run = play([listed("10"), watch(*steps, end=closed(700))])
    assert run.machine.counters().stalls == 0
    assert run.log == ["LIST rv=0 limit=500", "WATCH rv=10", "WATCH rv=12"]


def test_stall_detection_can_be_disabled() -> None:
    run = play(
        [listed("10"), watch(advance(5000), end=closed(5000))],
        options=ReflectorOptions(stall_timeout=None),
    )
    assert run.machine.counters().stalls == 0
    machine, _ = make_machine(options=ReflectorOptions(stall_timeout=None))
    machine.next_action(START)
    machine.on_list(listed("1").page, START)
    machine.next_action(START)
    machine.on_watch_opened(START)
    assert machine.watch_tick_due == math.inf


def test_closing_error_after_a_stall_is_not_an_error() -> None:
    run = play([listed("10"), watch(end=Hang())], options=ReflectorOptions(stall_timeout=10.0))
    assert run.machine.counters().errors == {}
    assert run.log[-1] == "WATCH rv=10"


def test_watch_tick_due_is_infinite_without_an_open_stream() -> None:
    machine, _ = make_machine()
    assert machine.watch_tick_due == math.inf
    machine.next_action(START)
    assert machine.watch_tick_due == math.inf


# ------------------------------------------------------------------------------ properties


@st.composite
def watch_sessions(draw: st.DrawFn) -> list[list[tuple[str, int]]]:
    """Streams of events with increasing RVs (what a server sends on a concrete-RV watch)."""
    sessions = []
    rv = draw(st.integers(1, 1000))
    for _ in range(draw(st.integers(1, 4))):
        events = []
        for _ in range(draw(st.integers(0, 12))):
            rv += draw(st.integers(0, 5))
            events.append((draw(st.sampled_from(["ADDED", "MODIFIED", "DELETED", "BOOKMARK"])), rv))
        sessions.append(events)
    return sessions


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(
    list_rv=st.integers(1, 1000),
    sessions=watch_sessions(),
    skipped=st.lists(st.integers(0, 50), max_size=5),
)
def test_last_sync_rv_never_moves_backwards_on_a_concrete_rv_watch_A_25(
    list_rv: int, sessions: list[list[tuple[str, int]]], skipped: list[int]
) -> None:
    machine = ReflectorMachine(FakeStore(), now=START, rng=random.Random(0))
    now = START
    action = machine.next_action(now)
    machine.on_list(listed(str(list_rv)).page, now)
    previous = list_rv
    count = 0
    for session in sessions:
        action = machine.next_action(now)
        assert isinstance(action, OpenWatch)
        assert int(action.resource_version) == previous  # every re-watch resumes from the last RV
        machine.on_watch_opened(now)
        for event_type, rv in session:
            rv = max(rv, list_rv)
            count += 1
            if count in skipped:
                machine.on_event(event_type, {"kind": "Pod"})  # no metadata: skipped
            else:
                name = {"metadata": {"name": f"p{rv}", "resourceVersion": str(rv)}}
                assert machine.on_event(event_type, name) is False
            current = int(machine.last_sync_resource_version)
            assert current >= previous
            previous = current
        now += 30
        machine.on_watch_closed(now)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), failures=st.integers(1, 12))
def test_watch_timeouts_and_sleeps_stay_in_bounds(seed: int, failures: int) -> None:
    machine, _ = make_machine(seed=seed)
    now = START
    for _ in range(failures):
        action = machine.next_action(now)
        while isinstance(action, Sleep):
            assert 0.8 <= action.seconds < 60.0
            now += action.seconds
            action = machine.next_action(now)
        if isinstance(action, OpenWatch):
            assert 300 <= action.timeout_seconds < 600
            machine.on_error(failed(429, "TooManyRequests").error, now)
        else:
            machine.on_list(listed("10", items=[pod("a", "10")]).page, now)
