"""Fixture writing small sweep YAMLs for the sweep tests (analytical: milliseconds per point)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sweep_cases import small_sweep


@pytest.fixture
def write_sweep(tmp_path):
    """Write a sweep dict (default: small_sweep()) to tmp_path/sweep.yaml; returns the path."""
    def write(data: dict | None = None, name: str = "sweep.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data if data is not None else small_sweep(), sort_keys=False))
        return path
    return write
