"""The pure ListPager (tools/pager ``ListPager.List``, spec A-17, A-18)."""

from __future__ import annotations

import pytest

from kinformer.cache._pager import ListPage, ListPager, PagerResult, UnsupportedListError
from tests.cache.test_reflector_harness import api_error


def page(rv: str, *items: int, cont: str = "") -> dict[str, object]:
    return {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": rv, "continue": cont},
        "items": list(items),
    }


def test_first_page_without_continue_is_the_result_as_is_A_17() -> None:
    pager = ListPager(resource_version="0", page_size=500)
    assert pager.request == ListPage("0", "", 500, "")
    assert pager.on_page(page("5", 1, 2)) == PagerResult([1, 2], "5", False)


def test_unpaginated_request_has_no_limit_A_16_A_17() -> None:
    assert ListPager(resource_version="10", page_size=0).request == ListPage("10", "", 0, "")


def test_pages_are_concatenated_with_the_first_rv_A_17() -> None:
    pager = ListPager(resource_version="10", resource_version_match="NotOlderThan", page_size=2)
    assert pager.request == ListPage("10", "NotOlderThan", 2, "")
    assert pager.on_page(page("11", 1, 2, cont="a")) is None
    assert pager.request == ListPage("", "", 2, "a")  # RV and RVM cleared, limit kept
    assert pager.on_page(page("12", 3, 4, cont="b")) is None
    assert pager.request == ListPage("", "", 2, "b")
    assert pager.on_page(page("13", 5)) == PagerResult([1, 2, 3, 4, 5], "11", True)


def test_expired_continuation_falls_back_to_one_full_list_at_the_original_rv_A_18() -> None:
    pager = ListPager(resource_version="10", resource_version_match="Exact", page_size=2)
    pager.on_page(page("11", 1, 2, cont="a"))
    assert pager.on_error(api_error(410, "Expired")) is True
    assert pager.request == ListPage("10", "Exact", 0, "")
    assert "full_list=True" in repr(pager)
    assert pager.on_page(page("14", 1, 2, 3, cont="ignored")) == PagerResult([1, 2, 3], "14", True)


@pytest.mark.parametrize(
    ("pages", "error"),
    [
        pytest.param([], api_error(410, "Expired"), id="first-page-expired"),
        pytest.param([page("11", 1, cont="a")], api_error(410), id="bare-gone-on-page-2"),
        pytest.param([page("11", 1, cont="a")], api_error(500, "InternalError"), id="other-error"),
    ],
)
def test_no_fallback_otherwise_A_18(pages: list[dict[str, object]], error: Exception) -> None:
    pager = ListPager(resource_version="10", page_size=1)
    for p in pages:
        pager.on_page(p)
    assert pager.on_error(error) is False


def test_fallback_failure_is_final_A_18() -> None:
    pager = ListPager(resource_version="10", page_size=1)
    pager.on_page(page("11", 1, cont="a"))
    assert pager.on_error(api_error(410, "Expired")) is True
    assert pager.on_error(api_error(410, "Expired")) is False


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param(
            {"kind": "Table", "apiVersion": "meta.k8s.io/v1"},
            "unsupported list gvk: meta.k8s.io/v1, Kind=Table",
            id="table",
        ),
        pytest.param(
            {"kind": "PodList", "items": []}, "returned object must be a list", id="no-metadata"
        ),
        pytest.param(
            {"metadata": {}, "items": "x"}, "returned object must be a list", id="bad-items"
        ),
    ],
)
def test_unusable_answers_raise_A_4(answer: dict[str, object], message: str) -> None:
    with pytest.raises(UnsupportedListError, match=message):
        ListPager(resource_version="0", page_size=500).on_page(answer)


def test_null_items_and_missing_rv_are_empty() -> None:
    result = ListPager(resource_version="0", page_size=500).on_page({"metadata": {}, "items": None})
    assert result == PagerResult([], "", False)
