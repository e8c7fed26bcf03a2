"""The in-cluster configuration: the pod's service account (client-go ``rest.InClusterConfig``).

Reads ``KUBERNETES_SERVICE_HOST`` and ``KUBERNETES_SERVICE_PORT``, and from the service
account directory (``/var/run/secrets/kubernetes.io/serviceaccount``, injectable for tests)
``token`` (kept as a token *file*: the kubelet rotates it, and the client re-reads it
whenever it changes), ``ca.crt`` and ``namespace``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from kinformer._errors import ConfigError

from ._config import ClientConfig

__all__ = ["SERVICE_ACCOUNT_DIR", "in_cluster_config"]

SERVICE_ACCOUNT_DIR: Final = Path("/var/run/secrets/kubernetes.io/serviceaccount")

_log = logging.getLogger("kinformer.transport")


def in_cluster_config(
    *,
    base_dir: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """The :class:`ClientConfig` of the pod this process runs in.

    Raises:
        ConfigError: not in a cluster (no ``KUBERNETES_SERVICE_HOST``/``PORT``) or the
            token file cannot be read.
    """
    env = os.environ if environ is None else environ
    directory = Path(base_dir) if base_dir is not None else SERVICE_ACCOUNT_DIR
    host = env.get("KUBERNETES_SERVICE_HOST", "")
    port = env.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port:
        raise ConfigError(
            "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
            "KUBERNETES_SERVICE_PORT must be defined"
        )
    token_file = directory / "token"
    try:
        token_file.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"in-cluster configuration: cannot read the service account token {token_file}: "
            f"{error.strerror or error}"
        ) from None
    ca_data: bytes | None = None
    try:
        ca_data = (directory / "ca.crt").read_bytes()
    except OSError as error:
        # client-go logs this and goes on with the system roots (TLS stays verified).
        _log.error(
            "expected to load root CA config from %s, but got err: %s",
            directory / "ca.crt",
            error.strerror or error,
        )
    try:
        namespace = (directory / "namespace").read_text(encoding="utf-8").strip() or "default"
    except OSError:
        namespace = "default"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # net.JoinHostPort for IPv6 addresses
    return ClientConfig(
        server=f"https://{host}:{port}",
        namespace=namespace,
        ca_data=ca_data,
        token_file=str(token_file),
        source="in-cluster",
    )
