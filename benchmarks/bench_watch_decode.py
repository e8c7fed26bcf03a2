"""Benchmark of the watch-stream decoder against the raw floor, on the same bytes, in one run.

Usage::

    .venv/bin/python benchmarks/bench_watch_decode.py [--events 100000] [--chunk 65536] [--rounds 3]

Builds realistic watch event lines in code (``{"type": ..., "object": <pod>}``, each pod about
3.5 KB of JSON: labels, annotations, ownerReferences, managedFields, two containers,
volumes, conditions and container statuses). To keep memory small on a shared machine, a
block of ``--distinct`` lines (default 10,000, about 35 MB) is cut into network-sized chunks
of ``--chunk`` bytes (lines straddle chunk boundaries) and fed ``events / distinct`` times, so
each decoder sees ``--events`` lines. It measures, alternating, best of ``--rounds``:

(a) the raw floor: a plain loop that joins the tail of the previous chunk, ``bytes.split(b"\\n")``
    and ``orjson.loads`` each complete line;
(b) :class:`kinformer.transport.WatchDecoder`: ``feed(chunk)`` for every chunk, yielding
    ``WatchEvent`` tuples (type checks, ERROR detection, counters included).

Times are CPU time of this process (``time.process_time``), so that other load on a
shared machine does not skew the ratio. It prints events/s for both and the ratio (b)/(a), with the machine and the command.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from kinformer.transport._wire import WatchDecoder


def _pod(rng: random.Random, index: int) -> dict[str, Any]:
    name = f"web-{index:06d}-{rng.getrandbits(32):08x}"
    namespace = f"team-{index % 50:02d}"
    uid = "%08x-%04x-%04x-%04x-%012x" % (  # noqa: UP031
        rng.getrandbits(32),
        rng.getrandbits(16),
        rng.getrandbits(16),
        rng.getrandbits(16),
        rng.getrandbits(48),
    )
    app = f"app-{index % 400}"
    stamp = "2026-11-26T23:36:32Z"
    container = {
        "name": "web",
        "image": "registry.example.com/team/web:1.27.3",
        "ports": [{"containerPort": 8080, "protocol": "TCP", "name": "http"}],
        "env": [{"name": f"VAR_{i}", "value": f"value-{i}"} for i in range(1)],
        "resources": {
            "limits": {"cpu": "500m", "memory": "256Mi"},
            "requests": {"cpu": "100m", "memory": "128Mi"},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/web"},
            {
                "name": "kube-api-access",
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "readOnly": True,
            },
        ],
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "failureThreshold": 3,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }
    sidecar = {
        **{
            k: v
            for k, v in container.items()
            if k not in ("livenessProbe", "env", "volumeMounts", "resources")
        },
        "name": "proxy",
        "image": "registry.example.com/mesh/proxy:2.4.1",
        "ports": [{"containerPort": 15001, "protocol": "TCP"}],
    }
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "generateName": f"web-{index:06d}-",
            "namespace": namespace,
            "uid": uid,
            "resourceVersion": str(100000 + index),
            "creationTimestamp": stamp,
            "labels": {
                "app": app,
                "pod-template-hash": f"{rng.getrandbits(32):08x}",
                "tier": "frontend",
            },
            "annotations": {
                "kubernetes.io/psp": "restricted",
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "8080",
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"web-{index:06d}",
                    "uid": uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": stamp,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}}},
                        "f:spec": {"f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {}}}},
                    },
                }
            ],
        },
        "spec": {
            "containers": [container, sidecar],
            "volumes": [
                {"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}},
                {
                    "name": "kube-api-access",
                    "projected": {
                        "defaultMode": 420,
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
                        ],
                    },
                },
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "nodeName": f"node-{index % 100:03d}",
            "schedulerName": "default-scheduler",
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                }
            ],
            "priority": 0,
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "hostIP": f"10.0.{index % 250}.{index % 200}",
            "podIP": f"10.244.{index % 250}.{index % 200}",
            "startTime": stamp,
            "containerStatuses": [
                {
                    "name": c,
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "image": "registry.example.com/team/web:1.27.3",
                    "imageID": "registry.example.com/team/web@sha256:" + "ab" * 32,
                    "containerID": "containerd://" + "cd" * 32,
                    "state": {"running": {"startedAt": stamp}},
                }
                for c in ("web", "proxy")
            ],
            "qosClass": "Burstable",
        },
    }


def build_chunks(distinct: int, chunk_size: int, seed: int) -> tuple[list[bytes], int]:
    rng = random.Random(seed)
    types = ["MODIFIED"] * 8 + ["ADDED", "DELETED"]
    lines = [
        orjson.dumps({"type": types[i % len(types)], "object": _pod(rng, i)}) + b"\n"
        for i in range(distinct)
    ]
    data = b"".join(lines)
    chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]
    return chunks, len(data)


def raw_floor(chunks: list[bytes], repeats: int) -> int:
    count = 0
    loads = orjson.loads
    for _ in range(repeats):
        tail = b""
        for chunk in chunks:
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            for line in lines:
                loads(line)
                count += 1
    return count


def decoder(chunks: list[bytes], repeats: int) -> int:
    count = 0
    for _ in range(repeats):
        dec = WatchDecoder()
        for chunk in chunks:
            for _event in dec.feed(chunk):
                count += 1
        dec.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--distinct", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=65_536)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    distinct = min(args.distinct, args.events)
    repeats = max(1, args.events // distinct)
    chunks, size = build_chunks(distinct, args.chunk, args.seed)
    events = distinct * repeats
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, orjson {orjson.__version__}"
    )
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    print(
        f"stream: {events} events, {size / distinct:.0f} B/line on average, "
        f"{len(chunks)} chunks of {args.chunk} B fed {repeats}x"
    )
    best: dict[str, float] = {}
    runners: dict[str, Callable[[list[bytes], int], int]] = {
        "raw floor (split + orjson.loads)": raw_floor,
        "WatchDecoder.feed": decoder,
    }
    for _ in range(args.rounds):
        for name, run in runners.items():
            start = time.process_time()
            count = run(chunks, repeats)
            elapsed = time.process_time() - start
            assert count == events, (name, count)
            best[name] = min(best.get(name, elapsed), elapsed)
    for name, elapsed in best.items():
        print(
            f"{name:36s} {events / elapsed:12,.0f} events/s  ({elapsed * 1e6 / events:.2f} us/event, "
            f"{size * repeats / elapsed / 1e6:,.0f} MB/s)"
        )
    floor, ours = best.values()
    print(f"ratio WatchDecoder / raw floor (throughput): {floor / ours:.3f}")


if __name__ == "__main__":
    main()
