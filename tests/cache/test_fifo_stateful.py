"""Hypothesis state machines for both queues: invariants over thousands of random operations.

DeltaFIFO: B-4 (a key is queued iff it has deltas, no duplicate keys, no empty lists), per-key
order (B-5), no lost Added/Updated deltas (B-9 only collapses deletions), and the sync
accounting of B-12 step 4 / B-21 checked against a model. RealFIFO (modes R and A): global
order (B-30), no lost deltas, distinct keys per batch (B-37), sync accounting of B-34.
The consumer applies deltas to a dict-backed store, as an informer does (D-20 … D-22), and
that store is the queue's ``known_objects`` (mode D and R).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from kinformer._errors import FIFOClosedError
from kinformer._objects import DeletedFinalStateUnknown
from kinformer.cache._fifo import Delta, DeltaFIFO, Deltas, DeltaType, ReplacedAllInfo
from kinformer.cache._real_fifo import RealFIFO

KEYS = st.sampled_from(["a", "b", "c", "d", "e", "f"])
KEY_LISTS = st.lists(KEYS, max_size=6)
SETTINGS = settings(max_examples=30, stateful_step_count=50, deadline=None)

ORDERED = {DeltaType.ADDED, DeltaType.UPDATED, DeltaType.DELETED, DeltaType.REPLACED}


class Store:
    """The consumer's cache, fed by processing popped deltas (and the queue's known objects)."""

    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}

    def list_keys(self) -> list[str]:
        return list(self.objects)

    def get_by_key(self, key: str) -> Any:
        return self.objects.get(key)

    def apply(self, delta: Delta) -> None:
        o = delta.object
        if delta.type is DeltaType.DELETED:
            key = o.key if isinstance(o, DeletedFinalStateUnknown) else o["metadata"]["name"]
            self.objects.pop(key, None)
        elif delta.type is DeltaType.REPLACED_ALL:
            assert isinstance(o, ReplacedAllInfo)
            self.objects = {item["metadata"]["name"]: item for item in o.objects}
        elif delta.type in ORDERED or delta.type is DeltaType.SYNC:
            self.objects[o["metadata"]["name"]] = o


class _Machine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.seq = 0
        self.store = Store()
        self.produced: list[int] = []  # seqs of add/update(/delete) calls that must come out
        self.consumed: list[int] = []
        self.was_synced = False
        self.model_populated = False
        self.model_count = 0

    def new(self, key: str) -> dict[str, Any]:
        self.seq += 1
        return {"metadata": {"name": key}, "seq": self.seq}

    @staticmethod
    def seq_of(delta: Delta) -> int | None:
        o = delta.object
        if delta.type in ORDERED and isinstance(o, dict):
            seq = o["seq"]
            assert isinstance(seq, int)
            return seq
        return None

    def closed_and_empty(self) -> bool:
        """On a closed, drained queue every non-blocking pop raises (B-17)."""
        if not (self.fifo.is_closed and len(self.fifo) == 0):
            return False
        with pytest.raises(FIFOClosedError):
            self.fifo.pop_nowait(lambda d, i: None)
        return True

    def model_processed(self, count: int) -> None:
        if self.model_count > 0:
            self.model_count -= count
            assert self.model_count >= 0

    @invariant()
    def sync_accounting(self) -> None:
        fifo = self.fifo
        assert fifo._initial_population_count >= 0
        assert fifo._initial_population_count == self.model_count
        assert fifo._populated is self.model_populated
        assert fifo.has_synced is (self.model_populated and self.model_count == 0)
        if self.was_synced:
            assert fifo.has_synced  # latched
        self.was_synced = fifo.has_synced

    fifo: DeltaFIFO | RealFIFO


class DeltaFIFOMachine(_Machine):
    def __init__(self) -> None:
        super().__init__()
        self.fifo: DeltaFIFO = DeltaFIFO(
            key_func=lambda o: o["metadata"]["name"],
            known_objects=self.store,
            emit_delta_type_replaced=True,
        )
        self.last_seq: dict[str, int] = {}

    @rule(key=KEYS)
    def add(self, key: str) -> None:
        o = self.new(key)
        self.fifo.add(o)
        self.produced.append(o["seq"])
        self.model_populated = True

    @rule(key=KEYS)
    def update(self, key: str) -> None:
        o = self.new(key)
        self.fifo.update(o)
        self.produced.append(o["seq"])
        self.model_populated = True

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        self.fifo.delete(self.new(key))
        self.model_populated = True

    @rule(keys=KEY_LISTS)
    def replace(self, keys: list[str]) -> None:
        listed = set(keys)
        pending = set(self.fifo._items)
        deletions = len(pending - listed) + len(set(self.store.objects) - listed - pending)
        self.fifo.replace([self.new(k) for k in keys], str(self.seq))
        if not self.model_populated:
            self.model_populated = True
            self.model_count = len(listed) + deletions

    @rule()
    def resync(self) -> None:
        self.fifo.resync()

    @initialize(keys=st.none() | KEY_LISTS)
    def initial_list(self, keys: list[str] | None) -> None:
        """Usually start as an informer does: with the initial list (B-21, B-34)."""
        if keys is not None:
            self.replace(keys)

    @rule()
    def pop(self) -> None:
        if self.closed_and_empty():
            return
        got: list[tuple[Deltas, bool]] = []
        synced_before = self.fifo.has_synced
        if not self.fifo.pop_nowait(lambda deltas, initial: got.append((deltas, initial))):
            return
        deltas, initial = got[0]
        assert initial is not synced_before  # B-22
        key = self.fifo.key_of(deltas)
        for delta in deltas:
            assert self.fifo.key_of(delta.object) == key
            seq = self.seq_of(delta)
            if seq is not None:
                assert seq > self.last_seq.get(key, 0), "per-key order broken"
                self.last_seq[key] = seq
                if delta.type in (DeltaType.ADDED, DeltaType.UPDATED):
                    self.consumed.append(seq)
            self.store.apply(delta)
        self.model_processed(1)

    @rule()
    def close(self) -> None:
        self.fifo.close()

    @invariant()
    def queue_invariants_B_4(self) -> None:
        queue = list(self.fifo._queue)
        assert len(queue) == len(set(queue))
        assert set(queue) == set(self.fifo._items)
        assert all(self.fifo._items[k] for k in queue)
        assert len(self.fifo) == len(queue)
        for deltas in self.fifo._items.values():
            for older, newer in itertools.pairwise(deltas):
                assert not (older.type is newer.type is DeltaType.DELETED), "B-9 dedup missed"

    def teardown(self) -> None:
        while len(self.fifo):
            self.pop()
        if self.fifo.is_closed:
            with pytest.raises(FIFOClosedError):
                self.fifo.pop_nowait(lambda d, i: None)
        assert sorted(self.consumed) == sorted(self.produced), "an Added/Updated delta was lost"


class RealFIFOMachine(_Machine):
    atomic = False

    def __init__(self) -> None:
        super().__init__()
        self.fifo: RealFIFO = RealFIFO(
            key_func=lambda o: o["metadata"]["name"],
            known_objects=None if self.atomic else self.store,
            atomic=self.atomic,
        )
        self.last_seq = 0

    def produce(self, method: str, key: str) -> None:
        o = self.new(key)
        getattr(self.fifo, method)(o)
        self.produced.append(o["seq"])
        self.model_populated = True

    @rule(key=KEYS)
    def add(self, key: str) -> None:
        self.produce("add", key)

    @rule(key=KEYS)
    def update(self, key: str) -> None:
        self.produce("update", key)

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        self.produce("delete", key)

    @rule(keys=KEY_LISTS)
    def replace(self, keys: list[str]) -> None:
        listed = [self.new(k) for k in keys]
        self.seq += 1  # the resource version, ordered after the listed objects
        self.fifo.replace(listed, str(self.seq))
        if not self.model_populated:
            self.model_populated = True
            self.model_count = len(self.fifo)

    @rule()
    def resync(self) -> None:
        self.fifo.resync()

    @initialize(keys=st.none() | KEY_LISTS)
    def initial_list(self, keys: list[str] | None) -> None:
        """Usually start as an informer does: with the initial list (B-21, B-34)."""
        if keys is not None:
            self.replace(keys)

    @precondition(lambda self: self.atomic)
    @rule()
    def bookmark(self) -> None:
        self.seq += 1
        self.fifo.bookmark(str(self.seq))

    def consume(self, deltas: list[Delta], initial: bool, synced_before: bool) -> None:
        assert initial is not synced_before
        for delta in deltas:
            seq = self.seq_of(delta)
            if seq is None and delta.type in (DeltaType.REPLACED_ALL, DeltaType.BOOKMARK):
                seq = int(delta.object.resource_version)
            if seq is not None:
                assert seq > self.last_seq, "global order broken"
                self.last_seq = seq
                if delta.type is not DeltaType.REPLACED and delta.type in ORDERED:
                    self.consumed.append(seq)
            self.store.apply(delta)

    @rule()
    def pop(self) -> None:
        if self.closed_and_empty():
            return
        synced_before = self.fifo.has_synced
        got: list[tuple[Deltas, bool]] = []
        if self.fifo.pop_nowait(lambda deltas, initial: got.append((deltas, initial))):
            assert len(got[0][0]) == 1
            self.consume(got[0][0], got[0][1], synced_before)
            self.model_processed(1)

    @rule()
    def pop_batch(self) -> None:
        if self.closed_and_empty():
            with pytest.raises(FIFOClosedError):
                self.fifo.pop_batch_nowait(lambda d, i: None, lambda d, i: None)
            return
        synced_before = self.fifo.has_synced
        count_before = self.fifo._initial_population_count
        got: list[tuple[list[Delta], bool]] = []

        def record(deltas: list[Delta], initial: bool) -> None:
            got.append((deltas, initial))

        count = self.fifo.pop_batch_nowait(record, record)
        if count == 0:
            return
        deltas, initial = got[0]
        assert len(deltas) == count
        keys = [
            self.fifo.key_of(d) for d in deltas if d.type in ORDERED or d.type is DeltaType.SYNC
        ]
        assert len(keys) == len(set(keys)), "a batch repeats a key"
        if count > 1:
            assert all(d.type in ORDERED or d.type is DeltaType.SYNC for d in deltas)
        if count_before:
            assert count <= count_before, "a batch mixed initial and later deltas"
        self.consume(deltas, initial, synced_before)
        self.model_processed(count)

    @rule()
    def close(self) -> None:
        self.fifo.close()

    def teardown(self) -> None:
        while len(self.fifo):
            self.pop()
        assert sorted(self.consumed) == sorted(self.produced), "a delta was lost"
        assert self.consumed == sorted(self.consumed)


class AtomicRealFIFOMachine(RealFIFOMachine):
    atomic = True


@pytest.mark.slow
def test_delta_fifo_state_machine_B_4_B_5_B_9_B_21() -> None:
    DeltaFIFOMachine.TestCase.settings = SETTINGS
    DeltaFIFOMachine.TestCase().runTest()


@pytest.mark.slow
def test_real_fifo_state_machine_B_30_B_31_B_34_B_37() -> None:
    RealFIFOMachine.TestCase.settings = SETTINGS
    RealFIFOMachine.TestCase().runTest()


@pytest.mark.slow
def test_atomic_real_fifo_state_machine_B_32_B_35_B_36_B_37() -> None:
    AtomicRealFIFOMachine.TestCase.settings = SETTINGS
    AtomicRealFIFOMachine.TestCase().runTest()
