"""Benchmark of the Indexer, the informer's cache: writes, lookups, GC pause and memory per pod.

Usage::

    .venv/bin/python benchmarks/bench_indexer.py [--objects 100000] [--lookups 2000] [--seed 1]
        [--compact [--zlib LEVEL [--zdict]]]

Builds ``--objects`` realistic pods in code (about 3.5 KB of JSON each: labels, annotations,
ownerReferences, managedFields, two containers, volumes, tolerations, conditions and container
statuses), decoded from JSON with orjson as an informer would. Then, with the namespace index
and an ``app`` label index, it measures: adds/s into an empty indexer, updates/s (every pod
once, 10% of them changing the indexed label), ``by_index`` and ``get_by_key`` lookups/s,
``replace`` of the whole list, deletes/s; the duration of a full ``gc.collect()`` with the pods
stored; and the RSS growth per stored pod against its JSON size.

First, on a clean heap, it measures the memory per cached pod the way an informer fills its
cache (each pod decoded from JSON, stored, and the decoded object kept only if the store keeps
it): the RSS growth per pod after a ``gc.collect()``, and the bytes per pod that ``tracemalloc``
sees allocated and still alive (the store, its keys and indexes included).

``--compact`` runs everything with the compact mode (``Indexer(codec=JSONCodec())``, what
``InformerOptions(compact=True)`` uses): every read decodes, so it also times ``list()`` of the
whole cache. ``--zlib LEVEL`` deflates each object; ``--zdict`` adds a preset dictionary made
of the first pods' JSON.

The figures are for one process on a shared machine: run it twice and compare.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

import orjson

from kinformer.bench._pods import APPS, NAMESPACES, Pod, make_pod  # one source of realistic pods
from kinformer.cache._codec import JSONCodec
from kinformer.cache._indexer import NAMESPACE_INDEX, Indexer, meta_namespace_index_func


def app_index_func(obj: Pod) -> list[str]:
    """The ``app`` label index."""
    app = obj["metadata"].get("labels", {}).get("app")
    return [] if app is None else [app]


def rss_bytes() -> int:
    """The resident set size of this process now (Linux), else the peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource  # only off Linux

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class GCMeter:
    """Counts collections and the CPU time spent in them, through ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start
            self.collections[info["generation"]] += 1

    def reset(self) -> None:
        self.seconds, self.collections = 0.0, [0, 0, 0]

    def summary(self) -> str:
        return f"gc: {self.collections[2]} full / {sum(self.collections)} collections, {self.seconds * 1000:.0f} ms CPU"


def timed(label: str, count: int, run: Callable[[], object], meter: GCMeter) -> None:
    """Rates on this process's CPU time (the machine is shared); wall time in brackets."""
    meter.reset()
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"  {label:<38} {count / cpu:>12,.0f} /s   ({count:,} in {cpu:.3f} s CPU, "
        f"{wall:.3f} s wall; {meter.summary()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compact", action="store_true", help="store JSON bytes (JSONCodec)")
    parser.add_argument("--zlib", type=int, default=None, help="with --compact: zlib level")
    parser.add_argument("--zdict", action="store_true", help="with --zlib: a preset dictionary")
    args = parser.parse_args()
    n, rng = args.objects, random.Random(args.seed)

    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), ""
            )
    except OSError:
        pass
    print(
        f"machine: {platform.platform()}; {platform.python_implementation()} {platform.python_version()}; "
        f"{os.cpu_count()} CPUs {cpu}".rstrip()
    )
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")

    meter = GCMeter()
    gc.callbacks.append(meter)
    indexers = {NAMESPACE_INDEX: meta_namespace_index_func, "app": app_index_func}

    # The pods as the API server sends them.
    raws = [orjson.dumps(make_pod(i, rng)) for i in range(n)]
    json_bytes = sum(map(len, raws))
    json_per_pod = json_bytes / n
    codec: JSONCodec | None = None
    if args.compact:
        zdict = b"".join(raws[:16])[-32768:] if args.zdict else None
        codec = JSONCodec(level=args.zlib, zdict=zdict)
    mode = f"compact ({codec!r})" if codec is not None else "default (dicts)"
    print(f"\n{n:,} pods, {json_per_pod:,.0f} bytes of JSON each on average; cache mode: {mode}")

    def fill() -> Indexer[Pod]:
        # As an informer fills its cache (gc off, as gc_freeze keeps it off the cache).
        gc.disable()
        try:
            filled: Indexer[Pod] = Indexer(indexers=indexers, codec=codec)
            add = filled.add
            for raw in raws:
                add(orjson.loads(raw))
            return filled
        finally:
            gc.enable()

    gc.collect()
    rss_before = rss_bytes()
    cached = fill()
    gc.collect()
    rss_per_pod = (rss_bytes() - rss_before) / n
    del cached
    gc.collect()
    tracemalloc.start()
    cached = fill()
    traced_per_pod = tracemalloc.get_traced_memory()[0] / n
    tracemalloc.stop()
    del cached
    gc.collect()
    print(
        f"memory per cached pod, {mode}: RSS +{rss_per_pod:,.0f} bytes "
        f"({rss_per_pod / json_per_pod:.2f}x its JSON); tracemalloc {traced_per_pod:,.0f} bytes "
        f"({traced_per_pod / json_per_pod:.2f}x its JSON); "
        f"{1024**3 / max(rss_per_pod, traced_per_pod):,.0f} pods per GiB"
    )

    # Decode pods from JSON, as an informer gets them (orjson shares dict-key strings).
    rss_empty = rss_bytes()
    meter.reset()
    pods: list[Pod] = [orjson.loads(raw) for raw in raws]
    raws.clear()
    print(f"\nwhile decoding {n:,} pods to keep them as input, {meter.summary()}")
    gc.collect()
    if codec is not None:
        # The compact cache does not keep these dicts: only this benchmark does (as input for
        # the updates and deletes). Keep the collector off them, as an informer's gc_freeze
        # would, so that the reads' decoding is not charged with full collections of them.
        gc.freeze()
    rss_decoded = rss_bytes()

    indexer: Indexer[Pod] = Indexer(indexers=indexers, codec=codec)

    def add_all() -> None:
        add = indexer.add
        for pod in pods:
            add(pod)

    def update_all() -> None:
        update = indexer.update
        for pod in updates:
            update(pod)

    def delete_all() -> None:
        delete = indexer.delete
        for pod in pods:
            delete(pod)

    def lookups(name: str, values: list[str]) -> Callable[[], None]:
        def run() -> None:
            by_index = indexer.by_index
            for value in values:
                by_index(name, value)

        return run

    def gets() -> None:
        get_by_key = indexer.get_by_key
        for key in random_keys:
            get_by_key(key)

    def list_all() -> None:
        for _ in range(lists):
            indexer.list()

    print(f"\nIndexer with indexes {sorted(indexers)}, {mode} (gc enabled, as in an informer):")
    timed("add (new keys)", n, add_all, meter)
    gc.collect()
    rss_stored = rss_bytes()

    # Updates: every pod once with a new resourceVersion; every tenth moves to another app.
    updates: list[Pod] = []
    for i, pod in enumerate(pods):
        meta = dict(pod["metadata"])
        meta["resourceVersion"] = str(200_000 + i)
        if i % 10 == 0:
            meta["labels"] = {**meta["labels"], "app": f"service-{(i + 7) % APPS:03d}"}
        updates.append({**pod, "metadata": meta})
    keys = [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods]
    # Compact reads decode every object they return: fewer index lookups keep the run short.
    index_lookups = args.lookups if codec is None else max(1, args.lookups // 20)
    namespaces = [f"team-{rng.randrange(NAMESPACES):02d}" for _ in range(index_lookups)]
    apps = [f"service-{rng.randrange(APPS):03d}" for _ in range(index_lookups)]
    random_keys = [keys[rng.randrange(n)] for _ in range(args.lookups)]
    if codec is not None:
        gc.freeze()  # the update input too (see above): only the reads' own objects remain

    timed("update (10% change the app label)", n, update_all, meter)
    per_ns, per_app = n // NAMESPACES, n // APPS
    timed(
        f"by_index namespace (~{per_ns:,} pods each)",
        index_lookups,
        lookups(NAMESPACE_INDEX, namespaces),
        meter,
    )
    timed(f"by_index app (~{per_app:,} pods each)", index_lookups, lookups("app", apps), meter)
    timed("get_by_key", args.lookups, gets, meter)
    lists = 1 if codec is not None else 20
    timed(f"list() of all {n:,} (objects/s)", n * lists, list_all, meter)
    if codec is not None:

        def list_all_gc_paused() -> None:
            # The decoding alone: 100k new dicts trees also cost the collector (above).
            gc.disable()
            try:
                indexer.list()
            finally:
                gc.enable()

        timed("list() of all, gc paused (objects/s)", n, list_all_gc_paused, meter)
    timed("replace (whole list, objects/s)", n, lambda: indexer.replace(pods, "1"), meter)

    # GC pause with the pods stored (the informer's steady state).
    updates.clear()  # only the stored pods stay alive
    pauses = []
    for _ in range(3):
        start = time.process_time()
        gc.collect()
        pauses.append(time.process_time() - start)
    tracked = len(gc.get_objects())
    gc.freeze()
    start = time.process_time()
    gc.collect()
    frozen = time.process_time() - start
    gc.unfreeze()
    print(
        f"\nfull gc.collect() with {n:,} pods stored: {statistics.median(pauses) * 1000:.0f} ms CPU "
        f"(median of 3; {tracked:,} GC-tracked objects, {tracked / n:.0f} per pod); "
        f"after gc.freeze(): {frozen * 1000:.0f} ms"
    )

    timed("delete", n, delete_all, meter)

    decoded = (rss_decoded - rss_empty) / n
    index_cost = (rss_stored - rss_decoded) / n
    if codec is None:
        print(
            f"\nmemory: RSS +{decoded:,.0f} bytes per decoded pod ({decoded / json_per_pod:.1f}x its JSON); "
            f"indexer +{index_cost:,.0f} bytes per stored pod (items dict, keys, 2 indexes); "
            f"total {(decoded + index_cost) / json_per_pod:.1f}x JSON"
        )
    else:
        print(
            f"\nmemory: RSS +{decoded:,.0f} bytes per decoded input pod ({decoded / json_per_pod:.1f}x its JSON); "
            f"compact indexer +{index_cost:,.0f} bytes per stored pod "
            f"({index_cost / json_per_pod:.2f}x; encoded pod, items dict, keys, 2 indexes, kept values)"
        )
    gc.callbacks.remove(meter)


if __name__ == "__main__":
    main()
