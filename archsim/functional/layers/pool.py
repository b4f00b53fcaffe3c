"""Max / average pooling in the digital unit over channels-last (N, H, W, C) maps (no padding)."""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.base import Layer
from archsim.functional.layers.conv import conv_out_size
from archsim.functional.layers.kernels import avgpool_backward, avgpool_forward, maxpool_backward, maxpool_forward


class Pool(Layer):
    """`mode` 'max' or 'avg' over k×k windows with the given stride. `relu` (max only): max pooling of
    relu(x), computed as relu(max pool(x)), equal and with the same gradient, on the k²-times smaller
    map (the network builder folds a ReLU layer before a max pool into it)."""

    def __init__(self, name: str, mode: str, kernel: int, stride: int | None = None, relu: bool = False):
        if relu and mode != "max":
            raise ValueError("only max pooling commutes with the ReLU")
        self.name, self.mode, self.kernel, self.relu = name, mode, kernel, relu
        self.stride = stride or kernel
        self._cache = None

    def forward(self, x, train):
        n, h, w, c = x.shape
        k, s = self.kernel, self.stride
        x = np.ascontiguousarray(x)
        out = np.empty((n, conv_out_size(h, k, s, 0), conv_out_size(w, k, s, 0), c), dtype=x.dtype)
        if self.mode == "max":
            arg = np.empty(out.shape, dtype=np.int32)
            maxpool_forward(x, k, s, out, arg, self.relu)
        else:
            arg = None
            avgpool_forward(x, k, s, out)
        if train:
            self._cache = (x.shape, arg, out)
        return out

    def backward(self, grad):
        shape, arg, pooled = self._cache
        grad = np.ascontiguousarray(grad)
        out = np.empty(shape, dtype=grad.dtype)
        if self.mode == "max":
            maxpool_backward(grad, arg, self.kernel, self.stride, pooled, self.relu, out)
        else:
            avgpool_backward(grad, self.kernel, self.stride, out)
        return out
