"""Lease locks: the leader-election record stored in a ``coordination.k8s.io/v1`` Lease.

Mirrors client-go ``tools/leaderelection/resourcelock/leaselock.go`` and ``interface.go``
(H-2, H-3):

* the record maps to ``spec.holderIdentity``, ``spec.leaseDurationSeconds``,
  ``spec.acquireTime``, ``spec.renewTime`` (MicroTime: RFC 3339 with exactly six fractional
  digits, which the API server insists on) and ``spec.leaseTransitions``; ``strategy`` and
  ``preferredHolder`` are written only when non-empty;
* ``get`` reads the Lease and remembers it, resourceVersion included; ``create`` creates it
  with the lock's labels; ``update`` needs a prior ``get``/``create`` ("lease not
  initialized, call get or create first"), replaces the spec, merges the lock's labels and
  sends the remembered object back, so a concurrent writer makes it fail with a 409
  Conflict;
* only the ``leases`` lock type exists: :func:`check_lock_type` rejects the removed ones
  with client-go's messages.

:class:`LeaseLock` uses a threads :class:`~kinformer.transport.Client`,
:class:`AsyncLeaseLock` an :class:`~kinformer.transport.AsyncClient`; the mapping functions
are shared and pure. A lock instance is used by one elector at a time (not thread-safe).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any, Final, final

from ..transport import AsyncClient, Client, ResourceInfo
from ._core import LeaderElectionRecord

__all__ = [
    "LEASES",
    "LEASES_LOCK",
    "AsyncLeaseLock",
    "LeaseLock",
    "check_lock_type",
    "format_micro_time",
    "lease_spec_to_record",
    "parse_micro_time",
    "record_to_lease_spec",
]

#: The Lease resource, given to the client directly so that no discovery request is needed.
LEASES: Final = ResourceInfo(
    group="coordination.k8s.io", version="v1", resource="leases", kind="Lease", namespaced=True
)

#: ``resourcelock.LeasesResourceLock``: the only lock type left.
LEASES_LOCK: Final = "leases"

_REMOVED_LOCK_TYPES: Final = {
    "endpoints": "endpoints lock is removed, migrate to endpointsleases",
    "configmaps": "configmaps lock is removed, migrate to configmapsleases",
    "endpointsleases": "endpointsleases lock is removed, migrate to leases",
    "configmapsleases": "configmapsleases lock is removed, migrate to leases",
}

_NOT_INITIALIZED: Final = "lease not initialized, call get or create first"


def check_lock_type(lock_type: str) -> None:
    """Raise :class:`ValueError` unless ``lock_type`` is ``"leases"`` (``resourcelock.New``, H-2).

    >>> check_lock_type("configmaps")
    Traceback (most recent call last):
    ...
    ValueError: configmaps lock is removed, migrate to configmapsleases
    """
    if lock_type == LEASES_LOCK:
        return
    message = _REMOVED_LOCK_TYPES.get(lock_type, f"Invalid lock-type {lock_type}")
    raise ValueError(message)


def format_micro_time(moment: datetime) -> str:
    """A ``metav1.MicroTime``: UTC, exactly six fractional digits, ``Z``.

    >>> format_micro_time(datetime(2026, 11, 26, 23, 39, 53, tzinfo=UTC))
    '2026-11-26T23:39:53.000000Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_micro_time(text: object) -> datetime | None:
    """Parse an RFC 3339 time (any precision or offset) to an aware UTC datetime.

    ``None`` or an empty string give ``None`` (a Lease without that field).

    >>> parse_micro_time("2030-01-02T05:04:05.123456+02:00")
    datetime.datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc)
    """
    if not isinstance(text, str) or not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def record_to_lease_spec(record: LeaderElectionRecord) -> dict[str, Any]:
    """``LeaderElectionRecordToLeaseSpec`` (H-2)."""
    spec: dict[str, Any] = {
        "holderIdentity": record.holder_identity,
        "leaseDurationSeconds": record.lease_duration_seconds,
        "acquireTime": _micro_or_none(record.acquire_time),
        "renewTime": _micro_or_none(record.renew_time),
        "leaseTransitions": record.leader_transitions,
    }
    if record.preferred_holder:
        spec["preferredHolder"] = record.preferred_holder
    if record.strategy:
        spec["strategy"] = record.strategy
    return spec


def lease_spec_to_record(spec: Any) -> LeaderElectionRecord:
    """``LeaseSpecToLeaderElectionRecord``: absent fields read as zero values (H-2)."""
    if not isinstance(spec, dict):
        spec = {}
    return LeaderElectionRecord(
        holder_identity=str(spec.get("holderIdentity") or ""),
        lease_duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
        acquire_time=parse_micro_time(spec.get("acquireTime")),
        renew_time=parse_micro_time(spec.get("renewTime")),
        leader_transitions=int(spec.get("leaseTransitions") or 0),
        strategy=str(spec.get("strategy") or ""),
        preferred_holder=str(spec.get("preferredHolder") or ""),
    )


def _micro_or_none(moment: datetime | None) -> str | None:
    return format_micro_time(moment) if moment is not None else None


class _LockBase:
    __slots__ = ("_labels", "_lease", "identity", "name", "namespace")

    def __init__(
        self,
        *,
        namespace: str,
        name: str,
        identity: str,
        labels: dict[str, str] | None,
    ) -> None:
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self._labels = dict(labels or {})
        self._lease: dict[str, Any] | None = None

    def describe(self) -> str:
        """``namespace/name`` (``Describe``), for logs and the health check."""
        return f"{self.namespace}/{self.name}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r}, identity={self.identity!r})"

    def _remember(self, lease: dict[str, Any]) -> LeaderElectionRecord:
        self._lease = lease
        return lease_spec_to_record(lease.get("spec"))

    def _new_lease(self, record: LeaderElectionRecord) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        if self._labels:
            metadata["labels"] = dict(self._labels)
        return {
            "apiVersion": LEASES.api_version,
            "kind": LEASES.kind,
            "metadata": metadata,
            "spec": record_to_lease_spec(record),
        }

    def _updated_lease(self, record: LeaderElectionRecord) -> dict[str, Any]:
        if self._lease is None:
            raise RuntimeError(_NOT_INITIALIZED)
        lease = copy.deepcopy(self._lease)
        lease["spec"] = record_to_lease_spec(record)
        if self._labels:
            metadata = lease.setdefault("metadata", {})
            metadata["labels"] = {**(metadata.get("labels") or {}), **self._labels}
        return lease


@final
class LeaseLock(_LockBase):
    """A leader-election lock on one Lease, over a threads :class:`~kinformer.transport.Client`.

    Args:
        client: the API client.
        namespace: the Lease's namespace.
        name: the Lease's name.
        identity: this candidate's identity (written as ``holderIdentity``).
        labels: labels put on the Lease when it is created and merged on each update.
    """

    __slots__ = ("_client",)

    def __init__(
        self,
        client: Client,
        *,
        namespace: str,
        name: str,
        identity: str,
        labels: dict[str, str] | None = None,
    ) -> None:
        super().__init__(namespace=namespace, name=name, identity=identity, labels=labels)
        self._client = client

    def get(self) -> LeaderElectionRecord:
        """Read the Lease and remember it; raises ``NotFoundError`` when there is none."""
        return self._remember(self._client.get(LEASES, self.name, namespace=self.namespace))

    def create(self, record: LeaderElectionRecord) -> None:
        """Create the Lease holding ``record`` (raises ``AlreadyExistsError`` if it exists)."""
        self._remember(self._client.create(LEASES, self._new_lease(record)))

    def update(self, record: LeaderElectionRecord) -> None:
        """Write ``record`` over the remembered Lease (raises ``ConflictError`` if it changed)."""
        body = self._updated_lease(record)
        self._remember(self._client.replace(LEASES, body, namespace=self.namespace))


@final
class AsyncLeaseLock(_LockBase):
    """The asyncio twin of :class:`LeaseLock`, over an :class:`~kinformer.transport.AsyncClient`."""

    __slots__ = ("_client",)

    def __init__(
        self,
        client: AsyncClient,
        *,
        namespace: str,
        name: str,
        identity: str,
        labels: dict[str, str] | None = None,
    ) -> None:
        super().__init__(namespace=namespace, name=name, identity=identity, labels=labels)
        self._client = client

    async def get(self) -> LeaderElectionRecord:
        """Read the Lease and remember it; raises ``NotFoundError`` when there is none."""
        lease = await self._client.get(LEASES, self.name, namespace=self.namespace)
        return self._remember(lease)

    async def create(self, record: LeaderElectionRecord) -> None:
        """Create the Lease holding ``record`` (raises ``AlreadyExistsError`` if it exists)."""
        self._remember(await self._client.create(LEASES, self._new_lease(record)))

    async def update(self, record: LeaderElectionRecord) -> None:
        """Write ``record`` over the remembered Lease (raises ``ConflictError`` if it changed)."""
        body = self._updated_lease(record)
        self._remember(await self._client.replace(LEASES, body, namespace=self.namespace))
