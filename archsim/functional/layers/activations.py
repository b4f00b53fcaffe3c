"""Element-wise layers of the digital unit: activations (archsim.functional.activations), flatten,
global average pooling. 4-D feature maps are channels-last (N, H, W, C)."""

from __future__ import annotations

import numpy as np

from archsim.functional import activations as A
from archsim.functional.layers.base import Layer
from archsim.functional.layers.kernels import relu_backward


class Activation(Layer):
    """One named activation function with its derivative (softmax: only before the loss)."""

    def __init__(self, name: str, function: str):
        if function not in A.CODES or function == "none":
            raise ValueError(f"unknown activation {function!r}")
        self.name, self.function = name, function
        self._out = None

    def forward(self, x, train):
        out = A.apply(x, self.function)
        if train:
            self._out = out
        return out

    def backward(self, grad):
        out, f = self._out, self.function
        if f == "relu":
            res = np.empty_like(out)
            relu_backward(np.ascontiguousarray(grad), out, res)
            return res
        if f == "softmax":
            return out * (grad - (grad * out).sum(axis=-1, keepdims=True))
        return grad * A.derivative(out, f)


class Flatten(Layer):
    """(N, H, W, C) → (N, C·H·W) in (c, h, w) order, the order of the next dense layer's rows."""

    def __init__(self, name: str):
        self.name = name
        self._shape = None

    def forward(self, x, train):
        self._shape = x.shape
        if x.ndim == 4:
            x = x.transpose(0, 3, 1, 2)
        return np.ascontiguousarray(x).reshape(x.shape[0], -1)

    def backward(self, grad):
        if len(self._shape) == 4:
            n, h, w, c = self._shape
            return np.ascontiguousarray(grad.reshape(n, c, h, w).transpose(0, 2, 3, 1))
        return grad.reshape(self._shape)


class Dropout(Layer):
    """Inverted dropout in training (mask drawn from `rng`, which the trainer re-seeds every epoch);
    identity in inference."""

    def __init__(self, name: str, rate: float):
        self.name, self.rate = name, rate
        self.rng = np.random.default_rng(0)
        self._mask = None

    def forward(self, x, train):
        if not train or self.rate == 0:
            return x
        keep = 1.0 - self.rate
        self._mask = (self.rng.random(x.shape, dtype=np.float32) < keep).astype(x.dtype) / x.dtype.type(keep)
        return x * self._mask

    def backward(self, grad):
        return grad * self._mask


class GlobalAvgPool(Layer):
    """(N, H, W, C) → (N, C): mean over each feature map."""

    def __init__(self, name: str):
        self.name = name
        self._shape = None

    def forward(self, x, train):
        self._shape = x.shape
        return x.mean(axis=(1, 2))

    def backward(self, grad):
        n, h, w, c = self._shape
        return np.ascontiguousarray(np.broadcast_to(grad[:, None, None, :] / (h * w), self._shape), dtype=grad.dtype)
