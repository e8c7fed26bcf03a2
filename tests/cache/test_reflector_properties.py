"""Random runs of the ReflectorMachine: any sequence of server outcomes keeps its invariants."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from kinformer._errors import RefusedConnectionError, TransportError
from kinformer.cache._reflector import HandleWatchError, ListPage, ReflectorOptions, Sleep
from tests.cache.test_reflector_harness import (
    START,
    BookmarkStore,
    api_error,
    assert_invariants,
    bookmark,
    make_machine,
    pod,
)

ERRORS = [
    api_error(410, "Expired"),
    api_error(410),
    api_error(429, "TooManyRequests"),
    api_error(500, "InternalError"),
    api_error(403, "Forbidden"),
    api_error(504, "Timeout", "Too large resource version"),
    RefusedConnectionError("refused"),
    TransportError("reset"),
]


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(
    data=st.data(),
    use_watch_list=st.booleans(),
    resync=st.sampled_from([0.0, 5.0]),
    internal_window=st.sampled_from([0.0, 20.0]),
)
def test_random_outcomes_keep_the_invariants(
    data: st.DataObject, use_watch_list: bool, resync: float, internal_window: float
) -> None:
    options = ReflectorOptions(
        use_watch_list=use_watch_list,
        resync_period=resync,
        max_internal_error_retry_duration=internal_window,
        stall_timeout=40.0,
    )
    machine, store = make_machine(store=BookmarkStore(fail_resync={3}), options=options)
    now, rv = START, 10
    for _ in range(data.draw(st.integers(1, 25))):
        action = machine.next_action(now)
        assert_invariants(machine)
        if isinstance(action, Sleep):
            assert action.seconds > 0
            now += action.seconds
            continue
        if isinstance(action, HandleWatchError):
            continue
        if isinstance(action, ListPage):
            if data.draw(st.booleans()):
                cont = data.draw(st.sampled_from(["", "", "c"]))
                rv += 1
                machine.on_list(
                    {
                        "metadata": {"resourceVersion": str(rv), "continue": cont},
                        "items": [pod("a", str(rv))],
                    },
                    now,
                )
            else:
                machine.on_error(data.draw(st.sampled_from(ERRORS)), now)
            assert_invariants(machine)
            continue
        if data.draw(st.integers(0, 4)) == 0:
            machine.on_error(data.draw(st.sampled_from(ERRORS)), now)
            continue
        machine.on_watch_opened(now)
        reading = True
        for _ in range(data.draw(st.integers(0, 6))):
            step = data.draw(
                st.sampled_from(
                    ["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "END", "ERROR", "WAIT"]
                )
            )
            if step == "WAIT":
                target = now + data.draw(st.sampled_from([0.5, 3.0, 30.0]))
                while reading and machine.watch_tick_due <= target:
                    now = max(now, machine.watch_tick_due)
                    reading = machine.on_watch_tick(now)
                now = max(now, target)
            else:
                rv += 1
                obj: Any
                if step == "END":
                    obj = bookmark(str(rv), end=True).obj
                    step = "BOOKMARK"
                elif step == "ERROR":
                    obj = {"kind": "Status", "apiVersion": "v1", "code": 410, "reason": "Expired"}
                else:
                    obj = pod("a", str(rv))
                if machine.on_event(step, obj):
                    reading = machine.on_watch_tick(now)
            assert_invariants(machine)
            if not reading:
                break
        if reading and data.draw(st.booleans()):
            machine.on_error(data.draw(st.sampled_from(ERRORS)), now)
        else:
            machine.on_watch_closed(now)
        assert_invariants(machine)
    counters = machine.counters()
    assert counters.lists <= counters.list_pages
    assert counters.watches_opened <= counters.watches_requested
    replaces = sum(1 for call in store.calls if call[0] == "replace")
    assert replaces == counters.lists + counters.watch_lists
