"""Shared fixtures: the reference MLP (MNIST fixtures: tests/conftest.py)."""

from __future__ import annotations

import pytest

from archsim.config.network import Network
from archsim.functional.networks import mlp_from_network


@pytest.fixture
def reference_network():
    return make_network()


def make_network(hidden: str = "sigmoid", width: int = 250) -> Network:
    return Network.model_validate({"name": "mlp", "input_shape": [784], "layers": [
        {"type": "dense", "out": width, "activation": hidden},
        {"type": "dense", "out": 10, "activation": "softmax"}]})


@pytest.fixture
def spec():
    return mlp_from_network(make_network())


@pytest.fixture
def small_spec():
    """784 → 40 → 10: same structure as the reference MLP, fast enough for unit tests."""
    return mlp_from_network(make_network(width=40))
