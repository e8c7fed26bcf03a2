"""Label key and value validation, with apimachinery's exact error texts.

Mirrors ``k8s.io/apimachinery/pkg/util/validation`` (``IsQualifiedName``,
``IsValidLabelValue``, ``IsDNS1123Subdomain``, ``RegexError``, ``MaxLenError``) and the text
of ``field.Error`` / ``utilerrors.Aggregate`` (``validation/field/errors.go``,
``util/errors/errors.go``) as far as label selectors use them (spec F-11, F-20, F-21).

Pure functions: no I/O, no state. Every ``is_*`` function returns the list of problems
(empty when the input is valid), in apimachinery's order, so that callers can join them as
apimachinery does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

__all__ = [
    "aggregate",
    "go_quote",
    "go_string_slice",
    "invalid",
    "is_dns1123_subdomain",
    "is_qualified_name",
    "is_valid_label_value",
]

# https://github.com/kubernetes/apimachinery/blob/v0.36.0/pkg/util/validation/validation.go
QUALIFIED_NAME_MAX_LENGTH: Final = 63
LABEL_VALUE_MAX_LENGTH: Final = 63
DNS1123_SUBDOMAIN_MAX_LENGTH: Final = 253

_QNAME_FMT: Final = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_ERR: Final = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_LABEL_VALUE_FMT: Final = f"({_QNAME_FMT})?"
_LABEL_VALUE_ERR: Final = (
    "a valid label must be an empty string or consist of alphanumeric characters, "
    "'-', '_' or '.', and must start and end with an alphanumeric character"
)
_DNS1123_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT: Final = f"{_DNS1123_LABEL_FMT}(\\.{_DNS1123_LABEL_FMT})*"
_DNS1123_SUBDOMAIN_ERR: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)

# Go's regexp on a string is byte-based and ASCII-only for these classes; re.ASCII keeps
# Python's \d-free classes identical. fullmatch stands for Go's "^...$".
_QNAME_RE: Final = re.compile(_QNAME_FMT, re.ASCII)
_LABEL_VALUE_RE: Final = re.compile(_LABEL_VALUE_FMT, re.ASCII)
_DNS1123_SUBDOMAIN_RE: Final = re.compile(_DNS1123_SUBDOMAIN_FMT, re.ASCII)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    # validation.RegexError: the doubled spaces ("'MyName',  or") are apimachinery's.
    text = msg + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            text += " or "
        text += "'" + example + "', "
    return text + "regex used for validation is '" + fmt + "')"


def _max_len_error(length: int) -> str:
    # apimachinery 1.36 counts bytes (recorded: "must be no more than 63 bytes").
    return f"must be no more than {length} bytes"


def _byte_len(value: str) -> int:
    return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))


def is_dns1123_subdomain(value: str) -> list[str]:
    """Problems with ``value`` as a lowercase RFC 1123 subdomain (``IsDNS1123Subdomain``)."""
    errors = []
    if _byte_len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errors.append(_max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errors.append(_regex_error(_DNS1123_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def is_qualified_name(value: str) -> list[str]:
    """Problems with ``value`` as a label key: ``[prefix/]name`` (F-20, ``IsQualifiedName``)."""
    errors: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend("prefix part " + msg for msg in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + _regex_error(_QNAME_ERR, _QNAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errors.append("name part must be non-empty")
    elif _byte_len(name) > QUALIFIED_NAME_MAX_LENGTH:
        errors.append("name part " + _max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _QNAME_RE.fullmatch(name):
        errors.append(
            "name part " + _regex_error(_QNAME_ERR, _QNAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errors


def is_valid_label_value(value: str) -> list[str]:
    """Problems with ``value`` as a label value (F-21, ``IsValidLabelValue``)."""
    errors = []
    if _byte_len(value) > LABEL_VALUE_MAX_LENGTH:
        errors.append(_max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errors.append(
            _regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errors


_GO_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(value: str) -> str:
    """``value`` as Go's ``%q`` / ``strconv.Quote`` prints it.

    >>> go_quote('a"b')
    '"a\\\\"b"'
    """
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return '"' + value + '"'
    out = ['"']
    for char in value:
        escaped = _GO_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def go_string_slice(values: Sequence[str] | None) -> str:
    """A ``[]string`` as Go's ``%#v`` prints it (``[]string{"a", "b"}``; ``None`` is nil)."""
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


def invalid(path: str, rendered_value: object, detail: str) -> str:
    """The text of ``field.Invalid(path, value, detail)``; ``rendered_value`` is already formatted."""
    text = f"{path}: Invalid value: {rendered_value}"
    return f"{text}: {detail}" if detail else text


def aggregate(messages: Sequence[str]) -> str:
    """The text of ``utilerrors.NewAggregate``: one message as is, several de-duplicated in ``[a, b]``."""
    seen: list[str] = []
    for message in messages:
        if message not in seen:
            seen.append(message)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"
