"""Authorization from UserInfo with RBAC's 403 texts (golden 11)."""

from __future__ import annotations

import pytest

from kinformer.testing._apiserver._protocol import UserInfo

from .conftest import Call, configmap, golden, status_shape

ANONYMOUS = UserInfo("system:anonymous", groups=("system:unauthenticated",), anonymous=True)
READER = UserInfo(
    "system:serviceaccount:golden-errors:reader",
    namespaces=frozenset({"golden-errors"}),
    verbs=frozenset({"get", "list", "watch"}),
)


@pytest.fixture
def ns(call: Call) -> Call:
    for name in ("golden-errors", "golden-errors-other"):
        call(
            "POST",
            "/api/v1/namespaces",
            body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        )
    return call


@pytest.mark.parametrize(
    ("seq", "method", "path"),
    [
        (7, "GET", "/api"),
        (8, "GET", "/apis"),
        (9, "GET", "/api/v1/namespaces/golden-errors/configmaps"),
    ],
)
def test_anonymous_forbidden_texts(ns: Call, seq: int, method: str, path: str) -> None:
    # golden 11 seq 7-9
    answer = ns(method, path, user=ANONYMOUS)
    assert (answer.status, status_shape(answer.body)) == (
        403,
        golden("11-errors", seq)["response_body"],
    )


def test_anonymous_may_read_version_and_health(ns: Call) -> None:
    # golden 11 seq 5, 6
    assert ns("GET", "/version", user=ANONYMOUS).status == 200
    assert ns("GET", "/healthz", user=ANONYMOUS).status == 200


def test_anonymous_create_forbidden(ns: Call) -> None:
    # golden 11 seq 10
    answer = ns(
        "POST",
        "/api/v1/namespaces/golden-errors/configmaps",
        body=configmap("anon"),
        user=ANONYMOUS,
    )
    assert (answer.status, answer.body) == (403, golden("11-errors", 10)["response_body"])


@pytest.mark.parametrize(
    ("seq", "method", "path", "body"),
    [
        (15, "GET", "/api/v1/namespaces/golden-errors-other/configmaps", None),
        (
            23,
            "GET",
            "/api/v1/namespaces/golden-errors-other/configmaps?watch=1&timeoutSeconds=1",
            None,
        ),
        (24, "GET", "/api/v1/configmaps", None),
        (25, "POST", "/api/v1/namespaces/golden-errors/configmaps", configmap("by-sa")),
    ],
)
def test_namespace_and_verb_restricted_user(
    ns: Call, seq: int, method: str, path: str, body: dict | None
) -> None:
    # golden 11 seq 15, 23, 24, 25: other namespace, cluster scope, a verb not granted
    answer = ns(method, path, body=body, user=READER)
    assert (answer.status, answer.body) == (403, golden("11-errors", seq)["response_body"])


def test_restricted_user_allowed_in_its_namespace(ns: Call) -> None:
    # golden 11 seq 21: after the grant, list in its own namespace → 200
    assert ns("GET", "/api/v1/namespaces/golden-errors/configmaps", user=READER).status == 200
    named = ns(
        "GET",
        "/api/v1/namespaces/golden-errors/configmaps/kube-root-ca.crt",
        user=UserInfo("u", verbs=frozenset({"list"})),
    )
    assert named.status == 403
    assert named.body["details"] == {"name": "kube-root-ca.crt", "kind": "configmaps"}
    assert named.body["message"].startswith(
        'configmaps "kube-root-ca.crt" is forbidden: User "u" cannot get resource "configmaps"'
    )
