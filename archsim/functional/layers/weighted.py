"""Layers whose weights live on crossbars: the weight matrix is stored as mapped (rows × cols).

rows = fan-in (+1 bias row, input fixed at 1), cols = outputs. `forward_matrix` lets the inference
simulator or hardware-aware training substitute the matrix actually seen in the forward pass
(noisy or read from PCM) while gradients still update the clean `W`; `output_scale` is the
digital per-layer factor applied by global drift compensation.
"""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.base import Layer, Param
from archsim.functional.layers.crossbar import crossbar_mvm


class WeightedLayer(Layer):
    """A crossbar-mapped matrix layer; subclasses turn inputs into (batch, fan_in) rows and back."""

    def __init__(self, name: str, fan_in: int, cols: int, bias: bool, rng: np.random.Generator,
                 array_rows: int | None = None):
        self.name = name
        self.bias = bias
        self.fan_in = fan_in
        self.array_rows = array_rows
        self.W = np.zeros((fan_in + int(bias), cols), dtype=np.float32)
        self.W[:fan_in] = rng.standard_normal((fan_in, cols)) * np.sqrt(2.0 / fan_in)  # He init
        self.dW = np.zeros_like(self.W)
        self.forward_matrix: np.ndarray | None = None
        self.output_scale: float = 1.0
        self._x2d: np.ndarray | None = None
        self.skip_input_grad = False  # set for the first layer: its input gradient is never used

    @property
    def rows(self) -> int:
        return self.W.shape[0]

    @property
    def cols(self) -> int:
        return self.W.shape[1]

    def params(self) -> list[Param]:
        return [Param(f"{self.name}.W", self.W, self.dW)]

    def matmul(self, x2d: np.ndarray, train: bool) -> np.ndarray:
        """(batch, fan_in) → (batch, cols) through the (possibly substituted) matrix."""
        if train:
            self._x2d = x2d
        matrix = self.W if self.forward_matrix is None else self.forward_matrix
        y = crossbar_mvm(x2d, matrix, self.bias, self.array_rows)
        return y * np.float32(self.output_scale) if self.output_scale != 1.0 else y

    def matmul_backward(self, g2d: np.ndarray) -> np.ndarray:
        """Accumulate dW from the cached input; return the input gradient through the clean W."""
        x2d = self._x2d
        self.dW[: self.fan_in] = x2d.T @ g2d
        if self.bias:
            self.dW[self.fan_in] = g2d.sum(axis=0)
        if self.skip_input_grad:
            return None
        return g2d @ self.W[: self.fan_in].T


class Dense(WeightedLayer):
    """y = x·W (+ b): one MVM per image."""

    def forward(self, x, train):
        return self.matmul(x, train)

    def backward(self, grad):
        return self.matmul_backward(grad)
