"""Layers whose weights sit on crossbars: the weight matrix is stored as mapped (rows × cols).

rows = fan-in (+1 bias row, its input fixed at 1), cols = outputs. Inputs reach `matmul` as
(batch, rows) matrices that already carry the bias column, so one product serves forward, the
gradient dW = Xᵀ·G and the crossbar reads. Two ways to compute the product:
- digital (software weights `W`): y = X·W, or X·`forward_matrix` when hardware-aware training
  substitutes a noisy copy for the forward pass (gradients still update the clean W);
- analog (`array` set): the layer's conductances on crossbar tiles read through DAC, read noise
  and ADC (archsim.functional.crossbar.analog.AnalogArray), forward and transposed.
"""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.base import Layer, Param
from archsim.functional.layers.kernels import outer


class WeightedLayer(Layer):
    """A crossbar-mapped matrix layer; subclasses turn inputs into (batch, rows) matrices and back."""

    def __init__(self, name: str, fan_in: int, cols: int, bias: bool, rng: np.random.Generator,
                 init_gain: float = np.sqrt(2.0), dtype=np.float32):
        self.name = name
        self.bias = bias
        self.fan_in = fan_in
        self.W = np.zeros((fan_in + int(bias), cols), dtype=dtype)
        self.W[:fan_in] = rng.standard_normal((fan_in, cols)) * (init_gain / np.sqrt(fan_in))
        self.dW = np.zeros_like(self.W)
        self.forward_matrix: np.ndarray | None = None
        self.array = None              # AnalogArray when the layer is read from PCM crossbars
        self.compute_grad = True       # False: the trainer derives its own update from x2d and g2d
        self.x2d: np.ndarray | None = None
        self.g2d: np.ndarray | None = None
        self.skip_input_grad = False   # set for the first layer: its input gradient is never used
        self._buffers: dict[str, np.ndarray] = {}

    @property
    def rows(self) -> int:
        return self.W.shape[0]

    @property
    def cols(self) -> int:
        return self.W.shape[1]

    @property
    def dtype(self):
        return self.W.dtype

    def params(self) -> list[Param]:
        return [Param(f"{self.name}.W", self.W, self.dW)]

    def matmul(self, x2d: np.ndarray, train: bool, out: np.ndarray | None = None) -> np.ndarray:
        """(batch, rows) → (batch, cols) through the array, the substituted matrix or W (digital: into `out`
        when given and of the product's dtype)."""
        if train:
            self.x2d = x2d
        if self.array is not None:
            return self.array.forward(x2d)
        w = self.W if self.forward_matrix is None else self.forward_matrix
        if out is not None and w.dtype == x2d.dtype == out.dtype:
            return np.matmul(x2d, w, out=out)
        return x2d @ w

    def matmul_backward(self, g2d: np.ndarray, out: np.ndarray | None = None) -> np.ndarray | None:
        """dW = Xᵀ·G (if compute_grad); returns the input gradient (batch, fan_in) or None (first layer);
        digital: into `out` when given and of the gradient's dtype."""
        self.g2d = g2d
        if self.compute_grad:
            if g2d.shape[0] == 1:  # one image, one position: an outer product
                outer(self.x2d[0], g2d[0], self.dW)
            else:
                np.matmul(self.x2d.T, g2d, out=self.dW)
        if self.skip_input_grad:
            return None
        if self.array is not None:
            return self.array.backward(g2d)
        if out is not None and g2d.dtype == self.dtype == out.dtype:
            return np.matmul(g2d, self.W[: self.fan_in].T, out=out)
        return g2d @ self.W[: self.fan_in].T

    def buffer(self, key: str, shape: tuple[int, ...]) -> np.ndarray:
        """A scratch array of the layer's dtype kept between training batches of the same shape (no
        re-allocation and page faults per batch); what it holds is valid until the next batch."""
        buf = self._buffers.get(key)
        if buf is None or buf.shape != shape:
            buf = self._buffers[key] = np.empty(shape, dtype=self.dtype)
        return buf


class Dense(WeightedLayer):
    """y = x·W (+ b): one MVM per image."""

    def forward(self, x, train):
        if self.bias:
            x1 = np.empty((x.shape[0], self.rows), dtype=self.dtype)
            x1[:, : self.fan_in] = x
            x1[:, self.fan_in] = 1
        else:
            x1 = np.ascontiguousarray(x, dtype=self.dtype)
        return self.matmul(x1, train)

    def backward(self, grad):
        return self.matmul_backward(np.ascontiguousarray(grad))
