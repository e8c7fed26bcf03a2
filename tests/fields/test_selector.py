"""fields.parse and FieldSelector (spec F-30 .. F-35)."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings, strategies as st

from kinformer.fields import (
    FieldRequirement,
    FieldSelector,
    SelectorParseError,
    escape_value,
    everything,
    from_set,
    nothing,
    one_term_equal,
    one_term_not_equal,
    parse,
    unescape_value,
)
from kinformer.fields._selector import parse_uncached
from kinformer.labels import Operator

EQ, NE = Operator.EQUALS, Operator.NOT_EQUALS


@pytest.mark.parametrize(
    ("text", "requirements"),
    [
        ("", ()),
        (",", ()),
        ("a=b", (("a", EQ, "b"),)),
        ("a==b", (("a", EQ, "b"),)),
        ("a!=b", (("a", NE, "b"),)),
        ("a=", (("a", EQ, ""),)),
        ("=b", (("", EQ, "b"),)),
        ("=", ()),  # Transform drops a term with empty field and value
        ("=,a=b", (("a", EQ, "b"),)),
        (
            "b=1,a==2,c!=3",
            (("a", EQ, "2"), ("b", EQ, "1"), ("c", NE, "3")),
        ),  # F-30 sorted raw terms
        ("a=1,,b=2,", (("a", EQ, "1"), ("b", EQ, "2"))),  # empty terms skipped
        (" a = b ", ((" a ", EQ, " b "),)),  # no trimming (F-31)
        ("x=a\\,b", (("x", EQ, "a,b"),)),  # escaped comma does not split
        ("x=a\\=b\\\\c", (("x", EQ, "a=b\\c"),)),
        ("a!b=c", (("a!b", EQ, "c"),)),
        ("a=!b", (("a", EQ, "!b"),)),
        ("a!=\\=b", (("a", NE, "=b"),)),
        (
            "metadata.name=cm-03,metadata.name=cm-04",
            (("metadata.name", EQ, "cm-03"), ("metadata.name", EQ, "cm-04")),
        ),
    ],
)
def test_parse_f30_f31_f32_valid(
    text: str, requirements: tuple[tuple[str, Operator, str], ...]
) -> None:
    selector = parse(text)
    assert selector.requirements == requirements
    assert all(isinstance(r, FieldRequirement) for r in selector.requirements)
    assert selector.empty is (requirements == ())


# kube-apiserver v1.36.2, 04-list-semantics.json exchanges 84 and 85: the 400 Status message.
RECORDED = [
    ("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
    (
        "metadata.name in (cm-03,cm-04)",
        "invalid selector: 'metadata.name in (cm-03,cm-04)'; can't understand 'cm-04)'",
    ),
]

DERIVED = [
    ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
    (
        "a===b",
        "invalid field selector: unescaped character in value: 61",
    ),  # Go prints the rune as a number
    ("a=b=c", "invalid field selector: unescaped character in value: 61"),
    ("a!==b", "invalid field selector: unescaped character in value: 61"),
    ("a=\\x", "invalid field selector: invalid escape sequence: \\x"),
    ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
]


@pytest.mark.parametrize(("text", "message"), RECORDED + DERIVED)
def test_parse_f31_f32_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorParseError) as info:
        parse(text)
    assert str(info.value) == message


def test_unescape_value_f32_unescaped_comma() -> None:
    with pytest.raises(
        SelectorParseError, match=r"^invalid field selector: unescaped character in value: 44$"
    ):
        unescape_value("a,b")
    assert unescape_value("plain") == "plain"


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        ("a=", {}, True),  # F-33: absent reads as ""
        ("a!=x", {}, True),
        ("a=x", {}, False),
        ("a!=", {}, False),
        ("a=x", {"a": "x"}, True),
        ("a=x,b!=y", {"a": "x", "b": "z"}, True),
        ("a=x,b!=y", {"a": "x", "b": "y"}, False),
        ("a=x,b=y,c=", {"a": "x", "b": "y"}, True),
        ("a=x,b=y,c=", {"a": "x", "b": "y", "c": "z"}, False),
        ("", {"a": "x"}, True),
    ],
)
def test_field_selector_f33_matching(text: str, fields: dict[str, str], expected: bool) -> None:
    assert parse(text).matches(fields) is expected


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("a==b", "a=b"),
        ("b!=1,a=2", "a=2,b!=1"),
        ("x=a\\,b\\=c\\\\d", "x=a\\,b\\=c\\\\d"),
        ("", ""),
    ],
)
def test_field_selector_f34_string(text: str, printed: str) -> None:
    assert str(parse(text)) == printed


def test_field_selector_f34_requires_exact_match() -> None:
    selector = parse("a!=x,b=y,b=z")
    assert selector.requires_exact_match("b") == "y"
    assert selector.requires_exact_match("a") is None
    assert selector.requires_exact_match("c") is None
    assert nothing().requires_exact_match("a") is None


def test_field_selector_nothing_and_everything() -> None:
    assert everything().empty
    assert everything().matches({})
    assert not nothing().empty
    assert nothing().matches_nothing
    assert not nothing().matches({})
    assert str(nothing()) == ""
    assert repr(nothing()) == "FieldSelector(nothing)"
    assert repr(parse("a=b")) == "FieldSelector('a=b')"
    with pytest.raises(ValueError, match="matches nothing"):
        FieldSelector([("a", EQ, "b")], matches_nothing=True)


def test_field_selector_constructors() -> None:
    assert one_term_equal("a", "b") == parse("a=b")
    assert one_term_not_equal("a", "b") == parse("a!=b")
    assert from_set({"b": "2", "a": "1"}) == parse("a=1,b=2")
    assert from_set(None) == everything() == from_set({})
    assert FieldSelector([("a", "==", "b")]).requirements == (("a", EQ, "b"),)
    with pytest.raises(ValueError, match="only '=', '==' and '!='"):
        FieldSelector([("a", Operator.IN, "b")])


def test_field_selector_transform() -> None:
    selector = parse("a=1,b!=2,c=3")
    renamed = selector.transform(
        lambda f, v: ("" if f == "c" else f.upper(), "" if f == "c" else v)
    )
    assert str(renamed) == "A=1,B!=2"
    assert nothing().transform(lambda f, v: (f, v)) is nothing()


def test_field_selector_is_immutable_and_picklable() -> None:
    selector = parse("a=1,b!=2")
    assert pickle.loads(pickle.dumps(selector)) == selector
    assert pickle.loads(pickle.dumps(selector)).matches({"a": "1"})
    assert pickle.loads(pickle.dumps(nothing())) == nothing()
    assert hash(selector) == hash(parse_uncached("b!=2,a=1"))
    assert parse("a=1") is parse("a=1")


def test_escape_value_f34() -> None:
    assert escape_value("plain") == "plain"
    assert escape_value("a\\b,c=d") == "a\\\\b\\,c\\=d"


def test_field_selector_public_names() -> None:
    assert FieldSelector.__module__ == "kinformer.fields"


def test_field_selector_f35_client_string_is_evaluated_by_the_server() -> None:
    # F-35: a client only sends str(selector) (list/watch fieldSelector=); the server parses
    # it, converts the labels for the kind and matches its projection of each object.
    from kinformer.fields import convert_field_selector, selectable_fields

    wire = str(from_set({"spec.nodeName": "node=a,b", "metadata.name": "web-1"}))
    assert wire == "metadata.name=web-1,spec.nodeName=node\\=a\\,b"
    served = convert_field_selector("v1", "Pod", parse(wire))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "d"},
        "spec": {"nodeName": "node=a,b"},
    }
    assert served.matches(selectable_fields(pod))
    assert not served.matches(selectable_fields({**pod, "spec": {"nodeName": "node-a"}}))


_FIELD = st.sampled_from(["a", "b", "spec.nodeName", "x.y"])
_VALUE = st.text(alphabet="ab,=\\ !", max_size=5)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(_FIELD, st.sampled_from([EQ, NE]), _VALUE), max_size=4),
    st.dictionaries(_FIELD, _VALUE),
)
def test_field_selector_f30_f34_round_trip_and_matching(
    terms: list[tuple[str, Operator, str]], fields: dict[str, str]
) -> None:
    selector = FieldSelector(terms)
    reparsed = parse_uncached(str(selector))
    # Printing then parsing keeps every term (sorted by printed text) and the meaning.
    assert sorted(reparsed.requirements) == sorted(selector.requirements)
    assert parse_uncached(str(reparsed)) == reparsed
    expected = all((fields.get(f, "") == v) is (op is EQ) for f, op, v in terms)
    assert selector.matches(fields) is expected
    assert reparsed.matches(fields) is expected


def test_field_selector_f33_many_terms_use_the_generic_matcher() -> None:
    names = [f"f{i:03d}" for i in range(40)]
    selector = parse(",".join(f"{n}=v" for n in names) + ",gone!=x")
    fields = dict.fromkeys(names, "v")
    assert selector.matches(fields)
    assert not selector.matches({**fields, "gone": "x"})
    assert not selector.matches({**fields, "f000": ""})
