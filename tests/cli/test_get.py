"""``kinformer get`` against the fake API server: every output format, scopes, selectors, a
NAME, ``-w``, and each error with its message and exit code (spec F-1 … F-3 for the listers
the output is served from; kubectl's printers for the columns).
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kinformer.cli._get import run as run_get
from kinformer.cli._main import build_parser, main
from kinformer.cli._printers import Printer, TableLayout, human_duration, pod_status
from kinformer.testing import FakeApiServer
from kinformer.transport import ResourceInfo

NOW = time.time()
THREE_DAYS_AGO = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 3 * 86400 - 60))


def pod(
    namespace: str, name: str, node: str, *, app: str, ip: str, **status: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "creationTimestamp": THREE_DAYS_AGO,
            "labels": {"app": app},
            "managedFields": [{"manager": "kubectl", "operation": "Update"}],
        },
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": f"{app}:1"}]},
        "status": {
            "phase": "Running",
            "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": "main", "ready": True, "restartCount": 0, "state": {"running": {}}}
            ],
            **status,
        },
    }


def deployment(namespace: str, name: str, replicas: int, ready: int) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": THREE_DAYS_AGO},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": f"{name}:2"}]},
            },
        },
        "status": {"readyReplicas": ready, "updatedReplicas": replicas, "availableReplicas": ready},
    }


@pytest.fixture(scope="module")
def server() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        server.seed(
            [
                pod("shop", "web-1", "node-a", app="web", ip="10.0.0.1"),
                pod("shop", "web-2", "node-b", app="web", ip="10.0.0.2"),
                pod("shop", "db-0", "node-a", app="db", ip="10.0.0.3"),
                pod("blog", "cms-1", "node-b", app="cms", ip="10.0.1.1"),
                deployment("shop", "web", 2, 2),
                deployment("blog", "cms", 3, 1),
            ]
        )
        server.add_token("shop-reader", user="reader", namespaces=["shop"])
        yield server


def get(server: FakeApiServer, *argv: str, kubeconfig: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args(
        ["get", *argv, "--kubeconfig", str(kubeconfig or server.kubeconfig_path)]
    )
    code = run_get(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write_kubeconfig(path: Path, server_url: str, token: str) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": server_url}}],
                "users": [{"name": "u", "user": {"token": token}}],
                "contexts": [
                    {"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "shop"}}
                ],
                "current-context": "x",
            }
        )
    )
    return path


# ------------------------------------------------------------------------------ tables


@pytest.mark.slow  # several commands, each with discovery, a list and a watch
def test_get_pods_table_in_the_context_namespace(server: FakeApiServer, tmp_path: Path) -> None:
    # The fake server's kubeconfig has no namespace: "default" is empty.
    code, out, err = get(server, "pods")
    assert (code, out, err) == (0, "", "No resources found in default namespace.\n")
    code, out, err = get(server, "pods", "-n", "shop")
    assert code == 0
    assert err == ""
    assert out == (
        "NAME      READY     STATUS    RESTARTS   AGE\n"
        "db-0      1/1       Running   0          3d\n"
        "web-1     1/1       Running   0          3d\n"
        "web-2     1/1       Running   0          3d\n"
    )
    # A context namespace is the default; the reader may read it (its token is allowed there).
    kubeconfig = write_kubeconfig(tmp_path / "config", server.url, "shop-reader")
    assert get(server, "po", kubeconfig=kubeconfig) == (0, out, "")


def test_get_all_namespaces_adds_the_namespace_column(server: FakeApiServer) -> None:
    code, out, _ = get(server, "deploy", "-A")
    assert code == 0
    assert out == (
        "NAMESPACE   NAME      READY     UP-TO-DATE   AVAILABLE   AGE\n"
        "blog        cms       1/3       3            1           3d\n"
        "shop        web       2/2       2            2           3d\n"
    )


@pytest.mark.slow  # several commands, each with discovery, a list and a watch
def test_get_wide_adds_ip_and_node(server: FakeApiServer) -> None:
    code, out, _ = get(server, "pods", "-A", "-o", "wide")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED",
        "NODE", "READINESS", "GATES",
    ]  # fmt: skip
    assert lines[1].split() == [
        "blog", "cms-1", "1/1", "Running", "0", "3d", "10.0.1.1", "node-b", "<none>", "<none>",
    ]  # fmt: skip
    assert len(lines) == 5
    code, out, _ = get(server, "deployments.apps", "-n", "shop", "-o", "wide")
    assert out.splitlines()[1].split() == ["web", "2/2", "2", "2", "3d", "web", "web:2", "app=web"]


@pytest.mark.slow  # several commands, each with discovery, a list and a watch
def test_get_label_and_field_selectors(server: FakeApiServer) -> None:
    code, out, _ = get(server, "pods", "-A", "-l", "app in (web,cms)", "-o", "name")
    assert (code, out) == (0, "pod/cms-1\npod/web-1\npod/web-2\n")
    code, out, _ = get(
        server, "pods", "-A", "--field-selector", "spec.nodeName=node-a", "-o", "name"
    )
    assert (code, out) == (0, "pod/db-0\npod/web-1\n")
    code, out, err = get(server, "pods", "-n", "shop", "-l", "app=nothing")
    assert (code, out, err) == (0, "", "No resources found in shop namespace.\n")
    code, out, err = get(server, "pods", "-A", "-l", "app=nothing")
    assert (code, out, err) == (0, "", "No resources found\n")


# ------------------------------------------------------------------------------ -o json | yaml | name


@pytest.mark.slow  # several commands, each with discovery, a list and a watch
def test_get_json_list_and_single_object_without_managed_fields(server: FakeApiServer) -> None:
    code, out, _ = get(server, "pods", "-n", "shop", "-o", "json")
    assert code == 0
    document = json.loads(out)
    assert document["kind"] == "List"
    assert document["apiVersion"] == "v1"
    assert document["metadata"] == {"resourceVersion": ""}
    assert [item["metadata"]["name"] for item in document["items"]] == ["db-0", "web-1", "web-2"]
    assert all(item["kind"] == "Pod" and item["apiVersion"] == "v1" for item in document["items"])
    assert all("managedFields" not in item["metadata"] for item in document["items"])
    assert out.startswith('{\n    "apiVersion": "v1",\n    "items": [')  # kubectl: sorted, 4 spaces
    code, out, _ = get(server, "pods", "web-1", "-n", "shop", "-o", "json")
    single = json.loads(out)
    assert (single["kind"], single["metadata"]["name"], single["spec"]["nodeName"]) == (
        "Pod",
        "web-1",
        "node-a",
    )


@pytest.mark.slow  # several commands, each with discovery, a list and a watch
def test_get_yaml_list_and_single_object(server: FakeApiServer) -> None:
    code, out, _ = get(server, "deploy", "-A", "-o", "yaml")
    assert code == 0
    document = yaml.safe_load(out)
    assert document["kind"] == "List"
    assert [(i["kind"], i["apiVersion"], i["metadata"]["name"]) for i in document["items"]] == [
        ("Deployment", "apps/v1", "cms"),
        ("Deployment", "apps/v1", "web"),
    ]
    code, out, _ = get(server, "deploy", "web", "-n", "shop", "-o", "yaml")
    assert yaml.safe_load(out)["spec"]["replicas"] == 2
    assert out.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n")


@pytest.mark.slow  # several commands, each with discovery, a list and a watch
def test_get_name_output_qualifies_grouped_kinds(server: FakeApiServer) -> None:
    assert get(server, "deploy", "-A", "-o", "name")[:2] == (
        0,
        "deployment.apps/cms\ndeployment.apps/web\n",
    )
    assert get(server, "pod", "web-2", "-n", "shop", "-o", "name")[:2] == (0, "pod/web-2\n")


def test_get_one_name_as_a_table(server: FakeApiServer) -> None:
    code, out, _ = get(server, "pods", "web-2", "-n", "shop")
    assert (code, out.splitlines()[1].split()[0], len(out.splitlines())) == (0, "web-2", 2)


# ------------------------------------------------------------------------------ errors


@pytest.mark.slow  # several commands, each with discovery, a list and a watch
def test_get_name_not_found_like_kubectl_F_3(server: FakeApiServer) -> None:
    assert get(server, "pods", "nope", "-n", "shop") == (
        1,
        "",
        'Error from server (NotFound): pods "nope" not found\n',
    )
    assert get(server, "deploy", "nope", "-n", "shop")[2] == (
        'Error from server (NotFound): deployments.apps "nope" not found\n'
    )


def test_get_unknown_resource_suggests_names(server: FakeApiServer) -> None:
    code, out, err = get(server, "podz")
    assert (code, out) == (1, "")
    assert (
        err
        == 'error: the server doesn\'t have a resource type "podz"; did you mean pod, pods, po?\n'
    )


def test_get_forbidden_namespace(server: FakeApiServer, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "config", server.url, "shop-reader")
    code, out, err = get(server, "pods", "-n", "blog", kubeconfig=kubeconfig)
    assert (code, out) == (1, "")
    assert err.startswith('Error from server (Forbidden): pods is forbidden: User "reader"')
    assert err.count("\n") == 1
    assert "shop-reader" not in err


def test_get_unauthorized_token(server: FakeApiServer, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "config", server.url, "wrong-token")
    code, out, err = get(server, "pods", kubeconfig=kubeconfig)
    assert (code, out) == (1, "")
    assert err.startswith("Error from server (Unauthorized): ")
    assert err.count("\n") == 1
    assert "wrong-token" not in err


def test_get_unreachable_server(server: FakeApiServer, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = write_kubeconfig(tmp_path / "config", f"http://127.0.0.1:{port}", "secret-token")
    code, out, err = get(server, "pods", kubeconfig=kubeconfig)
    assert (code, out) == (1, "")
    assert (
        err == f"Unable to connect to the server: connection refused by http://127.0.0.1:{port}\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["-l", "app=web=x"],
            "error: invalid label selector \"app=web=x\": found '=', expected: ',' or 'end of string'\n",
            id="label",
        ),
        pytest.param(
            ["--field-selector", "spec.image=x"],
            "Error from server (BadRequest): field label not supported: spec.image\n",
            id="unsupported-field",
        ),
    ],
)
def test_get_bad_selector(server: FakeApiServer, argv: list[str], message: str) -> None:
    assert get(server, "pods", *argv) == (1, "", message)


def test_get_bad_field_selector_syntax(server: FakeApiServer) -> None:
    code, out, err = get(server, "pods", "--field-selector", "nodeName")
    assert (code, out) == (1, "")
    assert err.startswith('error: invalid field selector "nodeName": ')


def test_get_list_failure_while_syncing_is_one_line(server: FakeApiServer) -> None:
    # The informer would retry with backoff; kubectl-style get reports it and stops.
    server.fail_next("list", code=500, resource="pods")
    assert get(server, "pods", "-n", "shop") == (
        1,
        "",
        "Error from server (InternalError): injected failure: list\n",
    )


@pytest.mark.slow
def test_get_gives_up_when_the_cache_does_not_sync_in_time() -> None:
    with FakeApiServer() as slow:
        slow.set_latency(0.3)  # every request; the sync timeout is shorter
        code, out, err = get(slow, "cm", "--sync-timeout", "0.1")
    assert (code, out) == (1, "")
    assert err == "error: timed out after 0.1s waiting for the cache to sync\n"


def test_get_missing_kubeconfig_and_context(server: FakeApiServer, tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    assert get(server, "pods", kubeconfig=missing) == (
        1,
        "",
        f"error: kubeconfig {missing}: file not found\n",
    )
    code, _, err = get(server, "pods", "--context", "nope")
    assert code == 1
    assert err.startswith("error: kubeconfig ")
    assert 'context "nope" not found' in err


def test_get_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["get"], ["get", "pods", "-n", "a", "-A"], ["get", "pods", "-o", "xml"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    assert "usage: kinformer get" in capsys.readouterr().err


# ------------------------------------------------------------------------------ -w


def watch(
    server: FakeApiServer, *argv: str
) -> tuple[threading.Event, io.StringIO, threading.Thread, list[int]]:
    stop, out, err = threading.Event(), io.StringIO(), io.StringIO()
    args = build_parser().parse_args(
        ["get", *argv, "-w", "--kubeconfig", str(server.kubeconfig_path)]
    )
    codes: list[int] = []
    thread = threading.Thread(
        target=lambda: codes.append(run_get(args, stop=stop, stdout=out, stderr=err))
    )
    thread.start()
    return stop, out, thread, codes


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.mark.slow
def test_get_watch_prints_changes_until_stopped(server: FakeApiServer) -> None:
    server.state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "watched"}})
    server.create(pod("watched", "first", "node-a", app="w", ip="10.9.0.1"))
    stop, out, thread, codes = watch(server, "pods", "-n", "watched")
    try:
        wait_for(lambda: "first" in out.getvalue(), "the initial table")
        assert out.getvalue().splitlines()[0].split() == [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
        ]
        server.create(pod("watched", "second", "node-b", app="w", ip="10.9.0.2"))
        wait_for(lambda: "second" in out.getvalue(), "the added pod")
        server.delete("v1", "Pod", "first", "watched")
        wait_for(lambda: out.getvalue().count("first") == 2, "the deleted pod")
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert codes == [0]
    names = [line.split()[0] for line in out.getvalue().splitlines()]
    assert names == ["NAME", "first", "second", "first"]


@pytest.mark.slow
def test_get_watch_json_and_name_outputs(server: FakeApiServer) -> None:
    server.state.create(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "watched-2"}}
    )
    stop, out, thread, codes = watch(server, "cm", "-n", "watched-2", "-o", "name")
    stop_json, out_json, thread_json, codes_json = watch(
        server, "cm", "-n", "watched-2", "-o", "json"
    )
    try:
        # Both listed the namespace first: it holds only its kube-root-ca.crt.
        wait_for(lambda: "configmap/kube-root-ca.crt" in out.getvalue(), "the first list (name)")
        wait_for(lambda: '"kind": "List"' in out_json.getvalue(), "the first list (JSON)")
        server.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "x", "namespace": "watched-2"},
            }
        )
        wait_for(lambda: "configmap/x" in out.getvalue(), "the name line")
        wait_for(lambda: '"name": "x"' in out_json.getvalue(), "the JSON object")
    finally:
        stop.set()
        stop_json.set()
        thread.join(10)
        thread_json.join(10)
    assert codes == codes_json == [0]
    assert out.getvalue().splitlines()[-1] == "configmap/x"
    decoder, text, objects = json.JSONDecoder(), out_json.getvalue(), []
    position = 0
    while position < len(text.strip()):
        obj, position = decoder.raw_decode(text, position)
        objects.append(obj)
        while position < len(text) and text[position].isspace():
            position += 1
    assert objects[-1]["kind"] == "ConfigMap"
    assert objects[-1]["metadata"]["name"] == "x"


@pytest.mark.slow
def test_get_watch_from_an_empty_namespace_prints_the_header_with_the_first_row(
    server: FakeApiServer,
) -> None:
    server.state.create(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "watched-3"}}
    )
    stop, out, thread, codes = watch(server, "deploy", "-n", "watched-3")
    stop_yaml, out_yaml, thread_yaml, codes_yaml = watch(
        server, "deploy", "-n", "watched-3", "-o", "yaml"
    )
    try:
        wait_for(lambda: "items: []" in out_yaml.getvalue(), "the first (empty) list")
        server.create(deployment("watched-3", "late", 1, 0))
        wait_for(lambda: "late" in out.getvalue(), "the row")
        wait_for(lambda: "name: late" in out_yaml.getvalue(), "the YAML document")
    finally:
        stop.set()
        stop_yaml.set()
        thread.join(10)
        thread_yaml.join(10)
    assert codes == codes_yaml == [0]
    header, row = (line.split() for line in out.getvalue().splitlines())
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row[:4] == ["late", "0/1", "0", "0"]  # a create drops the status (subresource)
    assert row[4] in ("0s", "1s", "2s")  # seconds since creation: depends on when the test ran
    documents = list(yaml.safe_load_all(out_yaml.getvalue()))
    assert documents[0]["items"] == []
    assert (documents[-1]["kind"], documents[-1]["metadata"]["name"]) == ("Deployment", "late")


# ------------------------------------------------------------------------------ printers


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (150, "2m30s"),
        (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 300, "3h5m"),
        (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (50 * 3600, "2d2h"),
        (8 * 86400, "8d"), (400 * 86400, "400d"), (730 * 86400, "2y"), (731 * 86400, "2y1d"),
        (9 * 365 * 86400, "9y"),
    ],
)  # fmt: skip
def test_printers_human_duration_like_apimachinery(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def container(state: dict[str, Any], *, ready: bool = False, restarts: int = 0) -> dict[str, Any]:
    return {"name": "c", "ready": ready, "restartCount": restarts, "state": state}


@pytest.mark.parametrize(
    ("pod_obj", "expected"),
    [
        pytest.param(
            {"spec": {"containers": [{}]}, "status": {"phase": "Pending"}},
            (0, 1, "Pending", 0),
            id="pending",
        ),
        pytest.param(
            {"spec": {"containers": [{}]}, "status": {"phase": "Running", "containerStatuses": [
                container({"waiting": {"reason": "CrashLoopBackOff"}}, restarts=5)]}},
            (0, 1, "CrashLoopBackOff", 5),
            id="crash-loop",
        ),
        pytest.param(
            {"spec": {"containers": [{}]}, "status": {"phase": "Failed", "containerStatuses": [
                container({"terminated": {"exitCode": 137, "signal": 9}})]}},
            (0, 1, "Signal:9", 0),
            id="killed",
        ),
        pytest.param(
            {"spec": {"containers": [{}]}, "status": {"phase": "Failed", "containerStatuses": [
                container({"terminated": {"exitCode": 2}})]}},
            (0, 1, "ExitCode:2", 0),
            id="exit-code",
        ),
        pytest.param(
            {"spec": {"containers": [{}], "initContainers": [{"name": "i"}]},
             "status": {"phase": "Pending", "initContainerStatuses": [container({"running": {}})]}},
            (0, 1, "Init:0/1", 0),
            id="init",
        ),
        pytest.param(
            {"spec": {"containers": [{}], "initContainers": [{"name": "i"}]},
             "status": {"phase": "Pending", "initContainerStatuses": [
                 container({"waiting": {"reason": "ImagePullBackOff"}})]}},
            (0, 1, "Init:ImagePullBackOff", 0),
            id="init-waiting",
        ),
        pytest.param(
            {"spec": {"containers": [{}], "initContainers": [{"name": "i"}]},
             "status": {"phase": "Pending", "initContainerStatuses": [
                 container({"terminated": {"exitCode": 1}}, restarts=2)]}},
            (0, 1, "Init:ExitCode:1", 2),
            id="init-failed",
        ),
        pytest.param(
            {"spec": {"containers": [{}], "initContainers": [{"name": "i"}, {"name": "c", "restartPolicy": "Always"}]},
             "status": {"phase": "Running", "initContainerStatuses": [
                 container({"terminated": {"exitCode": 0, "reason": "Completed"}}),
                 {**container({"running": {}}), "started": True}],
                 "containerStatuses": [container({"running": {}})]}},
            (0, 1, "Running", 0),
            id="init-done-sidecar-running-main-not-ready",
        ),
        pytest.param(
            {"spec": {"containers": [{}], "initContainers": [{"name": "i"}]},
             "status": {"phase": "Pending", "initContainerStatuses": [
                 container({"terminated": {"exitCode": 1, "reason": "Error"}})]}},
            (0, 1, "Init:Error", 0),
            id="init-error",
        ),
        pytest.param(
            {"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"containers": [{}]},
             "status": {"phase": "Running", "containerStatuses": [container({"running": {}}, ready=True)]}},
            (1, 1, "Terminating", 0),
            id="terminating",
        ),
        pytest.param(
            {"spec": {"containers": [{}, {}]}, "status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True"}], "containerStatuses": [
                container({"running": {}}, ready=True),
                container({"terminated": {"exitCode": 0, "reason": "Completed"}})]}},
            (1, 2, "Running", 0),
            id="completed-sidecar-but-running",
        ),
    ],
)  # fmt: skip
def test_printers_pod_status_like_kubectl(
    pod_obj: dict[str, Any], expected: tuple[int, int, str, int]
) -> None:
    assert pod_status(pod_obj)[:4] == expected


def test_printers_table_layout_keeps_widths_for_watch_rows() -> None:
    layout = TableLayout()
    assert layout.lines([["NAME", "AGE"], ["a", "1s"]]) == ["NAME      AGE", "a         1s"]
    assert layout.lines([["a-much-longer-name", "2s"]]) == ["a-much-longer-name   2s"]
    assert layout.widths == [21]


def info(resource: str, kind: str, group: str = "", *, namespaced: bool = True) -> ResourceInfo:
    return ResourceInfo(group, "v1", resource, kind, namespaced)


CREATED = {"creationTimestamp": "2026-01-01T00:00:00Z"}
T0 = 1767225600.0  # 2026-01-01T00:00:00Z


@pytest.mark.parametrize(
    ("resource", "obj", "output", "row"),
    [
        pytest.param(
            info("services", "Service"),
            {"metadata": {"name": "web", **CREATED}, "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.9",
             "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
             "selector": {"app": "web"}}},
            "wide",
            ["web", "LoadBalancer", "10.96.0.9", "<pending>", "80:30080/TCP,53/UDP", "90s", "app=web"],
            id="service-pending-lb",
        ),
        pytest.param(
            info("services", "Service"),
            {"metadata": {"name": "db", **CREATED}, "spec": {"externalIPs": ["1.2.3.4"]},
             "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}]}}},
            "",
            ["db", "ClusterIP", "<none>", "1.2.3.4,lb.example.com", "<none>", "90s"],
            id="service-external",
        ),
        pytest.param(
            info("services", "Service"),
            {"metadata": {"name": "headless", **CREATED}, "spec": {"clusterIP": "None"}},
            "wide",
            ["headless", "ClusterIP", "None", "<none>", "<none>", "90s", "<none>"],
            id="service-headless",
        ),
        pytest.param(
            info("secrets", "Secret"),
            {"metadata": {"name": "tls", **CREATED}, "type": "kubernetes.io/tls", "data": {"a": "", "b": ""}},
            "",
            ["tls", "kubernetes.io/tls", "2", "90s"],
            id="secret",
        ),
        pytest.param(
            info("nodes", "Node", namespaced=False),
            {"metadata": {"name": "n1", **CREATED, "labels": {"kubernetes.io/os": "linux", "node-role.kubernetes.io/control-plane": "",
             "kubernetes.io/role": "master", "node-role.kubernetes.io/": ""}},
             "spec": {"unschedulable": True},
             "status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                       {"type": "Ready", "status": "False"}],
                        "addresses": [{"type": "Hostname", "address": "n1"},
                                      {"type": "InternalIP", "address": "10.0.0.7"}]}},
            "wide",
            ["n1", "NotReady,SchedulingDisabled", "control-plane,master", "90s", "<unknown>",
             "10.0.0.7", "<none>", "<unknown>", "<unknown>", "<unknown>"],
            id="node-not-ready",
        ),
        pytest.param(
            info("nodes", "Node", namespaced=False),
            {"metadata": {"name": "n2"}},
            "",
            ["n2", "Unknown", "<none>", "<unknown>", "<unknown>"],
            id="node-without-status",
        ),
        pytest.param(
            info("replicasets", "ReplicaSet", "apps"),
            {"metadata": {"name": "rs", **CREATED}, "spec": {"replicas": 3, "selector": {"matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "canary", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"}]}},
             "status": {"replicas": 2, "readyReplicas": 1}},
            "wide",
            ["rs", "3", "2", "1", "90s", "<none>", "<none>",
             "tier in (a,b),env notin (dev),canary,!legacy"],
            id="replicaset-expressions",
        ),
        pytest.param(
            info("pods", "Pod"),
            {"metadata": {"name": "p", "namespace": "ns", **CREATED},
             "spec": {"containers": [{}], "readinessGates": [{"conditionType": "a"}, {"conditionType": "b"}]},
             "status": {"phase": "Running", "podIP": "10.1.1.1", "nominatedNodeName": "n9",
                        "conditions": [{"type": "a", "status": "True"}],
                        "containerStatuses": [{"ready": True, "restartCount": 3, "state": {"running": {}},
                            "lastState": {"terminated": {"finishedAt": "2025-12-31T23:59:00Z"}}}]}},
            "wide",
            ["ns", "p", "1/1", "Running", "3 (2m30s ago)", "90s", "10.1.1.1", "<none>", "n9", "1/2"],
            id="pod-restarted-gates-all-namespaces",
        ),
        pytest.param(
            info("namespaces", "Namespace", namespaced=False),
            {"metadata": {"name": "team", **CREATED}, "status": {"phase": "Terminating"}},
            "",
            ["team", "Terminating", "90s"],
            id="namespace",
        ),
        pytest.param(
            info("widgets", "Widget", "example.com"),
            {"metadata": {"name": "w", "creationTimestamp": "not a time"}},
            "",
            ["w", "<unknown>"],
            id="generic",
        ),
    ],
)  # fmt: skip
def test_printers_rows_of_common_kinds(
    resource: ResourceInfo, obj: dict[str, Any], output: str, row: list[str]
) -> None:
    printer = Printer(info=resource, output=output, all_namespaces=resource.resource == "pods")
    assert printer.row(obj, T0 + 90) == row
    assert len(printer.headers()) == len(row)


def test_printers_render_every_format() -> None:
    printer = Printer(info=info("configmaps", "ConfigMap"), output="")
    objects = [{"metadata": {"name": "a", **CREATED}, "data": {"k": "v"}}]
    assert (
        printer.render(objects, T0 + 5, single=False)
        == "NAME      DATA      AGE\na         1         5s\n"
    )
    as_name = Printer(info=info("configmaps", "ConfigMap"), output="name")
    assert as_name.render(objects, T0, single=False) == "configmap/a\n"
    as_json = Printer(info=info("configmaps", "ConfigMap"), output="json")
    assert json.loads(as_json.render(objects, T0, single=True))["kind"] == "ConfigMap"
    assert json.loads(as_json.render(objects * 2, T0, single=False))["kind"] == "List"
    as_yaml = Printer(info=info("configmaps", "ConfigMap"), output="yaml")
    assert yaml.safe_load(as_yaml.render(objects, T0, single=False))["items"][0]["data"] == {
        "k": "v"
    }
