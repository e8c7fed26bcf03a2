"""CRUD with one global revision (golden 02, 03, 07, 11)."""

from __future__ import annotations

from typing import Any

import pytest

from kinformer.testing._apiserver._engine import ApiServerState

from .conftest import Call, configmap, golden, status_shape

NS = "/api/v1/namespaces/golden-crud/configmaps"


@pytest.fixture
def crud(state: ApiServerState, call: Call) -> Call:
    assert (
        call(
            "POST",
            "/api/v1/namespaces",
            body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "golden-crud"}},
        ).status
        == 201
    )
    return call


def test_create_201_with_uid_rv_timestamp_and_conflict_texts(crud: Call) -> None:
    # golden 02 seq 3, 5, 6, 7: create, AlreadyExists, update, stale update → Conflict
    created = crud("POST", NS, body=configmap("cm1", labels={"app": "demo"}, data={"a": "1"}))
    assert created.status == 201
    meta = created.body["metadata"]
    assert list(created.body) == ["kind", "apiVersion", "metadata", "data"]
    assert meta["namespace"] == "golden-crud"
    assert meta["uid"]
    assert meta["creationTimestamp"].endswith("Z")
    assert "generation" not in meta
    again = crud("POST", NS, body=configmap("cm1", data={"a": "other"}))
    assert (again.status, status_shape(again.body)) == (
        409,
        golden("02-configmap-crud", 5)["response_body"],
    )
    updated = crud("PUT", f"{NS}/cm1", body=created.body | {"data": {"a": "2"}})
    assert updated.status == 200
    assert int(updated.body["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])
    stale = crud("PUT", f"{NS}/cm1", body=created.body | {"data": {"a": "3"}})
    assert (stale.status, status_shape(stale.body)) == (
        409,
        golden("02-configmap-crud", 7)["response_body"],
    )


def test_update_without_rv_is_unconditional_and_noop_keeps_rv(
    crud: Call, state: ApiServerState
) -> None:
    # golden 02 seq 8, 9: PUT without resourceVersion accepted; identical PUT keeps the RV
    created = crud("POST", NS, body=configmap("cm1", data={"a": "1"})).body
    body = dict(created)
    body["metadata"] = {k: v for k, v in created["metadata"].items() if k != "resourceVersion"}
    body["data"] = {"a": "2"}
    updated = crud("PUT", f"{NS}/cm1", body=body).body
    revision = state.revision
    same = crud("PUT", f"{NS}/cm1", body=updated)
    assert same.status == 200
    assert same.body["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]
    assert state.revision == revision


def test_revision_is_global_across_resources(crud: Call) -> None:
    # golden README: resourceVersion is etcd's global revision; any write moves it
    first = int(crud("POST", NS, body=configmap("a")).body["metadata"]["resourceVersion"])
    crud(
        "POST",
        "/api/v1/namespaces/golden-crud/secrets",
        body={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}},
    )
    second = int(crud("POST", NS, body=configmap("b")).body["metadata"]["resourceVersion"])
    assert second == first + 2
    listed = crud("GET", NS).body
    assert listed["metadata"]["resourceVersion"] == str(second)


def test_url_body_mismatch_texts(crud: Call) -> None:
    # golden 02 seq 24, 26: name mismatch → 400; namespace filled from the URL
    crud("POST", NS, body=configmap("cm1"))
    mismatch = crud("PUT", f"{NS}/cm1", body=configmap("other-name", data={"x": "1"}))
    assert (mismatch.status, status_shape(mismatch.body)) == (
        400,
        golden("02-configmap-crud", 24)["response_body"],
    )
    filled = crud("POST", NS, body=configmap("no-ns-in-body"))
    assert filled.body["metadata"]["namespace"] == "golden-crud"


def test_delete_answers_success_status_then_404(crud: Call) -> None:
    # golden 02 seq 32, 33: DELETE → 200 Status Success {name, kind, uid}, not the object
    uid = crud("POST", NS, body=configmap("cm1")).body["metadata"]["uid"]
    deleted = crud("DELETE", f"{NS}/cm1")
    assert deleted.status == 200
    assert deleted.body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "cm1", "kind": "configmaps", "uid": uid},
    }
    again = crud("DELETE", f"{NS}/cm1")
    assert (again.status, status_shape(again.body)) == (
        404,
        golden("02-configmap-crud", 33)["response_body"],
    )


def test_delete_preconditions_texts(crud: Call) -> None:
    # golden 02 seq 35-37: uid / resourceVersion preconditions → 409 with details.kind = Kind
    created = crud("POST", NS, body=configmap("victim")).body
    uid, rv = created["metadata"]["uid"], created["metadata"]["resourceVersion"]
    wrong_uid = crud(
        "DELETE",
        f"{NS}/victim",
        body={
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "preconditions": {"uid": "00000000-0000-0000-0000-000000000000"},
        },
    )
    expected = golden("02-configmap-crud", 35)["response_body"]["message"].replace(
        "1292c438-411e-4f64-aada-87c883dea6fe", uid
    )
    assert (wrong_uid.status, wrong_uid.body["message"], wrong_uid.body["details"]) == (
        409,
        expected,
        {"name": "victim", "kind": "ConfigMap"},
    )
    wrong_rv = crud("DELETE", f"{NS}/victim", body={"preconditions": {"resourceVersion": "1"}})
    assert wrong_rv.body["message"] == golden("02-configmap-crud", 36)["response_body"][
        "message"
    ].replace("(276)", f"({rv})")
    ok = crud("DELETE", f"{NS}/victim", body={"preconditions": {"uid": uid, "resourceVersion": rv}})
    assert ok.body["status"] == "Success"


def test_generate_name_and_name_wins(crud: Call) -> None:
    # golden 02 seq 39, 40: gen- + 5 characters; with both, the name wins
    generated = crud(
        "POST",
        NS,
        body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "gen-"}},
    ).body
    name = generated["metadata"]["name"]
    assert name.startswith("gen-")
    assert len(name) == 9
    assert generated["metadata"]["generateName"] == "gen-"
    both = crud("POST", NS, body={"metadata": {"generateName": "gen-", "name": "explicit"}}).body
    assert both["metadata"]["name"] == "explicit"


def test_dry_run_create_is_not_stored(crud: Call) -> None:
    # golden 02 seq 30, 31
    dry = crud("POST", f"{NS}?dryRun=All", body=configmap("dry", data={"x": "1"}))
    assert dry.status == 201
    assert "resourceVersion" not in dry.body["metadata"]
    assert crud("GET", f"{NS}/dry").status == 404


def test_body_without_kind_and_yaml_body_accepted(crud: Call) -> None:
    # golden 11 seq 50, 55
    assert crud("POST", NS, body={"metadata": {"name": "no-kind"}}).status == 201
    yaml_body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n"
    created = crud("POST", NS, body=yaml_body, content_type="application/yaml")
    assert created.status == 201
    assert created.body["data"] == {"k": "v"}


@pytest.mark.parametrize(
    ("patch", "content_type", "expected_data"),
    [
        pytest.param(
            {"data": {"b": "2", "a": None}},
            "application/merge-patch+json",
            {"b": "2"},
            id="merge-null-deletes",
        ),
        pytest.param(
            {"data": {"c": "3"}},
            "application/strategic-merge-patch+json",
            {"a": "1", "c": "3"},
            id="strategic",
        ),
        pytest.param(
            [{"op": "add", "path": "/data/d", "value": "4"}],
            "application/json-patch+json",
            {"a": "1", "d": "4"},
            id="json-patch",
        ),
        pytest.param(
            [{"op": "replace", "path": "/data/missing", "value": "x"}],
            "application/json-patch+json",
            {"a": "1", "missing": "x"},
            id="json-replace-missing-adds",
        ),
    ],
)
def test_patch_types(
    crud: Call, patch: Any, content_type: str, expected_data: dict[str, str]
) -> None:
    # golden 02 seq 10-14
    crud("POST", NS, body=configmap("cm1", data={"a": "1"}))
    patched = crud("PATCH", f"{NS}/cm1", body=patch, content_type=content_type)
    assert patched.status == 200
    assert patched.body["data"] == expected_data


def test_patch_errors(crud: Call) -> None:
    # golden 02 seq 13 (failed test op → 422), 15 (application/json → 415), 16 (apply without
    # fieldManager → 422), 20 (merge patch on a missing name → 404), 21 (apply creates)
    crud("POST", NS, body=configmap("cm1", data={"a": "1"}))
    failed = crud(
        "PATCH",
        f"{NS}/cm1",
        body=[{"op": "test", "path": "/data/a", "value": "wrong"}],
        content_type="application/json-patch+json",
    )
    assert (failed.status, status_shape(failed.body)) == (
        422,
        golden("02-configmap-crud", 13)["response_body"],
    )
    wrong_type = crud(
        "PATCH", f"{NS}/cm1", body={"data": {"x": "1"}}, content_type="application/json"
    )
    assert (wrong_type.status, status_shape(wrong_type.body)) == (
        415,
        golden("02-configmap-crud", 15)["response_body"],
    )
    no_manager = crud(
        "PATCH",
        f"{NS}/cm1",
        body=configmap("cm1", data={"applied": "yes"}),
        content_type="application/apply-patch+yaml",
    )
    assert (no_manager.status, status_shape(no_manager.body)) == (
        422,
        golden("02-configmap-crud", 16)["response_body"],
    )
    missing = crud(
        "PATCH",
        f"{NS}/missing",
        body={"data": {"x": "1"}},
        content_type="application/merge-patch+json",
    )
    assert missing.status == 404
    applied = crud(
        "PATCH",
        f"{NS}/applied-new?fieldManager=me",
        body=configmap("applied-new", data={"k": "v"}),
        content_type="application/apply-patch+yaml",
    )
    assert applied.status == 201
    assert applied.body["data"] == {"k": "v"}


def test_immutable_configmap_and_uid_change(crud: Call) -> None:
    # golden 11 seq 62-66
    crud("POST", NS, body=configmap("frozen", data={"x": "1"}, immutable=True))
    data = crud(
        "PATCH",
        f"{NS}/frozen",
        body={"data": {"x": "2"}},
        content_type="application/merge-patch+json",
    )
    assert (data.status, data.body["message"]) == (
        422,
        golden("11-errors", 62)["response_body"]["message"],
    )
    flag = crud(
        "PATCH",
        f"{NS}/frozen",
        body={"immutable": False},
        content_type="application/merge-patch+json",
    )
    assert (flag.status, flag.body["message"]) == (
        422,
        golden("11-errors", 63)["response_body"]["message"],
    )
    assert (
        crud(
            "PATCH",
            f"{NS}/frozen",
            body={"metadata": {"labels": {"a": "b"}}},
            content_type="application/merge-patch+json",
        ).status
        == 200
    )
    renamed = crud(
        "PATCH",
        f"{NS}/frozen",
        body={"metadata": {"name": "renamed"}},
        content_type="application/merge-patch+json",
    )
    assert (renamed.status, renamed.body["message"]) == (
        400,
        "the name of the object (renamed) does not match the name on the URL (frozen)",
    )
    uid = crud(
        "PATCH",
        f"{NS}/frozen",
        body={"metadata": {"uid": "00000000-0000-0000-0000-000000000001"}},
        content_type="application/merge-patch+json",
    )
    expected = golden("11-errors", 66)["response_body"]
    assert uid.status == 422
    assert uid.body["details"]["causes"] == expected["details"]["causes"]
    bad_rv = crud(
        "PUT",
        f"{NS}/frozen",
        body=configmap(
            "frozen", data={"x": "1"}, metadata={"name": "frozen", "resourceVersion": "abc"}
        ),
    )
    assert (bad_rv.status, status_shape(bad_rv.body)) == (
        500,
        golden("11-errors", 67)["response_body"],
    )


def test_finalizers_keep_object_until_removed(crud: Call) -> None:
    # golden 07 seq 6-12: DELETE with a finalizer → 200 object with deletionTimestamp; second
    # DELETE unchanged; adding a finalizer → 422 (cause twice); removing the last → gone
    crud(
        "POST",
        NS,
        body=configmap(
            "held", data={"v": "1"}, metadata={"name": "held", "finalizers": ["example.com/hold"]}
        ),
    )
    first = crud("DELETE", f"{NS}/held")
    meta = first.body["metadata"]
    assert first.status == 200
    assert meta["deletionTimestamp"]
    assert meta["deletionGracePeriodSeconds"] == 0
    second = crud("DELETE", f"{NS}/held")
    assert second.body == first.body
    assert (
        crud(
            "PATCH",
            f"{NS}/held",
            body={"data": {"v": "2"}},
            content_type="application/merge-patch+json",
        ).status
        == 200
    )
    added = crud(
        "PATCH",
        f"{NS}/held",
        body={"metadata": {"finalizers": ["example.com/hold", "example.com/another"]}},
        content_type="application/merge-patch+json",
    )
    expected = golden("07-finalizers-deletion", 10)["response_body"]
    assert added.status == 422
    assert added.body["message"] == expected["message"]
    assert added.body["details"]["causes"] == expected["details"]["causes"]
    released = crud(
        "PATCH",
        f"{NS}/held",
        body={"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )
    assert released.status == 200
    assert "finalizers" not in released.body["metadata"]
    assert crud("GET", f"{NS}/held").status == 404


def test_create_in_missing_and_terminating_namespace(crud: Call, state: ApiServerState) -> None:
    # golden 11 seq 39 and golden 07 seq 35-37: namespace DELETE → Terminating at once
    state.create(
        configmap(
            "keep",
            "golden-crud",
            metadata={"name": "keep", "namespace": "golden-crud", "finalizers": ["x/y"]},
        )
    )
    deleted = crud("DELETE", "/api/v1/namespaces/golden-crud")
    assert deleted.status == 200
    assert deleted.body["status"] == {"phase": "Terminating"}
    assert deleted.body["spec"] == {"finalizers": ["kubernetes"]}
    late = crud("POST", NS, body=configmap("late"))
    expected = golden("07-finalizers-deletion", 36)["response_body"]
    assert late.status == 403
    assert status_shape(late.body) == status_shape(expected) | {
        "message": expected["message"].replace("golden-finalizers", "golden-crud"),
        "details": expected["details"]
        | {
            "causes": [
                c | {"message": "namespace golden-crud is being terminated"}
                for c in expected["details"]["causes"]
            ]
        },
    }
    assert crud("DELETE", "/api/v1/namespaces/golden-crud").status == 200
    crud(
        "PATCH",
        f"{NS}/keep",
        body={"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )
    assert crud("GET", "/api/v1/namespaces/golden-crud").status == 404


def test_deletecollection_returns_list_of_deleted(crud: Call) -> None:
    # golden 07 seq 18-19: deletecollection by label → ConfigMapList of matched items; the one
    # with a finalizer stays (terminating)
    for i in range(3):
        crud("POST", NS, body=configmap(f"batch-{i}", labels={"batch": "x"}))
    crud(
        "POST",
        NS,
        body=configmap(
            "batch-3", metadata={"name": "batch-3", "labels": {"batch": "x"}, "finalizers": ["a/b"]}
        ),
    )
    crud("POST", NS, body=configmap("keeper", labels={"batch": "y"}))
    deleted = crud("DELETE", f"{NS}?labelSelector=batch%3Dx", query={"labelSelector": "batch=x"})
    assert deleted.body["kind"] == "ConfigMapList"
    assert [i["metadata"]["name"] for i in deleted.body["items"]] == [
        "batch-0",
        "batch-1",
        "batch-2",
        "batch-3",
    ]
    left = [i["metadata"]["name"] for i in crud("GET", NS).body["items"]]
    assert left == ["batch-3", "keeper", "kube-root-ca.crt"]


def test_garbage_collection_background_foreground_orphan(crud: Call, state: ApiServerState) -> None:
    # golden 07 seq 22-32
    def owned(name: str, owner: dict[str, Any]) -> dict[str, Any]:
        ref = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"],
        }
        return configmap(name, metadata={"name": name, "ownerReferences": [ref]})

    owner = crud("POST", NS, body=configmap("owner")).body
    crud("POST", NS, body=owned("dependent", owner))
    assert crud("DELETE", f"{NS}/owner").body["status"] == "Success"
    assert crud("GET", f"{NS}/dependent").status == 404
    fg = crud("POST", NS, body=configmap("fg")).body
    crud("POST", NS, body=owned("fg-dep", fg))
    answer = crud("DELETE", f"{NS}/fg", body={"propagationPolicy": "Foreground"})
    assert answer.body["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert crud("GET", f"{NS}/fg").status == 404
    assert crud("GET", f"{NS}/fg-dep").status == 404
    orphan_owner = crud("POST", NS, body=configmap("orphan-owner")).body
    crud("POST", NS, body=owned("orphan-dependent", orphan_owner))
    orphaned = crud("DELETE", f"{NS}/orphan-owner?propagationPolicy=Orphan")
    assert orphaned.body["metadata"]["finalizers"] == ["orphan"]
    dependent = crud("GET", f"{NS}/orphan-dependent")
    assert dependent.status == 200
    assert "ownerReferences" not in dependent.body["metadata"]
    assert crud("GET", f"{NS}/orphan-owner").status == 404


DEPLOY = "/apis/apps/v1/namespaces/golden-crud/deployments"


def deployment(name: str, replicas: int = 1) -> dict[str, Any]:
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "i:1"}]},
            },
        },
    }


def test_deployment_generation_and_status_subresource(crud: Call) -> None:
    # golden 03: generation 1; labels-only patch keeps it; annotations-only bumps it (Deployment);
    # spec change bumps it; main PUT drops status; /status PUT drops spec changes
    created = crud("POST", DEPLOY, body=deployment("web")).body
    assert created["metadata"]["generation"] == 1
    merge = "application/merge-patch+json"
    labels = crud(
        "PATCH", f"{DEPLOY}/web", body={"metadata": {"labels": {"x": "y"}}}, content_type=merge
    ).body
    assert labels["metadata"]["generation"] == 1
    annotations = crud(
        "PATCH", f"{DEPLOY}/web", body={"metadata": {"annotations": {"a": "b"}}}, content_type=merge
    ).body
    assert annotations["metadata"]["generation"] == 2
    spec = crud("PATCH", f"{DEPLOY}/web", body={"spec": {"replicas": 3}}, content_type=merge).body
    assert spec["metadata"]["generation"] == 3
    with_status = spec | {"status": {"replicas": 7}}
    put = crud("PUT", f"{DEPLOY}/web", body=with_status).body
    assert put["status"] == spec["status"]
    status_put = crud(
        "PUT",
        f"{DEPLOY}/web/status",
        body=put | {"status": {"replicas": 3}, "spec": put["spec"] | {"replicas": 9}},
    ).body
    assert status_put["status"] == {"replicas": 3}
    assert status_put["spec"]["replicas"] == 3
    assert crud("GET", f"{DEPLOY}/web/status").body["kind"] == "Deployment"


def test_scale_subresource(crud: Call) -> None:
    # golden 03: /scale is autoscaling/v1 Scale with status.selector as a string
    crud("POST", DEPLOY, body=deployment("web", 2))
    scale = crud("GET", f"{DEPLOY}/web/scale").body
    assert (scale["kind"], scale["apiVersion"], scale["spec"], scale["status"]["selector"]) == (
        "Scale",
        "autoscaling/v1",
        {"replicas": 2},
        "app=web",
    )
    scaled = crud(
        "PATCH",
        f"{DEPLOY}/web/scale",
        body={"spec": {"replicas": 5}},
        content_type="application/merge-patch+json",
    )
    assert scaled.body["spec"] == {"replicas": 5}
    assert crud("GET", f"{DEPLOY}/web").body["metadata"]["generation"] == 2


def test_pod_defaults(crud: Call) -> None:
    # golden 04 seq 89-90: defaults the field selectors read
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "main", "image": "registry.example/app:1"}]},
    }
    created = crud("POST", "/api/v1/namespaces/golden-crud/pods", body=pod).body
    assert created["metadata"]["generation"] == 1
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    spec = created["spec"]
    assert (spec["restartPolicy"], spec["schedulerName"], spec["serviceAccountName"]) == (
        "Always",
        "default-scheduler",
        "default",
    )
    assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
