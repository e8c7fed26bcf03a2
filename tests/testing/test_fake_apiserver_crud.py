"""Scenario suite, golden 02 (ConfigMap CRUD, conflicts, patches, deletes, generateName) and
golden 03 (Deployment generation, status and scale subresources)."""

from __future__ import annotations

from typing import Any

import orjson

from ._fake_apiserver_golden import (
    Target,
    api_fixture,
    assert_like_golden,
    assert_object_like,
    golden,
    replay,
)

_ = api_fixture


def _cm_path(namespace: str, name: str = "") -> str:
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    return f"{base}/{name}" if name else base


def _subs(namespace: str) -> dict[str, str]:
    return {"golden-crud": namespace}


def _create_cm1(api: Target, namespace: str) -> dict[str, Any]:
    answer = replay(api, "02", 3, namespace, check=False)
    return assert_object_like(answer, golden("02", 3), substitutions=_subs(namespace))


def test_crud_create_get_and_already_exists_golden_02_seq_3_to_5(api: Target) -> None:
    ns = api.namespace()
    created = _create_cm1(api, ns)
    assert int(created["metadata"]["resourceVersion"]) > 0
    fetched = api.client.get(_cm_path(ns, "cm1"))
    assert fetched.json() == created
    replay(api, "02", 5, ns)


def test_crud_update_conflict_on_stale_resource_version_golden_02_seq_6_7(api: Target) -> None:
    ns = api.namespace()
    created = _create_cm1(api, ns)
    fresh = dict(created, data={"a": "2"})
    updated = api.client.put(_cm_path(ns, "cm1"), json=fresh)
    assert updated.status_code == 200
    new_rv = int(updated.json()["metadata"]["resourceVersion"])
    assert new_rv > int(created["metadata"]["resourceVersion"])
    stale = dict(created, data={"a": "stale"})
    assert_like_golden(api.client.put(_cm_path(ns, "cm1"), json=stale), golden("02", 7))


def test_crud_unconditional_put_and_no_op_put_golden_02_seq_8_9(api: Target) -> None:
    ns = api.namespace()
    created = _create_cm1(api, ns)
    meta = {k: v for k, v in created["metadata"].items() if k != "resourceVersion"}
    unconditional = api.client.put(
        _cm_path(ns, "cm1"), json=dict(created, metadata=meta, data={"a": "3"})
    )
    assert unconditional.status_code == 200
    current = unconditional.json()
    no_op = api.client.put(_cm_path(ns, "cm1"), json=current)
    assert no_op.status_code == 200
    assert no_op.json()["metadata"]["resourceVersion"] == current["metadata"]["resourceVersion"]


def test_crud_merge_strategic_and_json_patches_golden_02_seq_10_to_14(api: Target) -> None:
    ns = api.namespace()
    api.configmap(ns, "cm1", {"a": "3"}, labels={"app": "demo", "tier": "web"})
    merged = replay(api, "02", 10, ns, check=False)
    assert merged.status_code == 200
    assert merged.json()["metadata"]["labels"] == {"app": "demo"}
    assert merged.json()["data"] == {"a": "3", "b": "2"}
    strategic = replay(api, "02", 11, ns, check=False)
    assert strategic.json()["data"] == golden("02", 11).body["data"]
    json_patch = replay(api, "02", 12, ns, check=False)
    assert json_patch.json()["data"] == golden("02", 12).body["data"]
    replay(api, "02", 13, ns)
    missing_key = replay(api, "02", 14, ns, check=False)
    assert missing_key.status_code == 200
    assert missing_key.json()["data"] == golden("02", 14).body["data"]


def test_crud_patch_with_plain_json_is_415_golden_02_seq_15(api: Target) -> None:
    ns = api.namespace()
    api.configmap(ns, "cm1", {"a": "1"})
    replay(api, "02", 15, ns)


def test_crud_missing_objects_are_404_golden_02_seq_20_22_23(api: Target) -> None:
    ns = api.namespace()
    for seq in (20, 22, 23):
        replay(api, "02", seq, ns)


def test_crud_name_and_namespace_mismatch_are_400_golden_02_seq_24_25(api: Target) -> None:
    ns = api.namespace()
    api.configmap(ns, "cm1", {"a": "1"})
    replay(api, "02", 24, ns)
    replay(api, "02", 25, ns)  # the body says namespace "default"


def test_crud_namespace_filled_from_url_golden_02_seq_26(api: Target) -> None:
    ns = api.namespace()
    answer = replay(api, "02", 26, ns, check=False)
    assert_object_like(answer, golden("02", 26), substitutions=_subs(ns))


def test_crud_delete_answers_a_success_status_golden_02_seq_32_33(api: Target) -> None:
    ns = api.namespace()
    created = _create_cm1(api, ns)
    deleted = api.client.delete(_cm_path(ns, "cm1"))
    assert_like_golden(deleted, golden("02", 32), details=False)
    body = deleted.json()
    assert body["status"] == "Success"
    assert body["details"] == {
        "name": "cm1",
        "kind": "configmaps",
        "uid": created["metadata"]["uid"],
    }
    replay(api, "02", 33, ns)


def test_crud_delete_preconditions_golden_02_seq_35_to_37(api: Target) -> None:
    ns = api.namespace()
    victim = api.configmap(ns, "victim", {"x": "1"})
    uid, rv = victim["metadata"]["uid"], victim["metadata"]["resourceVersion"]
    subs = {"1292c438-411e-4f64-aada-87c883dea6fe": uid, "(276)": f"({rv})"}
    for seq in (35, 36):
        answer = replay(api, "02", seq, ns, check=False)
        assert_like_golden(answer, golden("02", seq), substitutions=subs)
    options = {"apiVersion": "v1", "kind": "DeleteOptions",
               "preconditions": {"uid": uid, "resourceVersion": rv}}  # fmt: skip
    answer = api.client.request(
        "DELETE", _cm_path(ns, "victim"), content=orjson.dumps(options),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert answer.status_code == 200
    assert answer.json()["status"] == "Success"


def test_crud_generate_name_golden_02_seq_39_to_41(api: Target) -> None:
    ns = api.namespace()
    generated = replay(api, "02", 39, ns, check=False)
    body = assert_object_like(generated, golden("02", 39), substitutions=_subs(ns))
    name = body["metadata"]["name"]
    assert name.startswith("gen-")
    assert len(name) == len("gen-") + 5
    assert api.client.get(_cm_path(ns, name)).status_code == 200
    explicit = replay(api, "02", 40, ns, check=False)
    assert_object_like(explicit, golden("02", 40), substitutions=_subs(ns))
    replay(api, "02", 41, ns)


def test_crud_dry_run_is_not_stored_golden_02_seq_30_31(api: Target) -> None:
    ns = api.namespace()
    dry = replay(api, "02", 30, ns, check=False)
    assert dry.status_code == 201
    assert "resourceVersion" not in dry.json()["metadata"]
    replay(api, "02", 31, ns)


def test_crud_unknown_fields_warn_or_fail_golden_02_seq_27_to_29(api: Target) -> None:
    ns = api.namespace()
    lenient = replay(api, "02", 27, ns, check=False)
    assert lenient.status_code == 201
    assert lenient.headers.get_list("warning") == golden("02", 27).headers["warning"]
    replay(api, "02", 28, ns)
    silent = replay(api, "02", 29, ns, check=False)
    assert silent.status_code == 201
    assert "warning" not in silent.headers


def _deployment(ns: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns, "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }


def test_crud_deployment_generation_rules_golden_03_seq_4_to_8(api: Target) -> None:
    ns = api.namespace()
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created = api.create(f"/apis/apps/v1/namespaces/{ns}/deployments", _deployment(ns))
    assert created["metadata"]["generation"] == golden("03", 4).body["metadata"]["generation"]
    labels = api.merge_patch(path, {"metadata": {"labels": {"extra": "1"}}}).json()
    assert labels["metadata"]["generation"] == 1
    annotations = api.merge_patch(path, {"metadata": {"annotations": {"a": "1"}}}).json()
    assert annotations["metadata"]["generation"] == 2
    spec = api.merge_patch(path, {"spec": {"replicas": 2}}).json()
    assert spec["metadata"]["generation"] == 3


def test_crud_deployment_status_and_scale_golden_03_seq_12_to_20(api: Target) -> None:
    ns = api.namespace()
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    api.create(f"/apis/apps/v1/namespaces/{ns}/deployments", _deployment(ns))
    status = api.client.get(f"{path}/status")
    assert status.status_code == 200
    assert status.json()["kind"] == "Deployment"
    scale = api.client.get(f"{path}/scale")
    assert scale.status_code == 200
    recorded = golden("03", 17).body
    body = scale.json()
    assert (body["kind"], body["apiVersion"]) == (recorded["kind"], recorded["apiVersion"])
    assert body["status"]["selector"] == "app=web"
    body["spec"]["replicas"] = 3
    assert api.client.put(f"{path}/scale", json=body).json()["spec"]["replicas"] == 3
    after = api.client.get(path).json()
    assert after["spec"]["replicas"] == 3
    assert after["metadata"]["generation"] == 2
