"""Work-queue throughput: items per second through add + get + done (and the rate-limited path).

Run: ``.venv/bin/python benchmarks/bench_workqueue.py [--items N] [--repeat R]``

* threads ``WorkQueue``: one producer thread adds N distinct items, 1 or 4 worker threads
  ``get`` + ``done`` until the queue is shut down and drained;
* asyncio ``AsyncWorkQueue``: one producer task (yielding every 64 adds), 1 or 4 worker tasks;
* ``RateLimitingQueue`` / ``AsyncRateLimitingQueue`` with the default controller limiter:
  ``add_rate_limited`` N distinct items (each goes through the limiters and the delay heap),
  then, once a FakeClock has moved past every deadline, ``get`` + ``forget`` + ``done`` them
  all in one thread / task (no real waiting: this measures the bookkeeping, not the delays).

Prints the machine, the command and the best of R runs for each figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import threading
import time
from collections.abc import Callable

from kinformer.testing._clock import FakeClock
from kinformer.workqueue import (
    AsyncRateLimitingQueue,
    AsyncWorkQueue,
    RateLimitingQueue,
    ShutDown,
    WorkQueue,
)


def threads_pipeline(items: int, workers: int) -> float:
    queue: WorkQueue[int] = WorkQueue()
    processed = [0] * workers

    def work(index: int) -> None:
        count = 0
        while True:
            try:
                item = queue.get()
            except ShutDown:
                processed[index] = count
                return
            queue.done(item)
            count += 1

    def produce() -> None:
        for i in range(items):
            queue.add(i)
        queue.shutdown()  # workers still drain what is queued

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    producer = threading.Thread(target=produce)
    producer.start()
    producer.join()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    assert sum(processed) == items, processed
    return elapsed


async def _asyncio_pipeline(items: int, workers: int) -> float:
    queue: AsyncWorkQueue[int] = AsyncWorkQueue()
    processed = 0

    async def work() -> None:
        nonlocal processed
        while True:
            try:
                item = await queue.get()
            except ShutDown:
                return
            queue.done(item)
            processed += 1

    async def produce() -> None:
        for i in range(items):
            queue.add(i)
            if i % 64 == 63:
                await asyncio.sleep(0)
        queue.shutdown()

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(work())
        group.create_task(produce())
    elapsed = time.perf_counter() - start
    assert processed == items, processed
    return elapsed


def asyncio_pipeline(items: int, workers: int) -> float:
    return asyncio.run(_asyncio_pipeline(items, workers))


def threads_rate_limited(items: int) -> float:
    clock = FakeClock()
    queue: RateLimitingQueue[int] = RateLimitingQueue(clock=clock)
    start = time.perf_counter()
    for i in range(items):
        queue.add_rate_limited(i)
    clock.advance(10_000.0)
    for _ in range(items):
        item = queue.get()
        queue.forget(item)
        queue.done(item)
    elapsed = time.perf_counter() - start
    assert len(queue) == 0
    return elapsed


async def _asyncio_rate_limited(items: int) -> float:
    clock = FakeClock()
    queue: AsyncRateLimitingQueue[int] = AsyncRateLimitingQueue(clock=clock)
    start = time.perf_counter()
    for i in range(items):
        queue.add_rate_limited(i)
    clock.advance(10_000.0)
    for _ in range(items):
        item = await queue.get()
        queue.forget(item)
        queue.done(item)
    elapsed = time.perf_counter() - start
    assert len(queue) == 0
    return elapsed


def asyncio_rate_limited(items: int) -> float:
    return asyncio.run(_asyncio_rate_limited(items))


def best(run: Callable[[], float], repeat: int) -> float:
    return min(run() for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000, help="items per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best kept)")
    args = parser.parse_args()
    n, r = args.items, args.repeat

    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    print(f"items per run: {n}, best of {r}")
    cases: list[tuple[str, Callable[[], float]]] = [
        ("threads  WorkQueue  add+get+done, 1 producer, 1 worker ", lambda: threads_pipeline(n, 1)),
        ("threads  WorkQueue  add+get+done, 1 producer, 4 workers", lambda: threads_pipeline(n, 4)),
        ("asyncio  AsyncWorkQueue  add+get+done, 1 worker ", lambda: asyncio_pipeline(n, 1)),
        ("asyncio  AsyncWorkQueue  add+get+done, 4 workers", lambda: asyncio_pipeline(n, 4)),
        (
            "threads  RateLimitingQueue  add_rate_limited+get+forget+done",
            lambda: threads_rate_limited(n),
        ),
        (
            "asyncio  AsyncRateLimitingQueue  add_rate_limited+get+forget+done",
            lambda: asyncio_rate_limited(n),
        ),
    ]
    for label, run in cases:
        seconds = best(run, r)
        print(f"{label:<68} {n / seconds:>12,.0f} items/s")


if __name__ == "__main__":
    main()
