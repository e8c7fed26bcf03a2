"""Label and field selector throughput: parses per second and matches per second.

Run:  .venv/bin/python benchmarks/bench_selectors.py [--maps N] [--repeat R]

``matches`` is what listers call for every cached object and what the fake API server calls
for every object of a list and every watch event, so it is measured over realistic label
maps (Deployment-generated pods: ``app``, ``pod-template-hash``, ``app.kubernetes.io/*``,
``tier``, ``env``, sometimes ``canary``). ``parse`` is measured without the memo
(``parse_uncached``) and with it (``parse``, what repeated lister calls see).
Best of ``--repeat`` runs; one core; deterministic inputs (seeded).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections.abc import Callable

from kinformer import fields, labels
from kinformer.fields._selector import parse_uncached as parse_fields_uncached
from kinformer.labels._parser import parse_uncached as parse_labels_uncached

LABEL_SELECTORS = [
    "app=web",
    "tier in (a,b),!canary",
    "env!=prod,app",
    "app.kubernetes.io/name=web,app.kubernetes.io/instance in (web-1,web-2),idx>3",
]
FIELD_SELECTORS = ["metadata.name=web-1", "spec.nodeName=node-a,status.phase!=Running"]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def label_maps(count: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    maps = []
    for i in range(count):
        app = rng.choice(["web", "api", "db", "cache", "worker"])
        labels_ = {
            "app": app,
            "pod-template-hash": f"{rng.getrandbits(40):010x}",
            "app.kubernetes.io/name": app,
            "app.kubernetes.io/instance": f"{app}-{rng.randint(1, 4)}",
            "app.kubernetes.io/managed-by": "helm",
            "tier": rng.choice(["a", "b", "c"]),
            "env": rng.choice(["prod", "staging", "dev"]),
            "idx": str(i % 10),
        }
        if rng.random() < 0.1:
            labels_["canary"] = "true"
        maps.append(labels_)
    return maps


def field_sets(count: int, seed: int = 11) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [
        {
            "metadata.name": f"web-{i}",
            "metadata.namespace": "default",
            "spec.nodeName": rng.choice(["node-a", "node-b", ""]),
            "status.phase": rng.choice(["Running", "Pending"]),
        }
        for i in range(count)
    ]


def closure_chain_matcher() -> Callable[[dict[str, str] | None], bool]:
    """``tier in (a,b),!canary`` as one closure per requirement plus an AND (not used)."""
    tiers = frozenset({"a", "b"})
    no_labels: dict[str, str] = {}

    def in_tiers(labels: dict[str, str]) -> bool:
        return labels.get("tier") in tiers

    def no_canary(labels: dict[str, str]) -> bool:
        return "canary" not in labels

    def match(labels: dict[str, str] | None) -> bool:
        if labels is None:
            labels = no_labels
        return in_tiers(labels) and no_canary(labels)

    return match


def best_rate(operations: int, run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return operations / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", type=int, default=20_000, help="label maps per matches run")
    parser.add_argument("--parses", type=int, default=2_000, help="parses per parse run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()} {_cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    )
    print(f"python:  {platform.python_implementation()} {platform.python_version()}")
    print(f"command: {sys.executable} {' '.join(sys.argv)}")
    print()

    maps = label_maps(args.maps)
    print(f"label selectors ({args.maps:,} label maps per matches run, best of {args.repeat})")
    print(f"  {'selector':<78} {'parse/s':>11} {'cached/s':>11} {'matches/s':>12} {'hit %':>6}")
    for text in LABEL_SELECTORS:
        parses = [text] * args.parses
        cold = best_rate(
            args.parses, lambda p=parses: [parse_labels_uncached(t) for t in p], args.repeat
        )
        warm = best_rate(args.parses, lambda p=parses: [labels.parse(t) for t in p], args.repeat)
        matches = labels.parse(text).matches
        rate = best_rate(args.maps, lambda m=matches: [m(x) for x in maps], args.repeat)
        hits = 100 * sum(matches(x) for x in maps) / len(maps)
        print(f"  {text:<78} {cold:>11,.0f} {warm:>11,.0f} {rate:>12,.0f} {hits:>6.1f}")
    baseline = best_rate(args.maps, lambda: [x.get("app") == "web" for x in maps], args.repeat)
    floor = '(floor: a bare `labels.get("app") == "web"` in the same loop)'
    print(f"  {floor:<102} {baseline:>12,.0f}")
    chain = closure_chain_matcher()
    chain_rate = best_rate(args.maps, lambda: [chain(x) for x in maps], args.repeat)
    label = "(design alternative: per-requirement closures for `tier in (a,b),!canary`)"
    print(f"  {label:<102} {chain_rate:>12,.0f}")

    sets = field_sets(args.maps)
    print()
    print(f"field selectors ({args.maps:,} field sets per matches run)")
    print(f"  {'selector':<78} {'parse/s':>11} {'cached/s':>11} {'matches/s':>12} {'hit %':>6}")
    for text in FIELD_SELECTORS:
        parses = [text] * args.parses
        cold = best_rate(
            args.parses, lambda p=parses: [parse_fields_uncached(t) for t in p], args.repeat
        )
        warm = best_rate(args.parses, lambda p=parses: [fields.parse(t) for t in p], args.repeat)
        matches = fields.parse(text).matches
        rate = best_rate(args.maps, lambda m=matches: [m(x) for x in sets], args.repeat)
        hits = 100 * sum(matches(x) for x in sets) / len(sets)
        print(f"  {text:<78} {cold:>11,.0f} {warm:>11,.0f} {rate:>12,.0f} {hits:>6.1f}")


if __name__ == "__main__":
    main()
