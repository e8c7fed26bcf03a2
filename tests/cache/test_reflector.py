"""ReflectorMachine scenarios: LIST, pagination, watch outcomes, errors (spec A-1 … A-47, K-1 … K-10).

Each row is a script of API server outcomes and the requests the machine made, in the manner
of client-go's ``reflector_test.go``; the harness is in ``test_reflector_harness.py``.
"""

from __future__ import annotations

import logging
import math

import pytest

from kinformer._errors import RefusedConnectionError, TransportError
from kinformer.cache._reflector import (
    DEFAULT_PAGE_SIZE,
    STOP,
    HandleWatchError,
    ListPage,
    OpenWatch,
    ReflectorOptions,
    Sleep,
    UnexpectedWatchObjectError,
    UnsupportedListError,
    VeryShortWatchError,
    default_watch_error_handler,
)
from tests.cache.test_reflector_harness import (
    START,
    BookmarkStore,
    Event,
    Failed,
    FakeStore,
    Outcome,
    advance,
    api_error,
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

EXPIRED = failed(410, "Expired", "too old resource version: 5 (10)")
GONE = failed(410)  # a bare 410: reason "" → Gone by code


# ------------------------------------------------------------------------------ A.1 state


def test_machine_starts_from_client_go_defaults_A_1_A_2() -> None:
    machine, _ = make_machine()
    assert machine.last_sync_resource_version == ""
    assert not machine.is_last_sync_resource_version_unavailable
    assert not machine.paginated_result
    assert not machine.stopped
    assert machine.watch_tick_due == math.inf
    assert machine.resync_due == math.inf
    options = ReflectorOptions()
    assert (
        options.resync_period,
        options.page_size,
        options.max_internal_error_retry_duration,
    ) == (0.0, 0, 0.0)
    assert options.use_watch_list is False
    assert "last_sync_resource_version=''" in repr(machine)


def test_last_sync_resource_version_follows_list_then_events_A_5_A_70() -> None:
    run = play([listed("10", "a"), watch(ev("MODIFIED", "a", "11"), bookmark("15"))])
    assert run.rvs == ["11", "15"]
    assert run.machine.last_sync_resource_version == "15"
    assert run.requests == ["LIST rv=0 limit=500", "WATCH rv=10", "WATCH rv=15"]


# ------------------------------------------------------------------------------ A.2 run loop


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        pytest.param(
            [listed("10"), watch(error_event(410, "Expired")), listed("12")],
            ["LIST rv=0 limit=500", "WATCH rv=10", "sleep", "LIST rv=10 limit=0", "WATCH rv=12"],
            id="after-a-watch-failure",
        ),
        pytest.param(
            [failed(500, "InternalError"), listed("12")],
            [
                "LIST rv=0 limit=500",
                "handler:InternalError",
                "sleep",
                "LIST rv=0 limit=500",
                "WATCH rv=12",
            ],
            id="after-a-list-failure-handler-first",
        ),
        pytest.param(
            [listed("10"), failed(403, "Forbidden"), listed("12")],
            [
                "LIST rv=0 limit=500",
                "WATCH rv=10",
                "handler:Forbidden",
                "sleep",
                "LIST rv=10 limit=0",
                "WATCH rv=12",
            ],
            id="after-a-watch-open-failure",
        ),
    ],
)
def test_delay_between_every_iteration_A_6_A_7_K_6(
    script: list[Outcome], expected: list[str]
) -> None:
    assert play(script).log == expected


def test_backoff_schedule_grows_across_failed_iterations_A_8() -> None:
    run = play([failed(500, "InternalError")] * 6)
    bases = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6]
    assert len(run.sleeps) == 6
    for delay, base in zip(run.sleeps, bases, strict=True):
        assert base <= delay < 2 * base


@pytest.mark.parametrize("seed", range(5))
def test_backoff_resets_periodically_even_during_an_outage_A_9(seed: int) -> None:
    run = play([failed(500, "InternalError")] * 14, seed=seed)
    # Delay i is requested at START + sum(sleeps[:i]); the first request more than 120 s after
    # the last reset (construction) restarts the schedule at 0.8 s, in the middle of the outage.
    elapsed = [sum(run.sleeps[:i]) for i in range(len(run.sleeps))]
    first_reset = next(i for i, t in enumerate(elapsed) if t > 120.0)
    assert 0.8 <= run.sleeps[first_reset] < 1.6
    assert 1.6 <= run.sleeps[first_reset + 1] < 3.2
    assert all(30.0 <= d < 60.0 for d in run.sleeps[6:first_reset])


def test_retriable_watch_open_shares_the_iteration_backoff_A_10_A_31() -> None:
    run = play([listed("10"), refused(), failed(429, "TooManyRequests"), EXPIRED, listed("11")])
    assert run.log == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "sleep",
        "WATCH rv=10",
        "sleep",
        "WATCH rv=10",
        "handler:Expired",
        "sleep",
        "LIST rv=10 limit=0",
        "WATCH rv=11",
    ]
    first, second, third = run.sleeps
    assert 0.8 <= first < 1.6
    assert 1.6 <= second < 3.2
    assert 3.2 <= third < 6.4


def test_default_watch_error_handler_logs_by_kind_A_11(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kinformer.reflector")
    default_watch_error_handler(api_error(410, "Expired"), name="pods")
    default_watch_error_handler(EOFError())
    default_watch_error_handler(api_error(403, "Forbidden", "no"), name="pods")
    levels = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert levels[0][0] == logging.DEBUG
    assert len(levels) == 2
    assert levels[1] == (logging.ERROR, "pods: Failed to watch: no")


# ------------------------------------------------------------------------------ A.3, A.4 list


def test_list_failure_means_no_watch_and_reaches_the_handler_A_13() -> None:
    run = play([failed(500, "InternalError")])
    assert run.log == [
        "LIST rv=0 limit=500",
        "handler:InternalError",
        "sleep",
        "LIST rv=0 limit=500",
    ]
    assert run.store.calls == []
    assert run.machine.counters().relists == {"list-error": 1}


def test_replace_failure_reaches_the_handler_and_skips_the_watch_A_13_A_34() -> None:
    run = play([listed("10", "a"), listed("11", "a")], store=FakeStore(fail_replace={0}))
    assert run.log == [
        "LIST rv=0 limit=500",
        "handler:KeyFuncError",
        "sleep",
        "LIST rv=0 limit=500",  # nothing synced yet: still "0"
        "WATCH rv=11",
    ]
    assert run.machine.counters().relists == {"replace-error": 1}
    assert run.machine.last_sync_resource_version == "11"


def test_replace_failure_still_clears_the_unavailable_flag_A_20() -> None:
    run = play(
        [listed("10"), watch(error_event(410, "Expired")), EXPIRED, listed("11")],
        store=FakeStore(fail_replace={1}),
    )
    assert run.log[-4:] == [
        'LIST rv="" limit=0',
        "handler:KeyFuncError",
        "sleep",
        "LIST rv=10 limit=0",
    ]
    assert not run.machine.is_last_sync_resource_version_unavailable
    assert run.machine.last_sync_resource_version == "10"


@pytest.mark.parametrize(
    ("script", "expected_lists"),
    [
        pytest.param([listed("10")], ["LIST rv=0 limit=500"], id="first-list-rv-0"),
        pytest.param(
            [listed("10"), watch(error_event(410, "Expired")), listed("20")],
            ["LIST rv=0 limit=500", "LIST rv=10 limit=0"],
            id="relist-at-last-rv-unpaginated",
        ),
        pytest.param(
            [listed("10"), watch(error_event(410, "Expired")), EXPIRED, EXPIRED, listed("30")],
            [
                "LIST rv=0 limit=500",
                "LIST rv=10 limit=0",
                'LIST rv="" limit=0',
                'LIST rv="" limit=500',
            ],
            id="after-unavailable-rv-empty",
        ),
    ],
)
def test_relist_resource_version_A_14_A_68_A_69_K_1(
    script: list[Outcome], expected_lists: list[str]
) -> None:
    run = play(script)
    assert [r for r in run.requests if r.startswith("LIST")] == expected_lists


def test_list_never_sets_resource_version_match_A_15() -> None:
    run = play([listed("10", cont="c1"), EXPIRED, listed("11"), watch(error_event(500, "X"))])
    assert run.lists
    assert all(page.resource_version_match == "" for page in run.lists)


@pytest.mark.parametrize(
    ("page_size", "sticky", "last_rv", "unavailable", "expected"),
    [
        pytest.param(7, True, "10", False, 7, id="option-wins"),
        pytest.param(0, True, "10", False, DEFAULT_PAGE_SIZE, id="sticky-pagination"),
        pytest.param(0, False, "10", False, 0, id="concrete-rv-unpaginated"),
        pytest.param(0, False, "", False, DEFAULT_PAGE_SIZE, id="rv-0-paged"),
        pytest.param(0, False, "10", True, DEFAULT_PAGE_SIZE, id="rv-empty-paged"),
    ],
)
def test_page_size_rules_A_16(
    page_size: int, sticky: bool, last_rv: str, unavailable: bool, expected: int
) -> None:
    machine, _ = make_machine(options=ReflectorOptions(page_size=page_size))
    machine._paginated_result = sticky
    machine._last_sync_rv = last_rv
    machine._rv_unavailable = unavailable
    action = machine.next_action(START)
    assert isinstance(action, ListPage)
    assert action.limit == expected


def test_pager_concatenates_pages_with_the_first_rv_A_17_K_3() -> None:
    run = play([listed("10", "a", "b", cont="c1"), listed("11", "c", cont="c2"), listed("12", "d")])
    assert run.lists == [
        ListPage("0", "", 500, ""),
        ListPage("", "", 500, "c1"),
        ListPage("", "", 500, "c2"),
    ]
    assert run.store.calls == [("replace", ("a", "b", "c", "d"), "10")]
    assert run.machine.last_sync_resource_version == "10"
    assert run.machine.paginated_result  # RV "0" came back paginated: sticky


def test_single_page_without_continue_is_returned_as_is_A_17() -> None:
    run = play([listed("10", "a")])
    assert run.store.replaced[0][0] == [pod("a", "10")]
    assert not run.machine.paginated_result


def test_expired_continue_token_falls_back_to_one_full_list_A_18_K_3() -> None:
    run = play([listed("10", "a", cont="c1"), EXPIRED, listed("12", "a", "b")])
    assert run.lists == [
        ListPage("0", "", 500, ""),
        ListPage("", "", 500, "c1"),
        ListPage("0", "", 0, ""),
    ]
    assert run.store.calls == [("replace", ("a", "b"), "12")]
    assert run.machine.counters().full_list_fallbacks == 1
    assert run.machine.paginated_result


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        pytest.param(
            [listed("10", "a", cont="c1"), GONE, listed("12")],
            [
                "LIST rv=0 limit=500",
                "LIST continue=c1 limit=500",
                'LIST rv="" limit=500',
                "WATCH rv=12",
            ],
            id="bare-410-gone-on-page-2-no-fallback",
        ),
        pytest.param(
            [EXPIRED, listed("12")],
            ["LIST rv=0 limit=500", 'LIST rv="" limit=500', "WATCH rv=12"],
            id="expired-on-page-1-no-fallback",
        ),
        pytest.param(
            [listed("10", "a", cont="c1"), EXPIRED, EXPIRED, listed("12")],
            [
                "LIST rv=0 limit=500",
                "LIST continue=c1 limit=500",
                "LIST rv=0 limit=0",
                'LIST rv="" limit=500',
                "WATCH rv=12",
            ],
            id="fallback-failure-is-returned-then-rv-empty-retry",
        ),
        pytest.param(
            [listed("10", "a", cont="c1"), failed(500, "InternalError")],
            [
                "LIST rv=0 limit=500",
                "LIST continue=c1 limit=500",
                "handler:InternalError",
                "LIST rv=0 limit=500",
            ],
            id="other-error-on-page-2-returned",
        ),
    ],
)
def test_pager_fallback_is_narrow_A_18_K_3(script: list[Outcome], expected: list[str]) -> None:
    assert play(script).requests == expected


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(EXPIRED, id="expired"),
        pytest.param(GONE, id="gone"),
        pytest.param(
            failed(
                500,
                "InternalError",
                "x",
                causes=[{"reason": "ResourceVersionTooLarge", "message": "m"}],
            ),
            id="too-large-cause",
        ),
        pytest.param(failed(504, "Timeout", "Too large resource version"), id="too-large-legacy"),
    ],
)
def test_expired_list_retries_at_once_with_rv_empty_A_19_A_44_A_45_K_1(error: Failed) -> None:
    run = play([listed("10"), watch(error_event(410, "Expired")), error, listed("20")])
    assert run.log == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "sleep",
        "LIST rv=10 limit=0",
        'LIST rv="" limit=0',  # no sleep, same page size
        "WATCH rv=20",
    ]
    assert not run.machine.is_last_sync_resource_version_unavailable  # cleared by success


def test_failed_rv_empty_retry_is_returned_and_flag_stays_A_19_A_69() -> None:
    run = play([listed("10"), watch(error_event(410, "Expired")), EXPIRED, EXPIRED])
    assert run.log[-5:] == [
        "LIST rv=10 limit=0",
        'LIST rv="" limit=0',
        "handler:Expired",
        "sleep",
        'LIST rv="" limit=500',
    ]
    assert run.machine.is_last_sync_resource_version_unavailable


def test_rv_zero_paginated_list_makes_pagination_sticky_A_20_K_3() -> None:
    run = play(
        [
            listed("10", "a", cont="c"),
            listed("10", "b"),
            watch(error_event(410, "Expired")),
            listed("20"),
        ]
    )
    assert run.requests[-2:] == ["LIST rv=10 limit=500", "WATCH rv=20"]


def test_rv_empty_paginated_list_is_not_sticky_A_20() -> None:
    run = play(
        [
            listed("10"),
            watch(error_event(410, "Expired")),
            EXPIRED,
            listed("20", cont="c"),
            listed("20"),
            watch(error_event(410, "Expired")),
            listed("30"),
        ]
    )
    assert not run.machine.paginated_result
    assert run.requests[-2:] == ["LIST rv=20 limit=0", "WATCH rv=30"]


def test_stop_during_list_discards_the_result_A_21() -> None:
    machine, store = make_machine()
    assert isinstance(machine.next_action(START), ListPage)
    machine.stop()
    machine.on_list(listed("10", "a").page, START)
    machine.on_error(api_error(500), START)
    assert store.calls == []
    assert machine.next_action(START) is STOP
    assert machine.stopped


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(
            {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {}, "items": []},
            id="table",
        ),
        pytest.param(
            {"kind": "Table", "apiVersion": "meta.k8s.io/v1beta1", "metadata": {}, "items": []},
            id="table-beta",
        ),
        pytest.param({"kind": "PodList", "items": []}, id="no-metadata"),
        pytest.param({"kind": "PodList", "metadata": {}, "items": {}}, id="items-not-a-list"),
    ],
)
def test_unusable_list_response_is_a_list_error_A_4(page: dict[str, object]) -> None:
    machine, store = make_machine()
    machine.next_action(START)
    machine.on_list(page, START)
    action = machine.next_action(START)
    assert isinstance(action, HandleWatchError)
    assert isinstance(action.error, UnsupportedListError)
    assert store.calls == []


def test_list_with_null_items_is_empty() -> None:
    machine, store = make_machine()
    machine.next_action(START)
    machine.on_list({"metadata": {"resourceVersion": "5"}, "items": None}, START)
    assert store.calls == [("replace", (), "5")]


# ------------------------------------------------------------------------------ A.5 watch


def test_watch_options_A_24() -> None:
    run = play([listed("10"), watch(end=closed(100)), watch(end=closed(100)), watch()], seed=3)
    assert run.watches
    for request in run.watches:
        assert request.resource_version == "10"
        assert 300 <= request.timeout_seconds < 600
        assert request.allow_watch_bookmarks is True
        assert request.send_initial_events is False
        assert request.resource_version_match == ""
    assert len({w.timeout_seconds for w in run.watches}) > 1  # random per request


@pytest.mark.parametrize(("minimum", "low", "high"), [(100.0, 300, 600), (900.0, 900, 1800)])
def test_min_watch_timeout_honoured_only_above_five_minutes_A_24(
    minimum: float, low: int, high: int
) -> None:
    options = ReflectorOptions(min_watch_timeout=minimum)
    run = play([listed("1")] + [watch()] * 20, options=options, seed=7)
    assert all(low <= w.timeout_seconds < high for w in run.watches)


def test_rv_frozen_on_rv_empty_watch_until_first_non_added_A_25_K_7() -> None:
    run = play(
        [
            listed("", "a"),
            watch(
                ev("ADDED", "b", "7"),
                ev("ADDED", "c", "5"),
                ev("MODIFIED", "b", "8"),
                ev("ADDED", "d", "9"),
            ),
        ]
    )
    assert run.watches[0].resource_version == ""
    assert run.rvs == ["", "", "8", "9"]


def test_rv_frozen_on_rv_zero_watch_bookmark_unfreezes_A_25() -> None:
    run = play([listed("0"), watch(ev("ADDED", "b", "7"), bookmark("9"), ev("ADDED", "c", "10"))])
    assert run.rvs == ["0", "9", "10"]


def test_concrete_rv_watch_advances_on_every_event_A_25_K_7() -> None:
    run = play([listed("10"), watch(ev("ADDED", "b", "11"), ev("ADDED", "c", "12"))])
    assert run.rvs == ["11", "12"]


def test_events_map_to_store_calls_A_26() -> None:
    run = play(
        [
            listed("10"),
            watch(
                ev("ADDED", "a", "11"),
                ev("MODIFIED", "a", "12"),
                ev("DELETED", "a", "13"),
                bookmark("14"),
            ),
        ]
    )
    assert run.store.calls[1:] == [("add", "a"), ("update", "a"), ("delete", "a")]
    assert run.machine.counters().events == {"ADDED": 1, "MODIFIED": 1, "DELETED": 1, "BOOKMARK": 1}


def test_bookmark_and_rv_hooks_of_the_store_A_26() -> None:
    run = play([listed("10"), watch(ev("ADDED", "a", "11"), bookmark("14"))], store=BookmarkStore())
    assert run.store.calls[1:] == [("add", "a"), ("rv", "11"), ("bookmark", "14"), ("rv", "14")]


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param({"kind": "Pod"}, id="no-metadata"),
        pytest.param({"metadata": None}, id="metadata-null"),
        pytest.param({"metadata": ["x"]}, id="metadata-list"),
        pytest.param("not an object", id="string"),
        pytest.param(None, id="none"),
    ],
)
def test_event_without_metadata_is_skipped_A_26(obj: object) -> None:
    run = play([listed("10"), watch(Event("ADDED", obj), ev("ADDED", "a", "11"))])
    assert run.rvs == ["10", "11"]
    assert run.store.calls[1:] == [("add", "a")]
    counters = run.machine.counters()
    assert counters.skipped_events == 1
    assert counters.events == {"ADDED": 1}


def test_store_errors_are_logged_and_ignored_A_26(caplog: pytest.LogCaptureFixture) -> None:
    nameless = {"metadata": {"resourceVersion": "11"}}
    run = play([listed("10"), watch(Event("ADDED", nameless), ev("ADDED", "a", "12"))])
    assert run.rvs == ["11", "12"]  # RV still advanced
    assert "store refused a ADDED event" in caplog.text


def test_unknown_event_type_is_logged_counted_and_advances_rv_A_26(
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = play([listed("10"), watch(Event("WEIRD", pod("a", "11")))])
    assert run.rvs == ["11"]
    assert run.machine.counters().events == {"WEIRD": 1}
    assert "unknown watch event type 'WEIRD'" in caplog.text


def test_expected_gvk_drops_other_kinds_A_4() -> None:
    options = ReflectorOptions(expected_gvk=("v1", "Pod"))
    other = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n", "resourceVersion": "11"}}
    run = play(
        [
            listed("10"),
            watch(Event("ADDED", other), ev("ADDED", "a", "12"), error_event(410, "Expired")),
        ],
        options=options,
    )
    assert run.rvs == ["10", "12", "12"]
    assert run.store.calls[1:] == [("add", "a")]
    # the ERROR (a Status) was not dropped as a kind mismatch: 410 → relist
    assert run.requests[-1] == "LIST rv=12 limit=0"


@pytest.mark.parametrize(
    ("after", "events", "expected_next"),
    [
        pytest.param(0.5, [], ["sleep", "LIST rv=10 limit=0"], id="short-and-empty-is-an-error"),
        pytest.param(0.5, [bookmark("11")], ["WATCH rv=11"], id="short-with-an-event-is-clean"),
        pytest.param(1.0, [], ["WATCH rv=10"], id="one-second-is-clean"),
    ],
)
def test_very_short_watch_A_27_K_10(
    after: float, events: list[Event], expected_next: list[str]
) -> None:
    run = play([listed("10"), watch(*events, end=closed(after))])
    assert run.log[2:] == expected_next
    if expected_next[0] == "sleep":
        assert run.machine.counters().relists == {"very-short-watch": 1}
        assert "handler" not in " ".join(run.log)


def test_very_short_watch_error_message_A_27() -> None:
    assert str(VeryShortWatchError("pods")) == (
        "very short watch: pods: Unexpected watch close - watch lasted less than a second and no items received"
    )


def test_stop_during_watch_ends_it_A_28_A_29() -> None:
    machine, store = make_machine()
    machine.next_action(START)
    machine.on_list(listed("10").page, START)
    assert isinstance(machine.next_action(START), OpenWatch)
    machine.on_watch_opened(START)
    assert machine.on_event("ADDED", pod("a", "11")) is False
    machine.stop()
    assert machine.on_event("ADDED", pod("b", "12")) is True  # tick, then close
    assert machine.on_watch_tick(START) is False
    machine.on_watch_closed(START)
    assert store.calls == [("replace", (), "10"), ("add", "a")]
    assert machine.next_action(START) is STOP


def test_error_event_asks_the_driver_to_close_the_stream_A_29() -> None:
    machine, _ = make_machine()
    machine.next_action(START)
    machine.on_list(listed("10").page, START)
    machine.next_action(START)
    machine.on_watch_opened(START)
    assert (
        machine.on_event(
            "ERROR", {"kind": "Status", "apiVersion": "v1", "code": 410, "reason": "Expired"}
        )
        is True
    )
    assert machine.on_watch_tick(START) is False
    assert machine.on_event("ADDED", pod("late", "99")) is True  # nothing more is processed
    assert machine.last_sync_resource_version == "10"


# ------------------------------------------------------------------------------ A.6 outcomes


def test_clean_close_rewatches_at_once_from_last_rv_A_30_K_4() -> None:
    run = play([listed("10"), watch(ev("ADDED", "a", "11")), watch(bookmark("12")), watch()])
    assert run.log == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "WATCH rv=11",
        "WATCH rv=12",
        "WATCH rv=12",
    ]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        pytest.param(refused(), ["sleep", "WATCH rv=10"], id="connection-refused-rewatch"),
        pytest.param(failed(429, "TooManyRequests"), ["sleep", "WATCH rv=10"], id="429-rewatch"),
        pytest.param(
            failed(429, "SomethingElse"), ["sleep", "WATCH rv=10"], id="429-code-any-reason-A-46"
        ),
        pytest.param(
            EXPIRED, ["handler:Expired", "sleep", "LIST rv=10 limit=0"], id="410-on-open-relists"
        ),
        pytest.param(
            failed(500, "InternalError"),
            ["handler:InternalError", "sleep", "LIST rv=10 limit=0"],
            id="500-relists",
        ),
        pytest.param(
            Failed(TransportError("reset")),
            ["handler:TransportError", "sleep", "LIST rv=10 limit=0"],
            id="transport-error-relists",
        ),
    ],
)
def test_watch_open_failure_outcomes_A_31_K_4(outcome: Failed, expected: list[str]) -> None:
    run = play([listed("10"), outcome])
    assert run.log[2:] == expected


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        pytest.param(
            error_event(410, "Expired"),
            ["sleep", "LIST rv=11 limit=0"],
            id="expired-relist-at-last-rv",
        ),
        pytest.param(error_event(410), ["sleep", "LIST rv=11 limit=0"], id="gone-relist"),
        pytest.param(
            error_event(429, "TooManyRequests"), ["sleep", "WATCH rv=11"], id="429-rewatch"
        ),
        pytest.param(
            error_event(500, "InternalError"),
            ["sleep", "LIST rv=11 limit=0"],
            id="internal-default-window-closed",
        ),
        pytest.param(
            error_event(403, "Forbidden"), ["sleep", "LIST rv=11 limit=0"], id="other-relist"
        ),
        pytest.param(
            Event("ERROR", {"kind": "Pod"}), ["sleep", "LIST rv=11 limit=0"], id="unexpected-object"
        ),
    ],
)
def test_stream_error_outcomes_A_32_K_2_K_4(end: Event, expected: list[str]) -> None:
    run = play([listed("10"), watch(ev("ADDED", "a", "11"), end)])
    assert run.log[2:] == expected
    assert not any(entry.startswith("handler") for entry in run.log)
    assert not run.machine.is_last_sync_resource_version_unavailable  # K-2


def test_stream_failure_raised_by_transport_relists_A_32() -> None:
    run = play(
        [
            listed("10"),
            watch(ev("ADDED", "a", "11"), end=stream_failed(TransportError("unexpected EOF"))),
            listed("12"),
        ]
    )
    assert run.log == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "sleep",
        "LIST rv=11 limit=0",
        "WATCH rv=12",
    ]
    assert run.machine.counters().errors == {"TransportError": 1}


def test_stream_429_raised_by_transport_rewatches_A_32() -> None:
    run = play([listed("10"), watch(end=stream_failed(api_error(429, "TooManyRequests"))), watch()])
    assert run.log == ["LIST rv=0 limit=500", "WATCH rv=10", "sleep", "WATCH rv=10", "WATCH rv=10"]


def test_unexpected_error_object_is_not_an_api_status_A_26() -> None:
    machine, _ = make_machine()
    machine.next_action(START)
    machine.on_list(listed("10").page, START)
    machine.next_action(START)
    machine.on_watch_opened(START)
    machine.on_event("ERROR", ["garbage"])
    assert machine.counters().errors == {"UnexpectedWatchObjectError": 1}
    assert isinstance(machine._stream_error, UnexpectedWatchObjectError)
    assert "['garbage']" in str(machine._stream_error)


@pytest.mark.parametrize(
    ("error", "retriable"),
    [
        pytest.param(RefusedConnectionError("refused"), True, id="connection-refused"),
        pytest.param(api_error(429, "TooManyRequests"), True, id="429"),
        pytest.param(api_error(429, "Forbidden"), True, id="code-429-with-another-known-reason"),
        pytest.param(api_error(503, "TooManyRequests"), True, id="reason-with-another-code"),
        pytest.param(TransportError("reset"), False, id="other-transport-error"),
        pytest.param(api_error(503, "ServiceUnavailable"), False, id="503"),
    ],
)
def test_retriable_watch_open_errors_A_46(error: BaseException, retriable: bool) -> None:
    run = play([listed("10"), Failed(error)])
    assert run.log[2:] == (
        ["sleep", "WATCH rv=10"] if retriable else [run.log[2], "sleep", "LIST rv=10 limit=0"]
    )
    assert run.log[2].startswith("handler:") is not retriable


@pytest.mark.parametrize(
    ("error", "internal"),
    [
        pytest.param(error_event(500, "InternalError"), True, id="reason"),
        pytest.param(error_event(500), True, id="no-reason-code-500"),
        pytest.param(error_event(500, "Unheard"), True, id="unknown-reason-code-500"),
        pytest.param(error_event(500, "Forbidden"), False, id="known-reason-code-500"),
        pytest.param(error_event(503, "ServiceUnavailable"), False, id="503"),
    ],
)
def test_internal_error_classification_A_47(error: Event, internal: bool) -> None:
    options = ReflectorOptions(max_internal_error_retry_duration=30.0)
    run = play([listed("10"), watch(error)], options=options)
    assert run.log[2:] == (["WATCH rv=10"] if internal else ["sleep", "LIST rv=10 limit=0"])


def test_error_raised_while_closing_after_an_error_event_is_ignored_A_26_A_32() -> None:
    machine, _ = make_machine()
    machine.next_action(START)
    machine.on_list(listed("10").page, START)
    machine.next_action(START)
    machine.on_watch_opened(START)
    assert machine.on_event("ERROR", status_event := error_event(429, "TooManyRequests").obj)
    assert status_event["code"] == 429
    assert machine.on_watch_tick(START) is False
    machine.on_error(TransportError("connection closed"), START + 1)  # how closing went
    assert isinstance(machine.next_action(START + 1), Sleep)  # 429 → backoff, then re-watch
    assert machine.counters().errors == {"TooManyRequests": 1}


def test_internal_error_retry_window_A_33() -> None:
    options = ReflectorOptions(max_internal_error_retry_duration=30.0)
    internal = error_event(500, "InternalError")
    run = play(
        [
            listed("10"),
            watch(internal),  # t0: the window opens → re-watch at once
            watch(advance(20), internal),  # t0+20 ≤ 30 s after the first: re-watch
            watch(advance(20), internal),  # t0+40 > 30: tracker reset, relist
        ],
        options=options,
    )
    assert run.log == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "WATCH rv=10",
        "WATCH rv=10",
        "sleep",
        "LIST rv=10 limit=0",
    ]


def test_internal_error_tracker_resets_after_a_quiet_minute_A_33() -> None:
    options = ReflectorOptions(max_internal_error_retry_duration=30.0)
    internal = error_event(500)  # unknown reason + 500 counts as internal
    run = play(
        [listed("10"), watch(internal), watch(advance(70), internal), watch(advance(25), internal)],
        options=options,
    )
    # first at t0, second 70 s later (≥ 1 min after the last: reset, new window), third 25 s
    # after that: still inside the new window
    assert run.log == [
        "LIST rv=0 limit=500",
        "WATCH rv=10",
        "WATCH rv=10",
        "WATCH rv=10",
        "WATCH rv=10",
    ]


def test_error_handler_sees_only_list_open_and_replace_failures_A_34_K_5() -> None:
    run = play(
        [
            failed(500, "InternalError"),  # list failure → handler
            listed("10"),
            watch(error_event(403, "Forbidden")),  # stream error → no handler
            listed("11", "a"),  # replace fails → handler
            listed("12"),
            failed(404, "NotFound"),  # non-retriable open → handler
            listed("13"),
            refused(),  # retriable open → no handler
            watch(end=stream_failed(TransportError("x"))),
        ],
        store=FakeStore(fail_replace={1}),
    )
    assert [e for e in run.log if e.startswith("handler")] == [
        "handler:InternalError",
        "handler:KeyFuncError",
        "handler:NotFound",
    ]


# ------------------------------------------------------------------------------ misuse and counters


def test_outcomes_nobody_asked_for_raise() -> None:
    machine, _ = make_machine()
    with pytest.raises(RuntimeError, match="awaiting nothing"):
        machine.on_error(api_error(500), START)
    with pytest.raises(RuntimeError, match="awaiting nothing, not a list outcome"):
        machine.on_list(listed("1").page, START)
    machine.next_action(START)
    with pytest.raises(RuntimeError, match="while awaiting a list outcome"):
        machine.next_action(START)
    with pytest.raises(RuntimeError, match="not a watch-open outcome"):
        machine.on_watch_opened(START)
    with pytest.raises(RuntimeError, match="not stream events"):
        machine.on_watch_closed(START)
    assert machine.on_watch_tick(START) is False


def test_reports_after_stop_are_ignored_A_21_A_28() -> None:
    machine, store = make_machine()
    machine.stop()
    machine.on_watch_opened(START)
    machine.on_watch_closed(START)
    machine.on_error(api_error(500), START)
    machine.on_list(listed("1").page, START)
    assert store.calls == []
    assert machine.next_action(START) is STOP


def test_counters_snapshot() -> None:
    run = play(
        [
            listed("10", "a", cont="c"),
            listed("10", "b"),
            refused(),
            watch(
                ev("ADDED", "c", "11"),
                ev("ADDED", "d", "12"),
                Event("ADDED", {}),
                bookmark("13"),
                end=closed(2),
            ),
            watch(error_event(410, "Expired")),
            listed("14"),
        ]
    )
    c = run.machine.counters()
    assert (c.iterations, c.lists, c.list_pages, c.full_list_fallbacks) == (2, 2, 3, 0)
    assert (c.watches_requested, c.watches_opened, c.watch_lists, c.watch_list_fallbacks) == (
        4,
        2,
        0,
        0,
    )
    assert c.events == {"ADDED": 2, "BOOKMARK": 1}
    assert c.skipped_events == 1
    assert c.relists == {"watch-expired": 1}
    assert c.errors == {"RefusedConnectionError": 1, "Expired": 1}
    assert c.sleeps == 2
    assert (c.resyncs, c.stalls) == (0, 0)


def test_error_kind_uses_code_without_reason() -> None:
    run = play([failed(418)])
    assert run.machine.counters().errors == {"HTTP 418": 1}
