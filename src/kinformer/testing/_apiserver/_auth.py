"""Bearer-token authentication for the fake API server (kube-apiserver's static token file).

kube-apiserver's authentication chain, reduced to what a client can observe:

* no ``Authorization`` header → the anonymous user ``system:anonymous`` (group
  ``system:unauthenticated``); the engine then answers 403 for everything except
  ``/version`` and the health endpoints (golden 11 seq 5-10);
* ``Authorization: Bearer <known token>`` → that token's :class:`UserInfo`;
* any other ``Authorization`` header (unknown token, another scheme) → 401 with the exact
  body of golden 11 seq 11-12, on every path, ``/version`` included.

Pure: no I/O. Thread-safe: tokens may be added while requests are being served (one lock,
never held while calling out).

Invariant: a token is never part of a ``repr``, a log line or an error message; only user
names are.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Iterable, Mapping
from typing import Final, final

from ._protocol import ApiResponse, UserInfo

__all__ = [
    "ANONYMOUS",
    "UNAUTHORIZED",
    "TokenAuthenticator",
    "generate_token",
]

ANONYMOUS: Final = UserInfo("system:anonymous", groups=("system:unauthenticated",), anonymous=True)
"""Who a request without credentials is (kube-apiserver's ``--anonymous-auth=true``)."""

UNAUTHORIZED: Final = ApiResponse(
    401,
    b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
    b'"message":"Unauthorized","reason":"Unauthorized","code":401}',
)
"""kube-apiserver's answer to a bad credential, byte for byte (golden 11 seq 11 and 12)."""

VERBS: Final = frozenset(
    {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
)


def generate_token() -> str:
    """A fresh random bearer token (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(32)


@final
class TokenAuthenticator:
    """Maps bearer tokens to users, like kube-apiserver's ``--token-auth-file``.

    Args:
        tokens: initial ``token -> user`` entries.

    Lookups compare tokens in constant time, so a test server does not become a timing
    oracle when it is exposed beyond loopback on purpose.
    """

    __slots__ = ("_lock", "_tokens")

    def __init__(self, tokens: Mapping[str, UserInfo] | None = None) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, UserInfo] = {}
        for token, user in (tokens or {}).items():
            self.add(token, user)

    def __repr__(self) -> str:
        with self._lock:
            users = sorted(user.name for user in self._tokens.values())
        return f"TokenAuthenticator(users={users!r})"

    def add(self, token: str, user: UserInfo) -> None:
        """Accept ``token`` as ``user`` from now on (replacing an earlier entry for it).

        Raises:
            ValueError: the token is empty or contains whitespace (it could never be sent
                in an ``Authorization`` header), or ``user.verbs`` names an unknown verb.
        """
        if not token or any(char.isspace() for char in token):
            raise ValueError("a bearer token must be non-empty and contain no whitespace")
        if user.verbs is not None and not user.verbs <= VERBS:
            unknown = sorted(user.verbs - VERBS)
            raise ValueError(f"unknown verbs {unknown!r}; expected some of {sorted(VERBS)!r}")
        with self._lock:
            self._tokens[token] = user

    def remove(self, token: str) -> None:
        """Stop accepting ``token`` (no error if it was unknown)."""
        with self._lock:
            self._tokens.pop(token, None)

    def authenticate(self, authorization: str | None) -> UserInfo | None:
        """Who sent a request with this ``Authorization`` header value.

        Returns:
            :data:`ANONYMOUS` when ``authorization`` is ``None`` or empty, the token's user
            for a known ``Bearer`` token, and ``None`` (answer :data:`UNAUTHORIZED`) for
            anything else.
        """
        if not authorization:
            return ANONYMOUS
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            return None
        with self._lock:
            entries: Iterable[tuple[str, UserInfo]] = list(self._tokens.items())
        found: UserInfo | None = None
        encoded = credential.encode()
        for token, user in entries:
            # Compare against every entry so the time taken does not depend on which matched.
            if hmac.compare_digest(token.encode(), encoded):
                found = user
        return found
