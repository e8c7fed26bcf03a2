"""Helpers for the engine tests: a fresh engine, a request helper, golden exchanges."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest

from kinformer.testing._apiserver._engine import ApiServerState
from kinformer.testing._apiserver._protocol import (
    ADMIN,
    ApiRequest,
    ApiResponse,
    UserInfo,
    WatchResponse,
)

GOLDEN = Path("/work/shared/golden/kube-apiserver-1.36")
NOW = 1_795_000_000.0


@cache
def _golden_file(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
    return data


def golden(name: str, seq: int) -> dict[str, Any]:
    """One recorded exchange of ``/work/shared/golden/kube-apiserver-1.36/<name>.json``."""
    for exchange in _golden_file(name)["exchanges"]:
        if exchange["seq"] == seq:
            return exchange  # type: ignore[no-any-return]
    raise KeyError((name, seq))


@dataclass
class Answer:
    """A decoded answer."""

    status: int
    body: Any
    content_type: str
    headers: dict[str, str]
    raw: bytes


def make_request(
    method: str,
    path: str,
    *,
    body: Any = None,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    content_type: str = "application/json",
    user: UserInfo = ADMIN,
) -> ApiRequest:
    split = urlsplit(path)
    merged = dict(parse_qsl(split.query, keep_blank_values=True))
    merged.update(query or {})
    all_headers = {"accept": "application/json"}
    raw = b""
    if body is not None:
        raw = body if isinstance(body, bytes) else orjson.dumps(body)
        all_headers["content-type"] = content_type
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    return ApiRequest(method, split.path, merged, split.query, all_headers, raw, user)


def answer_of(response: ApiResponse) -> Answer:
    try:
        body = orjson.loads(response.body) if response.body else None
    except orjson.JSONDecodeError:
        body = response.body.decode()
    return Answer(
        response.status, body, response.content_type, dict(response.headers), response.body
    )


Call = Callable[..., Answer]


@pytest.fixture
def state() -> ApiServerState:
    return ApiServerState(wall_clock=lambda: NOW)


@pytest.fixture
def call(state: ApiServerState) -> Call:
    def do(method: str, path: str, **kwargs: Any) -> Answer:
        response = state.handle(make_request(method, path, **kwargs))
        assert isinstance(response, ApiResponse), response
        return answer_of(response)

    return do


@pytest.fixture
def watch(state: ApiServerState) -> Callable[..., WatchResponse]:
    def do(path: str, **kwargs: Any) -> WatchResponse:
        response = state.handle(make_request("GET", path, **kwargs))
        assert isinstance(response, WatchResponse), answer_of(response)  # type: ignore[arg-type]
        return response

    return do


def events(response: WatchResponse) -> list[dict[str, Any]]:
    """Decode the pending lines of a watch (each must be one JSON object and a newline)."""
    lines = response.watch.drain()
    for line in lines:
        assert line.endswith(b"\n")
        assert line.count(b"\n") == 1
    return [orjson.loads(line) for line in lines]


def summary(decoded: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(type, name) of each event."""
    return [(e["type"], e["object"].get("metadata", {}).get("name")) for e in decoded]


def configmap(name: str, namespace: str | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    labels = extra.pop("labels", None)
    if labels is not None:
        meta["labels"] = labels
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}
    body.update(extra)
    return body


def status_shape(body: Mapping[str, Any]) -> dict[str, Any]:
    """The run-independent parts of a Status: everything but uids and resourceVersions."""
    shape = {k: v for k, v in body.items() if k != "details"}
    details = dict(body.get("details") or {})
    details.pop("uid", None)
    if "details" in body:
        shape["details"] = details
    return shape
