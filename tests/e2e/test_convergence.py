"""Randomized convergence of the informer (issue 5; spec D-20, D-50 … D-54, J-3, J-4).

Seeded schedules of creates, updates, deletes and label changes (in and out of a
``tier=front`` selector informer) run against the fake API server while watches are dropped
and reset and relists are forced (410 in the stream after compaction, 410 on the list). Then
the informers settle and, for both runtimes and both queue modes:

* the cache equals a fresh list from the server (keys, uid, resourceVersion, data);
* for every key, the states each handler saw form a subsequence of the server's states (the
  ones matching the selector), add / update / delete alternate as the cache decides (D-20),
  and the sequence ends at the final state, or with a delete for a key that is gone.

The server's states come from snapshots of the engine after every write (``ServerHistory``).
The checker itself is tested first on hand-made histories, so that it can fail.
"""

from __future__ import annotations

import pytest

from kinformer.testing import FakeApiServer

from ._chaos import (
    CONVERGENCE_FAULTS,
    ServerHistory,
    ServerState,
    check_handler,
    make_schedule,
    run_schedule,
)
from ._runtimes import QUEUES, RUNTIMES, Recorder

SEEDS = (11, 12)


def _history(states: dict[str, list[tuple[str, str, str]]]) -> ServerHistory:
    history = ServerHistory()
    history.states = {
        key: [ServerState(uid, rv, (("tier", tier),)) for uid, rv, tier in seq]
        for key, seq in states.items()
    }
    return history


def _recorder(events: dict[str, list[tuple[str, tuple[str, str] | None]]]) -> Recorder:
    recorder = Recorder("hand-made")
    recorder.events = {k: list(v) for k, v in events.items()}
    return recorder


HISTORY = {"ns/a": [("u1", "2", "front"), ("u1", "5", "back"), ("u1", "9", "front")]}


@pytest.mark.parametrize(
    ("events", "final", "selector", "problem"),
    [
        pytest.param(
            {"ns/a": [("add", ("u1", "2")), ("update", ("u1", "9"))]},
            {"ns/a": ("u1", "9")},
            None,
            None,
            id="skipping-a-state-is-fine",
        ),
        pytest.param(
            {"ns/a": [("add", ("u1", "2")), ("update", ("u1", "2")), ("update", ("u1", "9"))]},
            {"ns/a": ("u1", "9")},
            None,
            None,
            id="same-rv-resync-update-is-fine-D-51",
        ),
        pytest.param(
            {"ns/a": [("add", ("u1", "9")), ("update", ("u1", "2"))]},
            {"ns/a": ("u1", "2")},
            None,
            "not a subsequence",
            id="going-back-in-time",
        ),
        pytest.param(
            {"ns/a": [("add", ("u1", "2")), ("update", ("u1", "7"))]},
            {"ns/a": ("u1", "7")},
            None,
            "not a subsequence",
            id="a-state-the-server-never-had",
        ),
        pytest.param(
            {"ns/a": [("add", ("u1", "2"))]},
            {"ns/a": ("u1", "9")},
            None,
            "ends at",
            id="missed-the-final-state",
        ),
        pytest.param(
            {"ns/a": [("add", ("u1", "2")), ("update", ("u1", "5"))]},
            {},
            None,
            "gone from the server",
            id="missed-the-delete",
        ),
        pytest.param(
            {"ns/a": [("add", ("u1", "2")), ("add", ("u1", "9"))]},
            {"ns/a": ("u1", "9")},
            None,
            "add while present",
            id="add-for-a-cached-key-D-20",
        ),
        pytest.param(
            {"ns/a": [("update", ("u1", "9"))]},
            {"ns/a": ("u1", "9")},
            None,
            "update while absent",
            id="update-for-an-unknown-key-D-20",
        ),
        pytest.param(
            {"ns/a": [("add", ("u1", "2")), ("update", ("u1", "5"))]},
            {"ns/a": ("u1", "5")},
            "tier=front",
            "not a subsequence",
            id="selector-informer-saw-a-non-matching-state",
        ),
        pytest.param(
            {"ns/a": [("add", ("u1", "2")), ("delete", ("u1", "5")), ("add", ("u1", "9"))]},
            {"ns/a": ("u1", "9")},
            "tier=front",
            None,
            id="selector-out-and-back-in-D-70",
        ),
    ],
)
def test_convergence_checker_catches_divergences(
    events: dict[str, list[tuple[str, tuple[str, str] | None]]],
    final: dict[str, tuple[str, str]],
    selector: str | None,
    problem: str | None,
) -> None:
    problems = check_handler(
        _recorder(events), _history(HISTORY), final, selector=selector, queue="delta_fifo"
    )
    if problem is None:
        assert problems == []
    else:
        assert problems, f"expected {problem!r}"
        assert problem in problems[0], problems


def test_convergence_checker_delete_of_unknown_key_depends_on_queue_B_10_D_20() -> None:
    events: dict[str, list[tuple[str, tuple[str, str] | None]]] = {
        "ns/a": [("delete", ("u1", "5"))]
    }
    history = _history(HISTORY)
    assert check_handler(_recorder(events), history, {}, selector=None, queue="in_order") == []
    assert (
        "delete while absent"
        in check_handler(_recorder(events), history, {}, selector=None, queue="delta_fifo")[0]
    )


def test_convergence_schedule_is_a_pure_function_of_the_seed() -> None:
    first = make_schedule(5, faults=CONVERGENCE_FAULTS)
    assert first == make_schedule(5, faults=CONVERGENCE_FAULTS)
    assert first != make_schedule(6, faults=CONVERGENCE_FAULTS)
    ops = {step[0] for seed in range(20) for step in make_schedule(seed, faults=CONVERGENCE_FAULTS)}
    assert {"create", "update", "relabel", "delete"} <= ops
    assert ops & {"restart", "stall", "storm_429", "cut"} == set()


@pytest.mark.slow
@pytest.mark.parametrize("queue", QUEUES)
@pytest.mark.parametrize("runtime_name", RUNTIMES)
@pytest.mark.parametrize("seed", SEEDS)
def test_convergence_randomized_churn_with_drops_and_relists_D_20_J_4(
    runtime_name: str, queue: str, seed: int
) -> None:
    schedule = make_schedule(seed, steps=120, faults=CONVERGENCE_FAULTS)
    result = run_schedule(FakeApiServer, runtime_name, queue, seed=seed, schedule=schedule)
    assert result.writes >= 20, "the schedule must churn"
    assert result.faults >= 5, "and break watches"
    assert not result.problems, "\n".join([result.replay(), *result.problems])
