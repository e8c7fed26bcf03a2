"""Blocking pops, close and wakers of both queues (spec B-17, B-23), threads and asyncio."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from kinformer._errors import FIFOClosedError
from kinformer.cache._fifo import Delta, DeltaFIFO
from kinformer.cache._real_fifo import RealFIFO

Queue = DeltaFIFO | RealFIFO


class NoKnown:
    def list_keys(self) -> list[str]:
        return []

    def get_by_key(self, key: str) -> Any:
        return None


FACTORIES: dict[str, Callable[[], Queue]] = {
    "delta-fifo": DeltaFIFO,
    "real-fifo-R": lambda: RealFIFO(known_objects=NoKnown()),
    "real-fifo-A": lambda: RealFIFO(atomic=True),
}


@pytest.fixture(params=list(FACTORIES))
def fifo(request: pytest.FixtureRequest) -> Queue:
    return FACTORIES[request.param]()


def obj(name: str, val: Any = 0) -> dict[str, Any]:
    return {"metadata": {"name": name}, "val": val}


def wait_for_waiters(fifo: Queue, count: int) -> None:
    """Spin (briefly) until ``count`` threads are blocked in a pop."""
    deadline = time.monotonic() + 5
    while fifo._waiting < count:
        assert time.monotonic() < deadline, "pop threads did not block"
        time.sleep(0.001)


def ignore(deltas: list[Delta], initial: bool) -> None:
    pass


def test_pop_times_out_on_an_empty_queue_B_17(fifo: Queue) -> None:
    with pytest.raises(TimeoutError):
        fifo.pop(ignore, timeout=0.01)
    assert fifo._waiting == 0


def test_blocked_pop_wakes_on_add_B_17(fifo: Queue) -> None:
    got: list[Any] = []
    thread = threading.Thread(target=lambda: got.append(fifo.pop(ignore, timeout=5)))
    thread.start()
    wait_for_waiters(fifo, 1)
    fifo.add(obj("a", 1))
    thread.join(5)
    assert not thread.is_alive()
    assert got[0][0].object == obj("a", 1)


def test_blocked_pop_batch_wakes_on_add_B_37() -> None:
    fifo = RealFIFO(atomic=True)
    got: list[int] = []
    thread = threading.Thread(target=lambda: got.append(fifo.pop_batch(ignore, ignore, timeout=5)))
    thread.start()
    wait_for_waiters(fifo, 1)
    fifo.add(obj("a", 1))
    thread.join(5)
    assert got == [1]


def test_close_wakes_every_blocked_pop_B_23(fifo: Queue) -> None:
    # TestDeltaFIFO_PopShouldUnblockWhenClosed / TestRealFIFO_PopShouldUnblockWhenClosed
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            fifo.pop(ignore)
        except FIFOClosedError as error:
            errors.append(error)

    threads = [threading.Thread(target=consume) for _ in range(10)]
    for thread in threads:
        thread.start()
    wait_for_waiters(fifo, 10)
    fifo.close()
    for thread in threads:
        thread.join(5)
    assert len(errors) == 10


def test_concurrent_producers_keep_per_producer_order_B_5(fifo: Queue) -> None:
    # TestDeltaFIFO_basic / TestRealFIFO_basic
    amount = 200

    def produce(prefix: str) -> None:
        for i in range(amount):
            fifo.add(obj(f"{prefix}{i}", i))

    producers = [threading.Thread(target=produce, args=(p,)) for p in "ab"]
    for thread in producers:
        thread.start()
    last = {"a": -1, "b": -1}
    for _ in range(2 * amount):
        deltas = fifo.pop(ignore, timeout=5)
        o = deltas[-1].object
        prefix = o["metadata"]["name"][0]
        assert o["val"] > last[prefix]
        last[prefix] = o["val"]
    for thread in producers:
        thread.join(5)
    assert last == {"a": amount - 1, "b": amount - 1}


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def test_waker_is_called_when_the_queue_becomes_non_empty(fifo: Queue) -> None:
    waker = Counter()
    fifo.set_waker(waker)
    assert waker.calls == 0  # empty and open: no call on registration
    fifo.add(obj("a", 1))
    assert waker.calls == 1
    fifo.update(obj("b", 2))  # already non-empty
    fifo.delete(obj("a", 3))
    assert waker.calls == 1
    while fifo.pop_nowait(ignore):
        pass
    fifo.update(obj("c", 1))
    assert waker.calls == 2
    fifo.pop_nowait(ignore)
    fifo.delete(obj("d", 1))
    expected = 2 if isinstance(fifo, DeltaFIFO) else 3  # DeltaFIFO ignores unknown deletes
    assert waker.calls == expected
    fifo.set_waker(None)
    while fifo.pop_nowait(ignore):
        pass
    fifo.add(obj("e", 1))
    assert waker.calls == expected
    fifo.set_waker(waker)  # non-empty at registration: called at once
    assert waker.calls == expected + 1
    fifo.close()
    assert waker.calls == expected + 2


def test_waker_on_replace_and_resync() -> None:
    class Store:
        def list_keys(self) -> list[str]:
            return ["k"]

        def get_by_key(self, key: str) -> Any:
            return obj("k", 1)

    for fifo in (DeltaFIFO(known_objects=Store()), RealFIFO(known_objects=Store())):
        waker = Counter()
        fifo.set_waker(waker)
        fifo.resync()
        assert waker.calls == 1
        fifo.replace([obj("a")], "1")  # already non-empty
        assert waker.calls == 1
        while fifo.pop_nowait(ignore):
            pass
        fifo.replace([obj("k", 1)], "2")
        assert waker.calls == 2
        while fifo.pop_nowait(ignore):
            pass
        # A replace that fails before queueing anything does not wake.
        with pytest.raises(Exception, match="no meta"):
            fifo.replace([{"no": "meta"}], "3")
        assert waker.calls == 2
    atomic = RealFIFO(atomic=True)
    waker = Counter()
    atomic.set_waker(waker)
    atomic.bookmark("1")
    atomic.resync()
    atomic.replace([], "2")
    assert waker.calls == 1


def test_waker_set_on_closed_queue_is_called_at_once(fifo: Queue) -> None:
    fifo.close()
    waker = Counter()
    fifo.set_waker(waker)
    assert waker.calls == 1


def test_delta_fifo_waker_when_replace_fails_after_queueing() -> None:
    fifo = DeltaFIFO()
    waker = Counter()
    fifo.set_waker(waker)
    with pytest.raises(Exception, match="no meta"):
        fifo.replace([obj("a"), {"no": "meta"}], "1")
    assert waker.calls == 1  # "a" was queued before the failure


async def test_asyncio_driver_with_waker_and_pop_nowait(fifo: Queue) -> None:
    """The pattern an asyncio driver uses: a waker that sets an event, then drain."""
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    fifo.set_waker(lambda: loop.call_soon_threadsafe(event.set))
    got: list[Any] = []
    amount = 100

    def produce() -> None:
        for i in range(amount):
            fifo.add(obj(f"o{i}", i))
        fifo.close()

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        while True:
            event.clear()
            try:
                while fifo.pop_nowait(lambda deltas, initial: got.append(deltas[-1].object["val"])):
                    pass
            except FIFOClosedError:
                break
            await asyncio.wait_for(event.wait(), 5)
    finally:
        producer.join(5)
    assert got == list(range(amount))
