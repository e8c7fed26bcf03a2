"""Bugs the fuzzers found in parsers outside this suite, pinned as strict xfails.

Each test states the documented behaviour and fails today; ``xfail(strict=True)`` turns a
fix into an XPASS failure, the signal to drop the xfail and the entry of
``_targets.KNOWN_BUGS`` (the fuzzers tolerate those exceptions until then). Inputs are also
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


@pytest.mark.xfail(
    strict=True, raises=RecursionError, reason="_kubeconfig._read_yaml: RecursionError escapes"
)
def test_kubeconfig_deeply_nested_yaml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="malformed YAML"):
        _load(tmp_path, "[" * 1200)


@pytest.mark.xfail(
    strict=True, raises=TypeError, reason="_kubeconfig._cluster_settings iterates 'extensions'"
)
def test_kubeconfig_extensions_not_a_list_is_a_config_error(tmp_path: Path) -> None:
    doc = valid_kubeconfig("token")
    doc["clusters"][0]["cluster"]["extensions"] = 5
    with pytest.raises(ConfigError, match="extensions"):
        _load(tmp_path, _dump(doc))


@pytest.mark.xfail(strict=True, raises=TypeError, reason="_kubeconfig._exec iterates 'env'")
def test_kubeconfig_exec_env_not_a_list_is_a_config_error(tmp_path: Path) -> None:
    doc = valid_kubeconfig("exec")
    doc["users"][0]["user"]["exec"]["env"] = 7
    with pytest.raises(ConfigError, match="env"):
        _load(tmp_path, _dump(doc))


@pytest.mark.xfail(
    strict=True, raises=ValueError, reason="_kubeconfig: NUL in a path reaches os.access"
)
@pytest.mark.parametrize("field", ["tokenFile", "client-certificate", "client-key"])
def test_kubeconfig_path_with_nul_byte_is_a_config_error(tmp_path: Path, field: str) -> None:
    (tmp_path / "ca.crt").write_text("PEM")
    (tmp_path / "token").write_text("t")
    doc = valid_kubeconfig("files")
    doc["users"][0]["user"][field] = "a\x00b"
    with pytest.raises(ConfigError, match=field):
        _load(tmp_path, _dump(doc))


@pytest.mark.xfail(
    strict=True, raises=OverflowError, reason="_wire.parse_retry_after: float(huge int)"
)
def test_error_from_response_huge_retry_after_is_ignored_A_47() -> None:
    error = error_from_response(429, b"", retry_after="9" * 400)
    assert isinstance(error, ApiError)
    assert error.code == 429


def test_every_known_bug_has_a_regression_test() -> None:
    names = {bug.target for bug in KNOWN_BUGS}
    assert names == {"kubeconfig", "status"}
    assert len(KNOWN_BUGS) == 4
