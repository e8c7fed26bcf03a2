"""kubeconfig loading, KUBECONFIG merging, in-cluster configuration, and their error messages."""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from kinformer._errors import ConfigError
from kinformer.transport._config import ClientConfig
from kinformer.transport._incluster import in_cluster_config
from kinformer.transport._kubeconfig import default_kubeconfig_paths, load_kubeconfig

SECRET_TOKEN = "s3cr3t-t0ken-value"
CA_PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _kubeconfig(
    *,
    clusters: dict[str, dict[str, Any]] | None = None,
    users: dict[str, dict[str, Any]] | None = None,
    contexts: dict[str, dict[str, Any]] | None = None,
    current: str | None = "main",
) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config"}
    if clusters is not None:
        doc["clusters"] = [{"name": k, "cluster": v} for k, v in clusters.items()]
    if users is not None:
        doc["users"] = [{"name": k, "user": v} for k, v in users.items()]
    if contexts is not None:
        doc["contexts"] = [{"name": k, "context": v} for k, v in contexts.items()]
    if current is not None:
        doc["current-context"] = current
    return doc


def _basic() -> dict[str, Any]:
    return _kubeconfig(
        clusters={
            "c": {"server": "https://127.0.0.1:6443/", "certificate-authority-data": _b64(CA_PEM)}
        },
        users={"u": {"token": SECRET_TOKEN}},
        contexts={"main": {"cluster": "c", "user": "u", "namespace": "team"}},
    )


def _write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc) if not isinstance(doc, str) else doc)
    return path


def test_load_kubeconfig_current_context_cluster_user_namespace(tmp_path: Path) -> None:
    config = load_kubeconfig(_write(tmp_path / "config", _basic()))
    assert config.server == "https://127.0.0.1:6443"
    assert config.ca_data == CA_PEM
    assert config.token == SECRET_TOKEN
    assert config.namespace == "team"
    assert config.context == "main"
    assert not config.insecure_skip_tls_verify


def test_load_kubeconfig_chosen_context_and_default_namespace(tmp_path: Path) -> None:
    doc = _basic()
    doc["contexts"].append({"name": "other", "context": {"cluster": "c", "user": "u"}})
    config = load_kubeconfig(_write(tmp_path / "config", doc), context="other")
    assert (config.context, config.namespace) == ("other", "default")


def test_load_kubeconfig_relative_paths_resolve_against_the_file_and_tilde_expands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "kube" / "certs").mkdir(parents=True)
    (tmp_path / "kube" / "certs" / "ca.crt").write_bytes(CA_PEM)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "token").write_text(SECRET_TOKEN)
    (tmp_path / "kube" / "c.crt").write_text("cert")
    (tmp_path / "kube" / "c.key").write_text("key")
    doc = _kubeconfig(
        clusters={"c": {"server": "https://k:6443", "certificate-authority": "certs/ca.crt"}},
        users={
            "u": {
                "tokenFile": "~/token",
                "client-certificate": "c.crt",
                "client-key": "c.key",
                "exec": {
                    "command": "./bin/plugin",
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                },
            }
        },
        contexts={"main": {"cluster": "c", "user": "u"}},
    )
    config = load_kubeconfig(_write(tmp_path / "kube" / "config", doc))
    assert config.ca_data == CA_PEM
    assert config.token_file == str(tmp_path / "home" / "token")
    assert config.client_cert_file == str(tmp_path / "kube" / "c.crt")
    assert config.client_key_file == str(tmp_path / "kube" / "c.key")
    assert config.exec is not None
    assert config.exec.command == str(tmp_path / "kube" / "bin" / "plugin")
    assert not config.uses_exec  # a token file and a certificate win over exec


def test_kubeconfig_list_merges_first_file_wins(tmp_path: Path) -> None:
    first = _kubeconfig(
        clusters={"c": {"server": "https://first:1"}},
        contexts={"main": {"cluster": "c", "user": "u"}, "x": {"cluster": "c2"}},
        current="x",
    )
    second = _kubeconfig(
        clusters={"c": {"server": "https://second:2"}, "c2": {"server": "https://c2:3"}},
        users={"u": {"token": SECRET_TOKEN}},
        contexts={"main": {"cluster": "c2", "user": "u"}},
        current="main",
    )
    a = _write(tmp_path / "a" / "config", first)
    b = _write(tmp_path / "b" / "config", second)
    environ = {"KUBECONFIG": os.pathsep.join([str(a), str(tmp_path / "missing"), str(b), str(a)])}
    assert default_kubeconfig_paths(environ) == [a, tmp_path / "missing", b]
    config = load_kubeconfig(environ=environ)
    assert (config.context, config.server) == ("x", "https://c2:3")  # current-context from a
    config = load_kubeconfig(environ=environ, context="main")
    assert (config.server, config.token) == (
        "https://first:1",
        SECRET_TOKEN,
    )  # context and cluster from a, user from b


def test_kubeconfig_default_path_is_home_kube_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_kubeconfig_paths({}) == [tmp_path / ".kube" / "config"]
    _write(tmp_path / ".kube" / "config", _basic())
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert load_kubeconfig().server == "https://127.0.0.1:6443"


def test_kubeconfig_insecure_skip_tls_verify_and_tls_server_name_and_proxy(tmp_path: Path) -> None:
    doc = _basic()
    doc["clusters"][0]["cluster"] = {
        "server": "https://10.0.0.1",
        "insecure-skip-tls-verify": True,
        "tls-server-name": "kubernetes",
        "proxy-url": "http://proxy:3128",
    }
    config = load_kubeconfig(_write(tmp_path / "config", doc))
    assert config.insecure_skip_tls_verify
    assert (config.tls_server_name, config.proxy_url) == ("kubernetes", "http://proxy:3128")


def test_kubeconfig_exec_plugin_fields(tmp_path: Path) -> None:
    doc = _basic()
    doc["users"][0]["user"] = {
        "exec": {
            "command": "plugin",
            "args": ["get-token", "--x"],
            "env": [{"name": "SECRET_ENV", "value": "hidden-value"}],
            "apiVersion": "client.authentication.k8s.io/v1",
            "interactiveMode": "Never",
            "provideClusterInfo": True,
            "installHint": "install plugin",
        }
    }
    doc["clusters"][0]["cluster"]["extensions"] = [
        {"name": "client.authentication.k8s.io/exec", "extension": {"audience": "x"}}
    ]
    config = load_kubeconfig(_write(tmp_path / "config", doc))
    assert config.uses_exec
    assert config.exec is not None
    assert config.exec.command == "plugin"  # a bare name is looked up on PATH
    assert config.exec.args == ("get-token", "--x")
    assert config.exec.env == (("SECRET_ENV", "hidden-value"),)
    assert config.exec.provide_cluster_info
    assert config.exec.cluster_extension == {"audience": "x"}
    assert "hidden-value" not in repr(config)


def test_kubeconfig_inline_client_certificate_data(tmp_path: Path) -> None:
    doc = _basic()
    doc["users"][0]["user"] = {
        "client-certificate-data": _b64(b"CERT"),
        "client-key-data": _b64(b"KEY"),
    }
    config = load_kubeconfig(_write(tmp_path / "config", doc))
    assert (config.client_cert_data, config.client_key_data) == (b"CERT", b"KEY")
    assert config.has_client_cert
    assert "KEY" not in repr(config)


def _break(doc: dict[str, Any], where: str, value: object) -> dict[str, Any]:
    """Set ``value`` at a dotted path such as ``clusters.0.cluster.server`` (None deletes)."""
    keys = where.split(".")
    target: Any = doc
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last: Any = int(keys[-1]) if keys[-1].isdigit() else keys[-1]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return doc


BROKEN = [
    pytest.param(
        "current-context",
        None,
        "no context chosen and no current-context set",
        id="no-current-context",
    ),
    pytest.param(
        "current-context", "nope", 'context "nope" not found (contexts: main)', id="unknown-context"
    ),
    pytest.param(
        "contexts.0.context.cluster",
        "gone",
        "context 'main': cluster \"gone\" not found",
        id="missing-cluster",
    ),
    pytest.param(
        "contexts.0.context.cluster",
        None,
        "context 'main': field \"cluster\" is missing",
        id="context-without-cluster",
    ),
    pytest.param(
        "contexts.0.context.user",
        "gone",
        "context 'main': user \"gone\" not found",
        id="missing-user",
    ),
    pytest.param(
        "contexts.0.context", None, 'field "context" is missing', id="context-body-missing"
    ),
    pytest.param(
        "clusters.0.cluster.server",
        None,
        "cluster 'c': field \"server\" is missing",
        id="no-server",
    ),
    pytest.param(
        "clusters.0.cluster.server",
        "127.0.0.1:6443",
        'field "server": expected an http(s) URL',
        id="server-not-url",
    ),
    pytest.param(
        "clusters.0.cluster.server", 6443, 'field "server": expected a string', id="server-int"
    ),
    pytest.param(
        "clusters.0.cluster.certificate-authority-data",
        "!!notbase64!!",
        'field "certificate-authority-data": invalid base64',
        id="bad-base64",
    ),
    pytest.param("clusters.0.cluster.certificate-authority-data", None, None, id="no-ca-is-fine"),
    pytest.param(
        "clusters.0.cluster.insecure-skip-tls-verify",
        "yes",
        "expected true or false",
        id="insecure-not-bool",
    ),
    pytest.param(
        "clusters.0.cluster.insecure-skip-tls-verify",
        True,
        "root certificates file with the insecure flag",
        id="insecure-with-ca",
    ),
    pytest.param(
        "clusters.0.cluster",
        "text",
        'field "cluster": expected a mapping',
        id="cluster-not-mapping",
    ),
    pytest.param(
        "clusters.0.name", None, 'field "clusters[0].name" is missing', id="cluster-without-name"
    ),
    pytest.param("clusters", {"c": 1}, 'field "clusters" must be a list', id="clusters-not-list"),
    pytest.param(
        "users.0.user",
        {"auth-provider": {"name": "gcp"}},
        'field "auth-provider" is not supported',
        id="auth-provider",
    ),
    pytest.param(
        "users.0.user",
        {"token": "t", "username": "a", "password": "b"},
        "more than one authentication method found: token, basicAuth",
        id="two-methods",
    ),
    pytest.param(
        "users.0.user",
        {"client-certificate-data": "Q0VSVA=="},
        '"client-key" or "client-key-data" is missing',
        id="cert-without-key",
    ),
    pytest.param(
        "users.0.user",
        {"client-key-data": "S0VZ"},
        '"client-certificate" or "client-certificate-data" is missing',
        id="key-without-cert",
    ),
    pytest.param(
        "users.0.user",
        {"client-certificate": "/nonexistent/c.crt", "client-key": "/nonexistent/c.key"},
        "cannot read /nonexistent/c.crt",
        id="unreadable-cert",
    ),
    pytest.param(
        "users.0.user",
        {"tokenFile": "/nonexistent/token"},
        'field "tokenFile": cannot read /nonexistent/token',
        id="unreadable-token-file",
    ),
    pytest.param(
        "users.0.user",
        {"exec": {"apiVersion": "client.authentication.k8s.io/v1"}},
        'exec: field "command" is missing',
        id="exec-no-command",
    ),
    pytest.param(
        "users.0.user",
        {"exec": {"command": "p", "apiVersion": "client.authentication.k8s.io/v1alpha1"}},
        'exec: field "apiVersion": expected one of',
        id="exec-bad-version",
    ),
    pytest.param(
        "users.0.user",
        {"exec": {"command": "p", "apiVersion": "client.authentication.k8s.io/v1"}},
        'field "interactiveMode" is required',
        id="exec-v1-no-mode",
    ),
    pytest.param(
        "users.0.user",
        {
            "exec": {
                "command": "p",
                "apiVersion": "client.authentication.k8s.io/v1",
                "interactiveMode": "Sometimes",
            }
        },
        "expected Never, IfAvailable or Always",
        id="exec-bad-mode",
    ),
    pytest.param(
        "users.0.user",
        {
            "exec": {
                "command": "p",
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "args": "x",
            }
        },
        'field "args": expected a list of strings',
        id="exec-args-not-list",
    ),
    pytest.param(
        "users.0.user",
        {
            "exec": {
                "command": "p",
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "env": [{"value": "v"}],
            }
        },
        'field "env[0].name" is missing',
        id="exec-env-no-name",
    ),
    pytest.param(
        "users.0.user", {"exec": "p"}, 'field "exec": expected a mapping', id="exec-not-mapping"
    ),
]


@pytest.mark.parametrize(("where", "value", "message"), BROKEN)
def test_broken_kubeconfig_raises_one_clear_error_naming_file_context_and_field(
    tmp_path: Path, where: str, value: object, message: str | None
) -> None:
    path = _write(tmp_path / "config", _break(_basic(), where, value))
    if message is None:
        assert isinstance(load_kubeconfig(path), ClientConfig)
        return
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    text = str(info.value)
    assert message in text
    assert str(path) in text
    assert SECRET_TOKEN not in text


def test_broken_kubeconfig_duplicate_names(tmp_path: Path) -> None:
    doc = _basic()
    doc["clusters"].append(dict(doc["clusters"][0]))
    with pytest.raises(ConfigError, match='duplicate name "c" in "clusters"'):
        load_kubeconfig(_write(tmp_path / "config", doc))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("clusters: [\n  - name: a\n  bad", "malformed YAML at line", id="yaml-error"),
        pytest.param(
            "- just\n- a list\n", "expected a mapping at the top level", id="top-level-list"
        ),
        pytest.param("", "no context chosen", id="empty-file"),
        pytest.param("key: [unclosed", "malformed YAML", id="flow-error"),
    ],
)
def test_malformed_yaml_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "config", text)
    with pytest.raises(ConfigError, match=message) as info:
        load_kubeconfig(path)
    assert str(path) in str(info.value)


def test_missing_and_unreadable_kubeconfig_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_kubeconfig(tmp_path / "nope")
    with pytest.raises(ConfigError, match="no kubeconfig found"):
        load_kubeconfig(environ={"KUBECONFIG": str(tmp_path / "nope")})
    bad = tmp_path / "latin1"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_kubeconfig(bad)


def test_unreadable_ca_file_names_the_field(tmp_path: Path) -> None:
    doc = _basic()
    doc["clusters"][0]["cluster"] = {
        "server": "https://k",
        "certificate-authority": "missing-ca.crt",
    }
    with pytest.raises(
        ConfigError, match=r'field "certificate-authority": cannot read .*missing-ca.crt'
    ):
        load_kubeconfig(_write(tmp_path / "config", doc))


def test_credentials_never_in_repr_or_str(tmp_path: Path) -> None:
    doc = _basic()
    config = load_kubeconfig(_write(tmp_path / "config", doc))
    for text in (repr(config), str(config)):
        assert SECRET_TOKEN not in text
        assert "token=<redacted>" in text
    basic = ClientConfig(server="https://x", username="admin", password="pa55word")
    assert "pa55word" not in repr(basic)
    assert "basic-auth" in repr(basic)
    keyed = ClientConfig(server="https://x", client_cert_data=b"C", client_key_data=b"PRIVATE-KEY")
    assert "PRIVATE-KEY" not in repr(keyed)


# ---- in-cluster ----


def _service_account(base: Path, *, ca: bool = True, namespace: str | None = "apps") -> Path:
    base.mkdir(parents=True, exist_ok=True)
    (base / "token").write_text(SECRET_TOKEN)
    if ca:
        (base / "ca.crt").write_bytes(CA_PEM)
    if namespace is not None:
        (base / "namespace").write_text(namespace + "\n")
    return base


def test_in_cluster_config_reads_the_service_account(tmp_path: Path) -> None:
    base = _service_account(tmp_path / "sa")
    env = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    config = in_cluster_config(base_dir=base, environ=env)
    assert config.server == "https://10.96.0.1:443"
    assert config.token_file == str(base / "token")
    assert config.token is None
    assert (config.ca_data, config.namespace, config.source) == (CA_PEM, "apps", "in-cluster")
    assert SECRET_TOKEN not in repr(config)


def test_in_cluster_config_ipv6_host_and_defaults(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = _service_account(tmp_path / "sa", ca=False, namespace=None)
    env = {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"}
    with caplog.at_level(logging.ERROR, logger="kinformer.transport"):
        config = in_cluster_config(base_dir=base, environ=env)
    assert config.server == "https://[fd00::1]:6443"
    assert (config.ca_data, config.namespace) == (None, "default")
    assert "expected to load root CA config" in caplog.text


def test_in_cluster_config_outside_a_cluster(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match="KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
    ):
        in_cluster_config(base_dir=tmp_path, environ={})
    env = {"KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"}
    with pytest.raises(ConfigError, match="cannot read the service account token"):
        in_cluster_config(base_dir=tmp_path / "none", environ=env)
