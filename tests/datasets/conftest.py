"""Data-set tests run against an empty user cache and an empty system folder, with ARCHSIM_DATA unset."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.functional.datasets import base


@pytest.fixture
def isolated(tmp_path, monkeypatch) -> Path:
    """Returns the XDG cache base (data sets land in <it>/archsim/<folder>)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(base, "SYSTEM_ROOT", tmp_path / "system")
    monkeypatch.delenv("ARCHSIM_DATA", raising=False)
    return tmp_path / "cache"
