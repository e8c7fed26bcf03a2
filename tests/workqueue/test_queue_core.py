"""The pure queue bookkeeping: QueueState and DelayHeap (spec G-1..G-12), no threads, no loop."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from kinformer.workqueue._delaying import DelayHeap
from kinformer.workqueue._queue import MAX_WAIT, WAKE_ALL, QueueState

# -- QueueState ---------------------------------------------------------------------------


def test_state_g2_add_returns_how_many_getters_to_wake() -> None:
    state: QueueState[str] = QueueState()
    assert state.add("a", 0.0) == 1
    assert state.add("a", 0.0) == 0  # dedup
    assert state.ready(0.0)
    assert state.pop(0.0) == "a"
    assert state.add("a", 0.0) == 0  # processing
    assert state.dirty == {"a"}
    assert state.processing == {"a"}
    assert state.queued == ()


def test_state_g3_pop_moves_the_head_from_dirty_to_processing() -> None:
    state: QueueState[int] = QueueState()
    state.add(1, 0.0)
    state.add(2, 0.0)
    assert state.pop(0.0) == 1
    assert state.queued == (2,)
    assert state.dirty == {2}
    assert state.processing == {1}


def test_state_g4_done_requeues_dirty_items_only() -> None:
    state: QueueState[str] = QueueState()
    state.add("a", 0.0)
    state.add("b", 0.0)
    state.pop(0.0)
    state.pop(0.0)
    state.add("a", 0.0)
    assert state.done("a", 0.0) == 1
    assert state.done("b", 0.0) == 0
    assert state.queued == ("a",)
    assert not state.drained  # no drain requested
    state.shutdown(drain=True)
    assert state.drained
    assert state.done("a", 0.0) == 0  # queued, not processing: no duplicate (G-4 NOTE)
    assert state.queued == ("a",)


@pytest.mark.parametrize(
    ("drain", "processing", "draining"),
    [
        pytest.param(True, True, True, id="drain-waits-while-processing"),
        pytest.param(True, False, False, id="drain-done-when-idle"),
        pytest.param(False, True, False, id="plain-shutdown-never-drains"),
    ],
)
def test_state_g7_draining(drain: bool, processing: bool, draining: bool) -> None:
    state: QueueState[str] = QueueState()
    state.add("a", 0.0)
    if processing:
        state.pop(0.0)
    state.shutdown(drain=drain)
    assert state.shutting_down
    assert state.draining is draining
    assert state.drained is (drain and not processing)


def test_state_g6_shutdown_cancels_a_pending_drain() -> None:
    state: QueueState[str] = QueueState()
    state.add("a", 0.0)
    state.pop(0.0)
    state.shutdown(drain=True)
    assert state.draining
    state.shutdown(drain=False)
    assert not state.draining


def test_state_g10_add_after_wakes_all_only_when_the_earliest_deadline_moves() -> None:
    state: QueueState[str] = QueueState()
    assert state.add_after("a", 5.0, 0.0) == WAKE_ALL
    assert state.add_after("b", 9.0, 0.0) == 0  # not the earliest
    assert state.add_after("b", 7.0, 0.0) == 0  # moved, but still not the earliest
    assert state.add_after("a", 6.0, 0.0) == 0  # later: ignored
    assert state.add_after("c", 0.0, 0.0) == 1  # immediate
    assert state.waiting == 2
    assert state.add_after("d", 2.0, 6.0) == 1  # "a" fell due on the way
    assert state.queued == ("c", "a")
    assert state.add_after("e", 0.5, 6.0) == WAKE_ALL  # 6.5 is earlier than "b" (7.0)
    assert state.add_after("f", 0.5, 6.0) == 0  # ties with the earliest: no need to wake


def test_state_g11_wait_timeout_is_capped_by_the_heartbeat() -> None:
    state: QueueState[str] = QueueState()
    assert state.wait_timeout(0.0) is None
    state.add_after("a", 3.0, 0.0)
    assert state.wait_timeout(1.0) == 2.0
    assert state.wait_timeout(5.0) == 0.0
    state.add_after("b", 100.0, 0.0)
    state.ready(4.0)
    assert state.wait_timeout(4.0) == MAX_WAIT
    state.add_after("never", math.inf, 4.0)  # Go's InfDuration: waits forever
    assert state.ready(1e300)
    assert state.pop(1e300) == "a"
    assert state.ready(1e300)
    assert state.pop(1e300) == "b"
    assert state.wait_timeout(1e300) is None
    assert state.waiting == 1


def test_state_g12_shutdown_clears_waiting_items() -> None:
    state: QueueState[str] = QueueState()
    state.add_after("a", 1.0, 0.0)
    state.shutdown(drain=False)
    assert state.waiting == 0
    assert state.add_after("b", 1.0, 0.0) == 0
    assert state.length(10.0) == 0


def test_state_g25_without_metrics_records_nothing() -> None:
    state: QueueState[str] = QueueState()
    assert not state.records_metrics
    state.update_unfinished_work(0.0)  # no recorder: a no-op


# -- DelayHeap ----------------------------------------------------------------------------


def test_delay_heap_g11_earliest_deadline_per_item() -> None:
    heap: DelayHeap[str] = DelayHeap()
    assert heap.push("a", 10.0)
    assert not heap.push("a", 10.0)
    assert not heap.push("a", 11.0)
    assert heap.push("a", 3.0)
    assert len(heap) == 1
    assert "a" in heap
    assert heap.next_ready_at() == 3.0
    assert heap.pop_due(2.9) == []
    assert heap.pop_due(3.0) == ["a"]
    assert heap.next_ready_at() is None  # the stale 10.0 entry was dropped
    assert heap.pop_due(100.0) == []


def test_delay_heap_g11_ties_fire_in_arrival_order() -> None:
    heap: DelayHeap[str] = DelayHeap()
    for item in "cab":
        heap.push(item, 1.0)
    assert heap.pop_due(1.0) == ["c", "a", "b"]


def test_delay_heap_g11_item_can_wait_again_after_firing() -> None:
    heap: DelayHeap[str] = DelayHeap()
    heap.push("a", 5.0)
    heap.push("a", 1.0)
    assert heap.pop_due(1.0) == ["a"]
    assert heap.push("a", 5.0)  # same deadline as the stale entry: fires once
    assert heap.pop_due(5.0) == ["a"]
    assert len(heap) == 0


def test_delay_heap_g12_clear() -> None:
    heap: DelayHeap[str] = DelayHeap()
    heap.push("a", 1.0)
    heap.clear()
    assert len(heap) == 0
    assert heap.next_ready_at() is None


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(
    pushes=st.lists(st.tuples(st.sampled_from("abcde"), st.integers(0, 20).map(float))),
    now=st.integers(0, 20).map(float),
)
def test_delay_heap_g11_matches_a_model(pushes: list[tuple[str, float]], now: float) -> None:
    heap: DelayHeap[str] = DelayHeap()
    model: dict[str, tuple[float, int]] = {}  # item -> (deadline, arrival of that deadline)
    for seq, (item, ready_at) in enumerate(pushes):
        moved = heap.push(item, ready_at)
        assert moved is (item not in model or ready_at < model[item][0])
        if moved:
            model[item] = (ready_at, seq)
    expected = sorted((entry, item) for item, entry in model.items() if entry[0] <= now)
    assert heap.pop_due(now) == [item for _, item in expected]
    assert len(heap) == len(model) - len(expected)


# -- Hypothesis stateful test of the basic queue invariant (G-1) ---------------------------


class QueueMachine(RuleBasedStateMachine):
    """Random add / get / done / shutdown sequences against a simple model of G-1..G-8."""

    items = st.sampled_from(["a", "b", "c", "d"])

    @initialize()
    def setup(self) -> None:
        self.state: QueueState[str] = QueueState()
        self.model_queue: list[str] = []
        self.model_dirty: set[str] = set()
        self.model_processing: set[str] = set()
        self.shut = False
        self.now = 0.0

    @rule(item=items)
    def add(self, item: str) -> None:
        queued = self.state.add(item, self.now)
        expected = 0
        if not self.shut and item not in self.model_dirty:
            self.model_dirty.add(item)
            if item not in self.model_processing:
                self.model_queue.append(item)
                expected = 1
        assert queued == expected

    @precondition(lambda self: bool(self.model_queue))
    @rule()
    def get(self) -> None:
        assert self.state.ready(self.now)
        item = self.state.pop(self.now)
        assert item == self.model_queue.pop(0)
        self.model_dirty.discard(item)
        self.model_processing.add(item)

    @rule(item=items)
    def done(self, item: str) -> None:
        requeued = self.state.done(item, self.now)
        expected = 0
        if item in self.model_processing:
            self.model_processing.remove(item)
            if item in self.model_dirty:
                self.model_queue.append(item)
                expected = 1
        assert requeued == expected

    @rule(drain=st.booleans())
    def shutdown(self, drain: bool) -> None:
        self.state.shutdown(drain=drain)
        self.shut = True

    @rule(seconds=st.floats(0, 5))
    def tick(self, seconds: float) -> None:
        self.now += seconds

    @invariant()
    def queued_items_are_dirty_not_processing_and_unique(self) -> None:
        queued = self.state.queued
        assert len(queued) == len(set(queued))
        for item in queued:
            assert item in self.state.dirty
            assert item not in self.state.processing

    @invariant()
    def matches_the_model(self) -> None:
        assert list(self.state.queued) == self.model_queue
        assert self.state.dirty == self.model_dirty
        assert self.state.processing == self.model_processing
        assert self.state.length(self.now) == len(self.model_queue)
        assert self.state.shutting_down is self.shut
        assert self.state.ready(self.now) is bool(self.model_queue)


QueueMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
test_queue_g1_invariant_stateful = pytest.mark.slow(QueueMachine.TestCase)
