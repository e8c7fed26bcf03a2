"""Authorization of a request from its :class:`UserInfo`, with RBAC's 403 texts (golden 11).

Mirrors kube-apiserver's ``forbidden`` responder (``apiserver/pkg/endpoints/handlers/
responsewriters/errors.go``): ``<resource> "<name>" is forbidden: User "<user>" cannot <verb>
resource "<resource>" in API group "<group>" in the namespace "<ns>"`` (or ``at the cluster
scope``), and ``forbidden: User "<user>" cannot get path "<path>"`` for non-resource URLs.
Pure functions.
"""

from __future__ import annotations

from typing import Any, Final

from ._protocol import UserInfo
from ._status import StatusError, forbidden

__all__ = ["ANONYMOUS_PATHS", "check_path", "check_resource"]

ANONYMOUS_PATHS: Final = frozenset({"/version", "/healthz", "/livez", "/readyz"})
ANONYMOUS_NAME: Final = "system:anonymous"


def _user_name(user: UserInfo) -> str:
    return ANONYMOUS_NAME if user.anonymous else user.name


def check_path(user: UserInfo, path: str, verb: str = "get") -> None:
    """Non-resource URLs: anonymous users may only read health and version endpoints."""
    if user.anonymous and path not in ANONYMOUS_PATHS:
        raise forbidden(f'forbidden: User "{_user_name(user)}" cannot {verb} path "{path}"', {})
    if user.verbs is not None and verb not in user.verbs and path not in ANONYMOUS_PATHS:
        raise forbidden(f'forbidden: User "{_user_name(user)}" cannot {verb} path "{path}"', {})


def _allowed(user: UserInfo, verb: str, namespace: str | None) -> bool:
    if user.anonymous:
        return False
    if user.verbs is not None and verb not in user.verbs:
        return False
    return user.namespaces is None or (namespace is not None and namespace in user.namespaces)


def check_resource(
    user: UserInfo,
    verb: str,
    *,
    group: str,
    resource: str,
    subresource: str | None,
    namespace: str | None,
    name: str | None,
) -> None:
    """Raise 403 unless ``user`` may ``verb`` the resource (in ``namespace``; None = cluster)."""
    if _allowed(user, verb, namespace):
        return
    qualified = f"{resource}.{group}" if group else resource
    shown = f"{resource}/{subresource}" if subresource else resource
    scope = f'in the namespace "{namespace}"' if namespace is not None else "at the cluster scope"
    subject = f'{qualified} "{name}"' if name else qualified
    message = (
        f'{subject} is forbidden: User "{_user_name(user)}" cannot {verb} resource "{shown}" '
        f'in API group "{group}" {scope}'
    )
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = resource
    raise forbidden(message, details)


def is_forbidden(error: StatusError) -> bool:
    """True for a 403 answer."""
    return error.http_status == 403
