"""MLP description from a workload network: dense layers only, any hidden activation, softmax output."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.config.errors import ConfigError, Problem
from archsim.config.shapes import weighted_layers

HIDDEN_ACTIVATIONS = ("sigmoid", "relu", "tanh", "none")


@dataclass(frozen=True)
class MlpSpec:
    """Per weighted layer: name, weight-matrix shape (rows incl. bias row × cols), bias flag, activation."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, int], ...]
    has_bias: tuple[bool, ...]
    activations: tuple[str, ...]

    @property
    def n_inputs(self) -> int:
        return self.shapes[0][0] - int(self.has_bias[0])

    @property
    def n_weights(self) -> int:
        return sum(r * c for r, c in self.shapes)

    def bias_array(self) -> np.ndarray:
        return np.array(self.has_bias, dtype=np.bool_)


def mlp_from_network(network, file=None) -> MlpSpec:
    """Check the network is an MLP the functional trainer supports and describe it."""
    layers = list(network.layers)
    problems = []
    if any(layer.type not in ("dense", "flatten") for layer in layers):
        problems.append("functional training supports dense (and flatten) layers only")
    dense = [layer for layer in layers if layer.type == "dense"]
    if not dense:
        problems.append("network has no dense layer")
    else:
        if dense[-1].activation != "softmax":
            problems.append(f"last dense layer must use activation softmax (cross-entropy loss), got "
                            f"'{dense[-1].activation}'")
        for layer in dense[:-1]:
            if layer.activation not in HIDDEN_ACTIVATIONS:
                problems.append(f"hidden activation '{layer.activation}' not supported; allowed: "
                                f"{', '.join(HIDDEN_ACTIVATIONS)}")
    if problems:
        raise ConfigError(file, [Problem("network", p) for p in problems])
    shapes = weighted_layers(network)
    return MlpSpec(tuple(s.name for s in shapes), tuple((s.rows, s.cols) for s in shapes),
                   tuple(s.rows == s.in_elements + 1 for s in shapes), tuple(layer.activation for layer in dense))
