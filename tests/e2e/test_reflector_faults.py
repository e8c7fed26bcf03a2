"""The Reflector end to end under every fault knob of the fake API server (spec A, K-1…K-10).

Both runtimes, the real HTTP transport, a fake clock: each test asserts the requests the
reflector made (``server.state.requests``: verbs, ``resourceVersion``, ``limit``,
``continue``, ``timeoutSeconds``, ``allowWatchBookmarks``), the backoff sleeps it asked the
clock for, what reached the watch error handler, and the store's final state. Backoff sleeps
are skipped by advancing the clock exactly by the requested delay (``ReflectorScenario.
skip_sleep``): nothing here sleeps in real time.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from kinformer._errors import InternalError, ServiceUnavailableError
from kinformer.cache._reflector import ReflectorMachine, Sleep

from ._runtimes import MapStore, RecordingClock, Runtime, eventually, measure_outage
from .conftest import NS, ReflectorScenario, configmap, ensure_namespace


def _seed(runtime: Runtime, count: int = 3) -> None:
    ensure_namespace(runtime.server)
    for i in range(count):
        runtime.server.state.create(configmap(f"cm-{i}"))


def _rv(runtime: Runtime, name: str) -> str:
    return str(runtime.server.state.get("v1", "ConfigMap", name, NS)["metadata"]["resourceVersion"])


def _event_then_rv(scenario: ReflectorScenario, runtime: Runtime, name: str) -> str:
    """Create ``name`` while watching; wait until the store has it; its RV."""
    runtime.server.state.create(configmap(name))
    rv = _rv(runtime, name)
    eventually(lambda: state_of_key(scenario, name) == rv, what=f"{name} in the store")
    return rv


def state_of_key(scenario: ReflectorScenario, name: str) -> str | None:
    state = scenario.store.states().get(f"{NS}/{name}")
    return None if state is None else state[1]


def _is_watch(request: tuple[str, dict[str, str]], rv: str) -> bool:
    verb, query = request
    return (
        verb == "watch"
        and query.get("resourceVersion") == rv
        and query.get("allowWatchBookmarks") == "true"
        and 300 <= int(query["timeoutSeconds"]) < 600
    )


def test_reflector_first_list_rv0_limit500_then_watch_with_bookmarks_A_14_A_16_A_24_K_1(
    runtime: Runtime,
) -> None:
    _seed(runtime)
    scenario = ReflectorScenario(runtime)
    scenario.start()
    requests = scenario.wait_watching(2)
    list_rv = str(runtime.server.revision)
    assert requests[0] == ("list", {"resourceVersion": "0", "limit": "500"})
    assert _is_watch(requests[1], list_rv), requests[1]
    scenario.wait_synced()
    assert scenario.store.calls["replace"] == 1
    runtime.server.state.create(configmap("late"))
    scenario.wait_synced()
    assert scenario.handle.last_sync_resource_version == _rv(runtime, "late")
    assert scenario.errors == []
    assert scenario.clock.waits == []  # no backoff anywhere on the happy path


def test_reflector_clean_close_rewatches_from_last_rv_without_list_A_30_K_4(
    runtime: Runtime,
) -> None:
    _seed(runtime)
    scenario = ReflectorScenario(runtime)
    scenario.start()
    scenario.wait_watching(2)
    rv = _event_then_rv(scenario, runtime, "moved")
    runtime.server.drop_watches()
    requests = scenario.wait_watching(3)
    assert _is_watch(requests[2], rv), requests
    assert [verb for verb, _ in requests] == ["list", "watch", "watch"]
    assert scenario.clock.waits == []  # immediately: no backoff
    runtime.server.state.create(configmap("after"))
    scenario.wait_synced()
    assert scenario.errors == []


def test_reflector_very_short_watch_is_an_error_then_relist_A_27_K_10(runtime: Runtime) -> None:
    _seed(runtime)
    scenario = ReflectorScenario(runtime)
    scenario.start()
    requests = scenario.wait_watching(2)
    list_rv = requests[1][1]["resourceVersion"]
    runtime.server.drop_watches()  # no event, no time passed on the clock: very short
    assert 0.8 <= scenario.skip_sleep(0) < 1.6  # the first backoff
    requests = scenario.wait_watching(4)
    assert requests[2] == ("list", {"resourceVersion": list_rv})  # no limit
    assert _is_watch(requests[3], list_rv)
    assert scenario.errors == []  # an error in the stream never reaches the handler
    assert scenario.handle.reflector.counters.relists == {"very-short-watch": 1}


def test_reflector_410_in_watch_after_compaction_relists_at_last_rv_A_32_K_2(
    runtime: Runtime,
) -> None:
    _seed(runtime)
    ensure_namespace(runtime.server, "elsewhere")
    scenario = ReflectorScenario(runtime)
    scenario.start()
    scenario.wait_watching(2)
    rv = _event_then_rv(scenario, runtime, "seen")
    # Writes this watch does not see, then compaction: the next watch from ``rv`` is too old.
    for i in range(3):
        runtime.server.state.create(configmap(f"other-{i}", "elsewhere"))
    runtime.server.compact()
    runtime.server.drop_watches()  # clean close (the stream had an event): re-watch at once
    requests = scenario.wait_requests(3)
    assert _is_watch(requests[2], rv)  # answered with ERROR 410 Expired in the stream
    scenario.skip_sleep(0)  # expired -> backoff, then relist
    requests = scenario.wait_watching(5)
    assert requests[3] == ("list", {"resourceVersion": rv})  # the last RV, not "" (K-2)
    assert _is_watch(requests[4], str(runtime.server.revision))
    assert scenario.errors == []
    assert scenario.handle.reflector.counters.relists == {"watch-expired": 1}
    scenario.wait_synced()


def test_reflector_410_on_relist_falls_back_to_rv_empty_at_once_A_19_K_1(
    runtime: Runtime,
) -> None:
    _seed(runtime)
    scenario = ReflectorScenario(runtime)
    scenario.start()
    scenario.wait_watching(2)
    rv = _event_then_rv(scenario, runtime, "seen")
    runtime.server.fail_next("watch", code=410, reason="Expired")  # the watch request itself
    runtime.server.fail_next("list", code=410, reason="Expired")
    runtime.server.drop_watches()
    scenario.wait_requests(3)
    scenario.skip_sleep(0)  # a 410 opening the watch -> handler, backoff, relist
    requests = scenario.wait_watching(6)
    assert [r[0] for r in requests] == ["list", "watch", "watch", "list", "list", "watch"]
    assert requests[3] == ("list", {"resourceVersion": rv})
    assert requests[4] == ("list", {})  # RV "" at once, page size reused: no limit
    assert len(scenario.clock.waits) == 1  # no backoff between the two lists
    assert [type(e).__name__ for e in scenario.errors] == ["ExpiredError"]  # the watch open
    scenario.wait_synced()


def test_reflector_expired_continue_token_makes_one_full_list_A_17_A_18_K_3(
    runtime: Runtime,
) -> None:
    _seed(runtime, count=5)
    ensure_namespace(runtime.server, "elsewhere")
    expired: list[str] = []

    def expire_continue_token(page: Any) -> None:
        if page["metadata"].get("continue") and not expired:
            expired.append(page["metadata"]["continue"])
            runtime.server.state.create(configmap("bump", "elsewhere"))
            runtime.server.compact()

    scenario = ReflectorScenario(runtime, page_size=2, after_page=expire_continue_token)
    scenario.start()
    scenario.wait_watching(2)
    rv = _event_then_rv(scenario, runtime, "seen")
    runtime.server.reset_watches()  # a broken stream: backoff, then relist at ``rv``, paged
    scenario.wait_requests(2)
    scenario.skip_sleep(0)
    requests = scenario.wait_watching(6)
    assert requests[0] == ("list", {"resourceVersion": "0", "limit": "2"})  # unpaginated reply
    assert requests[2] == ("list", {"resourceVersion": rv, "limit": "2"})
    assert requests[3] == ("list", {"limit": "2", "continue": expired[0]})  # RV cleared
    assert requests[4] == ("list", {"resourceVersion": rv})  # ONE full list, original RV
    assert requests[5][0] == "watch"
    assert scenario.handle.reflector.counters.full_list_fallbacks == 1
    assert scenario.errors == []
    scenario.wait_synced()


def test_reflector_429_with_retry_after_on_watch_backs_off_then_rewatches_A_31_K_4(
    runtime: Runtime,
) -> None:
    _seed(runtime)
    scenario = ReflectorScenario(runtime)
    scenario.start()
    scenario.wait_watching(2)
    rv = _event_then_rv(scenario, runtime, "seen")
    runtime.server.fail_next("watch", 2, code=429, retry_after=7)
    runtime.server.drop_watches()
    scenario.wait_requests(3)
    first = scenario.skip_sleep(0)
    scenario.wait_requests(4)
    second = scenario.skip_sleep(1)
    requests = scenario.wait_watching(5)
    assert [r[0] for r in requests] == ["list", "watch", "watch", "watch", "watch"]
    assert all(_is_watch(r, rv) for r in requests[2:])  # no relist, same RV
    # The reflector's own backoff; Retry-After is the REST client's business in Go.
    assert 0.8 <= first < 1.6
    assert 1.6 <= second < 3.2
    assert scenario.errors == []  # retriable open errors never reach the handler
    runtime.server.state.create(configmap("after"))
    scenario.wait_synced()


@pytest.mark.parametrize("code", [500, 503])
def test_reflector_5xx_on_list_calls_handler_then_backs_off_A_7_A_13(
    runtime: Runtime, code: int
) -> None:
    _seed(runtime)
    runtime.server.fail_next("list", 2, code=code)
    scenario = ReflectorScenario(runtime)
    scenario.start()
    scenario.wait_requests(1)
    assert 0.8 <= scenario.skip_sleep(0) < 1.6
    assert 1.6 <= scenario.skip_sleep(1) < 3.2
    requests = scenario.wait_watching(4)
    assert requests[:3] == [("list", {"resourceVersion": "0", "limit": "500"})] * 3
    expected = InternalError if code == 500 else ServiceUnavailableError
    assert [type(e) for e in scenario.errors] == [expected, expected]
    scenario.wait_synced()


def test_reflector_stalled_stream_is_rewatched_after_stall_timeout(runtime: Runtime) -> None:
    _seed(runtime)
    scenario = ReflectorScenario(runtime, stall_timeout=10.0)
    scenario.start()
    scenario.wait_watching(2)
    rv = _event_then_rv(scenario, runtime, "seen")
    assert runtime.server.stall_watches(None) == 1
    runtime.server.state.create(configmap("while-stalled"))
    # Advance one stall-check period (stall_timeout / 4) at a time, each time waiting for the
    # ticker to park again, until the reflector gives up on the silent stream.
    elapsed = 0.0
    while len(scenario.requests()) < 3:
        assert elapsed < 20.0, "no re-watch after twice the stall timeout"
        scenario.tick(2.5, or_requests=3)
        elapsed += 2.5
    assert 10.0 <= elapsed <= 12.5 + 2.5  # between stall_timeout and 1.25x, after progress
    requests = scenario.wait_watching(3)
    assert _is_watch(requests[2], rv)  # re-watch from the last RV, no relist, no backoff
    assert scenario.handle.reflector.counters.stalls == 1
    scenario.wait_synced()  # the new stream replays what the stalled one held back
    runtime.server.resume_watches()
    assert scenario.errors == []


def test_reflector_half_written_watch_line_is_an_error_then_relist(runtime: Runtime) -> None:
    _seed(runtime)
    scenario = ReflectorScenario(runtime)
    scenario.start()
    scenario.wait_watching(2)
    rv = _event_then_rv(scenario, runtime, "seen")
    runtime.server.cut_next_response("watch")
    runtime.server.drop_watches()
    scenario.wait_watching(3)
    runtime.server.state.create(configmap("cut-in-half"))  # its line is cut mid-JSON
    scenario.skip_sleep(0)  # anything else -> backoff -> relist
    requests = scenario.wait_watching(5)
    assert requests[3] == ("list", {"resourceVersion": rv})
    scenario.wait_synced()
    assert state_of_key(scenario, "cut-in-half") == _rv(runtime, "cut-in-half")
    assert scenario.errors == []  # a broken stream is logged, not reported


def test_reflector_half_written_list_is_reported_then_retried(runtime: Runtime) -> None:
    _seed(runtime)
    runtime.server.cut_next_response("list")
    scenario = ReflectorScenario(runtime)
    scenario.start()
    scenario.wait_requests(1)
    scenario.skip_sleep(0)
    requests = scenario.wait_watching(3)
    assert requests[:2] == [("list", {"resourceVersion": "0", "limit": "500"})] * 2
    assert len(scenario.errors) == 1  # a LIST failure reaches the handler
    scenario.wait_synced()


def test_reflector_restart_losing_data_relists_and_matches_server_A_19_A_45(
    runtime: Runtime,
) -> None:
    _seed(runtime, count=6)
    scenario = ReflectorScenario(runtime)
    scenario.start()
    scenario.wait_watching(2)
    old_rv = _event_then_rv(scenario, runtime, "seen")
    runtime.server.restart(keep_data=False)  # resets the stream; RVs start again from 1
    ensure_namespace(runtime.server)
    runtime.server.state.create(configmap("reborn"))
    assert runtime.server.revision < int(old_rv)
    scenario.skip_sleep(0)
    requests = scenario.wait_watching(5)
    assert requests[2] == ("list", {"resourceVersion": old_rv})  # 504 too large RV
    assert requests[3] == ("list", {})  # at once with RV "" (consistent read)
    scenario.wait_synced()
    assert set(scenario.store.states()) == {f"{NS}/reborn", f"{NS}/kube-root-ca.crt"}
    assert len(scenario.errors) == 0


def test_reflector_restart_losing_data_during_rewatch_backoff_converges(
    runtime: Runtime,
) -> None:
    """A wiped server accepts a watch at an RV it has not reached and stays silent (as
    kube-apiserver does; client-go stays blind). kinformer relists after two silent stalls."""
    _seed(runtime, count=6)
    scenario = ReflectorScenario(runtime, stall_timeout=10.0)
    scenario.start()
    scenario.wait_watching(2)
    stale_rv = _event_then_rv(scenario, runtime, "seen")
    runtime.server.fail_next("watch", code=429, retry_after=1)
    runtime.server.drop_watches()
    scenario.wait_requests(3)
    sleep = scenario.clock.next_sleep(0)  # asleep before the re-watch
    runtime.server.restart(keep_data=False)
    ensure_namespace(runtime.server)
    runtime.server.state.create(configmap("reborn"))
    # Pooled keep-alive connections the restart reset can fail the next request once:
    # drain them through the shared client until two requests in a row succeed.
    successes = 0
    for _ in range(6):
        successes = successes + 1 if runtime.probe() else 0
        if successes == 2:
            break
    scenario.clock.advance(sleep)
    try:
        eventually(lambda: len(scenario.requests()) >= 4, timeout=3.0, what="the re-watch")
    except AssertionError:
        pytest.skip("a reset pooled connection failed the re-watch: the scenario did not happen")
    assert _is_watch(scenario.requests()[3], stale_rv)  # accepted by the wiped server
    # Silent stream, stall, silent re-watch, stall again: the reflector relists (RV too large,
    # then RV "", A-19) and the store converges. One stall-check period at a time.
    elapsed = 0.0
    while not scenario.synced_with_server():
        assert elapsed < 120.0, "no relist after two silent stalls"
        scenario.tick(2.5, or_requests=len(scenario.requests()) + 1)
        elapsed += 2.5
    assert scenario.handle.reflector.counters.relists.get("stalled twice without any event") == 1


# ------------------------------------------------------------------------------ load behaviour


@pytest.mark.parametrize("code", [503, 429])
def test_informer_outage_of_60s_sends_a_dozen_requests_not_hundreds_A_8_A_9(
    runtime: Runtime, code: int
) -> None:
    sleeps = measure_outage(runtime, code)
    lists = [r for r in runtime.server.state.requests if r.resource == "configmaps"]
    assert {r.verb for r in lists} == {"list"}  # every iteration fails at the list
    assert len(lists) == len(sleeps) + 1 <= 12
    for n, sleep in enumerate(sleeps):
        base = min(0.8 * 2**n, 30.0)  # 0.8, 1.6, 3.2 ... capped at 30 s, jitter 1.0
        assert base <= sleep < 2 * base, (n, sleeps)


def test_reflector_backoff_jitter_spreads_reconnects_of_many_reflectors_A_8() -> None:
    # Pure core: what the drivers would sleep; 1000 HTTP reflectors would prove nothing more.
    """A thousand reflectors failing at the same instant do not come back together."""
    firsts: list[float] = []
    for seed in range(1000):
        clock = RecordingClock()
        machine = ReflectorMachine(MapStore(), now=clock.now(), rng=random.Random(seed))
        machine.next_action(clock.now())
        machine.on_error(ServiceUnavailableError("down", code=503), clock.now())
        machine.next_action(clock.now())  # the handler
        action = machine.next_action(clock.now())
        assert isinstance(action, Sleep)
        firsts.append(action.seconds)
    buckets = [0] * 8
    for seconds in firsts:
        buckets[min(int((seconds - 0.8) / 0.1), 7)] += 1
    assert min(firsts) >= 0.8
    assert max(firsts) < 1.6
    assert max(buckets) < 200  # uniform over [0.8, 1.6): ~125 per 0.1 s bucket
