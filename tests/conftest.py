"""Shared test fixtures: repository paths and the data sets (ARCHSIM_DATA, else ../shared/data).

ARCHSIM_DATA may name a data set's folder (../shared/data/mnist) or a root holding mnist/ and
fashion-mnist/ (../shared/data, what CI sets); the loader's own search decides, so the tests see
exactly what `archsim run` would.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


def local_dataset(name: str):
    """The data set as the loader finds it without downloading (or skip the test, saying where it looked)."""
    from archsim.config.errors import ConfigError
    from archsim.functional.datasets import load_dataset

    fallback = None if os.environ.get("ARCHSIM_DATA") else ROOT.parent / "shared" / "data"
    try:
        return load_dataset(name, fallback, download=False, progress=False)
    except ConfigError as exc:
        pytest.skip(f"{name} not available (set ARCHSIM_DATA):\n{exc}")


@pytest.fixture(scope="session")
def mnist():
    return local_dataset("mnist")


@pytest.fixture(scope="session")
def mnist_dir(mnist) -> Path:
    return mnist.source_dir.resolve()


@pytest.fixture(scope="session")
def fashion_mnist():
    return local_dataset("fashion_mnist")
