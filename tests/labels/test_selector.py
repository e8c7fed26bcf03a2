"""The label selector model: requirements, matching, printing, sets (spec F-10 .. F-16)."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping
from types import MappingProxyType

import pytest

from kinformer.labels import (
    Operator,
    Requirement,
    Selector,
    SelectorParseError,
    everything,
    format_set,
    from_label_selector,
    from_set,
    new_requirement,
    nothing,
    parse,
    validated_from_set,
)
from kinformer.labels._selector import parse_int64


def test_operator_f10_values_are_apimachinerys() -> None:
    assert [op.value for op in Operator] == [
        "=",
        "==",
        "!=",
        "in",
        "notin",
        "exists",
        "!",
        "gt",
        "lt",
    ]


@pytest.mark.parametrize(
    ("key", "op", "values"),
    [
        ("a", Operator.IN, ("x", "y")),
        ("a", Operator.NOT_IN, ("",)),
        ("a", Operator.EQUALS, ("x",)),
        ("a", Operator.DOUBLE_EQUALS, ("",)),
        ("a", Operator.NOT_EQUALS, ("x",)),
        ("a", Operator.EXISTS, ()),
        ("a", Operator.DOES_NOT_EXIST, ()),
        ("a", Operator.GREATER_THAN, ("5",)),
        ("example.com/a", Operator.LESS_THAN, ("9223372036854775807",)),
    ],
)
def test_new_requirement_f11_valid(key: str, op: Operator, values: tuple[str, ...]) -> None:
    assert new_requirement(key, op, values) == Requirement(key, op, values)


@pytest.mark.parametrize(
    ("key", "op", "values", "message"),
    [
        (
            "a",
            Operator.IN,
            (),
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            "a",
            Operator.NOT_IN,
            (),
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            "a",
            Operator.EQUALS,
            ("x", "y"),
            'values: Invalid value: []string{"x", "y"}: exact-match compatibility requires one single value',
        ),
        (
            "a",
            Operator.NOT_EQUALS,
            (),
            "values: Invalid value: []string{}: exact-match compatibility requires one single value",
        ),
        (
            "a",
            Operator.EXISTS,
            ("x",),
            'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
        ),
        (
            "a",
            Operator.DOES_NOT_EXIST,
            ("x",),
            'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
        ),
        (
            "a",
            Operator.GREATER_THAN,
            (),
            "values: Invalid value: []string{}: for 'Gt', 'Lt' operators, exactly one value is required",
        ),
        (
            "a",
            Operator.LESS_THAN,
            ("1", "x"),
            "[values: Invalid value: []string{\"1\", \"x\"}: for 'Gt', 'Lt' operators, exactly one value is required, "
            "values[1]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer]",
        ),
        (
            "",
            Operator.EXISTS,
            (),
            "key: Invalid value: \"\": name part must be non-empty; name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ),
        (
            "a",
            "~",
            (),
            'operator: Unsupported value: "~": supported values: "in", "notin", "=", "==", "!=", "exists", "!", "gt", "lt"',
        ),
    ],
)
def test_new_requirement_f11_errors(
    key: str, op: str, values: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SelectorParseError) as info:
        new_requirement(key, op, values)
    assert str(info.value) == message


def test_new_requirement_f19_negative_bound_is_not_a_label_value() -> None:
    with pytest.raises(SelectorParseError, match=r'^values\[0\]\[a\]: Invalid value: "-5"'):
        new_requirement("a", Operator.LESS_THAN, ["-5"])


def test_new_requirement_f11_aggregates_key_and_value_errors() -> None:
    with pytest.raises(SelectorParseError) as info:
        new_requirement("-k", Operator.EQUALS, ["v-"])
    text = str(info.value)
    assert text.startswith('[key: Invalid value: "-k": name part must consist')
    assert ', values[0][-k]: Invalid value: "v-": a valid label must be' in text
    assert text.endswith("]")


LABELS = {"app": "web", "tier": "frontend", "idx": "7", "empty": "", "big": "9223372036854775807"}

MATCHES = [
    # F-12: in, =, ==: key present AND value in values
    ("app=web", True),
    ("app==web", True),
    ("app=db", False),
    ("missing=", False),
    ("empty=", True),
    ("app in (db,web)", True),
    ("app in (db)", False),
    ("missing in (x)", False),
    ("empty in ()", True),  # "()" is the set {""} (F-18); recorded: `tier in ()` lists 0 of 26
    ("app in ()", False),
    ("missing in ()", False),
    # notin, !=: key absent OR value not in values
    ("app!=db", True),
    ("app!=web", False),
    ("missing!=web", True),
    ("app notin (db,web)", False),
    ("app notin (db)", True),
    ("missing notin (x)", True),
    # exists / !
    ("app", True),
    ("missing", False),
    ("!app", False),
    ("!missing", True),
    # gt / lt: present, int64, compared; false when the label is not an integer
    ("idx>6", True),
    ("idx>7", False),
    ("idx<8", True),
    ("idx<7", False),
    ("app>1", False),
    ("missing<100", False),
    ("big>9223372036854775806", True),
    ("empty<1", False),
    # F-13: AND of requirements
    ("app=web,tier=frontend", True),
    ("app=web,tier=backend", False),
    ("app=web,tier in (frontend),!canary,idx>1", True),
    ("app=web,tier in (frontend),!canary,idx>10", False),
]


@pytest.mark.parametrize(("text", "expected"), MATCHES)
def test_selector_f12_f13_matching(text: str, expected: bool) -> None:
    selector = parse(text)
    assert selector.matches(LABELS) is expected
    assert selector.matches(MappingProxyType(LABELS)) is expected
    assert all(r.matches(LABELS) for r in selector.requirements) is expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("+8", True),
        ("08", True),
        (" 8", False),
        ("8_0", False),
        ("١٢", False),
        ("99999999999999999999", False),
    ],
)
def test_requirement_f12_gt_parses_label_like_strconv_parseint(label: str, expected: bool) -> None:
    assert parse("n>7").matches({"n": label}) is expected


def test_parse_int64_bounds() -> None:
    assert parse_int64("-9223372036854775808") == -(2**63)
    assert parse_int64("-9223372036854775809") is None
    assert parse_int64("") is None


def test_requirement_coerces_operator_and_values() -> None:
    requirement = Requirement("a", "in", ["x", "y"])  # type: ignore[arg-type]
    assert requirement == Requirement("a", Operator.IN, ("x", "y"))
    assert requirement.operator is Operator.IN
    assert requirement.matches({"a": "y"})
    with pytest.raises(ValueError, match="'~' is not a valid Operator"):
        Requirement("a", "~")  # type: ignore[arg-type]


def test_requirement_f12_gt_lt_with_unusable_values_never_match() -> None:
    # Only reachable by building requirements by hand (new_requirement refuses them).
    assert not Requirement("n", Operator.GREATER_THAN, ("x",)).matches({"n": "5"})
    assert not Requirement("n", Operator.LESS_THAN, ("1", "2")).matches({"n": "0"})


@pytest.mark.parametrize("labels", [None, {}])
def test_selector_f12_none_labels_are_empty(labels: Mapping[str, str] | None) -> None:
    assert parse("!a").matches(labels)
    assert parse("a!=x").matches(labels)
    assert not parse("a").matches(labels)
    assert not parse("a=,b").matches(labels)
    assert parse("a notin (x),b!=y,!c").matches(labels)
    assert Requirement("a", Operator.DOES_NOT_EXIST).matches(labels)


def test_selector_f13_empty_and_nothing() -> None:
    assert everything().empty
    assert everything().matches({"a": "b"})
    assert everything().matches(None)
    assert not everything().matches_nothing
    assert not nothing().empty
    assert nothing().matches_nothing
    assert not nothing().matches({})
    assert not nothing().matches(None)
    assert str(nothing()) == ""
    assert str(everything()) == ""
    assert nothing() != everything()
    assert repr(nothing()) == "Selector(nothing)"
    assert repr(parse("b,a")) == "Selector('a,b')"


def test_selector_nothing_cannot_have_requirements() -> None:
    with pytest.raises(ValueError, match="matches nothing"):
        Selector([Requirement("a", Operator.EXISTS)], matches_nothing=True)


@pytest.mark.parametrize(
    ("requirement", "text"),
    [
        (Requirement("a", Operator.DOES_NOT_EXIST), "!a"),
        (Requirement("a", Operator.EXISTS), "a"),
        (Requirement("a", Operator.EQUALS, ("b",)), "a=b"),
        (Requirement("a", Operator.DOUBLE_EQUALS, ("b",)), "a==b"),
        (Requirement("a", Operator.NOT_EQUALS, ("b",)), "a!=b"),
        (Requirement("a", Operator.GREATER_THAN, ("1",)), "a>1"),
        (Requirement("a", Operator.LESS_THAN, ("1",)), "a<1"),
        (Requirement("a", Operator.IN, ("c", "b")), "a in (b,c)"),
        (Requirement("a", Operator.NOT_IN, ("c", "b", "a")), "a notin (a,b,c)"),
        (Requirement("a", Operator.IN, ("",)), "a in ()"),
    ],
)
def test_requirement_f14_string(requirement: Requirement, text: str) -> None:
    assert str(requirement) == text


def test_selector_f14_string_joins_sorted_requirements() -> None:
    assert str(parse("z notin (b,a), !y, x>1, a")) == "a,x>1,!y,z notin (a,b)"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("a=x", "a", "x"),
        ("a==x", "a", "x"),
        ("a in (x)", "a", "x"),
        ("a in (x,y)", "a", None),
        ("a!=x", "a", None),
        ("a", "a", None),
        ("b=y", "a", None),
        ("a notin (x),a=y", "a", None),  # only the first requirement on the key counts
        ("a=y,a notin (x)", "a", "y"),
    ],
)
def test_selector_f14_requires_exact_match(text: str, key: str, expected: str | None) -> None:
    assert parse(text).requires_exact_match(key) == expected


def test_selector_f14_requires_exact_match_nothing() -> None:
    assert nothing().requires_exact_match("a") is None


def test_selector_f15_add_returns_new_sorted_selector() -> None:
    base = parse("m=1")
    added = base.add(Requirement("z", Operator.EXISTS), Requirement("a", Operator.EQUALS, ("2",)))
    assert str(added) == "a=2,m=1,z"
    assert str(base) == "m=1"
    assert added.matches({"a": "2", "m": "1", "z": ""})
    assert nothing().add(Requirement("a", Operator.EXISTS)) is nothing()


def test_selector_f16_from_set() -> None:
    selector = from_set({"b": "2", "a": "1"})
    assert str(selector) == "a=1,b=2"
    assert all(r.operator is Operator.EQUALS for r in selector.requirements)
    assert selector.matches({"a": "1", "b": "2", "c": "3"})
    assert not selector.matches({"a": "1"})
    assert from_set({}).empty
    assert from_set(None).empty
    # not validated (F-16)
    assert str(from_set({"bad key": "bad value!"})) == "bad key=bad value!"


def test_selector_f16_validated_from_set() -> None:
    assert validated_from_set({"b": "2", "a": "1"}) == from_set({"a": "1", "b": "2"})
    assert validated_from_set(None).empty
    with pytest.raises(SelectorParseError, match=r'^values\[0\]\[a\]: Invalid value: "-"'):
        validated_from_set({"b": "-", "a": "-"})


def test_set_f16_string() -> None:
    assert format_set({"b": "2", "a": "1", "c": ""}) == "a=1,b=2,c="
    assert format_set({}) == ""


def test_from_label_selector_match_labels_and_expressions() -> None:
    selector = from_label_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["b", "a"]},
                {"key": "env", "operator": "NotIn", "values": ["prod"]},
                {"key": "owner", "operator": "Exists"},
                {"key": "canary", "operator": "DoesNotExist", "values": []},
            ],
        }
    )
    assert str(selector) == "app=web,!canary,env notin (prod),owner,tier in (a,b)"
    assert selector.matches({"app": "web", "tier": "a", "owner": "me"})
    assert not selector.matches({"app": "web", "tier": "a", "owner": "me", "env": "prod"})


def test_from_label_selector_none_is_nothing_and_empty_is_everything() -> None:
    assert from_label_selector(None) is nothing()
    assert from_label_selector({}) is everything()
    assert from_label_selector({"matchLabels": {}, "matchExpressions": []}) is everything()
    assert from_label_selector({"matchLabels": None}).empty


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
            '"Gt" is not a valid label selector operator',
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
        ),
        (
            {"matchLabels": {"a": "-x"}},
            'values[0][a]: Invalid value: "-x": a valid label must be an empty string',
        ),
        (
            {"matchLabels": {"a/b/c": "x"}},
            'key: Invalid value: "a/b/c": a qualified name must consist',
        ),
    ],
)
def test_from_label_selector_invalid(selector: dict[str, object], message: str) -> None:
    with pytest.raises(SelectorParseError) as info:
        from_label_selector(selector)
    assert str(info.value).startswith(message)


def test_selector_is_immutable_hashable_and_picklable() -> None:
    selector = parse("a in (x,y),!b")
    with pytest.raises(AttributeError):
        selector.requirements = ()  # type: ignore[misc]
    assert hash(selector) == hash(parse_uncached_copy(selector))
    for clone in (
        pickle.loads(pickle.dumps(selector)),
        copy.copy(selector),
        copy.deepcopy(selector),
    ):
        assert clone == selector
        assert clone.matches({"a": "x"})
        assert not clone.matches({"a": "z"})
    assert pickle.loads(pickle.dumps(nothing())) == nothing()
    assert {selector: 1}[parse("!b,a in (y,x)")] == 1


def parse_uncached_copy(selector: Selector) -> Selector:
    return Selector(selector.requirements)


def test_public_names_point_at_the_package() -> None:
    assert Selector.__module__ == "kinformer.labels"
    assert SelectorParseError.__module__ == "kinformer.labels"


def test_selector_f13_many_requirements_use_the_generic_matcher() -> None:
    keys = [f"k{i:03d}" for i in range(40)]
    selector = parse(",".join(f"{k}=v" for k in keys) + ",!gone")
    labels = dict.fromkeys(keys, "v")
    assert selector.matches(labels)
    assert not selector.matches({**labels, "gone": ""})
    assert not selector.matches({**labels, "k039": "w"})
    assert not selector.matches(None)
    assert parse(",".join(f"!{k}" for k in keys)).matches(None)
