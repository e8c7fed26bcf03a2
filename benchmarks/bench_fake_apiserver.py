"""Benchmark of the fake API server over HTTP on loopback (engine + HTTP layer + a client).

Run: ``.venv/bin/python benchmarks/bench_fake_apiserver.py [--pods 100000] [--events 20000]``

Seeds N realistic pods (~3.5 KB of JSON each, built in code; no HTTP), then measures from an
httpx client on loopback:

* a full unpaginated list: seconds, MB/s, objects/s (the client reads the bytes);
* a paged list (``limit=500``) over every page;
* a watch streaming every pod as an ADDED event (``resourceVersion=0``) to one client that
  only reads the bytes, against the rate at which that client can ``orjson``-decode the same
  lines (the server must never be the bottleneck: ratio > 1);
* live watch events: pods updated through the engine while one client streams the MODIFIED
  events.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import threading
import time
from typing import Any

import httpx
import orjson

from kinformer.testing import FakeApiServer


def make_pod(i: int) -> dict[str, Any]:
    """A realistic running pod of about 3.5 KB of JSON."""
    app = f"app-{i % 40}"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{app}-7d9f8c6b5-{i:06d}",
            "namespace": f"team-{i % 20}",
            "labels": {"app": app, "pod-template-hash": "7d9f8c6b5", "tier": ("web", "db")[i % 2]},
            "annotations": {
                "kubectl.kubernetes.io/restartedAt": "2026-11-26T10:00:00Z",
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "9090",
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{app}-7d9f8c6b5",
                    "uid": f"6f1c2b4e-0000-4000-8000-{i % 40:012d}",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": f"registry.example/{app}:1.27.3",
                    "args": ["--port=8080", "--log-level=info", "--metrics-port=9090"],
                    "ports": [
                        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                        {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
                    ],
                    "env": [
                        {"name": f"SETTING_{k}", "value": f"value-{k}-{'x' * 24}"} for k in range(10)
                    ],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"cpu": "500m", "memory": "256Mi"},
                    },
                    "volumeMounts": [
                        {"name": "config", "mountPath": "/etc/app"},
                        {
                            "name": "kube-api-access",
                            "readOnly": True,
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                        },
                    ],
                    "livenessProbe": {
                        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                        "periodSeconds": 10,
                        "timeoutSeconds": 1,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "volumes": [
                {"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}},
                {
                    "name": "kube-api-access",
                    "projected": {
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {"configMap": {"name": "kube-root-ca.crt",
                                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                        ],
                        "defaultMode": 420,
                    },
                },
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "nodeName": f"node-{i % 100:03d}",
            "schedulerName": "default-scheduler",
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                 "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                 "effect": "NoExecute", "tolerationSeconds": 300},
            ],
            "priority": 0,
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": kind, "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": "2026-11-26T10:00:05Z"}
                for kind in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "hostIP": f"10.0.{i % 100}.1",
            "podIP": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
            "podIPs": [{"ip": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"}],
            "startTime": "2026-11-26T10:00:00Z",
            "containerStatuses": [
                {
                    "name": "main",
                    "state": {"running": {"startedAt": "2026-11-26T10:00:04Z"}},
                    "lastState": {},
                    "ready": True,
                    "restartCount": 0,
                    "image": f"registry.example/{app}:1.27.3",
                    "imageID": "registry.example/app@sha256:" + "ab" * 32,
                    "containerID": "containerd://" + f"{i:064x}",
                    "started": True,
                }
            ],
            "qosClass": "Burstable",
        },
    }  # fmt: skip


def _mb(n: int) -> float:
    return n / 1e6


def bench_list(client: httpx.Client, pods: int) -> None:
    started = time.perf_counter()
    size = 0
    with client.stream("GET", "/api/v1/pods") as response:
        response.raise_for_status()
        for chunk in response.iter_raw(1 << 20):
            size += len(chunk)
    elapsed = time.perf_counter() - started
    print(f"  full list (unpaginated): {elapsed:7.2f} s  {_mb(size):8.1f} MB  "
          f"{_mb(size) / elapsed:7.1f} MB/s  {pods / elapsed:9.0f} objects/s")  # fmt: skip

    started = time.perf_counter()
    size = pages = items = 0
    token = ""
    while True:
        params = {"limit": "500", **({"continue": token} if token else {})}
        answer = client.get("/api/v1/pods", params=params)
        answer.raise_for_status()
        size += len(answer.content)
        pages += 1
        body = orjson.loads(answer.content)
        items += len(body["items"])
        token = body["metadata"].get("continue", "")
        if not token:
            break
    elapsed = time.perf_counter() - started
    print(f"  paged list (limit=500):  {elapsed:7.2f} s  {_mb(size):8.1f} MB  "
          f"{_mb(size) / elapsed:7.1f} MB/s  {items / elapsed:9.0f} objects/s  "
          f"({pages} pages, client decodes each page)")  # fmt: skip


def bench_watch_initial(client: httpx.Client, pods: int) -> None:
    lines: list[bytes] = []
    started = time.perf_counter()
    size = 0
    with client.stream(
        "GET", "/api/v1/pods", params={"watch": "1", "resourceVersion": "0"}
    ) as response:
        buffer = b""
        for chunk in response.iter_raw(1 << 20):
            size += len(chunk)
            buffer += chunk
            parts = buffer.split(b"\n")
            buffer = parts.pop()
            lines.extend(parts)
            if len(lines) >= pods:
                break
    served = time.perf_counter() - started
    started = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    decoded = time.perf_counter() - started
    print(f"  watch, {pods} ADDED events streamed: {served:6.2f} s  "
          f"{pods / served:9.0f} events/s  {_mb(size) / served:7.1f} MB/s")  # fmt: skip
    print(f"  client orjson-decoding the same lines: {decoded:6.2f} s  "
          f"{pods / decoded:9.0f} events/s  -> server/decoder ratio {decoded / served:4.2f} "
          f"({'server faster' if served < decoded else 'server SLOWER'} than the decoder)")  # fmt: skip


def bench_watch_live(server: FakeApiServer, client: httpx.Client, events: int) -> None:
    rv = str(server.revision)
    received = 0
    done = threading.Event()

    def read() -> None:
        nonlocal received
        with client.stream(
            "GET", "/api/v1/namespaces/team-0/pods", params={"watch": "1", "resourceVersion": rv}
        ) as response:
            for chunk in response.iter_raw(1 << 16):
                received += chunk.count(b"\n")
                if received >= events:
                    done.set()
                    return

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.2)
    names = [make_pod(i)["metadata"]["name"] for i in range(0, events * 20, 20)]
    started = time.perf_counter()
    for index, name in enumerate(names):
        server.patch("v1", "Pod", name, {"metadata": {"labels": {"rev": str(index)}}}, "team-0")
    written = time.perf_counter() - started
    done.wait(120)
    total = time.perf_counter() - started
    reader.join(5)
    print(f"  live watch: {events} engine writes in {written:6.2f} s "
          f"({events / written:7.0f} writes/s); all {received} MODIFIED events received "
          f"after {total:6.2f} s ({received / total:7.0f} events/s end to end)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
          f"{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}")  # fmt: skip
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    pod_size = len(orjson.dumps(make_pod(0)))
    started = time.perf_counter()
    objects = [make_pod(i) for i in range(args.pods)]
    built = time.perf_counter() - started
    print(f"pods: {args.pods} x ~{pod_size} bytes of JSON (built in {built:.1f} s)")
    with FakeApiServer() as server:
        started = time.perf_counter()
        server.seed(objects)
        print(f"  seed (no HTTP): {time.perf_counter() - started:6.2f} s")
        del objects
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=300) as client:
            bench_list(client, args.pods)
            bench_watch_initial(client, args.pods)
            bench_watch_live(server, client, min(args.events, args.pods // 20))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
