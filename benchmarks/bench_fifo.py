"""Benchmark of the queues between reflector and informer: DeltaFIFO and RealFIFO add + pop.

Usage::

    .venv/bin/python benchmarks/bench_fifo.py [--objects 100000] [--hot-keys 100] [--repeat 3]

Every watch event of every informer goes through ``add``/``update``/``delete`` and ``pop``, so
this measures that path alone, with small pod-like dicts (the queues never copy or inspect
objects beyond ``metadata.namespace``/``metadata.name`` for the key). Scenarios:

* ``distinct``: ``--objects`` adds of distinct keys, then as many pops (one delta each);
* ``hot``: ``--objects`` updates spread over ``--hot-keys`` keys, then pops until empty
  (DeltaFIFO hands out all pending deltas of a key per pop; RealFIFO one delta per pop);
* ``interleaved``: add then pop, one at a time (a steady watch stream with a fast consumer).

Queues: DeltaFIFO as the informer configures it (known objects = a dict store,
``emit_delta_type_replaced=True``), RealFIFO mode R (known objects) and mode A (atomic).
Figures are deltas per second (best of ``--repeat``): added, popped (``pops`` is the number of
pop calls that handed them out) and the whole add+pop round trip. The machine is shared: run
twice and compare.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from kinformer.cache._fifo import DeltaFIFO, Deltas
from kinformer.cache._real_fifo import RealFIFO


class DictStore:
    """Known objects: what the informer's indexer answers to the queue."""

    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}

    def list_keys(self) -> list[str]:
        return list(self.objects)

    def get_by_key(self, key: str) -> Any:
        return self.objects.get(key)


def make_pod(i: int, key: int, version: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"pod-{key:06d}",
            "namespace": f"ns-{key % 10}",
            "resourceVersion": str(i),
            "labels": {"app": f"app-{key % 50}"},
        },
        "spec": {"nodeName": f"node-{key % 20}"},
        "status": {"phase": "Running", "version": version},
    }


QUEUES: dict[str, Callable[[], DeltaFIFO | RealFIFO]] = {
    "DeltaFIFO (mode D)": lambda: DeltaFIFO(
        known_objects=DictStore(), emit_delta_type_replaced=True
    ),
    "RealFIFO (mode R)": lambda: RealFIFO(known_objects=DictStore()),
    "RealFIFO (mode A)": lambda: RealFIFO(atomic=True),
}


def consume(deltas: Deltas, is_in_initial_list: bool) -> None:
    """The cheapest possible consumer, so that the queue's own cost is what is measured."""


def run_batch(
    make: Callable[[], DeltaFIFO | RealFIFO], pods: list[dict[str, Any]]
) -> tuple[float, float, int]:
    """Add every pod, then pop until empty; returns (add seconds, pop seconds, pops)."""
    fifo = make()
    add = fifo.add
    pop = fifo.pop_nowait
    started = time.perf_counter()
    for pod in pods:
        add(pod)
    added = time.perf_counter()
    pops = 0
    while pop(consume):
        pops += 1
    return added - started, time.perf_counter() - added, pops


def run_interleaved(make: Callable[[], DeltaFIFO | RealFIFO], pods: list[dict[str, Any]]) -> float:
    fifo = make()
    add = fifo.add
    pop = fifo.pop_nowait
    started = time.perf_counter()
    for pod in pods:
        add(pod)
        pop(consume)
    return time.perf_counter() - started


def best(repeat: int, fn: Callable[[], Any]) -> Any:
    results = []
    for _ in range(repeat):
        gc.collect()
        results.append(fn())
    return min(results, key=lambda r: r if isinstance(r, float) else r[0] + r[1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--hot-keys", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    n = args.objects

    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    distinct = [make_pod(i, i, 0) for i in range(n)]
    hot = [make_pod(i, i % args.hot_keys, i // args.hot_keys) for i in range(n)]
    print(
        f"{n} deltas; hot: {args.hot_keys} keys, {n // args.hot_keys} deltas per key; best of {args.repeat}"
    )
    print()
    header = f"{'queue':<20} {'scenario':<12} {'add/s':>11} {'pop deltas/s':>13} {'pops':>8} {'add+pop/s':>11}"
    print(header)
    print("-" * len(header))
    for name, make in QUEUES.items():
        for scenario, pods in (("distinct", distinct), ("hot", hot)):
            add_s, pop_s, pops = best(
                args.repeat, lambda make=make, pods=pods: run_batch(make, pods)
            )
            print(
                f"{name:<20} {scenario:<12} {n / add_s:>11,.0f} {n / pop_s:>13,.0f} "
                f"{pops:>8} {n / (add_s + pop_s):>11,.0f}"
            )
        seconds = best(args.repeat, lambda make=make: run_interleaved(make, distinct))
        print(f"{name:<20} {'interleaved':<12} {'':>11} {'':>13} {n:>8} {n / seconds:>11,.0f}")


if __name__ == "__main__":
    main()
