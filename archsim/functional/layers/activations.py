"""Element-wise activations (digital unit): relu, sigmoid, tanh, softmax (over the last axis)."""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.base import Layer


def softmax(z: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Activation(Layer):
    """One named activation function with its derivative."""

    def __init__(self, name: str, function: str):
        if function not in ("relu", "sigmoid", "tanh", "softmax"):
            raise ValueError(f"unknown activation {function!r}")
        self.name, self.function = name, function
        self._out = None

    def forward(self, x, train):
        f = self.function
        if f == "relu":
            out = np.maximum(x, 0)
        elif f == "sigmoid":
            out = 1.0 / (1.0 + np.exp(-x))
        elif f == "tanh":
            out = np.tanh(x)
        else:
            out = softmax(x)
        if train:
            self._out = out
        return out

    def backward(self, grad):
        out, f = self._out, self.function
        if f == "relu":
            return grad * (out > 0)
        if f == "sigmoid":
            return grad * out * (1 - out)
        if f == "tanh":
            return grad * (1 - out * out)
        return out * (grad - (grad * out).sum(axis=-1, keepdims=True))


class Flatten(Layer):
    """(N, C, H, W) → (N, C·H·W)."""

    def __init__(self, name: str):
        self.name = name
        self._shape = None

    def forward(self, x, train):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        return grad.reshape(self._shape)


class GlobalAvgPool(Layer):
    """(N, C, H, W) → (N, C): mean over each feature map."""

    def __init__(self, name: str):
        self.name = name
        self._shape = None

    def forward(self, x, train):
        self._shape = x.shape
        return x.mean(axis=(2, 3))

    def backward(self, grad):
        n, c, h, w = self._shape
        return np.broadcast_to(grad[:, :, None, None] / (h * w), self._shape).astype(grad.dtype)
