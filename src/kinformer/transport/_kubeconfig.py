"""kubeconfig files: loading, merging as kubectl merges them, and validation.

Mirrors client-go ``tools/clientcmd`` (``loader.go``: the ``KUBECONFIG`` list and its
merge rules, ``ResolvePaths``; ``validation.go``; ``client_config.go``: the context's
cluster and user into a ``rest.Config``).

Merge rules (``ClientConfigLoadingRules.Load``): the files of ``KUBECONFIG`` (separated by
``os.pathsep``; missing files skipped) are read in order; for every map entry (cluster,
user, context) and for ``current-context`` the FIRST file that sets it wins. Relative paths
inside an entry are resolved against the directory of the file that defined the entry;
``~`` is expanded.

Every problem raises ONE :class:`ConfigError` naming the file, the context and the field;
credential values are never quoted in messages.
"""

from __future__ import annotations

import base64
import binascii
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from kinformer._errors import ConfigError

from ._config import ClientConfig, ExecConfig

__all__ = ["default_kubeconfig_paths", "load_kubeconfig"]

_EXEC_EXTENSION: Final = "client.authentication.k8s.io/exec"
EXEC_API_VERSIONS: Final = (
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
)


@dataclass(frozen=True, slots=True)
class _Entry:
    """A named map entry and the file that defined it."""

    name: str
    body: Mapping[str, Any]
    file: Path


def default_kubeconfig_paths(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The files kubectl reads: the ``KUBECONFIG`` list, else ``~/.kube/config``."""
    env = os.environ if environ is None else environ
    listed = env.get("KUBECONFIG", "")
    paths = [p for p in listed.split(os.pathsep) if p]
    if paths:
        seen: list[Path] = []
        for p in paths:
            path = Path(os.path.expanduser(p))
            if path not in seen:
                seen.append(path)
        return seen
    return [Path(os.path.expanduser("~/.kube/config"))]


def load_kubeconfig(
    path: str | os.PathLike[str] | None = None,
    *,
    context: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """The :class:`ClientConfig` of ``context`` (default: ``current-context``).

    ``path`` reads that one file (it must exist); otherwise the ``KUBECONFIG`` list (from
    ``environ``, default :data:`os.environ`) is merged, or ``~/.kube/config`` is read.

    Raises:
        ConfigError: no file, malformed YAML, no usable context, a context without cluster
            or user entry, a cluster without server, an unreadable file, bad base64, an
            ``auth-provider`` user, more than one authentication method...
    """
    if path is not None:
        files = [Path(os.path.expanduser(os.fspath(path)))]
        if not files[0].is_file():
            raise ConfigError(f"kubeconfig {files[0]}: file not found")
    else:
        files = [p for p in default_kubeconfig_paths(environ) if p.is_file()]
        if not files:
            raise ConfigError(
                "no kubeconfig found: set KUBECONFIG, pass a path, or create ~/.kube/config"
            )
    merged = _merge(files)
    origin = str(files[0]) if len(files) == 1 else os.pathsep.join(str(f) for f in files)
    where = f"kubeconfig {origin}"
    name = context or merged.current_context
    if not name:
        raise ConfigError(f"{where}: no context chosen and no current-context set")
    ctx = merged.contexts.get(name)
    if ctx is None:
        known = ", ".join(sorted(merged.contexts)) or "none"
        raise ConfigError(f'{where}: context "{name}" not found (contexts: {known})')
    where = f"kubeconfig {ctx.file}: context {name!r}"
    body = _mapping(ctx.body.get("context"), where, "context")
    cluster_name = _string(body, "cluster", where)
    user_name = _string(body, "user", where)
    if not cluster_name:
        raise ConfigError(f'{where}: field "cluster" is missing')
    cluster = merged.clusters.get(cluster_name)
    if cluster is None:
        raise ConfigError(f'{where}: cluster "{cluster_name}" not found')
    namespace = _string(body, "namespace", where) or "default"
    settings = _cluster_settings(cluster, name)
    user: dict[str, Any] = {}
    if user_name:
        user_entry = merged.users.get(user_name)
        if user_entry is None:
            raise ConfigError(f'{where}: user "{user_name}" not found')
        user = _user_settings(user_entry, name, settings.pop("_exec_extension", None))
    else:
        settings.pop("_exec_extension", None)
    return ClientConfig(
        **settings,
        **user,
        namespace=namespace,
        source=f"kubeconfig {ctx.file}, context {name!r}",
        context=name,
    )


@dataclass(slots=True)
class _Merged:
    current_context: str
    clusters: dict[str, _Entry]
    users: dict[str, _Entry]
    contexts: dict[str, _Entry]


def _merge(files: list[Path]) -> _Merged:
    merged = _Merged("", {}, {}, {})
    for file in files:
        document = _read_yaml(file)
        if not merged.current_context:
            current = document.get("current-context")
            if isinstance(current, str):
                merged.current_context = current
        for key, target in (
            ("clusters", merged.clusters),
            ("users", merged.users),
            ("contexts", merged.contexts),
        ):
            for entry in _named_list(document, key, file):
                target.setdefault(entry.name, entry)  # the first file that sets it wins
    return merged


def _read_yaml(file: Path) -> Mapping[str, Any]:
    where = f"kubeconfig {file}"
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{where}: cannot read the file: {error.__class__.__name__}") from None
    try:
        document = yaml.safe_load(text)  # kubeconfigs are small: the pure-Python loader
    except RecursionError:
        raise ConfigError(f"{where}: malformed YAML: nested too deeply") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: malformed YAML{at}: {problem}") from None
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConfigError(f"{where}: expected a mapping at the top level")
    return document


def _named_list(document: Mapping[str, Any], key: str, file: Path) -> list[_Entry]:
    items = document.get(key)
    if items is None:
        return []
    where = f"kubeconfig {file}"
    if not isinstance(items, list):
        raise ConfigError(f'{where}: field "{key}" must be a list')
    entries: list[_Entry] = []
    names: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise ConfigError(f'{where}: field "{key}[{index}].name" is missing')
        name = item["name"]
        if name in names:
            raise ConfigError(f'{where}: duplicate name "{name}" in "{key}"')
        names.add(name)
        entries.append(_Entry(name, item, file))
    return entries


def _cluster_settings(entry: _Entry, context: str) -> dict[str, Any]:
    where = f"kubeconfig {entry.file}: context {context!r}: cluster {entry.name!r}"
    body = _mapping(entry.body.get("cluster"), where, "cluster")
    server = _string(body, "server", where)
    if not server:
        raise ConfigError(f'{where}: field "server" is missing')
    if not server.startswith(("https://", "http://")):
        raise ConfigError(f'{where}: field "server": expected an http(s) URL')
    insecure = body.get("insecure-skip-tls-verify", False)
    if not isinstance(insecure, bool):
        raise ConfigError(f'{where}: field "insecure-skip-tls-verify": expected true or false')
    ca_data = _data_or_file(body, "certificate-authority", entry.file, where)
    if insecure and ca_data is not None:
        raise ConfigError(
            f"{where}: specifying a root certificates file with the insecure flag is not allowed"
        )
    settings: dict[str, Any] = {
        "server": server.rstrip("/"),
        "ca_data": ca_data,
        "insecure_skip_tls_verify": insecure,
        "tls_server_name": _string(body, "tls-server-name", where) or None,
        "proxy_url": _string(body, "proxy-url", where) or None,
    }
    extension = None
    extensions = body.get("extensions") or ()
    if not isinstance(extensions, list | tuple):
        raise ConfigError(f'{where}: field "extensions": expected a list')
    for item in extensions:
        if isinstance(item, Mapping) and item.get("name") == _EXEC_EXTENSION:
            extension = item.get("extension")
    settings["_exec_extension"] = extension
    return settings


def _user_settings(entry: _Entry, context: str, exec_extension: object) -> dict[str, Any]:
    where = f"kubeconfig {entry.file}: context {context!r}: user {entry.name!r}"
    body = _mapping(entry.body.get("user"), where, "user")
    if body.get("auth-provider") is not None:
        raise ConfigError(
            f'{where}: field "auth-provider" is not supported (client-go removed the '
            "gcp and azure providers); configure an exec credential plugin instead, e.g. "
            "gke-gcloud-auth-plugin, kubelogin, or 'aws eks get-token'"
        )
    cert_file = _path(body, "client-certificate", entry.file, where)
    key_file = _path(body, "client-key", entry.file, where)
    cert_data = _base64(body, "client-certificate-data", where)
    key_data = _base64(body, "client-key-data", where)
    has_cert = bool(cert_file or cert_data)
    has_key = bool(key_file or key_data)
    if has_cert and not has_key:
        raise ConfigError(f'{where}: field "client-key" or "client-key-data" is missing')
    if has_key and not has_cert:
        raise ConfigError(
            f'{where}: field "client-certificate" or "client-certificate-data" is missing'
        )
    for path in (cert_file, key_file):
        if path and not os.access(path, os.R_OK):
            raise ConfigError(f"{where}: cannot read {path}")
    token = _string(body, "token", where) or None
    token_file = _path(body, "tokenFile", entry.file, where)
    if token_file and not os.access(token_file, os.R_OK):
        raise ConfigError(f'{where}: field "tokenFile": cannot read {token_file}')
    username = _string(body, "username", where) or None
    password = _string(body, "password", where) or None
    methods = [m for m, on in (("token", token), ("basicAuth", username or password)) if on]
    if len(methods) > 1:
        raise ConfigError(
            f"{where}: more than one authentication method found: {', '.join(methods)}; "
            "only one is allowed"
        )
    exec_config = _exec(body.get("exec"), entry.file, where, exec_extension)
    return {
        "client_cert_file": cert_file,
        "client_cert_data": cert_data,
        "client_key_file": key_file,
        "client_key_data": key_data,
        "token": token,
        "token_file": token_file,
        "username": username,
        "password": password,
        "exec": exec_config,
    }


def _exec(value: object, file: Path, where: str, extension: object) -> ExecConfig | None:
    if value is None:
        return None
    where = f"{where}: exec"
    body = _mapping(value, where, "exec")
    command = _string(body, "command", where)
    if not command:
        raise ConfigError(f'{where}: field "command" is missing')
    if not os.path.isabs(command) and os.sep in command:
        command = str((file.parent / os.path.expanduser(command)).resolve())
    api_version = _string(body, "apiVersion", where)
    if api_version not in EXEC_API_VERSIONS:
        raise ConfigError(
            f'{where}: field "apiVersion": expected one of {", ".join(EXEC_API_VERSIONS)}'
        )
    args = body.get("args") or []
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ConfigError(f'{where}: field "args": expected a list of strings')
    env_pairs: list[tuple[str, str]] = []
    env = body.get("env") or []
    if not isinstance(env, list):
        raise ConfigError(f'{where}: field "env": expected a list')
    for index, item in enumerate(env):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise ConfigError(f'{where}: field "env[{index}].name" is missing')
        env_pairs.append((item["name"], str(item.get("value", ""))))
    mode = _string(body, "interactiveMode", where) or None
    if mode is None and api_version.endswith("/v1"):
        raise ConfigError(f'{where}: field "interactiveMode" is required for {api_version}')
    if mode not in (None, "Never", "IfAvailable", "Always"):
        raise ConfigError(
            f'{where}: field "interactiveMode": expected Never, IfAvailable or Always'
        )
    provide = body.get("provideClusterInfo", False)
    return ExecConfig(
        command=command,
        api_version=api_version,
        args=tuple(args),
        env=tuple(env_pairs),
        provide_cluster_info=provide is True,
        interactive_mode=mode,
        install_hint=_string(body, "installHint", where) or None,
        cluster_extension=extension if isinstance(extension, Mapping) else None,
    )


def _mapping(value: object, where: str, key: str) -> Mapping[str, Any]:
    if value is None:
        raise ConfigError(f'{where}: field "{key}" is missing')
    if not isinstance(value, Mapping):
        raise ConfigError(f'{where}: field "{key}": expected a mapping')
    return value


def _string(body: Mapping[str, Any], key: str, where: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f'{where}: field "{key}": expected a string')
    return value


def _path(body: Mapping[str, Any], key: str, file: Path, where: str) -> str | None:
    value = _string(body, key, where)
    if not value:
        return None
    if "\x00" in value:
        raise ConfigError(f'{where}: field "{key}": a path cannot contain a NUL byte')
    path = Path(os.path.expanduser(value))
    if not path.is_absolute():
        path = file.parent / path
    return str(path)


def _base64(body: Mapping[str, Any], key: str, where: str) -> bytes | None:
    value = _string(body, key, where)
    if not value:
        return None
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f'{where}: field "{key}": invalid base64') from None


def _data_or_file(body: Mapping[str, Any], key: str, file: Path, where: str) -> bytes | None:
    data = _base64(body, f"{key}-data", where)
    if data is not None:
        return data
    path = _path(body, key, file, where)
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(
            f'{where}: field "{key}": cannot read {path}: {error.strerror or error}'
        ) from None


def warn_insecure(config: ClientConfig) -> None:
    """Warn that TLS verification is off for ``config`` (``insecure-skip-tls-verify``)."""
    warnings.warn(
        f"TLS certificate verification is disabled for {config.server} "
        f"({config.source}: insecure-skip-tls-verify); the connection can be intercepted",
        stacklevel=3,
    )
