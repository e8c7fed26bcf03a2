"""Request authentication and TLS for both HTTP clients.

:class:`KubeAuth` is an ``httpx.Auth`` (httpx ``_auth.py``'s ``auth_flow`` generator,
driven by ``httpx.Client`` and ``httpx.AsyncClient`` alike). It sets
``Authorization`` from, in client-go's order: a static bearer token, a token file (re-read
whenever its size, mtime or inode changes: the kubelet rotates projected tokens in place),
basic auth, or an exec plugin (cached until ``expirationTimestamp``). When an answer is
401 Unauthorized and the credential can be refreshed (token file, exec plugin), it is
refreshed and the request is sent once more (client-go resets the source; re-sending
saves the caller a round of error handling).

:func:`ssl_context` builds the TLS settings: verification on unless the configuration says
``insecure_skip_tls_verify`` (then a warning), the configured CA only when one is given,
client certificates from files or inline data. Python's ``ssl`` loads certificates and keys
only from files, so inline data is written to a private (0700) temporary directory with
0600 files, loaded and deleted at once; the directory is removed at exit.

Invariant: no credential appears in a ``repr``, a log record or an exception message.
"""

from __future__ import annotations

import atexit
import base64
import logging
import os
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from pathlib import Path
from typing import final

import anyio.to_thread
import httpx

from kinformer._errors import ConfigError

from ._config import ClientConfig
from ._exec import ExecCredential, ExecRunner
from ._kubeconfig import warn_insecure

__all__ = ["KubeAuth", "load_client_cert", "ssl_context"]

_log = logging.getLogger("kinformer.transport")


@final
class _Credential:
    """One value of the ``Authorization`` header (compared by identity), or none."""

    __slots__ = ("exec_credential", "header")

    def __init__(self, header: str | None, exec_credential: ExecCredential | None = None) -> None:
        self.header = header
        self.exec_credential = exec_credential

    def __repr__(self) -> str:
        return "_Credential(<redacted>)"


_NONE = _Credential(None)


@final
class _FileToken:
    """A bearer token file, re-read when it changes (and when a request gets 401).

    ``fallback`` (the static token, when a configuration has both) is used while the file
    cannot be read, as client-go's ``NewBearerAuthWithRefreshRoundTripper`` does.
    """

    __slots__ = ("_credential", "_lock", "_path", "_stamp")

    def __init__(self, path: str, fallback: str | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._credential = _Credential(f"Bearer {fallback}") if fallback else _NONE

    def get(self, stale: _Credential | None) -> _Credential:
        with self._lock:
            try:
                info = os.stat(self._path)
                stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
                if stamp != self._stamp or stale is self._credential:
                    token = Path(self._path).read_text(encoding="utf-8").strip()
                    self._stamp = stamp
                    if self._credential.header != f"Bearer {token}":
                        self._credential = _Credential(f"Bearer {token}" if token else None)
            except OSError as error:
                if self._credential is _NONE:
                    raise ConfigError(
                        f"cannot read the token file {self._path}: {error.strerror or error}"
                    ) from None
                if self._stamp != (0, 0, 0):  # warn once per failure streak
                    _log.warning(
                        "cannot read the token file %s (%s); using the previous token",
                        self._path,
                        error.strerror or error,
                    )
                self._stamp = (0, 0, 0)
            return self._credential


@final
class KubeAuth(httpx.Auth):
    """Bearer token, token file, basic auth or exec plugin, with a refresh and one retry on 401.

    ``on_client_cert`` is called with ``(cert_pem, key_pem)`` when an exec plugin returns a
    client certificate (new connections then present it). Safe to share between threads
    and between a sync and an async client.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        on_client_cert: Callable[[bytes, bytes], None] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._static = _NONE
        self._file: _FileToken | None = None
        self._exec: ExecRunner | None = None
        self._on_client_cert = on_client_cert
        self._loaded_cert: ExecCredential | None = None
        if config.token_file:
            self._file = _FileToken(config.token_file, fallback=config.token)
        elif config.token:
            self._static = _Credential(f"Bearer {config.token}")
        elif config.username is not None or config.password is not None:
            pair = f"{config.username or ''}:{config.password or ''}".encode()
            self._static = _Credential(f"Basic {base64.b64encode(pair).decode()}")
        elif config.uses_exec:
            self._exec = ExecRunner(config, now=now)

    def __repr__(self) -> str:
        kind = "exec" if self._exec else "token-file" if self._file else "static"
        return f"KubeAuth({kind})"

    @property
    def exec_runs(self) -> int:
        """How many times the exec plugin ran (0 without a plugin)."""
        return self._exec.runs if self._exec is not None else 0

    def _get(self, stale: _Credential | None) -> _Credential:
        if self._file is not None:
            return self._file.get(stale)
        if self._exec is not None:
            old = stale.exec_credential if stale is not None else None
            found = self._exec.credential(stale=old)
            credential = _Credential(f"Bearer {found.token}" if found.token else None, found)
            if found.client_cert and found.client_key and found is not self._loaded_cert:
                self._loaded_cert = found
                if self._on_client_cert is not None:
                    self._on_client_cert(found.client_cert, found.client_key)
            return credential
        return self._static

    @property
    def _refreshable(self) -> bool:
        return self._file is not None or self._exec is not None

    def _same(self, a: _Credential, b: _Credential) -> bool:
        if a.exec_credential is not None:
            return a.exec_credential is b.exec_credential
        return a is b

    @staticmethod
    def _apply(request: httpx.Request, credential: _Credential) -> None:
        if credential.header is not None and "authorization" not in request.headers:
            request.headers["Authorization"] = credential.header

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        preset = "authorization" in request.headers
        credential = self._get(None)
        self._apply(request, credential)
        response = yield request
        if response.status_code == 401 and self._refreshable and not preset:
            fresh = self._get(credential)
            if not self._same(fresh, credential):
                response.close()
                request.headers.pop("Authorization", None)
                self._apply(request, fresh)
                yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        preset = "authorization" in request.headers
        credential = await self._aget(None)
        self._apply(request, credential)
        response = yield request
        if response.status_code == 401 and self._refreshable and not preset:
            fresh = await self._aget(credential)
            if not self._same(fresh, credential):
                await response.aclose()
                request.headers.pop("Authorization", None)
                self._apply(request, fresh)
                yield request

    async def _aget(self, stale: _Credential | None) -> _Credential:
        if self._exec is not None:
            # The plugin is a subprocess: never block the event loop on it.
            return await anyio.to_thread.run_sync(self._get, stale)
        return self._get(stale)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        return self.sync_auth_flow(request)


_private_dir: Path | None = None
_private_lock = threading.Lock()


def _private_directory() -> Path:
    global _private_dir
    with _private_lock:
        if _private_dir is None or not _private_dir.is_dir():
            _private_dir = Path(tempfile.mkdtemp(prefix="kinformer-tls-"))  # mode 0700
            os.chmod(_private_dir, 0o700)
            atexit.register(shutil.rmtree, _private_dir, True)
        return _private_dir


def _private_file(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return path


def load_client_cert(
    context: ssl.SSLContext, cert_pem: bytes, key_pem: bytes, *, where: str
) -> None:
    """Load an inline certificate and key into ``context`` through private temporary files."""
    directory = Path(tempfile.mkdtemp(dir=_private_directory()))
    try:
        cert = _private_file(directory, "client.crt", cert_pem)
        key = _private_file(directory, "client.key", key_pem)
        try:
            context.load_cert_chain(cert, key)
        except (ssl.SSLError, ValueError):
            raise ConfigError(
                f"{where}: the client certificate and key cannot be loaded "
                "(not PEM, or the key does not match the certificate)"
            ) from None
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def ssl_context(config: ClientConfig) -> ssl.SSLContext:
    """The TLS settings for ``config``; verification is on unless it says otherwise."""
    where = config.source
    if config.insecure_skip_tls_verify:
        warn_insecure(config)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif config.ca_data is not None:
        try:
            context = ssl.create_default_context(cadata=config.ca_data.decode("ascii"))
        except (ssl.SSLError, UnicodeDecodeError, ValueError):
            raise ConfigError(
                f"{where}: certificate-authority: no PEM certificate could be loaded"
            ) from None
    else:
        context = ssl.create_default_context()
    if config.client_cert_file and config.client_key_file:
        try:
            context.load_cert_chain(config.client_cert_file, config.client_key_file)
        except (ssl.SSLError, OSError, ValueError):
            raise ConfigError(
                f"{where}: client-certificate {config.client_cert_file} and client-key "
                f"{config.client_key_file} cannot be loaded (unreadable, not PEM, or not a pair)"
            ) from None
    elif config.has_client_cert:
        cert = config.client_cert_data
        key = config.client_key_data
        if cert is None and config.client_cert_file:
            cert = _read(config.client_cert_file, where, "client-certificate")
        if key is None and config.client_key_file:
            key = _read(config.client_key_file, where, "client-key")
        if cert is None or key is None:
            raise ConfigError(f"{where}: a client certificate needs both a certificate and a key")
        load_client_cert(context, cert, key, where=where)
    return context


def _read(path: str, where: str, field: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(
            f"{where}: {field}: cannot read {path}: {error.strerror or error}"
        ) from None
