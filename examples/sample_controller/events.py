"""A small Event recorder: client-go's ``record.EventRecorder`` for the sample-controller.

It writes ``core/v1`` Events about an object, as ``kubectl describe`` shows them. Like
client-go's event correlator, a repeat of the same event (same object, type, reason and
message) bumps ``count`` and ``lastTimestamp`` of the first one instead of creating another.
Recording never fails the caller: errors are logged, as client-go's broadcaster does.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from kinformer import Client, KinformerError, NotFoundError, ResourceInfo

__all__ = ["EVENTS", "NORMAL", "WARNING", "EventRecorder"]

EVENTS = ResourceInfo(group="", version="v1", resource="events", kind="Event")
NORMAL = "Normal"
WARNING = "Warning"

logger = logging.getLogger("sample-controller.events")


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EventRecorder:
    """Records Events from ``component`` through ``client``."""

    def __init__(self, client: Client, component: str) -> None:
        self._client = client
        self._component = component
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str, str, str], tuple[str, str, int]] = {}

    def event(self, obj: dict[str, Any], event_type: str, reason: str, message: str) -> None:
        """Record one event about ``obj`` (``Normal`` or ``Warning``)."""
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        key = (meta.get("uid", ""), event_type, reason, message)
        with self._lock:
            seen = self._seen.get(key)
        try:
            if seen is not None:
                name, ns, count = seen
                try:
                    self._client.patch(
                        EVENTS,
                        name,
                        {"count": count + 1, "lastTimestamp": _timestamp()},
                        namespace=ns,
                    )
                except NotFoundError:
                    pass  # the event expired: record a new one below
                else:
                    with self._lock:
                        self._seen[key] = (name, ns, count + 1)
                    return
            name = f"{meta['name']}.{time.time_ns():x}"
            now = _timestamp()
            self._client.create(
                EVENTS,
                {
                    "apiVersion": "v1",
                    "kind": "Event",
                    "metadata": {"name": name, "namespace": namespace},
                    "involvedObject": {
                        "apiVersion": obj.get("apiVersion", ""),
                        "kind": obj.get("kind", ""),
                        "namespace": namespace,
                        "name": meta["name"],
                        "uid": meta.get("uid", ""),
                        "resourceVersion": meta.get("resourceVersion", ""),
                    },
                    "reason": reason,
                    "message": message,
                    "type": event_type,
                    "source": {"component": self._component},
                    "reportingComponent": self._component,
                    "reportingInstance": "",
                    "firstTimestamp": now,
                    "lastTimestamp": now,
                    "count": 1,
                },
                namespace=namespace,
            )
        except KinformerError as error:
            logger.warning("could not record event %s/%s: %s", reason, message, error)
            return
        with self._lock:
            self._seen[key] = (name, namespace, 1)
        logger.info("event %s %s: %s", event_type, reason, message)
