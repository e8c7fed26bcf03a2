"""The machine drives the real queues: DeltaFIFO and the in-order FIFO satisfy ReflectorStore (A-1)."""

from __future__ import annotations

from typing import Any

from kinformer.cache._fifo import DeltaFIFO
from kinformer.cache._real_fifo import RealFIFO
from kinformer.cache._reflector import ReflectorStore
from tests.cache.test_reflector_harness import Outcome, bookmark, ev, listed, play, watch


def drain(queue: Any) -> list[str]:
    seen: list[str] = []

    def process(deltas: Any, _initial: bool) -> None:
        seen.extend(str(delta.type) for delta in deltas)

    while queue.pop_nowait(process):
        pass
    return seen


def test_delta_fifo_is_a_reflector_store_A_1_A_26() -> None:
    queue = DeltaFIFO(emit_delta_type_replaced=True)
    store: ReflectorStore = queue
    script: list[Outcome] = [
        listed("10", "a", "b"),
        watch(ev("MODIFIED", "a", "11"), ev("DELETED", "b", "12"), bookmark("13")),
    ]
    run = play(script, store=store)
    assert run.machine.last_sync_resource_version == "13"
    assert drain(queue) == ["Replaced", "Updated", "Replaced", "Deleted"]


def test_atomic_real_fifo_receives_bookmarks_A_26() -> None:
    queue = RealFIFO(atomic=True)
    run = play([listed("10", "a"), watch(ev("ADDED", "c", "11"), bookmark("13"))], store=queue)
    assert run.machine.last_sync_resource_version == "13"
    assert drain(queue) == ["ReplacedAll", "Added", "Bookmark"]
