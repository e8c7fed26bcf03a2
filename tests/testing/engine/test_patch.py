"""Patch algorithms: RFC 7386 merge, RFC 6902 JSON patch, strategic merge (golden 02)."""

from __future__ import annotations

from typing import Any

import pytest

from kinformer.testing._apiserver._patch import (
    PatchError,
    apply_json_patch,
    apply_merge_patch,
    apply_strategic_merge_patch,
)


@pytest.mark.parametrize(
    ("target", "patch", "expected"),
    [
        ({"a": 1}, {"a": None}, {}),
        ({"a": {"b": 1, "c": 2}}, {"a": {"b": None, "d": 3}}, {"a": {"c": 2, "d": 4 - 1}}),
        ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
        ({"a": 1}, [1], [1]),
        (None, {"a": {"b": 1}}, {"a": {"b": 1}}),
    ],
)
def test_merge_patch_rfc7386(target: Any, patch: Any, expected: Any) -> None:
    assert apply_merge_patch(target, patch) == expected


def test_merge_patch_does_not_modify_inputs() -> None:
    target = {"a": {"b": 1}}
    patch = {"a": {"c": [1]}}
    result = apply_merge_patch(target, patch)
    result["a"]["c"].append(2)
    assert target == {"a": {"b": 1}}
    assert patch == {"a": {"c": [1]}}


@pytest.mark.parametrize(
    ("operations", "expected"),
    [
        ([{"op": "add", "path": "/a/-", "value": 9}], {"a": [1, 2, 9], "m": {"k": "v"}}),
        ([{"op": "add", "path": "/a/0", "value": 0}], {"a": [0, 1, 2], "m": {"k": "v"}}),
        ([{"op": "remove", "path": "/a/1"}], {"a": [1], "m": {"k": "v"}}),
        ([{"op": "replace", "path": "/m/k", "value": "w"}], {"a": [1, 2], "m": {"k": "w"}}),
        (
            [{"op": "replace", "path": "/m/new", "value": "x"}],
            {"a": [1, 2], "m": {"k": "v", "new": "x"}},
        ),
        ([{"op": "move", "from": "/m/k", "path": "/m/j"}], {"a": [1, 2], "m": {"j": "v"}}),
        (
            [{"op": "copy", "from": "/m/k", "path": "/m/j"}],
            {"a": [1, 2], "m": {"k": "v", "j": "v"}},
        ),
        ([{"op": "test", "path": "/m/k", "value": "v"}], {"a": [1, 2], "m": {"k": "v"}}),
        ([{"op": "add", "path": "/m/a~1b", "value": 1}], {"a": [1, 2], "m": {"k": "v", "a/b": 1}}),
    ],
)
def test_json_patch_rfc6902(operations: list[dict[str, Any]], expected: Any) -> None:
    # golden 02 seq 12, 14: add; replace of a missing key adds it (evanphx/json-patch)
    assert apply_json_patch({"a": [1, 2], "m": {"k": "v"}}, operations) == expected


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "test", "path": "/m/k", "value": "wrong"}],
        [{"op": "remove", "path": "/missing"}],
        [{"op": "add", "path": "/nope/x", "value": 1}],
        [{"op": "add", "path": "/a/7", "value": 1}],
        [{"op": "frobnicate", "path": "/a"}],
        {"op": "add"},
        [{"op": "add"}],
        [{"op": "move", "path": "/m/x"}],
        [{"op": "remove", "path": ""}],
        [{"op": "add", "path": "a", "value": 1}],
    ],
)
def test_json_patch_errors(operations: Any) -> None:
    with pytest.raises(PatchError):
        apply_json_patch({"a": [1, 2], "m": {"k": "v"}}, operations)


POD = {
    "metadata": {"finalizers": ["a"]},
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "app:1",
                "env": [{"name": "A", "value": "1"}],
                "ports": [{"containerPort": 80}],
            },
            {"name": "side", "image": "side:1"},
        ],
        "volumes": [{"name": "data", "emptyDir": {}}],
        "tolerations": [{"key": "x"}],
    },
}


def test_strategic_merge_lists_by_merge_key() -> None:
    patch = {
        "metadata": {"finalizers": ["b"]},
        "spec": {
            "containers": [
                {"name": "app", "image": "app:2", "env": [{"name": "B", "value": "2"}]},
                {"name": "new", "image": "n:1"},
            ],
            "tolerations": [{"key": "y"}],
        },
    }
    result = apply_strategic_merge_patch(POD, patch)
    containers = result["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app", "side", "new"]
    assert containers[0]["image"] == "app:2"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert containers[0]["ports"] == [{"containerPort": 80}]
    assert result["spec"]["tolerations"] == [{"key": "y"}]  # no merge key: replaced
    assert result["metadata"]["finalizers"] == ["a", "b"]
    assert POD["spec"]["containers"][0]["image"] == "app:1"


def test_strategic_merge_directives() -> None:
    deleted = apply_strategic_merge_patch(
        POD,
        {
            "spec": {
                "containers": [{"name": "side", "$patch": "delete"}],
                "volumes": {"$patch": "delete"},
            }
        },
    )
    assert [c["name"] for c in deleted["spec"]["containers"]] == ["app"]
    assert "volumes" not in deleted["spec"]
    replaced = apply_strategic_merge_patch(POD, {"spec": {"$patch": "replace", "containers": []}})
    assert replaced["spec"] == {"containers": []}
    removed = apply_strategic_merge_patch(
        POD,
        {
            "metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]},
            "spec": {"$setElementOrder/containers": [], "tolerations": None},
        },
    )
    assert removed["metadata"]["finalizers"] == []
    assert "tolerations" not in removed["spec"]
    ports = apply_strategic_merge_patch(
        {"ports": [{"port": 80, "name": "a"}]}, {"ports": [{"port": 80, "name": "b"}, {"port": 81}]}
    )
    assert ports == {"ports": [{"port": 80, "name": "b"}, {"port": 81}]}
    assert apply_strategic_merge_patch({"a": 1}, [1]) == [1]
    assert apply_strategic_merge_patch({}, {"list": [{"$patch": "delete"}, 1]}) == {"list": [1]}
    assert apply_strategic_merge_patch(
        {"containers": [{"name": "a"}]}, {"containers": [1, {"noname": 1}]}
    ) == {"containers": [{"name": "a"}]}
