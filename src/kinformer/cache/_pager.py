"""client-go's ``ListPager.List`` as a pure state machine (spec A-17, A-18).

Mirrors ``tools/pager/pager.go`` (``ListPager.List`` with ``FullListIfExpired``): the caller
sends :attr:`ListPager.request`, reports the answer with :meth:`ListPager.on_page` or
:meth:`ListPager.on_error`, and repeats until a :class:`PagerResult` comes back (or the error
is final).

Rules (A-17, A-18):

* the first request carries the requested RV/RVM and ``limit = page_size`` (0: one unpaginated
  request);
* a first page without a ``continue`` token is the result as-is (``paginated=False``);
* otherwise the items of every page are concatenated in order, the result's RV is the *first*
  page's, ``paginated=True``; continuation requests carry ``continue`` and the limit, and no
  RV/RVM (the server forbids them with ``continue``);
* a continuation request failing with reason ``Expired`` (not a bare 410 ``Gone``) is replaced by
  ONE full list (``limit=0``, no ``continue``, the original RV/RVM) whose answer, or error, is
  the result; any other failure, or a failure of the first page, is final.

Invariants: ``_items is None`` until a page with a ``continue`` token arrived; once
``_full_list`` is set no further fallback happens.

>>> pager = ListPager(resource_version="0", page_size=500)
>>> pager.request
ListPage(resource_version='0', resource_version_match='', limit=500, continue_token='')
>>> pager.on_page({"metadata": {"resourceVersion": "7", "continue": "c1"}, "items": [1, 2]})
>>> pager.request
ListPage(resource_version='', resource_version_match='', limit=500, continue_token='c1')
>>> pager.on_page({"metadata": {"resourceVersion": "9"}, "items": [3]})
PagerResult(items=[1, 2, 3], resource_version='7', paginated=True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, final

from kinformer._errors import ApiError, KinformerError

__all__ = ["ListPage", "ListPager", "PagerResult", "UnsupportedListError"]

_TABLE_API_VERSIONS: Final = frozenset({"meta.k8s.io/v1", "meta.k8s.io/v1beta1"})


class UnsupportedListError(KinformerError):
    """A list response that is not a list of objects, or a ``Table`` (A-4)."""


@final
@dataclass(frozen=True, slots=True)
class ListPage:
    """LIST one page. Empty strings and 0 mean "not sent" (as in client-go ``ListOptions``).

    Attributes:
        resource_version: ``resourceVersion``: "0" (any cached), "" (most recent, quorum
            read), or a concrete RV (not older than); "" on continuation pages (A-17).
        resource_version_match: ``resourceVersionMatch``; the reflector never sets it (A-15).
        limit: ``limit``; 0 for an unpaginated list (A-16).
        continue_token: ``continue``, for page 2 and later.
    """

    resource_version: str
    resource_version_match: str
    limit: int
    continue_token: str


@final
@dataclass(frozen=True, slots=True)
class PagerResult:
    """The outcome of a successful ``ListPager.List``: items in order, list RV, paginated?"""

    items: list[Any]
    resource_version: str
    paginated: bool


def _is_resource_expired(error: BaseException) -> bool:
    """apimachinery ``IsResourceExpired``: status reason ``Expired`` only (A-18)."""
    return isinstance(error, ApiError) and error.reason == "Expired"


@final
class ListPager:
    """One ``ListPager.List`` call: the pending request, then the pages' outcomes (A-17, A-18)."""

    __slots__ = ("_first_rv", "_full_list", "_items", "_page_size", "_request", "_rv", "_rvm")

    def __init__(
        self, *, resource_version: str, page_size: int, resource_version_match: str = ""
    ) -> None:
        """Prepare the first page request.

        Args:
            resource_version: the requested RV ("" = not sent).
            page_size: the ``limit`` of every page; 0 asks for one unpaginated response.
            resource_version_match: the requested RVM ("" = not sent).
        """
        self._rv = resource_version
        self._rvm = resource_version_match
        self._page_size = page_size
        self._items: list[Any] | None = None
        self._first_rv = ""
        self._full_list = False
        self._request = ListPage(resource_version, resource_version_match, page_size, "")

    @property
    def request(self) -> ListPage:
        """The request to send next."""
        return self._request

    def on_page(self, page: Mapping[str, Any]) -> PagerResult | None:
        """A page arrived: the result, or None when :attr:`request` must be sent next.

        Raises:
            UnsupportedListError: the answer is a ``Table`` or not a list (A-4).
        """
        if page.get("kind") == "Table" and page.get("apiVersion") in _TABLE_API_VERSIONS:
            raise UnsupportedListError(
                f"unsupported list gvk: {page.get('apiVersion')}, Kind=Table"
            )
        metadata = page.get("metadata")
        items = page.get("items")
        if not isinstance(metadata, Mapping) or not isinstance(items, list | None):
            raise UnsupportedListError("returned object must be a list")
        items = items if items is not None else []
        resource_version = str(metadata.get("resourceVersion") or "")
        continue_token = str(metadata.get("continue") or "")
        if self._full_list:
            return PagerResult(items, resource_version, True)
        if self._items is None:
            if not continue_token:
                return PagerResult(items, resource_version, False)
            self._items = []
            self._first_rv = resource_version
        self._items.extend(items)
        if not continue_token:
            return PagerResult(self._items, self._first_rv, True)
        # continuation pages carry no RV/RVM (the server forbids them), keep the limit.
        self._request = ListPage("", "", self._page_size, continue_token)
        return None

    def on_error(self, error: BaseException) -> bool:
        """The pending request failed: True if a full-list fallback is now pending (A-18).

        False means ``error`` is the pager's final result.
        """
        if not (self._request.continue_token and _is_resource_expired(error)):
            return False
        self._full_list = True
        self._request = ListPage(self._rv, self._rvm, 0, "")
        return True

    def __repr__(self) -> str:
        return f"ListPager(request={self._request!r}, full_list={self._full_list!r})"
