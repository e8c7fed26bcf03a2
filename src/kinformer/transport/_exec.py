"""Exec credential plugins (client-go ``plugin/pkg/client/auth/exec``).

The plugin is run with ``KUBERNETES_EXEC_INFO`` set to an ``ExecCredential`` request
(``spec.interactive`` false, and ``spec.cluster`` when ``provideClusterInfo`` is set), its
stdin closed and its stderr passed through. Its stdout is an ``ExecCredential`` whose
``status`` carries a ``token`` or a ``clientCertificateData``/``clientKeyData`` pair, and
optionally ``expirationTimestamp``: the credential is cached until then (forever without
one) and the plugin re-runs when a request gets 401 Unauthorized.

:func:`parse_exec_credential` and :func:`exec_info` are pure; :class:`ExecRunner` runs the
process and caches the result (thread-safe). Credentials never appear in messages.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, final

import orjson

from kinformer._errors import ConfigError

from ._config import ClientConfig, ExecConfig

__all__ = ["ExecCredential", "ExecPluginError", "ExecRunner", "exec_info", "parse_exec_credential"]


class ExecPluginError(ConfigError):
    """The exec credential plugin could not be run or returned no usable credential."""


@final
@dataclass(frozen=True, slots=True)
class ExecCredential:
    """A credential returned by a plugin; ``expires_at`` is a POSIX time or ``None`` (never)."""

    token: str | None = field(default=None, repr=False)
    client_cert: bytes | None = field(default=None, repr=False)
    client_key: bytes | None = field(default=None, repr=False)
    expires_at: float | None = None


def exec_info(exec_config: ExecConfig, cluster: ClientConfig) -> dict[str, Any]:
    """The ``ExecCredential`` request passed in ``KUBERNETES_EXEC_INFO``."""
    spec: dict[str, Any] = {"interactive": False}
    if exec_config.provide_cluster_info:
        info: dict[str, Any] = {"server": cluster.server}
        if cluster.tls_server_name:
            info["tls-server-name"] = cluster.tls_server_name
        if cluster.insecure_skip_tls_verify:
            info["insecure-skip-tls-verify"] = True
        if cluster.ca_data:
            info["certificate-authority-data"] = base64.b64encode(cluster.ca_data).decode()
        if cluster.proxy_url:
            info["proxy-url"] = cluster.proxy_url
        if exec_config.cluster_extension is not None:
            info["config"] = dict(exec_config.cluster_extension)
        spec["cluster"] = info
    return {"apiVersion": exec_config.api_version, "kind": "ExecCredential", "spec": spec}


def parse_exec_credential(output: bytes, exec_config: ExecConfig) -> ExecCredential:
    """The credential in a plugin's stdout.

    Raises:
        ExecPluginError: not JSON, wrong ``apiVersion``/``kind``, no token nor certificate,
            a certificate without key (or the reverse), a bad ``expirationTimestamp``.
    """
    command = exec_config.command
    try:
        document = orjson.loads(output)
    except orjson.JSONDecodeError:
        raise ExecPluginError(f"exec plugin {command}: output is not JSON") from None
    if not isinstance(document, dict) or document.get("kind") != "ExecCredential":
        raise ExecPluginError(f"exec plugin {command}: output is not an ExecCredential")
    if document.get("apiVersion") != exec_config.api_version:
        raise ExecPluginError(
            f"exec plugin {command}: plugin returned version {document.get('apiVersion')!r}, "
            f"expected {exec_config.api_version!r}"
        )
    status = document.get("status")
    if not isinstance(status, dict):
        raise ExecPluginError(f"exec plugin {command}: no status in the ExecCredential")
    token = status.get("token") or None
    cert = status.get("clientCertificateData") or None
    key = status.get("clientKeyData") or None
    if bool(cert) != bool(key):
        raise ExecPluginError(
            f"exec plugin {command}: clientCertificateData and clientKeyData must both be set"
        )
    if not token and not cert:
        raise ExecPluginError(f"exec plugin {command}: didn't return a token or cert/key pair")
    if (token is not None and not isinstance(token, str)) or not all(
        v is None or isinstance(v, str) for v in (cert, key)
    ):
        raise ExecPluginError(f"exec plugin {command}: status fields must be strings")
    expires_at: float | None = None
    stamp = status.get("expirationTimestamp")
    if stamp:
        try:
            expires_at = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise ExecPluginError(
                f"exec plugin {command}: bad expirationTimestamp {stamp!r}"
            ) from None
    return ExecCredential(
        token=token,
        client_cert=cert.encode() if cert else None,
        client_key=key.encode() if key else None,
        expires_at=expires_at,
    )


@final
class ExecRunner:
    """Runs the plugin of ``config`` and caches its credential until it expires.

    Thread-safe: concurrent callers wait for one run. ``now`` returns POSIX time (the
    expiry is an absolute timestamp); injectable for tests.
    """

    def __init__(self, config: ClientConfig, *, now: Callable[[], float] = time.time) -> None:
        if config.exec is None:
            raise ValueError("ExecRunner needs a configuration with an exec plugin")
        self._exec: ExecConfig = config.exec
        self._config = config
        self._now = now
        self._lock = threading.Lock()
        self._cached: ExecCredential | None = None
        self.runs = 0

    def __repr__(self) -> str:
        return f"ExecRunner(command={self._exec.command!r}, runs={self.runs})"

    def credential(self, *, stale: ExecCredential | None = None) -> ExecCredential:
        """The cached credential, running the plugin if there is none, it expired, or it is ``stale``.

        ``stale`` is the credential a request just got 401 Unauthorized with: it is dropped
        unless another caller already replaced it (client-go ``maybeRefreshCreds``).
        """
        with self._lock:
            cached = self._cached
            fresh = cached is not None and (stale is None or cached is not stale)
            if (
                cached is not None
                and fresh
                and (cached.expires_at is None or self._now() < cached.expires_at)
            ):
                return cached
            self._cached = self._run()
            return self._cached

    def _run(self) -> ExecCredential:
        exec_config = self._exec
        if exec_config.interactive_mode == "Always":
            raise ExecPluginError(
                f"exec plugin {exec_config.command}: interactiveMode Always needs a terminal, "
                "which kinformer never provides"
            )
        env: Mapping[str, str] = {
            **os.environ,
            **dict(exec_config.env),
            "KUBERNETES_EXEC_INFO": orjson.dumps(exec_info(exec_config, self._config)).decode(),
        }
        self.runs += 1
        try:
            completed = subprocess.run(
                [exec_config.command, *exec_config.args],
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                check=False,
            )
        except FileNotFoundError:
            hint = f"\n\n{exec_config.install_hint}" if exec_config.install_hint else ""
            raise ExecPluginError(
                f"exec plugin: executable {exec_config.command} not found{hint}"
            ) from None
        except OSError as error:
            raise ExecPluginError(
                f"exec plugin: cannot run {exec_config.command}: {error.strerror or error}"
            ) from None
        if completed.returncode != 0:
            raise ExecPluginError(
                f"exec plugin: executable {exec_config.command} failed with exit code "
                f"{completed.returncode}"
            )
        return parse_exec_credential(completed.stdout, exec_config)
