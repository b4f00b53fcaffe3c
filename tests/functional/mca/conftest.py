"""Shared fixtures: the reference MLP (MNIST fixtures: tests/conftest.py)."""

from __future__ import annotations

import pytest

from archsim.config.network import Network


@pytest.fixture
def reference_network():
    return make_network()


def make_network(hidden: str = "sigmoid", width: int = 250) -> Network:
    return Network.model_validate({"name": "mlp", "input_shape": [784], "layers": [
        {"type": "dense", "out": width, "activation": hidden},
        {"type": "dense", "out": 10, "activation": "softmax"}]})
