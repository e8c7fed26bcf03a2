"""List and watch options: validation with the real texts, continue tokens, paging.

Mirrors apimachinery ``ValidateListOptions`` (``pkg/apis/meta/internalversion/validation``),
the storage layer's continue tokens (``apiserver/pkg/storage/continue.go``) and the etcd3
store's paging (``GetList``), as golden 04, 05a, 05c and 06a record them. Pure functions.

A continue token is base64url (no padding) of ``{"v":"meta.k8s.io/v1","rv":413,"start":
"/cm-09\\u0000"}``: ``start`` is the key after which the next page starts, relative to the
resource prefix (``/<name>`` in a namespaced list, ``/<ns>/<name>`` across namespaces), plus a
NUL byte so that it sorts right after that key.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, final

import orjson

from ._status import StatusError, bad_request, internal_error, list_options_invalid
from ._storage import Stored

__all__ = [
    "ListOptions",
    "Page",
    "decode_continue",
    "encode_continue",
    "paginate",
    "parse_list_options",
]

_FORBIDDEN: Final = "FieldValueForbidden"
_UNSUPPORTED: Final = "FieldValueNotSupported"
_TRUE: Final = ("true", "1")


@final
@dataclass(frozen=True, slots=True)
class ListOptions:
    """The query parameters of a list or watch, validated."""

    resource_version: str | None
    match: str | None
    limit: int
    continue_token: str | None
    label_selector: str
    field_selector: str
    watch: bool
    send_initial_events: bool | None
    allow_bookmarks: bool
    timeout_seconds: float | None


def _parse_uint(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _go_parse_uint_error(text: str) -> str:
    return f'strconv.ParseUint: parsing "{text}": invalid syntax'


def parse_list_options(query: Mapping[str, str], *, watch: bool) -> ListOptions:
    """Validate a list/watch query; raises :class:`StatusError` with the real text.

    Order as kube-apiserver checks: ListOptions validation (422), then the continue /
    resourceVersion combination (400), then resourceVersion syntax (400 for a list, 500 for
    a watch).
    """
    rv = query.get("resourceVersion") or None
    match = query.get("resourceVersionMatch") or None
    cont = query.get("continue") or None
    sie_text = query.get("sendInitialEvents")
    send_initial: bool | None = None if sie_text is None else sie_text in _TRUE
    causes: list[tuple[str, str, str]] = []
    if send_initial is not None and not watch:
        causes.append(
            (_FORBIDDEN, "Forbidden: sendInitialEvents is forbidden for list", "sendInitialEvents")
        )
    if watch:
        if send_initial is not None:
            if match != "NotOlderThan":
                causes.append(
                    (
                        _FORBIDDEN,
                        "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                        "resourceVersionMatch",
                    )
                )
                if match is not None:
                    causes.append(_unsupported_watch_match(match))
        elif match is not None:
            causes.append(
                (
                    _FORBIDDEN,
                    "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                    "resourceVersionMatch",
                )
            )
            if match != "NotOlderThan":
                causes.append(_unsupported_watch_match(match))
    elif match is not None:
        if rv is None:
            causes.append(
                (
                    _FORBIDDEN,
                    "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
                    "resourceVersionMatch",
                )
            )
        elif cont is not None:
            causes.append(
                (
                    _FORBIDDEN,
                    "Forbidden: resourceVersionMatch is forbidden when continue is provided",
                    "resourceVersionMatch",
                )
            )
        elif match == "Exact" and rv == "0":
            causes.append(
                (
                    _FORBIDDEN,
                    'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
                    "resourceVersionMatch",
                )
            )
        elif match not in ("Exact", "NotOlderThan"):
            causes.append(
                (
                    _UNSUPPORTED,
                    f'Unsupported value: "{match}": supported values: "Exact", "NotOlderThan", ""',
                    "resourceVersionMatch",
                )
            )
    if causes:
        raise list_options_invalid(causes)
    if not watch and cont is not None and rv is not None:
        raise bad_request("specifying resource version is not allowed when using continue")
    if rv is not None and _parse_uint(rv) is None:
        detail = f'resourceVersion: Invalid value: "{rv}": {_go_parse_uint_error(rv)}'
        if watch:
            raise internal_error(detail)
        raise bad_request(f"invalid resource version: {detail}")
    try:
        limit = int(query.get("limit") or 0)
    except ValueError:
        limit = 0
    timeout_text = query.get("timeoutSeconds")
    try:
        timeout = float(timeout_text) if timeout_text else None
    except ValueError:
        timeout = None
    return ListOptions(
        resource_version=rv,
        match=match,
        limit=max(limit, 0),
        continue_token=cont,
        label_selector=query.get("labelSelector", ""),
        field_selector=query.get("fieldSelector", ""),
        watch=watch,
        send_initial_events=send_initial,
        allow_bookmarks=query.get("allowWatchBookmarks", "") in _TRUE,
        timeout_seconds=timeout if timeout and timeout > 0 else None,
    )


def _unsupported_watch_match(match: str) -> tuple[str, str, str]:
    return (
        _UNSUPPORTED,
        f'Unsupported value: "{match}": supported values: "NotOlderThan"',
        "resourceVersionMatch",
    )


# -- continue tokens -------------------------------------------------------------------------


def encode_continue(revision: int, start: str) -> str:
    """A continue token for ``start`` (already relative, NUL-terminated) at ``revision``."""
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": start})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _go_char(byte: int) -> str:
    return f"'{chr(byte)}'" if 0x20 <= byte < 0x7F else f"'\\x{byte:02x}'"


def decode_continue(token: str) -> tuple[int, str]:
    """``(revision, start)`` of a token; ``start`` without its leading ``/``.

    Raises 400 ``invalid continue token: ...`` as kube-apiserver does (golden 04).
    """
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise _bad_token("illegal base64 data at input byte 0") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        stripped = raw.lstrip()
        if stripped and stripped[:1] not in b'{["-0123456789tfn':
            raise _bad_token(
                f"invalid character {_go_char(stripped[0])} looking for beginning of value"
            ) from None
        raise _bad_token("unexpected end of JSON input") from None
    if not isinstance(data, dict) or data.get("v") != "meta.k8s.io/v1":
        raise _bad_token("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    rv = data.get("rv")
    start = data.get("start")
    if not isinstance(rv, int) or not isinstance(start, str) or rv == 0:
        raise _bad_token("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    return rv, start.removeprefix("/")


def _bad_token(reason: str) -> StatusError:
    return bad_request(f"invalid continue token: continue key is not valid: {reason}")


# -- paging ----------------------------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: the items, and where the next one starts (if any)."""

    items: list[Stored]
    next_start: str | None
    remaining: int


def paginate(
    keys: list[str],
    state: Mapping[str, Stored],
    *,
    namespace: str | None,
    start: str | None,
    limit: int,
    matcher: Callable[[Stored], bool] | None,
) -> Page:
    """Select one page from ``keys`` (the sorted keys of ``state``).

    ``start`` is relative to the list's prefix (a name in a namespaced list). With a limit,
    the page stops after ``limit`` matching items; ``next_start`` is set when keys remain
    after it (as etcd's ``hasMore``), ``remaining`` counts them (meaningful without selectors).
    """
    prefix = f"{namespace}/" if namespace else ""
    lo = bisect_left(keys, prefix + (start or ""))
    hi = bisect_left(keys, prefix + "\U0010ffff") if namespace else len(keys)
    items: list[Stored] = []
    index = lo
    get = state.get
    while index < hi:
        key = keys[index]
        index += 1
        stored = get(key)
        if stored is None or (matcher is not None and not matcher(stored)):
            continue
        items.append(stored)
        if limit and len(items) >= limit:
            break
    if limit and len(items) >= limit and index < hi:
        last = items[-1]
        relative = last.key[len(prefix) :] if namespace else last.key
        # ``keys`` are exactly the keys of ``state``: what is left of the range is the rest.
        return Page(items, "/" + relative + "\x00", hi - index)
    return Page(items, None, 0)
