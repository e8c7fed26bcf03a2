"""Object validation with kube-apiserver's texts: names, labels, ConfigMap keys (golden 02, 11).

Mirrors apimachinery ``pkg/api/validation`` (``ValidateObjectMeta``, ``NameIsDNSSubdomain``,
``NameIsDNSLabel``), ``pkg/util/validation`` (``IsDNS1123Subdomain``, ``IsQualifiedName``,
``IsValidLabelValue``, ``IsConfigMapKey``). Every function returns causes
``(reason, message, field)``; an empty list means valid. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import orjson

__all__ = ["Cause", "validate_metadata", "validate_object"]

Cause = tuple[str, str, str]

_INVALID: Final = "FieldValueInvalid"
_REQUIRED: Final = "FieldValueRequired"

_DNS1123_LABEL: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN: Final = _DNS1123_LABEL + "(\\." + _DNS1123_LABEL + ")*"
_QNAME: Final = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE: Final = "(" + _QNAME + ")?"
_CONFIG_KEY: Final = "[-._a-zA-Z0-9]+"

_SUBDOMAIN_ERROR: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    f"for validation is '{_DNS1123_SUBDOMAIN}')"
)
_LABEL_ERROR: Final = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    f"used for validation is '{_DNS1123_LABEL}')"
)
_QNAME_ERROR: Final = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    f"validation is '{_QNAME}')"
)
_LABEL_VALUE_ERROR: Final = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',"
    f"  or '12345', regex used for validation is '{_LABEL_VALUE}')"
)
_CONFIG_KEY_ERROR: Final = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    f"'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '{_CONFIG_KEY}')"
)

_RE_LABEL: Final = re.compile(_DNS1123_LABEL)
_RE_SUBDOMAIN: Final = re.compile(_DNS1123_SUBDOMAIN)
_RE_QNAME: Final = re.compile(_QNAME)
_RE_LABEL_VALUE: Final = re.compile(_LABEL_VALUE)
_RE_CONFIG_KEY: Final = re.compile(_CONFIG_KEY)

DNS_LABEL_NAMES: Final = frozenset({"namespaces", "services"})
"""Resources whose names are RFC 1123 labels, not subdomains."""


def go_quote(value: Any) -> str:
    """Go's ``%q`` of a string (JSON quoting is the same for printable text)."""
    return orjson.dumps(value).decode() if isinstance(value, str) else str(value)


def _invalid(field: str, value: Any, detail: str) -> Cause:
    return (_INVALID, f"Invalid value: {go_quote(value)}: {detail}", field)


def _name_causes(name: str, *, dns_label: bool) -> list[Cause]:
    causes: list[Cause] = []
    limit = 63 if dns_label else 253
    if len(name) > limit:
        causes.append(_invalid("metadata.name", name, f"must be no more than {limit} characters"))
    pattern = _RE_LABEL if dns_label else _RE_SUBDOMAIN
    if pattern.fullmatch(name) is None:
        causes.append(
            _invalid("metadata.name", name, _LABEL_ERROR if dns_label else _SUBDOMAIN_ERROR)
        )
    return causes


def _label_key_causes(key: str) -> list[str]:
    problems: list[str] = []
    name = key
    if "/" in key:
        prefix, _, name = key.partition("/")
        if not prefix or len(prefix) > 253 or _RE_SUBDOMAIN.fullmatch(prefix) is None:
            problems.append("prefix part " + _SUBDOMAIN_ERROR)
    if not name:
        problems.append("name part must be non-empty")
    else:
        if len(name) > 63:
            problems.append("name part must be no more than 63 characters")
        if _RE_QNAME.fullmatch(name) is None:
            problems.append(_QNAME_ERROR)
    return problems


def validate_metadata(meta: Mapping[str, Any], *, plural: str) -> list[Cause]:
    """Name, generateName and labels (``ValidateObjectMeta``)."""
    causes: list[Cause] = []
    name = meta.get("name") or ""
    if not name:
        causes.append(
            (_REQUIRED, "Required value: name or generateName is required", "metadata.name")
        )
    else:
        causes.extend(_name_causes(name, dns_label=plural in DNS_LABEL_NAMES))
    labels = meta.get("labels") or {}
    if isinstance(labels, dict):
        for key, value in labels.items():
            causes.extend(_invalid("metadata.labels", key, p) for p in _label_key_causes(str(key)))
            text = value if isinstance(value, str) else str(value)
            if len(text) > 63:
                causes.append(
                    _invalid("metadata.labels", text, "must be no more than 63 characters")
                )
            if _RE_LABEL_VALUE.fullmatch(text) is None:
                causes.append(_invalid("metadata.labels", text, _LABEL_VALUE_ERROR))
    return causes


_GO_MICRO_LAYOUT: Final = "2006-01-02T15:04:05.000000Z07:00"
_RE_TIME: Final = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(.*)", re.DOTALL)
_RE_OFFSET: Final = re.compile(r"([+-])(\d{2}):(\d{2})")
_LEASE_TIMES: Final = ("acquireTime", "renewTime")


def parse_micro_time(value: str) -> str:
    """A ``metav1.MicroTime`` in UTC (``...123456Z``), or ValueError with Go's parse text.

    MicroTime needs exactly six fractional digits (golden 09 seq 11-16); an offset is
    converted to UTC (seq 14).
    """
    import datetime

    def fail(part: str, layout: str) -> ValueError:
        return ValueError(
            f'parsing time "{value}" as "{_GO_MICRO_LAYOUT}": cannot parse "{part}" as "{layout}"'
        )

    match = _RE_TIME.fullmatch(value)
    if match is None:
        raise fail(value, "2006")
    rest = match.group(2)
    if not rest.startswith(".") or not rest[1:7].isdigit():
        raise fail(rest, ".000000")
    zone = rest[7:]
    if zone == "Z":
        offset = datetime.timedelta(0)
    else:
        found = _RE_OFFSET.fullmatch(zone)
        if found is None:
            raise fail(zone, "Z07:00")
        sign = 1 if found.group(1) == "+" else -1
        offset = sign * datetime.timedelta(hours=int(found.group(2)), minutes=int(found.group(3)))
    moment = datetime.datetime.fromisoformat(match.group(1) + rest[:7]) - offset
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalise_lease(obj: dict[str, Any]) -> None:
    """Parse a Lease's MicroTimes in place (UTC); ValueError with Go's text when invalid."""
    spec = obj.get("spec")
    if isinstance(spec, dict):
        for key in _LEASE_TIMES:
            value = spec.get(key)
            if isinstance(value, str):
                spec[key] = parse_micro_time(value)


def validate_object(obj: Mapping[str, Any], *, plural: str) -> list[Cause]:
    """Per-kind checks: ConfigMap / Secret data keys (golden 11), Lease duration (golden 09)."""
    causes: list[Cause] = []
    if plural == "leases":
        duration = (obj.get("spec") or {}).get("leaseDurationSeconds")
        if isinstance(duration, int) and duration <= 0:
            causes.append(_invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    if plural in ("configmaps", "secrets"):
        for field in ("data", "binaryData", "stringData"):
            data = obj.get(field)
            if isinstance(data, dict):
                causes.extend(
                    _invalid(f"{field}[{key}]", key, _CONFIG_KEY_ERROR)
                    for key in data
                    if _RE_CONFIG_KEY.fullmatch(key) is None
                )
    return causes
