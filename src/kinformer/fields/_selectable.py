"""Which fields of an object a field selector can use, as kube-apiserver decides it.

kube-apiserver evaluates a ``fieldSelector`` in two independent steps, mirrored here:

1. **Conversion** (``Scheme.ConvertFieldLabel``): every term's field label goes through the
   kind's conversion function, registered with ``AddFieldLabelConversionFunc`` in
   ``k8s.io/kubernetes/pkg/apis/<group>/<version>/conversion.go``; it accepts a fixed set of
   labels, may rename one (pods' ``spec.host`` → ``spec.nodeName``, events.k8s.io's
   ``regarding.kind`` → ``involvedObject.kind``) and refuses the rest with a kind-specific
   text, which the server returns in a ``400``. A built-in kind without a function falls
   back to ``runtime.DefaultMetaV1FieldSelectorConversion`` (only ``metadata.name`` and
   ``metadata.namespace``; e.g. ConfigMaps, every ``apps`` kind). Custom resources use the
   apiextensions converter: ``metadata.name``, ``metadata.namespace`` when namespaced, and
   the CRD's ``selectableFields``; anything else is ``field label not supported: X``.
2. **Matching**: the registry's ``ToSelectableFields`` / ``GetAttrs`` projects the object to
   a flat ``{label: value}`` map, and the converted selector is matched against it. An
   accepted label that the projection does not set reads as ``""`` (pods'
   ``status.podIPs``); booleans are ``"true"``/``"false"`` and counts decimal, defaulting
   to ``"false"`` and ``"0"`` when absent, as the Go structs' zero values do.

Use :func:`convert_field_selector` (or :func:`check_field_selector`) for step 1 and match
the *converted* selector against :func:`selectable_fields` for step 2.

Pure module: no I/O, threads or clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final, final

from ..labels._errors import SelectorParseError
from ..labels._validation import go_quote
from ._selector import FieldSelector

__all__ = [
    "check_field_selector",
    "convert_field_selector",
    "selectable_fields",
]

_Extract = Callable[[Mapping[str, Any]], dict[str, str]]


def _dig(obj: Mapping[str, Any], *path: str) -> Any:
    node: Any = obj
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _str(obj: Mapping[str, Any], *path: str) -> str:
    value = _dig(obj, *path)
    return value if isinstance(value, str) else ""


def _bool(obj: Mapping[str, Any], *path: str) -> str:
    # strconv.FormatBool of a Go bool whose zero value is false.
    return "true" if _dig(obj, *path) is True else "false"


def _int(obj: Mapping[str, Any], *path: str) -> str:
    # strconv.Itoa of a Go int32 whose zero value is 0.
    value = _dig(obj, *path)
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else "0"


def _pod_ip(obj: Mapping[str, Any]) -> str:
    # The v1 → internal conversion makes status.podIP authoritative when set, else
    # status.podIPs[0].ip; ToSelectableFields then reads PodIPs[0].
    pod_ip = _str(obj, "status", "podIP")
    if pod_ip:
        return pod_ip
    ips = _dig(obj, "status", "podIPs")
    if isinstance(ips, list) and ips and isinstance(ips[0], Mapping):
        return _str(ips[0], "ip")
    return ""


def _pod(obj: Mapping[str, Any]) -> dict[str, str]:
    return {
        "spec.nodeName": _str(obj, "spec", "nodeName"),
        "spec.restartPolicy": _str(obj, "spec", "restartPolicy"),
        "spec.schedulerName": _str(obj, "spec", "schedulerName"),
        "spec.serviceAccountName": _str(obj, "spec", "serviceAccountName"),
        "spec.hostNetwork": _bool(obj, "spec", "hostNetwork"),
        "status.phase": _str(obj, "status", "phase"),
        "status.podIP": _pod_ip(obj),
        "status.nominatedNodeName": _str(obj, "status", "nominatedNodeName"),
    }


def _core_event(obj: Mapping[str, Any]) -> dict[str, str]:
    fields = {
        f"involvedObject.{name}": _str(obj, "involvedObject", name)
        for name in (
            "kind",
            "namespace",
            "name",
            "uid",
            "apiVersion",
            "resourceVersion",
            "fieldPath",
        )
    }
    fields["reason"] = _str(obj, "reason")
    fields["reportingComponent"] = _str(obj, "reportingComponent")
    fields["source"] = _str(obj, "source", "component") or _str(obj, "reportingComponent")
    fields["type"] = _str(obj, "type")
    return fields


def _events_k8s_io_event(obj: Mapping[str, Any]) -> dict[str, str]:
    # Same storage (and canonical labels) as core Events, in the events.k8s.io wire shape.
    fields = {
        f"involvedObject.{name}": _str(obj, "regarding", name)
        for name in (
            "kind",
            "namespace",
            "name",
            "uid",
            "apiVersion",
            "resourceVersion",
            "fieldPath",
        )
    }
    fields["reason"] = _str(obj, "reason")
    fields["reportingComponent"] = _str(obj, "reportingController")
    fields["source"] = _str(obj, "deprecatedSource", "component") or _str(
        obj, "reportingController"
    )
    fields["type"] = _str(obj, "type")
    return fields


def _none(obj: Mapping[str, Any]) -> dict[str, str]:
    return {}


def _not_supported(label: str, api_version: str) -> str:
    return f"field label not supported: {label}"


def _default_meta(label: str, api_version: str) -> str:
    return f'{go_quote(label)} is not a known field selector: only "metadata.name", "metadata.namespace"'


@final
@dataclass(frozen=True, slots=True)
class _KindRules:
    """One kind's conversion function (``accepted``, ``refuse``) and projection."""

    accepted: Mapping[str, str]  # label as sent → canonical label
    refuse: Callable[[str, str], str]  # (label, apiVersion) → error text
    extract: _Extract  # object → kind-specific fields (metadata added separately)
    namespaced: bool = True


def _accept(*labels: str, **aliases: str) -> dict[str, str]:
    return {label: label for label in labels}


_META: Final = ("metadata.name", "metadata.namespace")

_EVENT_LABELS: Final = (
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)

# (group, kind) → rules. Sources: pkg/apis/core/v1/conversion.go, batch/v1, certificates/v1,
# events/v1, resource/v1 conversion.go, and the matching pkg/registry/*/strategy.go.
_RULES: Final[Mapping[tuple[str, str], _KindRules]] = {
    ("", "Pod"): _KindRules(
        accepted={
            **_accept(
                *_META,
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.podIPs",
                "status.nominatedNodeName",
            ),
            "spec.host": "spec.nodeName",  # old v1 clients
        },
        refuse=_not_supported,
        extract=_pod,
    ),
    ("", "Node"): _KindRules(
        accepted=_accept("metadata.name", "spec.unschedulable"),
        refuse=_not_supported,
        extract=lambda o: {"spec.unschedulable": _bool(o, "spec", "unschedulable")},
        namespaced=False,
    ),
    ("", "ReplicationController"): _KindRules(
        accepted=_accept(*_META, "status.replicas"),
        refuse=_not_supported,
        extract=lambda o: {"status.replicas": _int(o, "status", "replicas")},
    ),
    ("", "Event"): _KindRules(
        accepted=_accept(*_EVENT_LABELS, *_META),
        refuse=_not_supported,
        extract=_core_event,
    ),
    ("", "Namespace"): _KindRules(
        accepted=_accept("status.phase", "metadata.name"),
        refuse=_not_supported,
        extract=lambda o: {"status.phase": _str(o, "status", "phase")},
        namespaced=False,
    ),
    ("", "Secret"): _KindRules(
        accepted=_accept("type", *_META),
        refuse=_not_supported,
        extract=lambda o: {"type": _str(o, "type")},
    ),
    ("", "Service"): _KindRules(
        accepted=_accept(*_META, "spec.clusterIP", "spec.type"),
        refuse=_not_supported,
        extract=lambda o: {
            "spec.clusterIP": _str(o, "spec", "clusterIP"),
            "spec.type": _str(o, "spec", "type"),
        },
    ),
    ("events.k8s.io", "Event"): _KindRules(
        accepted={
            "reason": "reason",
            **{
                f"regarding.{name}": f"involvedObject.{name}"
                for name in (
                    "kind",
                    "namespace",
                    "name",
                    "uid",
                    "apiVersion",
                    "resourceVersion",
                    "fieldPath",
                )
            },
            "reportingController": "reportingComponent",
            "source": "source",
            "type": "type",
            "metadata.namespace": "metadata.namespace",
            "metadata.name": "metadata.name",
        },
        refuse=_not_supported,
        extract=_events_k8s_io_event,
    ),
    ("batch", "Job"): _KindRules(
        accepted=_accept(*_META, "status.successful"),
        refuse=lambda label, _: f"field label {go_quote(label)} not supported for Job",
        extract=lambda o: {"status.successful": _int(o, "status", "succeeded")},
    ),
    ("certificates.k8s.io", "CertificateSigningRequest"): _KindRules(
        accepted=_accept("metadata.name", "spec.signerName"),
        refuse=_not_supported,
        extract=lambda o: {"spec.signerName": _str(o, "spec", "signerName")},
        namespaced=False,
    ),
    ("certificates.k8s.io", "ClusterTrustBundle"): _KindRules(
        accepted=_accept("metadata.name", "spec.signerName"),
        refuse=_not_supported,
        extract=lambda o: {"spec.signerName": _str(o, "spec", "signerName")},
        namespaced=False,
    ),
    ("certificates.k8s.io", "PodCertificateRequest"): _KindRules(
        # Namespaced, yet its conversion function does not accept metadata.namespace.
        accepted=_accept("metadata.name", "spec.signerName", "spec.podName", "spec.nodeName"),
        refuse=_not_supported,
        extract=lambda o: {
            "spec.signerName": _str(o, "spec", "signerName"),
            "spec.podName": _str(o, "spec", "podName"),
            "spec.nodeName": _str(o, "spec", "nodeName"),
        },
    ),
    ("resource.k8s.io", "ResourceSlice"): _KindRules(
        accepted=_accept("metadata.name", "spec.nodeName", "spec.driver"),
        refuse=lambda label, api_version: (
            f"field label not supported for {api_version}, Kind=ResourceSlice: {label}"
        ),
        extract=lambda o: {
            "spec.nodeName": _str(o, "spec", "nodeName"),
            "spec.driver": _str(o, "spec", "driver"),
        },
        namespaced=False,
    ),
}

_DEFAULT: Final = _KindRules(accepted=_accept(*_META), refuse=_default_meta, extract=_none)


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def _custom_path(field: str) -> str:
    # CRD selectableFields are JSON paths such as ".spec.color"; labels drop the dot.
    return field[1:] if field.startswith(".") else field


def convert_field_selector(
    api_version: str,
    kind: str,
    selector: FieldSelector,
    *,
    custom_resource: bool = False,
    namespaced: bool = True,
    custom_fields: Collection[str] = (),
) -> FieldSelector:
    """The selector after kube-apiserver's field-label conversion for ``apiVersion``/``kind``.

    Accepted labels are kept or renamed to the label :func:`selectable_fields` produces
    (``spec.host`` → ``spec.nodeName`` for pods, ``regarding.name`` →
    ``involvedObject.name`` for ``events.k8s.io`` Events). Terms are checked in the
    selector's order and the first refused label raises.

    Args:
        api_version: ``v1``, ``batch/v1``, ...
        kind: ``Pod``, ``Job``, ...
        selector: A parsed field selector.
        custom_resource: The kind is served from a CustomResourceDefinition.
        namespaced: For a custom resource, whether it is namespaced (cluster-scoped
            custom resources refuse ``metadata.namespace``). Built-in kinds know theirs.
        custom_fields: For a custom resource, the CRD version's ``selectableFields``
            JSON paths (``.spec.color`` or ``spec.color``).

    Raises:
        SelectorParseError: the server's text, e.g. ``field label not supported:
            spec.containers.image`` (pods and every kind with a conversion function, and
            custom resources) or ``"data.i" is not a known field selector: only
            "metadata.name", "metadata.namespace"`` (built-in kinds without one).
    """
    if custom_resource:
        accepted = {"metadata.name": "metadata.name"}
        if namespaced:
            accepted["metadata.namespace"] = "metadata.namespace"
        for field in custom_fields:
            label = _custom_path(field)
            accepted[label] = label
        rules = _KindRules(accepted=accepted, refuse=_not_supported, extract=_none)
    else:
        rules = _RULES.get((_group(api_version), kind), _DEFAULT)

    def convert(label: str, value: str) -> tuple[str, str]:
        canonical = rules.accepted.get(label)
        if canonical is None:
            raise SelectorParseError(rules.refuse(label, api_version))
        return canonical, value

    return selector.transform(convert)


def check_field_selector(
    api_version: str,
    kind: str,
    selector: FieldSelector,
    *,
    custom_resource: bool = False,
    namespaced: bool = True,
    custom_fields: Collection[str] = (),
) -> None:
    """Raise the server's ``400`` text if ``selector`` uses a label the kind does not support.

    Same arguments and errors as :func:`convert_field_selector`, which also returns the
    converted selector to match against :func:`selectable_fields`.
    """
    convert_field_selector(
        api_version,
        kind,
        selector,
        custom_resource=custom_resource,
        namespaced=namespaced,
        custom_fields=custom_fields,
    )


def _custom_value(obj: Mapping[str, Any], label: str) -> str:
    value = _dig(obj, *label.split("."))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return ""


def selectable_fields(
    obj: Mapping[str, Any],
    *,
    api_version: str | None = None,
    kind: str | None = None,
    custom_fields: Collection[str] = (),
) -> dict[str, str]:
    """The field set kube-apiserver matches field selectors against, for ``obj``.

    ``metadata.name`` and ``metadata.namespace`` (``""`` for cluster-scoped objects, which
    reads the same as absent) for every kind, plus the per-kind fields of built-in kinds
    (by ``apiVersion`` group and ``kind``) under their canonical labels; see the module
    docstring. Match the selector returned by :func:`convert_field_selector`.

    >>> pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "d"},
    ...        "spec": {"nodeName": "n1"}}
    >>> f = selectable_fields(pod)
    >>> f["spec.nodeName"], f["spec.hostNetwork"], f["status.phase"]
    ('n1', 'false', '')

    Args:
        obj: The object as the API serves it (a decoded JSON dict).
        api_version: The object's ``apiVersion``, when ``obj`` lacks it (items of a list
            response carry no ``apiVersion``/``kind``); default: ``obj["apiVersion"]``.
        kind: The object's ``kind``, likewise; default: ``obj["kind"]``.
        custom_fields: For a custom resource, the CRD's ``selectableFields`` JSON paths;
            strings, integers and booleans are formatted as the apiextensions server does,
            anything else or missing reads as ``""``.
    """
    if api_version is None:
        api_version = _str(obj, "apiVersion")
    if kind is None:
        kind = _str(obj, "kind")
    fields = _RULES.get((_group(api_version), kind), _DEFAULT).extract(obj)
    for field in custom_fields:
        label = _custom_path(field)
        fields[label] = _custom_value(obj, label)
    fields["metadata.name"] = _str(obj, "metadata", "name")
    fields["metadata.namespace"] = _str(obj, "metadata", "namespace")
    return fields
