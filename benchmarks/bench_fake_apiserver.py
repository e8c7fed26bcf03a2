"""Benchmark of the fake API server over HTTP on loopback (engine + HTTP layer + a client).

Run: ``.venv/bin/python benchmarks/bench_fake_apiserver.py [--pods 100000] [--events 20000]``

Seeds N realistic pods (~3.5 KB of JSON each, built in code; no HTTP), then measures from an
httpx client on loopback:

* a full unpaginated list: seconds, MB/s, objects/s (a raw-socket client reads the bytes;
  the same list read by httpx is printed for reference);
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
import re
import socket
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


class RawHttp:
    """A minimal HTTP/1.1 client on one keep-alive socket that only reads bytes, so the
    figures measure the server, not a client library's parsing."""

    def __init__(self, port: int, token: str) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._token = token
        self._buffer = b""

    def close(self) -> None:
        self._sock.close()

    def _fill(self) -> None:
        data = self._sock.recv(1 << 20)
        if not data:
            raise ConnectionError("the server closed the connection")
        self._buffer += data

    def _head(self, path: str) -> dict[str, str]:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {self._token}\r\n\r\n"
        )
        self._sock.sendall(request.encode())
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        status, *lines = head.decode().split("\r\n")
        if " 200 " not in status:
            raise RuntimeError(status)
        return {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}

    def get(self, path: str) -> bytes:
        """A complete ``Content-Length`` answer."""
        length = int(self._head(path)["content-length"])
        chunks = [self._buffer]
        received = len(self._buffer)
        self._buffer = b""
        while received < length:
            data = self._sock.recv(min(1 << 20, length - received))
            if not data:
                raise ConnectionError("short body")
            chunks.append(data)
            received += len(data)
        return b"".join(chunks)

    def stream(self, path: str, events: int) -> bytes:
        """The raw chunked bytes of a watch, until ``events`` event lines have arrived."""
        self._head(path)
        chunks = [self._buffer]
        seen = self._buffer.count(b"}\n")
        tail = self._buffer[-1:]
        self._buffer = b""
        while seen < events:
            data = self._sock.recv(1 << 20)
            if not data:
                break
            chunks.append(data)
            seen += (tail + data).count(b"}\n")
            tail = data[-1:]
        return b"".join(chunks)


def dechunk(raw: bytes) -> list[bytes]:
    """The event lines inside chunked transfer-encoding bytes (not timed)."""
    body = bytearray()
    view = memoryview(raw)
    position = 0
    while position < len(raw):
        end = raw.index(b"\r\n", position)
        size = int(raw[position:end], 16)
        if size == 0:
            break
        body += view[end + 2 : end + 2 + size]
        position = end + 2 + size + 2
    return bytes(body).splitlines()


_CONTINUE = re.compile(rb'"continue":"([^"]+)"')


def bench_list(server: FakeApiServer, pods: int) -> None:
    raw = RawHttp(server.port, server.token)
    started = time.perf_counter()
    body = raw.get("/api/v1/pods")
    elapsed = time.perf_counter() - started
    print(f"  full list (unpaginated):   {elapsed:6.2f} s  {_mb(len(body)):7.1f} MB  "
          f"{_mb(len(body)) / elapsed:6.1f} MB/s  {pods / elapsed:8.0f} objects/s")  # fmt: skip
    del body
    started = time.perf_counter()
    size = pages = 0
    token = ""
    while True:
        page = raw.get("/api/v1/pods?limit=500" + (f"&continue={token}" if token else ""))
        size += len(page)
        pages += 1
        found = _CONTINUE.search(page, 0, 400)
        if found is None:
            break
        token = found.group(1).decode()
    elapsed = time.perf_counter() - started
    print(f"  paged list (limit=500):    {elapsed:6.2f} s  {_mb(size):7.1f} MB  "
          f"{_mb(size) / elapsed:6.1f} MB/s  {pods / elapsed:8.0f} objects/s  ({pages} pages)")  # fmt: skip
    raw.close()
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=300) as client:
        started = time.perf_counter()
        size = len(client.get("/api/v1/pods").content)
        elapsed = time.perf_counter() - started
    print(f"  (same full list read by httpx: {elapsed:6.2f} s, {_mb(size) / elapsed:6.1f} MB/s)")


def bench_watch_initial(server: FakeApiServer, pods: int, rounds: int) -> None:
    """Best of ``rounds`` for both sides, alternated, so a busy machine skews neither."""
    served = decoded = float("inf")
    size = 0
    for _ in range(rounds):
        raw = RawHttp(server.port, server.token)
        started = time.perf_counter()
        data = raw.stream("/api/v1/pods?watch=1&resourceVersion=0", pods)
        served = min(served, time.perf_counter() - started)
        raw.close()
        size = len(data)
        lines = dechunk(data)
        del data
        assert len(lines) >= pods, len(lines)
        started = time.perf_counter()
        for line in lines:
            orjson.loads(line)
        decoded = min(decoded, time.perf_counter() - started)
        del lines
    print(f"  watch, {pods} ADDED events streamed: {served:6.2f} s  "
          f"{pods / served:8.0f} events/s  {_mb(size) / served:6.1f} MB/s  (best of {rounds})")  # fmt: skip
    print(f"  client orjson-decoding the same lines: {decoded:6.2f} s  "
          f"{pods / decoded:8.0f} events/s  -> decode time / serve time = {decoded / served:4.2f} "
          f"({'server faster' if served < decoded else 'server SLOWER'} than the decoder)")  # fmt: skip


def bench_watch_live(server: FakeApiServer, events: int) -> None:
    raw = RawHttp(server.port, server.token)
    received: list[bytes] = []
    path = f"/api/v1/namespaces/team-0/pods?watch=1&resourceVersion={server.revision}"
    reader = threading.Thread(target=lambda: received.append(raw.stream(path, events)))
    reader.start()
    time.sleep(0.2)
    names = [make_pod(i)["metadata"]["name"] for i in range(0, events * 20, 20)]
    started = time.perf_counter()
    for index, name in enumerate(names):
        server.patch("v1", "Pod", name, {"metadata": {"labels": {"rev": str(index)}}}, "team-0")
    written = time.perf_counter() - started
    reader.join(120)
    total = time.perf_counter() - started
    raw.close()
    count = len(dechunk(received[0])) if received else 0
    print(f"  live watch: {events} engine writes in {written:6.2f} s "
          f"({events / written:6.0f} writes/s); {count} MODIFIED events received "
          f"after {total:6.2f} s ({count / total:6.0f} events/s end to end)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3, help="best of N for the watch figures")
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
        bench_list(server, args.pods)
        bench_watch_initial(server, args.pods, args.rounds)
        bench_watch_live(server, min(args.events, args.pods // 20))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
