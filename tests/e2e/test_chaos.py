"""Chaos convergence (issue 8, item 1): seeded schedules of churn and every fault knob.

Each schedule (``_chaos.make_schedule``) mixes creates, updates, label transitions in and out
of a ``tier=front`` selector, deletes with and without finalizers and namespace deletes with
dropped and reset watches, 410 on watch (request and stream) and on list, expired continue
tokens, 429 storms, 5xx, stalled streams, half-written lines (watch and list), compaction and
restarts, plus fake-clock ticks. Two informers (all ConfigMaps; the selector) each carry a
recording handler and a handler that raises on purpose. After the schedule and a settle
period, for both runtimes and both queue modes: the cache equals a fresh list; every
handler's sequence per key is a subsequence of the server's states ending at the final state
or a delete; every handler exception was logged.

A failure prints the seed and the schedule as a replayable list of steps
(``run_schedule(FakeApiServer, runtime, queue, seed=..., schedule=[...])``);
``scripts/chaos --seeds N --first SEED --shrink`` reduces it. CI runs the fixed seeds below
(a few seconds in all); ``scripts/chaos`` runs thousands on demand (docs/reliability.md).
"""

from __future__ import annotations

import random

import pytest

from kinformer.cache._informer_options import InformerOptions
from kinformer.testing import FakeApiServer

from ._chaos import (
    FAULT_OPS,
    ServerHistory,
    check_cache,
    check_handler,
    make_schedule,
    run_schedule,
)
from ._runtimes import (
    QUEUES,
    RUNTIMES,
    HandlerErrorLog,
    Recorder,
    RecordingClock,
    Runtime,
    eventually,
)
from .conftest import configmap, ensure_namespace

CI_SEEDS = (1, 2, 3, 4)


def test_chaos_schedules_cover_every_fault_knob() -> None:
    ops = {step[0] for seed in CI_SEEDS for step in make_schedule(seed)}
    ops |= {step[0] for seed in range(50) for step in make_schedule(seed)}
    assert set(FAULT_OPS) <= ops
    assert {"create", "update", "relabel", "delete", "finalize", "delete_ns", "tick"} <= ops
    finalizers = [s for seed in range(50) for s in make_schedule(seed) if s[0] == "create"]
    assert {s[4] for s in finalizers} == {True, False}  # deletes with and without finalizers
    restarts = {s[1] for seed in range(50) for s in make_schedule(seed) if s[0] == "restart"}
    assert restarts == {True, False}  # with and without data loss


@pytest.mark.slow
@pytest.mark.parametrize("queue", QUEUES)
@pytest.mark.parametrize("runtime_name", RUNTIMES)
@pytest.mark.parametrize("seed", CI_SEEDS)
def test_chaos_schedule_converges(runtime_name: str, queue: str, seed: int) -> None:
    result = run_schedule(FakeApiServer, runtime_name, queue, seed=seed)
    assert result.faults > 0
    assert result.writes > 0
    assert not result.problems, "\n".join(
        [f"chaos seed {seed} diverged; replay:", result.replay(), *result.problems]
    )


@pytest.mark.slow
@pytest.mark.parametrize("queue", QUEUES)
def test_chaos_restart_losing_data_while_streaming_converges_A_19(
    runtime: Runtime, queue: str
) -> None:
    """The wipe the random schedules leave out (see ``make_schedule(wipe=...)``), played once
    at a quiet moment: every handler ends at the new server's states, through deletes and adds.
    """
    server = runtime.server
    ensure_namespace(server)
    for i in range(4):
        server.state.create(configmap(f"old-{i}"))
    clock = RecordingClock()
    history = ServerHistory()
    history.snapshot(server)
    handle = runtime.informer(
        clock=clock,
        rng=random.Random(9),
        options=InformerOptions(queue=queue, stall_timeout=20.0, gc_freeze=False),  # type: ignore[arg-type]
    )
    recorder = Recorder("wipe", raise_one_in=3)
    handle.add_handler(recorder)
    with HandlerErrorLog() as errors:
        handle.start()
        eventually(lambda: handle.streaming() and not check_cache(handle, server))
        for i in range(6):
            server.state.patch(
                "v1", "ConfigMap", "old-1", {"data": {"v": str(i)}}, namespace="faults"
            )
            history.snapshot(server)
        eventually(lambda: not check_cache(handle, server), what="the updates")
        server.restart(keep_data=False)
        ensure_namespace(server)
        server.state.create(configmap("new-0"))
        history.snapshot(server)

        def advanced_then_converged() -> bool:
            clock.advance(2.0)  # backoff sleeps after the reset
            return not check_cache(handle, server)

        eventually(advanced_then_converged, what="the cache to match the wiped server")
        final = handle.cache_states()
        eventually(
            lambda: not check_handler(recorder, history, final, selector=None, queue=queue),
            what="the handler to catch up",
        )
        eventually(lambda: errors.count == recorder.raised_count(), what="every exception logged")
    assert recorder.raised_count() > 0
    handle.stop()
