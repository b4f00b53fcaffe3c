"""Shared test fixtures: repository paths and the MNIST data folder (ARCHSIM_DATA or ../shared)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def mnist_dir() -> Path:
    d = Path(os.environ.get("ARCHSIM_DATA", ROOT.parent / "shared" / "data" / "mnist"))
    if not (d / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"MNIST not found at {d} (set ARCHSIM_DATA)")
    return d
