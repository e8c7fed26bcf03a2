"""Benchmark of the fake API server's engine (no HTTP): seed, list, watch fan-out.

Run: ``.venv/bin/python benchmarks/bench_fake_engine.py [--pods 100000]``

Prints the machine, the command and, for N realistic pods (~3.5 KB of JSON each):
seed time, a full unpaginated list (ms, MB/s), a paged list (limit=500) over all pages, a
list with a label selector, and watch events/s (one update → one pre-serialised line shared
by every watcher).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from typing import Any

import orjson

from kinformer.testing._apiserver._engine import ApiServerState
from kinformer.testing._apiserver._protocol import ApiRequest, ApiResponse, WatchResponse


def make_pod(i: int) -> dict[str, Any]:
    """A realistic pod of about 3.5 KB of JSON."""
    app = f"app-{i % 50}"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"pod-{i:06d}",
            "namespace": f"ns-{i % 10}",
            "labels": {"app": app, "tier": ("web", "db", "cache")[i % 3], "pod-template-hash": "7d9f8c6b5"},
            "annotations": {"kubernetes.io/config.seen": "2026-11-27T00:00:00Z", "note": "x" * 200},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-7d9f8c6b5",
                 "uid": f"00000000-0000-0000-0000-{i % 50:012d}", "controller": True, "blockOwnerDeletion": True}
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "registry.example/app:1.2.3",
                    "args": ["--port=8080", "--verbose"],
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "env": [{"name": f"ENV_{k}", "value": f"value-{k}-" + "v" * 40} for k in range(12)],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                    "imagePullPolicy": "IfNotPresent",
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                }
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "nodeName": f"node-{i % 100}",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "serviceAccountName": "default",
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            ],
        },
        "status": {
            "phase": "Running",
            "podIP": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            "hostIP": f"192.168.0.{i % 100}",
            "startTime": "2026-11-27T00:00:00Z",
            "conditions": [
                {"type": t, "status": "True", "lastTransitionTime": "2026-11-27T00:00:00Z"}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "containerStatuses": [
                {"name": "main", "ready": True, "restartCount": 0, "image": "registry.example/app:1.2.3",
                 "imageID": "registry.example/app@sha256:" + "0" * 64, "containerID": "containerd://" + "a" * 64,
                 "started": True, "state": {"running": {"startedAt": "2026-11-27T00:00:00Z"}}}
            ],
        },
    }  # fmt: skip


def timed(label: str, fn: Any) -> Any:
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<48} {elapsed * 1000:10.1f} ms wall {cpu * 1000:10.1f} ms CPU")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--watchers", type=int, default=10)
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(f"command: {' '.join(sys.argv)}")
    pods = [make_pod(i) for i in range(args.pods)]
    size = len(orjson.dumps(pods[0]))
    print(f"pods: {args.pods}, ~{size} bytes of JSON each")
    state = ApiServerState(history_limit=args.events + 10)
    timed(f"seed({args.pods} pods)", lambda: state.seed(pods))
    pods.clear()

    def get(path: str, **query: str) -> ApiResponse:
        answer = state.handle(ApiRequest("GET", path, query))
        assert isinstance(answer, ApiResponse), answer
        assert answer.status == 200, answer
        return answer

    answer, elapsed = timed("list /api/v1/pods (unpaginated)", lambda: get("/api/v1/pods"))
    print(
        f"{'':<48} {len(answer.body) / elapsed / 1e6:10.0f} MB/s, {args.pods / elapsed:,.0f} objects/s"
    )

    def paged() -> int:
        pages, token = 0, ""
        while True:
            query = {"limit": "500"} | ({"continue": token} if token else {})
            body = get("/api/v1/pods", **query).body
            pages += 1
            # Read the token from the list's head, without decoding the page.
            head = body[: body.index(b'"items"')]
            token = orjson.loads(head[head.index(b'"metadata":') + 11 : -1]).get("continue", "")
            if not token:
                return pages

    timed("list /api/v1/pods limit=500, all pages", paged)
    timed(
        "list labelSelector=app=app-7 (2% match)",
        lambda: get("/api/v1/pods", labelSelector="app=app-7"),
    )
    timed(
        "list fieldSelector=spec.nodeName=node-7",
        lambda: get("/api/v1/pods", fieldSelector="spec.nodeName=node-7"),
    )
    watches = []
    for _ in range(args.watchers):
        opened = state.handle(
            ApiRequest(
                "GET", "/api/v1/pods", {"watch": "1", "resourceVersion": str(state.revision)}
            )
        )
        assert isinstance(opened, WatchResponse)
        watches.append(opened.watch)
    names = [(f"ns-{i % 10}", f"pod-{i:06d}") for i in range(args.events)]

    def updates() -> None:
        for n, (namespace, name) in enumerate(names):
            state.patch("v1", "Pod", name, {"metadata": {"labels": {"gen": str(n)}}}, namespace)

    _, elapsed = timed(f"{args.events} merge patches, {args.watchers} watchers", updates)
    lines = sum(len(w.drain()) for w in watches)
    print(
        f"{'':<48} {args.events / elapsed:10,.0f} writes/s, {lines / elapsed:,.0f} watch lines/s queued"
    )


if __name__ == "__main__":
    main()
