"""The pure request builders shared by Client and AsyncClient."""

from __future__ import annotations

import orjson
import pytest

from kinformer._errors import TransportError
from kinformer.transport._requests import (
    create_call,
    decode_object,
    delete_call,
    object_namespace,
    patch_call,
    replace_call,
    watch_call,
)
from kinformer.transport._resolver import ResourceInfo
from kinformer.transport._wire import ListOptions, PatchType

LEASES = ResourceInfo("coordination.k8s.io", "v1", "leases", "Lease")


def test_delete_call_options_body() -> None:
    call = delete_call(LEASES, "l", namespace="ns", grace_period_seconds=0, dry_run=True)
    assert (call.method, call.path) == (
        "DELETE",
        "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l",
    )
    assert call.content is not None
    assert orjson.loads(call.content) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "gracePeriodSeconds": 0,
        "dryRun": ["All"],
    }
    assert delete_call(LEASES, "l").content is None


def test_write_calls_field_manager_and_dry_run() -> None:
    body = {"metadata": {"name": "l"}}
    create = create_call(LEASES, body, namespace="ns", field_manager="m", dry_run=True)
    assert create.params == {"fieldManager": "m", "dryRun": "All"}
    assert orjson.loads(create.content or b"") == body
    replace = replace_call(LEASES, body, namespace="ns", subresource="status")
    assert replace.path.endswith("/leases/l/status")
    patch = patch_call(LEASES, "l", b'{"raw": 1}', patch_type=PatchType.STRATEGIC, force=False)
    assert (patch.content, patch.params, patch.headers["Content-Type"]) == (
        b'{"raw": 1}',
        {"force": "false"},
        "application/strategic-merge-patch+json",
    )


def test_watch_call_as_metadata_accept() -> None:
    call = watch_call(LEASES, params=ListOptions(as_metadata=True))
    assert call.headers["Accept"].startswith("application/json;as=PartialObjectMetadata;g=meta")
    assert call.params == {"watch": "1"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: patch_call(LEASES, "l", {}, patch_type=PatchType.APPLY), "needs a field_manager"),
        (lambda: patch_call(LEASES, "l", {}, patch_type="text/plain"), "is not a valid PatchType"),
        (lambda: replace_call(LEASES, {"metadata": {}}), "has no metadata.name"),
        (lambda: replace_call(LEASES, {}), "has no metadata.name"),
    ],
)
def test_builders_reject_bad_arguments(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=message):
        call()


def test_decode_object_rejects_non_json_and_non_objects() -> None:
    assert decode_object(b'{"a": 1}') == {"a": 1}
    with pytest.raises(TransportError, match="not JSON"):
        decode_object(b"<html>")
    with pytest.raises(TransportError, match="not an object"):
        decode_object(b"[1]")


@pytest.mark.parametrize(
    ("body", "namespace"),
    [
        ({"metadata": {"namespace": "ns"}}, "ns"),
        ({"metadata": {"namespace": ""}}, None),
        ({"metadata": {}}, None),
        ({"metadata": "x"}, None),
        ({}, None),
    ],
)
def test_object_namespace(body: dict[str, object], namespace: str | None) -> None:
    assert object_namespace(body) == namespace
