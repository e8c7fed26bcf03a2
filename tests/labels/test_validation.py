"""Label key/value validation texts (spec F-20, F-21) and Go formatting helpers."""

from __future__ import annotations

import pytest

from kinformer.labels._validation import (
    aggregate,
    go_quote,
    go_string_slice,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
)

_NAME_RE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_DNS_RE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "A1",
        "a.b-c_d",
        "x" * 63,
        "example.com/a",
        "a-b.c/Name",
        ("d" * 63 + ".") * 3 + "d" * 61 + "/n",
    ],
)
def test_is_qualified_name_f20_valid(key: str) -> None:
    assert is_qualified_name(key) == []


@pytest.mark.parametrize(
    ("key", "errors"),
    [
        ("", ["name part must be non-empty", "name part " + _NAME_RE]),
        ("x" * 64, ["name part must be no more than 63 bytes"]),
        ("-a", ["name part " + _NAME_RE]),
        ("a_", ["name part " + _NAME_RE]),
        ("é", ["name part " + _NAME_RE]),
        ("/a", ["prefix part must be non-empty"]),
        ("a/", ["name part must be non-empty", "name part " + _NAME_RE]),
        ("Example.com/a", ["prefix part " + _DNS_RE]),
        ("a_b/a", ["prefix part " + _DNS_RE]),
        (
            "A" * 254 + "/a",
            ["prefix part must be no more than 253 bytes", "prefix part " + _DNS_RE],
        ),
    ],
)
def test_is_qualified_name_f20_errors(key: str, errors: list[str]) -> None:
    assert is_qualified_name(key) == errors


def test_is_qualified_name_f20_prefix_longer_than_253_alone() -> None:
    prefix = ("a" * 63 + ".") * 3 + "a" * 63  # 255 characters, a valid pattern
    assert is_qualified_name(prefix + "/n") == ["prefix part must be no more than 253 bytes"]


def test_is_dns1123_subdomain() -> None:
    assert is_dns1123_subdomain("a.b-c.d") == []
    assert is_dns1123_subdomain("-a") == [_DNS_RE]


@pytest.mark.parametrize("value", ["", "a", "A-b_c.9", "x" * 63])
def test_is_valid_label_value_f21_valid(value: str) -> None:
    assert is_valid_label_value(value) == []


@pytest.mark.parametrize(
    ("value", "count"),
    [("b/c", 1), ("-a", 1), ("a-", 1), ("x" * 64, 1), ("-" * 64, 2), ("é", 1), ("é" * 32, 2)],
)
def test_is_valid_label_value_f21_invalid(value: str, count: int) -> None:
    errors = is_valid_label_value(value)
    assert len(errors) == count
    if len(value.encode()) > 63:
        assert errors[0] == "must be no more than 63 bytes"


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("abc", '"abc"'),
        ("", '""'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("\a\b\f\n\r\t\v", '"\\a\\b\\f\\n\\r\\t\\v"'),
        ("\x00\x1f\x7f", '"\\x00\\x1f\\x7f"'),
        ("héllo ☃", '"héllo ☃"'),
        ("\u200b\u2028", '"\\u200b\\u2028"'),
        ("\U000e0001", '"\\U000e0001"'),
    ],
)
def test_go_quote_is_strconv_quote(value: str, quoted: str) -> None:
    assert go_quote(value) == quoted


def test_go_string_slice() -> None:
    assert go_string_slice(None) == "[]string(nil)"
    assert go_string_slice([]) == "[]string{}"
    assert go_string_slice(["a", 'b"']) == '[]string{"a", "b\\""}'


def test_aggregate_is_utilerrors_text() -> None:
    assert aggregate(["x"]) == "x"
    assert aggregate(["x", "x"]) == "x"
    assert aggregate(["x", "y", "x"]) == "[x, y]"
