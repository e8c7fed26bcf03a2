"""Bugs the fuzzers found in parsers outside this suite, kept as regression tests (all fixed).

Each test states the documented behaviour. A new bug is pinned here as an
``xfail(strict=True)`` with an entry in ``_targets.KNOWN_BUGS`` (the fuzzers tolerate those
exceptions until the fix); both go when it is fixed. Inputs are also
in the corpus as ``bug-*`` files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kinformer._errors import ApiError, ConfigError
from kinformer.transport._kubeconfig import load_kubeconfig
from kinformer.transport._wire import error_from_response

from ._targets import KNOWN_BUGS, valid_kubeconfig


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "config"
    path.write_text(text)
    return load_kubeconfig(path)


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc)


def test_kubeconfig_deeply_nested_yaml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="malformed YAML"):
        _load(tmp_path, "[" * 1200)


def test_kubeconfig_extensions_not_a_list_is_a_config_error(tmp_path: Path) -> None:
    doc = valid_kubeconfig("token")
    doc["clusters"][0]["cluster"]["extensions"] = 5
    with pytest.raises(ConfigError, match="extensions"):
        _load(tmp_path, _dump(doc))


def test_kubeconfig_exec_env_not_a_list_is_a_config_error(tmp_path: Path) -> None:
    doc = valid_kubeconfig("exec")
    doc["users"][0]["user"]["exec"]["env"] = 7
    with pytest.raises(ConfigError, match="env"):
        _load(tmp_path, _dump(doc))


@pytest.mark.parametrize("field", ["tokenFile", "client-certificate", "client-key"])
def test_kubeconfig_path_with_nul_byte_is_a_config_error(tmp_path: Path, field: str) -> None:
    (tmp_path / "ca.crt").write_text("PEM")
    (tmp_path / "token").write_text("t")
    doc = valid_kubeconfig("files")
    doc["users"][0]["user"][field] = "a\x00b"
    with pytest.raises(ConfigError, match=field):
        _load(tmp_path, _dump(doc))


def test_error_from_response_huge_retry_after_is_ignored_A_47() -> None:
    error = error_from_response(429, b"", retry_after="9" * 400)
    assert isinstance(error, ApiError)
    assert error.code == 429


def test_no_known_bug_is_open() -> None:
    assert KNOWN_BUGS == ()
