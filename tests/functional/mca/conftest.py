"""Shared fixtures: MNIST location (ARCHSIM_DATA or ../shared/data/mnist) and the reference MLP."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archsim.config.network import Network


def find_mnist_dir() -> Path:
    env = os.environ.get("ARCHSIM_DATA")
    root = Path(__file__).resolve().parents[3]
    if env:
        p = Path(env)
        return p if p.is_absolute() else (root / p).resolve()
    return (root / "../shared/data/mnist").resolve()


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    return find_mnist_dir()


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    from archsim.functional.datasets import load_mnist

    d = mnist_dir
    if not (d / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"MNIST not found at {d}; set ARCHSIM_DATA")
    return load_mnist(d, download=False)


@pytest.fixture
def reference_network():
    return make_network()


def make_network(hidden: str = "sigmoid", width: int = 250) -> Network:
    return Network.model_validate({"name": "mlp", "input_shape": [784], "layers": [
        {"type": "dense", "out": width, "activation": hidden},
        {"type": "dense", "out": 10, "activation": "softmax"}]})
