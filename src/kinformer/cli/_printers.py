"""kubectl's output for ``kinformer get``: table columns per kind, ``-o json|yaml|name``.

Pure: objects and ``now`` (seconds since the epoch) in, strings out. The columns follow
kubectl's printers (``pkg/printers/internalversion/printers.go``) for the common kinds, with
``NAME`` / ``AGE`` for every other resource; ``AGE`` uses apimachinery's ``HumanDuration``;
tables are aligned like kubectl's tabwriter (minimum cell width 10, padding 3, no padding after
the last column).
"""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, final

import yaml

from ..transport import ResourceInfo

__all__ = [
    "Printer",
    "TableLayout",
    "human_duration",
    "list_document",
    "name_of",
    "pod_status",
    "to_json",
    "to_yaml",
]

Object = Mapping[str, Any]
Cell = Callable[[Object, float], str]

_MIN_WIDTH: Final = 10
_PADDING: Final = 3
NONE: Final = "<none>"


def human_duration(seconds: float) -> str:
    """apimachinery ``duration.HumanDuration``: ``45s``, ``3m20s``, ``12m``, ``5h3m``, ``3d4h``."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        return f"{hours // 24 // 365}y{rest}d" if rest else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def _parse_time(value: object) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return float(calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        return None


def _meta(obj: Object) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _spec(obj: Object) -> Mapping[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _status(obj: Object) -> Mapping[str, Any]:
    status = obj.get("status")
    return status if isinstance(status, Mapping) else {}


def _age(obj: Object, now: float) -> str:
    created = _parse_time(_meta(obj).get("creationTimestamp"))
    return "<unknown>" if created is None else human_duration(now - created)


def _name(obj: Object, now: float) -> str:
    return str(_meta(obj).get("name", ""))


def _namespace(obj: Object, now: float) -> str:
    return str(_meta(obj).get("namespace", ""))


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


# ---------------------------------------------------------------------------------- pods


def pod_status(pod: Object) -> tuple[int, int, str, int, float | None]:
    """kubectl's pod row: ready containers, total containers, STATUS, restarts, last restart.

    Follows ``printPod``: the phase (or ``status.reason``), then init containers
    (``Init:N/M``, ``Init:<reason>``), then the containers' waiting or terminated reasons;
    ``Terminating`` once a deletion timestamp is set (``Unknown`` for a lost node).
    """
    spec, status = _spec(pod), _status(pod)
    total = len(spec.get("containers") or ())
    reason = str(status.get("reason") or status.get("phase") or "")
    restarts = 0
    ready = 0
    last_restart: float | None = None

    def note_restart(container: Mapping[str, Any]) -> None:
        nonlocal last_restart
        terminated = (container.get("lastState") or {}).get("terminated") or {}
        finished = _parse_time(terminated.get("finishedAt"))
        if finished is not None and (last_restart is None or finished > last_restart):
            last_restart = finished

    initializing = False
    init_containers = spec.get("initContainers") or ()
    for i, container in enumerate(status.get("initContainerStatuses") or ()):
        restarts += _int(container.get("restartCount"))
        note_restart(container)
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and _int(terminated.get("exitCode")) == 0:
            continue
        if container.get("started") and any(
            c.get("name") == container.get("name") and c.get("restartPolicy") == "Always"
            for c in init_containers
        ):
            continue  # a sidecar that is running
        if terminated is not None:
            reason = "Init:" + _terminated_reason(terminated)
        elif waiting and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{i}/{len(init_containers)}"
        initializing = True
        break
    if not initializing:
        has_running = False
        for container in reversed(status.get("containerStatuses") or ()):
            restarts += _int(container.get("restartCount"))
            note_restart(container)
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif terminated and terminated.get("reason"):
                reason = str(terminated["reason"])
            elif terminated is not None:
                reason = _terminated_reason(terminated)
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition(status, "Ready") else "NotReady"
    if _meta(pod).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return ready, total, reason, restarts, last_restart


def _terminated_reason(terminated: Mapping[str, Any]) -> str:
    if terminated.get("reason"):
        return str(terminated["reason"])
    if _int(terminated.get("signal")):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{_int(terminated.get('exitCode'))}"


def _has_condition(status: Mapping[str, Any], kind: str) -> bool:
    return any(
        c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or ()
    )


def _pod_ready(pod: Object, now: float) -> str:
    ready, total, _, _, _ = pod_status(pod)
    return f"{ready}/{total}"


def _pod_status(pod: Object, now: float) -> str:
    return pod_status(pod)[2]


def _pod_restarts(pod: Object, now: float) -> str:
    _, _, _, restarts, last = pod_status(pod)
    return f"{restarts} ({human_duration(now - last)} ago)" if last is not None else str(restarts)


def _pod_ip(pod: Object, now: float) -> str:
    return str(_status(pod).get("podIP") or NONE)


def _pod_node(pod: Object, now: float) -> str:
    return str(_spec(pod).get("nodeName") or NONE)


def _pod_nominated(pod: Object, now: float) -> str:
    return str(_status(pod).get("nominatedNodeName") or NONE)


def _pod_gates(pod: Object, now: float) -> str:
    gates = _spec(pod).get("readinessGates") or ()
    if not gates:
        return NONE
    true = sum(1 for g in gates if _has_condition(_status(pod), str(g.get("conditionType"))))
    return f"{true}/{len(gates)}"


# ---------------------------------------------------------------------------------- workloads


def _containers(obj: Object) -> Sequence[Mapping[str, Any]]:
    template = _spec(obj).get("template") or {}
    return (template.get("spec") or {}).get("containers") or ()


def _container_names(obj: Object, now: float) -> str:
    return ",".join(str(c.get("name", "")) for c in _containers(obj)) or NONE


def _images(obj: Object, now: float) -> str:
    return ",".join(str(c.get("image", "")) for c in _containers(obj)) or NONE


def _selector(obj: Object, now: float) -> str:
    selector = _spec(obj).get("selector") or {}
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or ():
        key, operator = expression.get("key", ""), expression.get("operator", "")
        values = ",".join(expression.get("values") or ())
        parts.append(
            {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key}.get(
                operator, f"!{key}"
            )
        )
    return ",".join(parts) or NONE


def _deployment_ready(obj: Object, now: float) -> str:
    return f"{_int(_status(obj).get('readyReplicas'))}/{_int(_spec(obj).get('replicas'))}"


def _status_int(field: str) -> Cell:
    return lambda obj, now: str(_int(_status(obj).get(field)))


def _spec_int(field: str) -> Cell:
    return lambda obj, now: str(_int(_spec(obj).get(field)))


# ---------------------------------------------------------------------------------- others


def _node_status(node: Object, now: float) -> str:
    ready = "Unknown"
    for condition in _status(node).get("conditions") or ():
        if condition.get("type") == "Ready":
            ready = "Ready" if condition.get("status") == "True" else "NotReady"
    return ready + (",SchedulingDisabled" if _spec(node).get("unschedulable") else "")


def _node_roles(node: Object, now: float) -> str:
    roles = set()
    for key, value in (_meta(node).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/"):
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role":
            roles.add(str(value))
    return ",".join(sorted(r for r in roles if r)) or NONE


def _node_info(field: str) -> Cell:
    return lambda node, now: str((_status(node).get("nodeInfo") or {}).get(field) or "<unknown>")


def _node_address(kind: str) -> Cell:
    def cell(node: Object, now: float) -> str:
        for address in _status(node).get("addresses") or ():
            if address.get("type") == kind:
                return str(address.get("address"))
        return NONE

    return cell


def _data_count(obj: Object, now: float) -> str:
    return str(len(obj.get("data") or {}) + len(obj.get("binaryData") or {}))


def _phase(obj: Object, now: float) -> str:
    return str(_status(obj).get("phase") or "")


def _secret_type(obj: Object, now: float) -> str:
    return str(obj.get("type") or "")


def _service_type(obj: Object, now: float) -> str:
    return str(_spec(obj).get("type") or "ClusterIP")


def _cluster_ip(obj: Object, now: float) -> str:
    return str(_spec(obj).get("clusterIP") or NONE)


def _external_ip(obj: Object, now: float) -> str:
    ips = list(_spec(obj).get("externalIPs") or ())
    ingress = (_status(obj).get("loadBalancer") or {}).get("ingress") or ()
    ips += [str(i.get("ip") or i.get("hostname")) for i in ingress]
    if ips:
        return ",".join(ips)
    return "<pending>" if _service_type(obj, now) == "LoadBalancer" else NONE


def _ports(obj: Object, now: float) -> str:
    ports = []
    for port in _spec(obj).get("ports") or ():
        text = f"{port.get('port')}"
        if port.get("nodePort"):
            text += f":{port['nodePort']}"
        ports.append(f"{text}/{port.get('protocol', 'TCP')}")
    return ",".join(ports) or NONE


def _service_selector(obj: Object, now: float) -> str:
    selector = _spec(obj).get("selector") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or NONE


Columns = tuple[tuple[str, Cell], ...]

# resource (group-qualified) -> (columns, extra columns with -o wide)
_COLUMNS: Final[Mapping[str, tuple[Columns, Columns]]] = {
    "pods": (
        (("NAME", _name), ("READY", _pod_ready), ("STATUS", _pod_status),
         ("RESTARTS", _pod_restarts), ("AGE", _age)),
        (("IP", _pod_ip), ("NODE", _pod_node), ("NOMINATED NODE", _pod_nominated),
         ("READINESS GATES", _pod_gates)),
    ),
    "deployments.apps": (
        (("NAME", _name), ("READY", _deployment_ready), ("UP-TO-DATE", _status_int("updatedReplicas")),
         ("AVAILABLE", _status_int("availableReplicas")), ("AGE", _age)),
        (("CONTAINERS", _container_names), ("IMAGES", _images), ("SELECTOR", _selector)),
    ),
    "replicasets.apps": (
        (("NAME", _name), ("DESIRED", _spec_int("replicas")), ("CURRENT", _status_int("replicas")),
         ("READY", _status_int("readyReplicas")), ("AGE", _age)),
        (("CONTAINERS", _container_names), ("IMAGES", _images), ("SELECTOR", _selector)),
    ),
    "nodes": (
        (("NAME", _name), ("STATUS", _node_status), ("ROLES", _node_roles), ("AGE", _age),
         ("VERSION", _node_info("kubeletVersion"))),
        (("INTERNAL-IP", _node_address("InternalIP")), ("EXTERNAL-IP", _node_address("ExternalIP")),
         ("OS-IMAGE", _node_info("osImage")), ("KERNEL-VERSION", _node_info("kernelVersion")),
         ("CONTAINER-RUNTIME", _node_info("containerRuntimeVersion"))),
    ),
    "configmaps": ((("NAME", _name), ("DATA", _data_count), ("AGE", _age)), ()),
    "secrets": ((("NAME", _name), ("TYPE", _secret_type), ("DATA", _data_count), ("AGE", _age)), ()),
    "namespaces": ((("NAME", _name), ("STATUS", _phase), ("AGE", _age)), ()),
    "services": (
        (("NAME", _name), ("TYPE", _service_type), ("CLUSTER-IP", _cluster_ip),
         ("EXTERNAL-IP", _external_ip), ("PORT(S)", _ports), ("AGE", _age)),
        (("SELECTOR", _service_selector),),
    ),
}  # fmt: skip

_GENERIC: Final[tuple[Columns, Columns]] = ((("NAME", _name), ("AGE", _age)), ())


@final
class TableLayout:
    """Column widths kept across calls, so that watch rows line up with the first table."""

    def __init__(self) -> None:
        self.widths: list[int] = []

    def lines(self, rows: Sequence[Sequence[str]]) -> list[str]:
        """Aligned lines for ``rows`` (widths grow, never shrink)."""
        for row in rows:
            for i, cell in enumerate(row[:-1]):
                width = max(_MIN_WIDTH, len(cell) + _PADDING)
                if i >= len(self.widths):
                    self.widths.append(width)
                elif width > self.widths[i]:
                    self.widths[i] = width
        return [
            "".join(cell.ljust(self.widths[i]) for i, cell in enumerate(row[:-1])) + row[-1]
            for row in rows
        ]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Printer:
    """Prints objects of one resource as kubectl would with ``-o FORMAT``.

    Attributes:
        info: the resource.
        output: ``""`` (table), ``wide``, ``json``, ``yaml`` or ``name``.
        all_namespaces: ``-A``: a ``NAMESPACE`` column first (namespaced resources only).
    """

    info: ResourceInfo
    output: str = ""
    all_namespaces: bool = False

    def headers(self) -> list[str]:
        """The table's header cells."""
        return [header for header, _ in self._columns()]

    def _columns(self) -> list[tuple[str, Cell]]:
        base, wide = _COLUMNS.get(self.info.group_resource, _GENERIC)
        columns = list(base) + (list(wide) if self.output == "wide" else [])
        if self.all_namespaces and self.info.namespaced:
            columns.insert(0, ("NAMESPACE", _namespace))
        return columns

    def row(self, obj: Object, now: float) -> list[str]:
        """The table cells of ``obj``."""
        return [cell(obj, now) for _, cell in self._columns()]

    def complete(self, obj: Object) -> dict[str, Any]:
        """``obj`` with ``apiVersion`` and ``kind`` (list items come without them)."""
        return {"apiVersion": self.info.api_version, "kind": self.info.kind, **obj}

    def render(self, objects: Sequence[Object], now: float, *, single: bool) -> str:
        """Everything ``kubectl get`` prints for ``objects`` (``single``: a NAME was given)."""
        if self.output == "name":
            return "".join(f"{name_of(self.info, obj)}\n" for obj in objects)
        if self.output in ("json", "yaml"):
            items = [self.complete(obj) for obj in objects]
            document = items[0] if single and len(items) == 1 else list_document(items)
            return to_json(document) if self.output == "json" else to_yaml(document)
        layout = TableLayout()
        return "".join(
            f"{line}\n"
            for line in layout.lines([self.headers(), *(self.row(obj, now) for obj in objects)])
        )


def name_of(info: ResourceInfo, obj: Object) -> str:
    """``-o name``: ``pod/web-1``, ``deployment.apps/web``."""
    kind = info.kind.lower() + (f".{info.group}" if info.group else "")
    return f"{kind}/{_meta(obj).get('name', '')}"


def list_document(items: Sequence[Object]) -> dict[str, Any]:
    """kubectl's ``List`` wrapper for several objects."""
    return {
        "apiVersion": "v1",
        "items": list(items),
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


def to_json(document: Object) -> str:
    """kubectl's JSON: keys sorted, four-space indent, a final newline."""
    return json.dumps(document, indent=4, sort_keys=True, ensure_ascii=False) + "\n"


def to_yaml(document: Object) -> str:
    """kubectl's YAML: keys sorted, block style."""
    return yaml.safe_dump(
        dict(document), sort_keys=True, default_flow_style=False, allow_unicode=True
    )
