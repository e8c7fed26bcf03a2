"""What a client needs to reach one API server as one user: :class:`ClientConfig` (pure).

Mirrors client-go ``rest.Config`` (host, TLS, bearer token and token file, exec plugin).
Built by :func:`~kinformer.transport.load_kubeconfig` or
:func:`~kinformer.transport.in_cluster_config`, or by hand.

Invariant: no credential (token, password, key, exec environment) ever appears in a
``repr`` or ``str``: those fields are ``repr=False`` and :meth:`ClientConfig.__repr__`
only says which kind of credential is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, final

__all__ = ["ClientConfig", "ExecConfig"]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ExecConfig:
    """An exec credential plugin (``users[].user.exec`` of a kubeconfig).

    ``env`` is passed to the plugin on top of the process environment; its values may be
    secrets and are not shown in ``repr``. ``cluster_extension`` is the cluster's
    ``client.authentication.k8s.io/exec`` extension, given to the plugin with the cluster
    when ``provide_cluster_info`` is set.
    """

    command: str
    api_version: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    provide_cluster_info: bool = False
    interactive_mode: str | None = None
    install_hint: str | None = None
    cluster_extension: Mapping[str, Any] | None = field(default=None, repr=False)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """The server, its TLS settings, and one way to authenticate.

    TLS: the server certificate is verified against ``ca_data`` (PEM) when set, else the
    system roots; ``insecure_skip_tls_verify`` turns verification off (a warning is issued
    when a client is built). ``tls_server_name`` is the name checked in the certificate
    (and sent as SNI) instead of the host of ``server``.

    Authentication, as client-go: a client certificate is presented whenever one is set;
    the ``Authorization`` header comes from ``token_file`` (re-read whenever the file
    changes; ``token``, if also set, is only the fallback while the file is unreadable), else
    ``token``, else ``username``/``password``, else ``exec`` (which runs only when no token,
    basic auth or client certificate is configured).

    ``source`` says where the configuration came from (``kubeconfig /path, context "x"``
    or ``in-cluster``); it names the origin in error messages.
    """

    server: str
    namespace: str = "default"
    ca_data: bytes | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    client_cert_file: str | None = None
    client_cert_data: bytes | None = field(default=None, repr=False)
    client_key_file: str | None = None
    client_key_data: bytes | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    token_file: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    exec: ExecConfig | None = None
    user_agent: str | None = None
    source: str = "explicit configuration"
    context: str | None = None

    def __repr__(self) -> str:
        auth = []
        if self.client_cert_file or self.client_cert_data:
            auth.append("client-certificate")
        if self.token:
            auth.append("token=<redacted>")
        if self.token_file:
            auth.append(f"token_file={self.token_file!r}")
        if self.username:
            auth.append("basic-auth")
        if self.exec is not None:
            auth.append(f"exec={self.exec.command!r}")
        return (
            f"ClientConfig(server={self.server!r}, namespace={self.namespace!r}, "
            f"auth=[{', '.join(auth)}], insecure_skip_tls_verify={self.insecure_skip_tls_verify}, "
            f"source={self.source!r})"
        )

    @property
    def has_client_cert(self) -> bool:
        """Whether a client certificate (file or data) is configured."""
        return bool(self.client_cert_file or self.client_cert_data)

    @property
    def uses_exec(self) -> bool:
        """Whether the exec plugin is used: set and no other credential (client-go exec.go)."""
        return self.exec is not None and not (
            self.token or self.token_file or self.username or self.has_client_cert
        )
