"""ReflectorMachine in watch-list streaming mode (spec A-3, A-12, A-50 … A-60, A-67, K-8, K-9)."""

from __future__ import annotations

from typing import Any

import pytest

from kinformer._errors import KeyFuncError, TransportError
from kinformer.cache._reflector import STOP, OpenWatch, ReflectorOptions
from tests.cache.test_reflector_harness import (
    START,
    BookmarkStore,
    Event,
    FakeStore,
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
    refused,
    stream_failed,
    watch,
)

WATCH_LIST = ReflectorOptions(use_watch_list=True)


def wl(script: list[Any], *, store: FakeStore | None = None, **options: Any) -> Any:
    return play(script, options=ReflectorOptions(use_watch_list=True, **options), store=store)


def test_watch_list_request_options_A_50_A_67_K_8() -> None:
    run = wl([watch(bookmark("5", end=True))])
    first = run.watches[0]
    assert first == OpenWatch(
        resource_version="",
        timeout_seconds=first.timeout_seconds,
        allow_watch_bookmarks=True,
        send_initial_events=True,
        resource_version_match="NotOlderThan",
    )
    assert 300 <= first.timeout_seconds < 600
    assert run.log == [
        'WATCHLIST rv=""',
        "WATCH rv=5",
    ]  # the same stream went on; then a plain watch


def test_initial_events_fill_the_store_at_the_bookmark_rv_A_50_A_51_K_8() -> None:
    run = wl(
        [
            watch(
                ev("ADDED", "a", "7"),
                ev("ADDED", "b", "3"),
                ev("MODIFIED", "b", "4"),  # not expected before the bookmark, handled anyway
                ev("DELETED", "a", "6"),
                ev("ADDED", "c", "9"),
                bookmark("12", end=True),
                ev("MODIFIED", "c", "13"),
            )
        ]
    )
    assert run.store.calls == [("replace", ("b", "c"), "12"), ("update", "c")]
    # the candidate RV moves only on non-ADDED events; last_sync moves at the bookmark, then per event
    assert run.rvs == ["", "", "", "", "", "12", "13"]
    assert not run.machine.is_last_sync_resource_version_unavailable
    assert run.machine.counters().watch_lists == 1
    assert run.log == ['WATCHLIST rv=""', "WATCH rv=13"]


def test_bookmark_without_the_annotation_does_not_end_initial_events_A_50() -> None:
    run = wl(
        [
            watch(
                ev("ADDED", "a", "7"),
                bookmark("8"),
                ev("ADDED", "b", "9"),
                bookmark("10", end=True),
            )
        ]
    )
    assert run.store.calls[0] == ("replace", ("a", "b"), "10")


def test_carried_over_stream_advances_rv_from_the_start_A_25_A_51() -> None:
    run = wl([watch(bookmark("12", end=True), ev("ADDED", "x", "14"), ev("ADDED", "y", "15"))])
    assert run.rvs == ["12", "14", "15"]
    assert run.store.calls[1:] == [("add", "x"), ("add", "y")]


def test_temporary_store_uses_the_stores_transformer_twice_A_52_K_9() -> None:
    seen: list[str] = []

    def transformer(obj: Any) -> Any:
        seen.append(obj["metadata"]["name"])
        return {**obj, "transformed": obj.get("transformed", 0) + 1}

    store = FakeStore(transformer=transformer)
    run = wl([watch(ev("ADDED", "a", "7"), bookmark("8", end=True))], store=store)
    [(items, rv)] = store.replaced
    assert rv == "8"
    # the temporary store already holds transformed objects; the store's replace will
    # transform them again (a transformer must be idempotent)
    assert items == [{**pod("a", "7"), "transformed": 1}]
    assert seen == ["a"]
    assert run.machine.counters().watch_lists == 1


def test_temporary_store_errors_are_logged_and_the_rv_still_moves_A_26_A_50(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def transformer(obj: Any) -> Any:
        if obj["metadata"]["name"] == "bad":
            raise KeyFuncError(obj, "refused by the transformer")
        return obj

    store = FakeStore(transformer=transformer)
    run = wl(
        [watch(ev("MODIFIED", "bad", "8"), ev("ADDED", "a", "9"), bookmark("10", end=True))],
        store=store,
    )
    assert store.calls[0] == ("replace", ("a",), "10")
    assert "temporary store refused a MODIFIED event" in caplog.text
    assert run.machine.counters().events == {"MODIFIED": 1, "ADDED": 1, "BOOKMARK": 1}


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(
            {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "3"}},
            id="table",
        ),
        pytest.param({"kind": "Pod"}, id="no-metadata"),
        pytest.param(
            {"kind": "Node", "apiVersion": "v1", "metadata": {"name": "n"}}, id="other-kind"
        ),
    ],
)
def test_unusable_initial_events_are_skipped_A_4_A_26(obj: dict[str, Any]) -> None:
    run = wl(
        [watch(Event("ADDED", obj), ev("ADDED", "a", "9"), bookmark("10", end=True))],
        expected_gvk=("v1", "Pod"),
    )
    assert run.store.calls[0] == ("replace", ("a",), "10")
    assert run.machine.counters().skipped_events == 1


def test_unknown_initial_event_type_is_counted_A_26() -> None:
    run = wl([watch(Event("WEIRD", pod("a", "4")), bookmark("10", end=True))])
    assert run.store.calls[0] == ("replace", (), "10")
    assert run.machine.counters().events == {"WEIRD": 1, "BOOKMARK": 1}


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        pytest.param(refused(), ["sleep", 'WATCHLIST rv=""'], id="refused-backoff-retry"),
        pytest.param(
            failed(429, "TooManyRequests"), ["sleep", 'WATCHLIST rv=""'], id="429-backoff-retry"
        ),
        pytest.param(failed(410, "Expired"), ['WATCHLIST rv=""'], id="expired-retry-at-once"),
        pytest.param(
            failed(504, "Timeout", "x", causes=[{"reason": "ResourceVersionTooLarge"}]),
            ['WATCHLIST rv=""'],
            id="too-large-retry-at-once",
        ),
        pytest.param(
            failed(422, "Invalid"), ["LIST rv=0 limit=500"], id="invalid-falls-back-to-list-A-55"
        ),
        pytest.param(
            failed(500, "InternalError"), ["LIST rv=0 limit=500"], id="internal-falls-back"
        ),
        pytest.param(watch(end=closed(0.2)), ["LIST rv=0 limit=500"], id="very-short-falls-back"),
        pytest.param(
            watch(error_event(410, "Expired")), ['WATCHLIST rv=""'], id="expired-event-retry"
        ),
        pytest.param(
            watch(error_event(429, "TooManyRequests")),
            ["sleep", 'WATCHLIST rv=""'],
            id="429-event-retry",
        ),
        pytest.param(
            watch(error_event(400, "BadRequest")),
            ["LIST rv=0 limit=500"],
            id="error-event-falls-back",
        ),
        pytest.param(
            watch(ev("ADDED", "a", "3"), end=stream_failed(TransportError("reset"))),
            ["LIST rv=0 limit=500"],
            id="stream-failure-falls-back",
        ),
        pytest.param(
            watch(ev("ADDED", "a", "3"), end=closed(30)),
            ['WATCHLIST rv=""'],
            id="no-bookmark-silent-retry-A-54",
        ),
    ],
)
def test_watch_list_failures_A_53_A_54_A_55(outcome: Any, expected: list[str]) -> None:
    run = wl([outcome])
    assert run.log[1:] == expected
    assert not any(entry.startswith("handler") for entry in run.log)  # logged, no handler


def test_expired_watch_list_retries_at_once_with_rv_empty_A_53_A_69() -> None:
    run = wl(
        [
            failed(422, "Invalid"),
            listed("10"),
            watch(error_event(410, "Expired")),
            failed(410, "Expired"),
            watch(bookmark("20", end=True)),
        ]
    )
    assert run.log == [
        'WATCHLIST rv=""',
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "sleep",
        "WATCHLIST rv=10",
        'WATCHLIST rv=""',
        "WATCH rv=20",
    ]
    assert not run.machine.is_last_sync_resource_version_unavailable


def test_every_iteration_retries_watch_list_from_the_last_rv_A_50_A_60() -> None:
    run = wl(
        [
            watch(bookmark("10", end=True), error_event(410, "Expired")),
            failed(410, "Expired"),
            watch(bookmark("20", end=True)),
        ]
    )
    assert run.log == [
        'WATCHLIST rv=""',
        "sleep",
        "WATCHLIST rv=10",  # every iteration tries watch-list again, from the last RV
        'WATCHLIST rv=""',  # expired → RV "" at once
        "WATCH rv=20",
    ]
    assert not run.machine.is_last_sync_resource_version_unavailable


def test_fallback_list_then_next_iteration_tries_watch_list_again_A_3_A_12_A_60() -> None:
    run = wl(
        [
            failed(422, "Invalid"),
            listed("10", "a"),
            watch(error_event(410, "Expired")),
            failed(422, "Invalid"),
            listed("11"),
        ]
    )
    assert run.log == [
        'WATCHLIST rv=""',
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "sleep",
        "WATCHLIST rv=10",
        "LIST rv=10 limit=0",
        "WATCH rv=11",
    ]
    assert run.machine.counters().watch_list_fallbacks == 2


def test_replace_failure_after_watch_list_falls_back_to_list_A_12_A_51() -> None:
    store = FakeStore(fail_replace={0})
    run = wl([watch(ev("ADDED", "a", "3"), bookmark("5", end=True)), listed("6", "a")], store=store)
    assert run.log == ['WATCHLIST rv=""', "LIST rv=0 limit=500", "WATCH rv=6"]
    assert store.calls == [("replace", ("a",), "6")]


def test_stop_during_watch_list_A_12_A_53() -> None:
    machine, store = make_machine(options=WATCH_LIST)
    assert isinstance(machine.next_action(START), OpenWatch)
    machine.on_watch_opened(START)
    assert machine.on_event("ADDED", pod("a", "1")) is False
    machine.stop()
    assert machine.on_event("BOOKMARK", bookmark("2", end=True).obj) is True
    machine.on_watch_closed(START)
    assert machine.next_action(START) is STOP
    assert store.calls == []


def test_stall_during_initial_events_retries_the_watch_list() -> None:
    run = wl([watch(ev("ADDED", "a", "1"), advance(400))], stall_timeout=60.0)
    assert run.log == ['WATCHLIST rv=""', 'WATCHLIST rv=""']
    assert run.machine.counters().stalls == 1


def test_bookmark_store_gets_no_bookmark_from_the_initial_stream_A_26_A_50() -> None:
    run = wl(
        [watch(ev("ADDED", "a", "1"), bookmark("2", end=True), bookmark("3"))],
        store=BookmarkStore(),
    )
    assert run.store.calls == [("replace", ("a",), "2"), ("bookmark", "3"), ("rv", "3")]


def test_very_short_carried_over_stream_is_measured_from_the_bookmark_A_27_A_51() -> None:
    run = wl([watch(advance(5), bookmark("2", end=True), end=closed(5.5))])
    # closed 0.5 s after the bookmark with no further event: very short → relist
    assert run.log == ['WATCHLIST rv=""', "sleep", "WATCHLIST rv=2"]
    assert run.machine.counters().relists == {"very-short-watch": 1}
