"""Property-based fuzzing of every parser that reads outside input (issue 8, item 4).

One Hypothesis test per target of :mod:`._targets` (kubeconfig files, exec plugin output,
label and field selectors, watch streams at arbitrary chunk boundaries, Status bodies and
objects). CI runs a few hundred examples each (``KINFORMER_FUZZ_EXAMPLES`` overrides);
``scripts/fuzz --seconds N`` runs them for a stated time. The oracles are described in
:mod:`._targets`; the spec statements are A-26, A-32 (watch), A-44 .. A-47 (Status),
F-17 .. F-21 (label selectors), F-30 .. F-34 (field selectors).
"""

from __future__ import annotations

import os
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kinformer.transport._wire import MalformedWatchEventError, TruncatedWatchStreamError

from ._targets import TARGETS, check_watch, watch_events

EXAMPLES = int(os.environ.get("KINFORMER_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _run(name: str, value: Any) -> None:
    TARGETS[name].check(value)


@pytest.mark.slow
@FUZZ
@given(TARGETS["kubeconfig"].strategy)
def test_fuzz_kubeconfig_gives_a_config_or_one_config_error(data: bytes) -> None:
    _run("kubeconfig", data)


@pytest.mark.slow
@FUZZ
@given(TARGETS["exec"].strategy)
def test_fuzz_exec_plugin_output_gives_a_credential_or_exec_plugin_error(data: bytes) -> None:
    _run("exec", data)


@pytest.mark.slow
@FUZZ
@given(TARGETS["labels"].strategy)
def test_fuzz_label_selector_text_F_17_parses_and_round_trips_or_raises(value: Any) -> None:
    _run("labels", value)


@pytest.mark.slow
@FUZZ
@given(TARGETS["labels-valid"].strategy)
def test_fuzz_valid_label_selectors_F_18_match_like_the_reference(value: Any) -> None:
    _run("labels-valid", value)


@pytest.mark.slow
@FUZZ
@given(TARGETS["fields"].strategy)
def test_fuzz_field_selector_text_F_30_parses_and_round_trips_or_raises(value: Any) -> None:
    _run("fields", value)


@pytest.mark.slow
@FUZZ
@given(TARGETS["watch"].strategy)
def test_fuzz_watch_stream_A_26_same_events_at_any_chunking(value: Any) -> None:
    _run("watch", value)


@pytest.mark.slow
@FUZZ
@given(st.lists(watch_events, min_size=1, max_size=5), st.data())
def test_fuzz_watch_valid_events_rechunked_decode_to_the_same_events(
    events: list[dict[str, Any]], data: st.DataObject
) -> None:
    body = b"".join(orjson.dumps(event) + b"\n" for event in events)
    cuts = data.draw(st.lists(st.integers(1, len(body) - 1), max_size=12))
    decoded = check_watch(body, cuts)
    assert decoded.error is None
    assert [(e.type, e.object) for e in decoded.events] == [
        (e["type"], e["object"]) for e in events
    ]
    cut = data.draw(st.integers(0, len(body) - 1))
    truncated = check_watch(body[:cut], cuts, byte_by_byte=False)
    complete = body[:cut].count(b"\n")
    assert len(truncated.events) == complete
    if body[:cut] and not body[:cut].endswith(b"\n"):
        assert truncated.error is TruncatedWatchStreamError


@pytest.mark.slow
@FUZZ
@given(TARGETS["status"].strategy)
def test_fuzz_error_from_response_A_44_always_a_typed_api_error(value: Any) -> None:
    _run("status", value)


@pytest.mark.slow
@FUZZ
@given(TARGETS["from-status"].strategy)
def test_fuzz_api_error_from_status_A_45_always_a_typed_api_error(value: Any) -> None:
    _run("from-status", value)


def test_watch_oracle_catches_a_decoder_that_drops_a_split_line() -> None:
    """The watch oracle is not vacuous: a truncated stream must raise, a junk line must too."""
    decoded = check_watch(b'{"type":"ADDED","object":{}}\n{"type":"ADD', [10, 31])
    assert decoded.error is TruncatedWatchStreamError
    assert len(decoded.events) == 1
    decoded = check_watch(b'{"type":"ADDED","object":{}}\nnull\n', [3])
    assert decoded.error is MalformedWatchEventError
    assert len(decoded.events) == 1
